"""Rollups of reports for fast map aggregates.

`ReportCell` counts reports per node of the public grid (reports.visibility: cell_x = round(x / g),
cell_y = round(y / g) for the public point in EPSG:9377, g = settings.PUBLIC_GRID_METRES), local day
of receipt (America/Bogota), locality/UPZ code, category and visibility. The heatmap reads it instead
of transforming every report point. It is kept up to date by `maps.services` (after report writes,
and manage.py refresh_rollups; incremental by the days touched). Changing PUBLIC_GRID_METRES needs
`refresh_rollups --full`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.models import Category


class ReportCell(models.Model):
    """Reports at one public-grid node (EPSG:9377) on one day, for one locality/UPZ/category/visibility."""

    cell_x = models.IntegerField()
    cell_y = models.IntegerField()
    day = models.DateField()
    locality_code = models.CharField(max_length=2)
    upz_code = models.CharField(max_length=8, blank=True)
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    sensitive = models.BooleanField()
    public = models.BooleanField(help_text=_("Counted in public outputs (not hidden/rejected/duplicate)."))
    n = models.IntegerField()
    resolved = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    response_secs = models.FloatField(default=0)

    class Meta:
        verbose_name = _("celda agregada de reportes")
        verbose_name_plural = _("celdas agregadas de reportes")
        indexes = [
            models.Index(fields=["day"], name="reportcell_day"),
            models.Index(fields=["locality_code", "day"], name="reportcell_locality_day"),
        ]

    def __str__(self):
        return f"{self.cell_x},{self.cell_y} {self.day}: {self.n}"


class RollupState(models.Model):
    """When the rollups were last brought up to date (one row, name='reportcell')."""

    name = models.CharField(max_length=40, unique=True)
    refreshed_at = models.DateTimeField()
    watermark = models.DateTimeField(help_text=_("Largest Report.updated_at included."))

    def __str__(self):
        return f"{self.name} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
