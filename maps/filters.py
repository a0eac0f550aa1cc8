"""Filters shared by every map output (heatmap, hotspots, statistics, tiles, exports).

`report_where` turns them into SQL conditions on reports_report for the raw-SQL outputs (tiles,
layers, exports, statistics).

Usage in a view:

    params = MapFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)          # 400 naming the field on bad input
    filters = params.to_filters()                  # a frozen MapFilters
    scope = ViewerScope.for_user(request.user)     # what the caller may aggregate

Semantics:
- `locality`: one or more locality codes ('01'..'20'), comma-separated.
- `upz`: one or more UPZ/UPR codes ('1'..'117', 'UPR1'...), comma-separated.
- `category`: one or more category codes (data/categories.toml), comma-separated.
- `date_from`, `date_to`: inclusive dates (YYYY-MM-DD) of receipt (`Report.created_at`), taken as
  local dates in America/Bogota (settings.TIME_ZONE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from rest_framework import serializers

from reports import access
from reports.querysets import NOT_PUBLIC_STATUSES


def _codes(value: str) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in (value or "").split(",") if v.strip()}))


@dataclass(frozen=True)
class MapFilters:
    """Validated filters. Empty tuples/None mean "no restriction"."""

    locality: tuple[str, ...] = ()
    upz: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None  # inclusive

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
        return MapFilters(self.locality, self.upz, self.category, date_from, date_to)

    def apply(self, queryset):
        """Apply to a Report queryset (ORM): codes through the related rows, dates on created_at."""
        if self.locality:
            queryset = queryset.filter(locality__code__in=self.locality)
        if self.upz:
            queryset = queryset.filter(upz__code__in=self.upz)
        if self.category:
            queryset = queryset.filter(category__code__in=self.category)
        start, end = self.created_range()
        if start:
            queryset = queryset.filter(created_at__gte=start)
        if end:
            queryset = queryset.filter(created_at__lt=end)
        return queryset


@dataclass(frozen=True)
class ViewerScope:
    """What a caller may aggregate.

    - `full`: analysts and admins: every report, no small-count suppression.
    - `locality_codes`: locality staff: full detail for reports of these localities; public rules
      elsewhere.
    - otherwise (anonymous, citizens, moderators): public reports only (not hidden, not rejected, not
      duplicate), units with fewer than settings.PUBLIC_MIN_COUNT reports suppressed, sensitive
      categories never as points.
    """

    full: bool = False
    locality_codes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def for_user(cls, user) -> ViewerScope:
        """The scope of `user` (see reports.access for the roles)."""
        role = access.role_of(user)
        if role in (access.ADMIN, access.ANALYST):
            return cls(full=True)
        if role == access.LOCALITY_STAFF:
            return cls(locality_codes=tuple(sorted(access.staff_locality_codes(user))))
        return cls()

    @property
    def is_public(self) -> bool:
        return not self.full and not self.locality_codes


def report_where(filters: MapFilters, scope: ViewerScope, alias: str = "r") -> tuple[str, dict, str]:
    """SQL conditions on reports_report `alias` (joined to reports_category c, localities_locality l).

    Returns (where_sql, params, privileged_sql): `where_sql` keeps the rows the caller may see under the
    filters; `privileged_sql` is a boolean SQL expression true where the caller sees full detail.
    """
    params: dict = {"not_public": list(NOT_PUBLIC_STATUSES)}
    public = f"(NOT {alias}.hidden AND {alias}.status <> ALL(%(not_public)s))"
    if scope.full:
        privileged = "TRUE"
    elif scope.locality_codes:
        privileged = "(l.code = ANY(%(staff_codes)s))"
        params["staff_codes"] = list(scope.locality_codes)
    else:
        privileged = "FALSE"
    conds = [f"({privileged} OR {public})"]
    if filters.locality:
        conds.append("l.code = ANY(%(f_locality)s)")
        params["f_locality"] = list(filters.locality)
    if filters.upz:
        conds.append(f"{alias}.upz_id IN (SELECT id FROM localities_upz WHERE code = ANY(%(f_upz)s))")  # noqa: S608
        params["f_upz"] = list(filters.upz)
    if filters.category:
        conds.append("c.code = ANY(%(f_category)s)")
        params["f_category"] = list(filters.category)
    start, end = filters.created_range()
    if start:
        conds.append(f"{alias}.created_at >= %(f_start)s")
        params["f_start"] = start
    if end:
        conds.append(f"{alias}.created_at < %(f_end)s")
        params["f_end"] = end
    return " AND ".join(conds), params, privileged


def public_min_count() -> int:
    """k: public aggregates hide units with fewer reports than this (settings.PUBLIC_MIN_COUNT, default 3)."""
    return int(getattr(settings, "PUBLIC_MIN_COUNT", 3))


class CodeListField(serializers.CharField):
    """Comma-separated codes → sorted tuple of distinct codes."""

    def __init__(self, *, pattern: str | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.pattern = pattern

    def to_internal_value(self, data):
        import re

        codes = _codes(super().to_internal_value(data))
        if self.pattern:
            bad = [c for c in codes if not re.fullmatch(self.pattern, c)]
            if bad:
                raise serializers.ValidationError(f"Código(s) no válido(s): {', '.join(bad)}.")
        return codes


class MapFilterSerializer(serializers.Serializer):
    """Query-string filters shared by map endpoints; `to_filters()` gives a MapFilters."""

    locality = CodeListField(
        pattern=r"\d{2}", help_text="Código(s) de localidad separados por comas, p. ej. 01,08."
    )
    upz = CodeListField(pattern=r"(\d{1,3}|UPR\d{1,2})", help_text="Código(s) de UPZ/UPR, p. ej. 75,UPR1.")
    category = CodeListField(
        pattern=r"[a-z0-9_\-]{1,40}",
        help_text="Código(s) de categoría separados por comas, p. ej. hurto,rina.",
    )
    date_from = serializers.DateField(
        required=False, help_text="Desde (inclusive), fecha de recepción AAAA-MM-DD, hora de Bogotá."
    )
    date_to = serializers.DateField(
        required=False, help_text="Hasta (inclusive), fecha de recepción AAAA-MM-DD, hora de Bogotá."
    )

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"date_to": "date_to debe ser igual o posterior a date_from (formato AAAA-MM-DD)."}
            )
        return attrs

    def to_filters(self) -> MapFilters:
        data = self.validated_data
        return MapFilters(
            locality=data.get("locality", ()),
            upz=data.get("upz", ()),
            category=data.get("category", ()),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
