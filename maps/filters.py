"""Filters shared by every map output (heatmap, hotspots, statistics, tiles, layers, exports, pages).

`MapFilters` is what a caller asked for; reports.visibility decides what the caller may see. The
two meet here as SQL conditions: `report_where` on reports_report (tiles, layers, exports,
statistics) and `rollup_where` on the rollup maps_reportcell (heatmaps, hot spots, trends).
Query-string parsing lives with the other query serializers (maps.serializers.MapFilterSerializer).

Semantics:
- `locality`: one or more locality codes ('01'..'20').
- `upz`: one or more UPZ/UPR codes ('1'..'117', 'UPR1'...).
- `category`: one or more category codes (data/categories.toml).
- `date_from`, `date_to`: inclusive dates of receipt (`Report.created_at`), taken as local dates in
  America/Bogota (settings.TIME_ZONE).
- `status`: one or more workflow statuses; only outputs read from reports_report take it
  (maps.serializers.ReportFilterSerializer), since the rollup counts every status together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from reports.visibility import ViewerScope, VisibleRows, report_rows, rollup_rows


@dataclass(frozen=True)
class MapFilters:
    """Validated filters. Empty tuples/None mean "no restriction"."""

    locality: tuple[str, ...] = ()
    upz: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    # Workflow statuses; only outputs read from reports_report honour it (the rollup has no status).
    status: tuple[str, ...] = ()

    def created_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) as aware datetimes in the project time zone, for filtering `created_at`."""
        tz = ZoneInfo(settings.TIME_ZONE)
        start = datetime.combine(self.date_from, time.min, tzinfo=tz) if self.date_from else None
        end = (
            datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz) if self.date_to else None
        )
        return start, end

    def with_period(self, date_from: date, date_to: date) -> MapFilters:
        """The same filters over another period (inclusive dates)."""
        return replace(self, date_from=date_from, date_to=date_to)

    def apply(self, queryset):
        """Apply to a Report queryset (ORM): codes through the related rows, dates on created_at."""
        if self.locality:
            queryset = queryset.filter(locality__code__in=self.locality)
        if self.upz:
            queryset = queryset.filter(upz__code__in=self.upz)
        if self.category:
            queryset = queryset.filter(category__code__in=self.category)
        if self.status:
            queryset = queryset.filter(status__in=self.status)
        start, end = self.created_range()
        if start:
            queryset = queryset.filter(created_at__gte=start)
        if end:
            queryset = queryset.filter(created_at__lt=end)
        return queryset


def following_month(day: date) -> date:
    """First day of the calendar month after the one `day` is in."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(date_from: date | None, date_to: date | None) -> tuple[date | None, date | None] | None:
    """[first, after): first days of the calendar months lying wholly inside [date_from, date_to]
    (inclusive dates; a None end is open); None when no month does. The rollups keep a row per month
    beside their day rows (maps.models), and a period reads month rows for these months."""
    first = date_from if date_from is None or date_from.day == 1 else following_month(date_from)
    if date_to is None:
        after = None
    elif (date_to + timedelta(days=1)).day == 1:
        after = date_to + timedelta(days=1)
    else:
        after = date_to.replace(day=1)
    if first is not None and after is not None and first >= after:
        return None
    return first, after


def report_where(filters: MapFilters, scope: ViewerScope, *, points: bool) -> VisibleRows:
    """Rows of reports_report r (joined to reports_category c, localities_locality l) that `scope` may
    see under `filters`; points=True for outputs finer than a UPZ (see visibility.report_rows)."""
    rows = report_rows(scope, points=points)
    if filters.locality:
        rows = rows.and_where("l.code = ANY(%(f_locality)s)", f_locality=list(filters.locality))
    if filters.upz:
        rows = rows.and_where(
            "r.upz_id IN (SELECT id FROM localities_upz WHERE code = ANY(%(f_upz)s))", f_upz=list(filters.upz)
        )
    if filters.category:
        rows = rows.and_where("c.code = ANY(%(f_category)s)", f_category=list(filters.category))
    if filters.status:
        rows = rows.and_where("r.status = ANY(%(f_status)s)", f_status=list(filters.status))
    start, end = filters.created_range()
    if start:
        rows = rows.and_where("r.created_at >= %(f_start)s", f_start=start)
    if end:
        rows = rows.and_where("r.created_at < %(f_end)s", f_end=end)
    return rows


def rollup_where(filters: MapFilters, scope: ViewerScope, *, points: bool) -> VisibleRows:
    """Rows of maps_reportcell that `scope` may see under `filters`, as report_where."""
    if filters.status:
        # The rollup counts every status together; the serializers of rollup outputs have no `status`.
        raise ValueError("the rollup cannot filter by status")
    rows = rollup_rows(scope, points=points)
    if filters.locality:
        rows = rows.and_where("locality_code = ANY(%(locality)s)", locality=list(filters.locality))
    if filters.upz:
        rows = rows.and_where("upz_code = ANY(%(upz)s)", upz=list(filters.upz))
    if filters.category:
        rows = rows.and_where(
            "category_id IN (SELECT id FROM reports_category WHERE code = ANY(%(category)s))",
            category=list(filters.category),
        )
    if filters.date_from:
        rows = rows.and_where("day >= %(date_from)s", date_from=filters.date_from)
    if filters.date_to:
        rows = rows.and_where("day <= %(date_to)s", date_to=filters.date_to)
    return rows
