"""Chainable spatial filters for the territory models. Each filter is written once, here."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import GeoFunc, Transform
from django.contrib.gis.geos import Point
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from geo.spatial import METRIC_SRID, STORAGE_SRID


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology(geom, tolerance): tolerance in the units of the geometry's SRID.

    Django ships only ST_Simplify, which may collapse small rings or make polygons invalid.
    """

    function = "ST_SimplifyPreserveTopology"
    geom_param_pos = (0,)

    @cached_property
    def output_field(self):
        # Same geometry type and SRID as the input; the float tolerance must not count.
        return self.source_expressions[0].output_field


class Multi(GeoFunc):
    """ST_Multi(geom): simplification may return a Polygon; the API promises MultiPolygons."""

    function = "ST_Multi"


def simplified_in_metres(field: str, metres: float):
    """Expression: `field` (EPSG:4326) simplified with a tolerance in metres in EPSG:9377, back to 4326.

    The result stays a MultiPolygon.
    """
    metric = Transform(field, METRIC_SRID)
    return Multi(Transform(SimplifyPreserveTopology(metric, float(metres)), STORAGE_SRID))


class VersionedQuerySet(models.QuerySet):
    def current(self):
        """Rows of the active boundary version only."""
        return self.filter(version__active=True)

    def with_shape(self, simplify_metres: float | None = None):
        """Annotate `shape`: the geometry (EPSG:4326), simplified in PostGIS when `simplify_metres` is given.

        The simplification runs in EPSG:9377 so the tolerance is in metres. `geom` itself is deferred,
        so each polygon is read once (and the full polygon never, when simplified).
        """
        shape = simplified_in_metres("geom", simplify_metres) if simplify_metres else F("geom")
        return self.defer("geom").annotate(shape=shape)


class LocalityQuerySet(VersionedQuerySet):
    def covering(self, point: Point):
        """Localities whose polygon covers `point` (EPSG:4326); a point on a border matches both sides."""
        return self.filter(geom__covers=point)

    def with_upz_count(self):
        """Annotate `upz_count`: the number of urban UPZ (rural UPR excluded) of each locality.

        A correlated subquery rather than JOIN + GROUP BY, so geometry annotations never end up in
        the GROUP BY clause.
        """
        upz_model = self.model._meta.get_field("upzs").related_model
        counts = (
            upz_model.objects.filter(locality=OuterRef("pk"), rural=False)
            .order_by()
            .values("locality")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(upz_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


class UpzQuerySet(VersionedQuerySet):
    def covering(self, point: Point):
        """UPZ/UPR whose polygon covers `point` (EPSG:4326); a point on a border matches both sides."""
        return self.filter(geom__covers=point)

    def urban(self):
        """Urban planning units (UPZ), without the rural UPR."""
        return self.filter(rural=False)


class PartQuerySet(models.QuerySet):
    def current(self):
        """Parts of the active boundary version only."""
        return self.filter(version__active=True)

    def covering(self, point: Point):
        """Parts covering `point` (EPSG:4326), using the GiST index on the small subdivided polygons."""
        return self.filter(geom__covers=point)
