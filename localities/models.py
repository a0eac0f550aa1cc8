"""Bogotá's territory: boundary versions, the 20 localities and the UPZ/UPR planning units.

Geometries are stored in EPSG:4326; areas are measured in EPSG:9377 (metres) at import time.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .querysets import LocalityQuerySet, PartQuerySet, UpzQuerySet


class BoundaryVersion(models.Model):
    """One import of the official boundaries (like MapIt's Generation).

    A re-import with different geometry creates a new version and makes it active; rows of earlier
    versions stay, so reports keep pointing at the polygons they were matched to.
    """

    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    source = models.TextField(_("fuente"), help_text=_("Files or URLs read by the import."))
    checksum = models.CharField(_("huella"), max_length=64, unique=True)
    active = models.BooleanField(_("activa"), default=False)
    note = models.TextField(_("nota"), blank=True)

    class Meta:
        verbose_name = _("versión de límites")
        verbose_name_plural = _("versiones de límites")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_version"),
        ]

    def __str__(self):
        flag = " (activa)" if self.active else ""
        return f"Versión {self.pk} del {self.created_at:%Y-%m-%d}{flag}"


class Locality(models.Model):
    """A localidad of Bogotá (20): code '01'..'20'."""

    version = models.ForeignKey(BoundaryVersion, on_delete=models.PROTECT, related_name="localities")
    code = models.CharField(_("código"), max_length=2)
    name = models.CharField(_("nombre"), max_length=80)
    source_name = models.CharField(_("nombre en la fuente"), max_length=80, blank=True)
    area_km2 = models.FloatField(_("área (km²)"))
    geom = models.MultiPolygonField(_("geometría"), srid=4326)

    objects = LocalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("localidad")
        verbose_name_plural = _("localidades")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="locality_code_per_version"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Upz(models.Model):
    """A planning unit: UPZ (urban, code '1'..'117') or UPR (rural, code 'UPR1'.. , `rural=True`)."""

    version = models.ForeignKey(BoundaryVersion, on_delete=models.PROTECT, related_name="upzs")
    code = models.CharField(_("código"), max_length=8)
    name = models.CharField(_("nombre"), max_length=120)
    source_name = models.CharField(_("nombre en la fuente"), max_length=120, blank=True)
    rural = models.BooleanField(_("rural (UPR)"), default=False)
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="upzs",
        help_text=_("Locality holding the largest share of the unit's area."),
    )
    area_km2 = models.FloatField(_("área (km²)"))
    geom = models.MultiPolygonField(_("geometría"), srid=4326)

    objects = UpzQuerySet.as_manager()

    class Meta:
        verbose_name = _("UPZ / UPR")
        verbose_name_plural = _("UPZ / UPR")
        ordering = ["locality__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="upz_code_per_version"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}" if self.rural else f"UPZ {self.code} {self.name}"


class LocalityPart(models.Model):
    """A small piece of a locality (ST_Subdivide), so point-in-polygon tests touch few vertices."""

    version = models.ForeignKey(BoundaryVersion, on_delete=models.CASCADE, related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="parts")
    geom = models.PolygonField(srid=4326)

    objects = PartQuerySet.as_manager()

    class Meta:
        verbose_name = _("fragmento de localidad")


class UpzPart(models.Model):
    """A small piece of a UPZ/UPR (ST_Subdivide), for fast point-in-polygon."""

    version = models.ForeignKey(BoundaryVersion, on_delete=models.CASCADE, related_name="+")
    upz = models.ForeignKey(Upz, on_delete=models.CASCADE, related_name="parts")
    geom = models.PolygonField(srid=4326)

    objects = PartQuerySet.as_manager()

    class Meta:
        verbose_name = _("fragmento de UPZ")


class Level(models.TextChoices):
    LOCALITY = "locality", _("Localidad")
    UPZ = "upz", _("UPZ / UPR")


class Population(models.Model):
    """Inhabitants of a locality or UPZ, keyed by official code (stable across boundary versions).

    `year` is empty when the source does not state it (the UPZ table of Laboratorio Urbano).
    """

    level = models.CharField(_("nivel"), max_length=10, choices=Level.choices)
    code = models.CharField(_("código"), max_length=8)
    year = models.PositiveSmallIntegerField(_("año"), null=True, blank=True)
    population = models.PositiveIntegerField(_("población"))
    source = models.CharField(_("fuente"), max_length=200)

    class Meta:
        verbose_name = _("población")
        verbose_name_plural = _("población")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "year"], name="population_unique", nulls_distinct=False
            ),
        ]

    def __str__(self):
        return f"{self.level} {self.code} {self.year or 's.f.'}: {self.population}"
