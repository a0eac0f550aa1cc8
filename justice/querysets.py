"""Chainable spatial filters of the service directory. Each filter is written once, here.

Points and polygons are EPSG:4326; distances are metres on the WGS 84 spheroid.
"""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point


class ServicePointQuerySet(models.QuerySet):
    def current(self):
        """Service points still listed by their source (withdrawn ones are kept for old requests)."""
        return self.filter(active=True)

    def of_kind(self, kind: str | None):
        """Only one kind of service (all kinds when `kind` is None)."""
        return self.filter(kind=kind) if kind else self

    def in_locality(self, code: str | None):
        """Service points lying in the locality with this two-digit code in the active boundary version
        (all when None). After new boundaries, `import_services` locates the points again."""
        return self.filter(locality__code=code, locality__version__active=True) if code else self

    def knn_candidates(self, point: Point, count: int):
        """The `count` rows nearest to `point` (EPSG:4326) by the `<->` KNN operator on the GiST index of
        `location` (planar degrees), annotated with `knn_degrees` (the operator's value) and `distance_m`
        (exact metres on the WGS 84 spheroid).

        The KNN runs in a subquery on this table alone, so the index order is not lost behind joins
        added later (select_related). The planar order only approximates the metric one: re-sort by
        `distance_m` (justice.selectors.service_nearest does, and proves the answer exact).
        """
        # No tie-break key here: a second ORDER BY key would stop PostgreSQL from walking the GiST index.
        nearest_ids = self.order_by(GeometryDistance("location", point)).values("pk")[:count]
        return self.filter(pk__in=nearest_ids).annotate(
            knn_degrees=GeometryDistance("location", point),
            distance_m=Distance("location", point, spheroid=True),
        )

    def by_distance(self, point: Point):
        """Ordered by exact metres (WGS 84 spheroid) computed for every row: the brute-force reference."""
        return self.annotate(distance_m=Distance("location", point, spheroid=True)).order_by(
            "distance_m", "pk"
        )


class QuadrantQuerySet(models.QuerySet):
    def current(self):
        """Quadrants of the latest import (withdrawn ones are kept but not answered)."""
        return self.filter(active=True)

    def covering(self, point: Point):
        """Quadrants whose polygon covers `point` (EPSG:4326); a point on a shared edge matches both."""
        return self.filter(geom__covers=point)
