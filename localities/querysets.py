"""Chainable spatial filters for the territory models. Each filter is written once, here."""

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point


class VersionedQuerySet(models.QuerySet):
    def current(self):
        """Rows of the active boundary version only."""
        return self.filter(version__active=True)


class LocalityQuerySet(VersionedQuerySet):
    def covering(self, point: Point):
        """Localities whose polygon covers `point` (EPSG:4326); a point on a border matches both sides."""
        return self.filter(geom__covers=point)


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
