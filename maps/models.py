"""Rollups of reports for fast map aggregates.

`ReportCell` counts reports per node of the public grid (reports.visibility: cell_x = round(x / g),
cell_y = round(y / g) for the public point in EPSG:9377, g = settings.PUBLIC_GRID_METRES), local day
of receipt (America/Bogota), locality/UPZ code, category and visibility. The heatmap reads it instead
of transforming every report point. It is kept up to date by `maps.services` (after report writes,
and manage.py refresh_rollups; incremental by the days touched). Changing PUBLIC_GRID_METRES needs
`refresh_rollups --full`.

`ReportBlock` is the coarse companion of `ReportCell`: 500 m blocks per month (and per day for all
categories together), so square heatmaps and hot spots of 500 m multiples read a number of rows
that grows with the city's area and the months asked for rather than with the reports.

`UnitDayStat` and `UnitDayCategoryStat` are the statistics rollup (maps.selectors.stats): reports per
local day, locality, UPZ and visibility (all categories together, and per category), with the
resolved count and the first-response delay of every answered report (seconds, sorted), so the median
of a period is the one percentile_cont gives over the base table, to the last bit. `response_below`
is a cumulative histogram of those delays (how many are below each of RESPONSE_BOUNDS), so the median
is found without sorting every delay: the histograms summed over the period say which bucket holds
the middle rank, and only that bucket's slice of each array is read. Refreshed with `ReportCell` in
the same transaction (maps.services.rollups_refresh).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func
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


# Side of a block of the coarse cell rollup, in public-grid nodes: 5 × 100 m = 500 m by default.
BLOCK_NODES = 5


class ReportBlock(models.Model):
    """Reports in one block of BLOCK_NODES × BLOCK_NODES public-grid nodes (EPSG:9377) on one local day
    or in one month, for one locality/UPZ/visibility, and one category or all of them.

    The coarse rollup beside ReportCell (maps.selectors.grid): block (i, j) holds the nodes with
    cell_x // BLOCK_NODES = i, so a square output cell whose side is a multiple of the block's is a
    union of whole blocks and its count is a sum of block rows. Monthly rows (first day of the
    month) exist per category and for all categories together (category NULL); day rows only for all
    categories together (per category they would hold about one row per report, as ReportCell does).
    A period reads month rows for the whole months inside it and day rows (ReportCell's when a
    category is asked for) for the days it cuts. Rebuilt from ReportCell in the same transaction.
    """

    block_x = models.IntegerField()
    block_y = models.IntegerField()
    day = models.DateField(
        help_text=_("Local day of receipt; for a monthly row, the first day of its month.")
    )
    monthly = models.BooleanField()
    locality_code = models.CharField(max_length=2)
    upz_code = models.CharField(max_length=8, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        db_index=False,  # reportblock_month_category serves the category reads
        help_text=_("Empty: every category together."),
    )
    sensitive = models.BooleanField()
    public = models.BooleanField(help_text=_("Counted in public outputs (not hidden/rejected/duplicate)."))
    n = models.IntegerField()

    class Meta:
        verbose_name = _("bloque agregado de reportes")
        verbose_name_plural = _("bloques agregados de reportes")
        # Partial indexes, so a period's month rows of all categories (the common read) are found
        # among the far more numerous day and per-category rows without a scan of the table.
        indexes = [
            models.Index(fields=["monthly", "day"], name="reportblock_monthly_day"),
            models.Index(
                fields=["day"],
                name="reportblock_month_all",
                condition=models.Q(monthly=True, category__isnull=True),
            ),
            models.Index(
                fields=["category", "day"],
                name="reportblock_month_category",
                condition=models.Q(monthly=True),
            ),
        ]

    def __str__(self):
        return f"{self.block_x},{self.block_y} {self.day}{' (mes)' if self.monthly else ''}: {self.n}"


# Bucket bounds (seconds) of the response-time histogram: 1 minute × √2^i, i = 0..31 (1 min to
# about 32 days). Changing them needs `refresh_rollups --full`; the median stays exact whatever they
# are (they only decide how many delays the second step reads).
RESPONSE_BOUNDS = tuple(60.0 * 2 ** (i / 2) for i in range(32))


class UnitDayStatBase(models.Model):
    """Reports received on one local day (America/Bogota), or one month, in one locality/UPZ, public or not."""

    day = models.DateField(
        help_text=_("Local day of receipt; for a monthly row, the first day of its month.")
    )
    # Monthly rows sum the day rows of one calendar month (same keys), so a period reads whole months
    # inside it as one row each and day rows only for the months it cuts (maps.selectors.stats).
    monthly = models.BooleanField(default=False)
    locality_code = models.CharField(max_length=2)
    upz_code = models.CharField(max_length=8, blank=True)
    public = models.BooleanField(help_text=_("Counted in public outputs (not hidden/rejected/duplicate)."))
    n = models.IntegerField()
    resolved = models.IntegerField()
    # extract(epoch FROM first_response_at - created_at) as float8, ascending: the very values the raw
    # aggregate's percentile_cont orders, so the median from the rollup is the same number.
    response_secs = ArrayField(models.FloatField(), default=list)
    # response_below[i] (1-based in SQL) = how many of response_secs are < RESPONSE_BOUNDS[i - 1].
    response_below = ArrayField(models.IntegerField(), default=list)
    # How many delays response_secs holds, kept by PostgreSQL itself, so the statistics' first step
    # reads it from the covering index (STAT_READ_COLUMNS) instead of the wide array.
    responded = models.GeneratedField(
        expression=Func(F("response_secs"), function="cardinality"),
        output_field=models.IntegerField(),
        db_persist=True,
    )

    class Meta:
        abstract = True


# Columns the statistics read besides the index keys (maps.selectors.stats), carried in the read
# indexes, whose keys are [category,] monthly, day, locality, UPZ (a locality filter narrows the
# scan too), so both steps choose their rows by index-only scans: the heap rows are wide (the
# delays' arrays) and a period's rows are scattered over the table, so reading them there cost most
# of the request. Only the rows whose slice of delays the median needs are then fetched, by id.
STAT_READ_COLUMNS = ["public", "n", "resolved", "responded", "response_below", "id"]


class UnitDayStat(UnitDayStatBase):
    """Statistics rollup, all categories together (read when no category filter is given)."""

    class Meta:
        verbose_name = _("estadística diaria por UPZ")
        verbose_name_plural = _("estadísticas diarias por UPZ")
        indexes = [
            models.Index(fields=["day"], name="unitdaystat_day"),
            models.Index(
                fields=["monthly", "day", "locality_code", "upz_code"],
                include=STAT_READ_COLUMNS,
                name="unitdaystat_read",
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.locality_code}/{self.upz_code}: {self.n}"


class UnitDayCategoryStat(UnitDayStatBase):
    """Statistics rollup per category (read when the caller filters by category)."""

    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    class Meta:
        verbose_name = _("estadística diaria por UPZ y categoría")
        verbose_name_plural = _("estadísticas diarias por UPZ y categoría")
        indexes = [
            models.Index(
                fields=["category", "monthly", "day", "locality_code", "upz_code"],
                include=STAT_READ_COLUMNS,
                name="unitdaycatstat_read",
            ),
            models.Index(fields=["day"], name="unitdaycatstat_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.locality_code}/{self.upz_code} {self.category_id}: {self.n}"


class RollupState(models.Model):
    """When the rollups were last brought up to date (one row, name='reportcell')."""

    name = models.CharField(max_length=40, unique=True)
    refreshed_at = models.DateTimeField()
    watermark = models.DateTimeField(help_text=_("Largest Report.updated_at included."))

    def __str__(self):
        return f"{self.name} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
