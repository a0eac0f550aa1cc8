"""Who may see which report, and which point of it: the one owner of the rule.

Every output (report lists and details, Open311, map layers, vector tiles, heatmaps, hot spots,
statistics, exports, pages) imports what it needs from here; none restates it.

The rule
- Public report: not hidden by moderation and status neither `rejected` (abuse/spam) nor
  `duplicate` (folded into its original, which carries the supports).
- Full detail (exact point, sensitive categories, hidden reports, no small-count suppression):
  analysts and admins for every report; locality staff for the reports of their own localities.
  Everyone else (anonymous, citizens, moderators, locality staff elsewhere) gets the public form.
- Public point: the exact point snapped to the nearest node of a square grid of
  settings.PUBLIC_GRID_METRES (default 100 m) in EPSG:9377; none for sensitive categories, whose
  description is not public either.
- Fine aggregates (grid cells of any size or shape, hot-spot cells, tile clusters, grid exports) are
  computed from the public point, so the node of a report (its public grid cell) is all they can
  reveal; square cells are unions of whole public-grid cells. Sensitive categories never enter them
  for callers without full detail: they are counted only per UPZ or locality (and per category or
  week inside those). Cells and clusters with fewer than k (settings.PUBLIC_MIN_COUNT) reports are
  left out of public outputs altogether.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import Q

from geo.spatial import METRIC_SRID, STORAGE_SRID

from . import access

NOT_PUBLIC_STATUSES = ("rejected", "duplicate")
# SQL form of public_q() on reports_report r; %(not_public)s is list(NOT_PUBLIC_STATUSES).
PUBLIC_REPORT_SQL = "(NOT r.hidden AND r.status <> ALL(%(not_public)s))"


def public_q() -> Q:
    """ORM condition of a public report (see the module docstring), for Report querysets."""
    return Q(hidden=False) & ~Q(status__in=NOT_PUBLIC_STATUSES)


def is_public(report) -> bool:
    """Python form of public_q() for one loaded report: true when it has a public page."""
    return not report.hidden and report.status not in NOT_PUBLIC_STATUSES


def unmoderated_q() -> Q:
    """ORM condition of a report moderation has not hidden, whatever its status.

    Open311 lists rejected and duplicate reports as closed (without text or place), so a client that
    filed them learns their fate; only moderation keeps a report away from it.
    """
    return Q(hidden=False)


def public_grid_metres() -> int:
    """Side in metres (EPSG:9377) of the grid public points are snapped to (settings.PUBLIC_GRID_METRES)."""
    return int(getattr(settings, "PUBLIC_GRID_METRES", 100))


def public_min_count() -> int:
    """k: public aggregates leave out units with fewer reports than this (settings.PUBLIC_MIN_COUNT)."""
    return int(getattr(settings, "PUBLIC_MIN_COUNT", 3))


def public_point(*, point: Point, sensitive: bool) -> Point | None:
    """The public point of an exact `point` (EPSG:4326): the nearest node of the public grid
    (public_grid_metres() in EPSG:9377), back in EPSG:4326 to 7 decimals; None if sensitive.

    The node is at most grid·√2/2 (≈ 71 m for 100 m) from the exact point.
    """
    if sensitive:
        return None
    grid = float(public_grid_metres())
    metric = point.transform(METRIC_SRID, clone=True)
    snapped = Point(round(metric.x / grid) * grid, round(metric.y / grid) * grid, srid=METRIC_SRID)
    snapped.transform(STORAGE_SRID)
    return Point(round(snapped.x, 7), round(snapped.y, 7), srid=STORAGE_SRID)


def public_point_sql(point: str, sensitive: str) -> str:
    """SQL expression of public_point() for inserts in SQL: `point` (EPSG:4326) snapped to the public grid
    in EPSG:9377 (parameter %(public_grid)s = public_grid_metres()), back in EPSG:4326 and rounded to 7
    decimals through numeric, as Python's round() does, so it equals public_point() to the bit;
    NULL where the SQL boolean `sensitive` is true."""
    snapped = f"ST_Transform(ST_SnapToGrid(ST_Transform({point}, 9377), %(public_grid)s), 4326)"
    rounded = (
        "ST_SetSRID(ST_MakePoint(round(ST_X(public_pt.g)::numeric, 7)::float8, "
        "round(ST_Y(public_pt.g)::numeric, 7)::float8), 4326)"
    )
    subquery = f"SELECT {rounded} FROM (SELECT {snapped} AS g) public_pt"  # noqa: S608 (fragments, no values)
    return f"(CASE WHEN {sensitive} THEN NULL ELSE ({subquery}) END)"


def public_point_of(report) -> Point | None:
    """The point of `report` anyone may see (EPSG:4326): its public point, None for sensitive categories."""
    return None if report.category.sensitive else report.public_location


def public_description_of(report) -> str | None:
    """The description anyone may read: none for sensitive categories (it may describe victims)."""
    return None if report.category.sensitive else report.description


def visible_point_of(user, report) -> Point | None:
    """The point of `report` that `user` may see (EPSG:4326): exact where access.can_see_exact, else public."""
    return report.location if access.can_see_exact(user, report) else public_point_of(report)


@dataclass(frozen=True)
class ViewerScope:
    """What a caller may see in maps and aggregates.

    - `full`: analysts and admins: every report, exact points, no small-count suppression.
    - `locality_codes`: locality staff: full detail for the reports of these localities; the public
      form elsewhere.
    - otherwise (anonymous, citizens, moderators): the public form only.
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
        """True when the caller has full detail nowhere."""
        return not self.full and not self.locality_codes

    def has_full_detail(self, locality_code: str) -> bool:
        """True when the caller sees the reports of locality `locality_code` in full."""
        return self.full or locality_code in self.locality_codes


@dataclass(frozen=True)
class VisibleRows:
    """SQL conditions selecting the report rows a caller may use, and how to show each.

    `where` keeps the rows (parameters in `params`, pyformat); `privileged` is a boolean SQL
    expression, true on rows the caller sees in full detail. Built by report_rows() over
    reports_report (alias `r`, joined to reports_category `c` and localities_locality `l`) or by
    rollup_rows() over maps_reportcell; narrowed with and_where().
    """

    where: str
    params: dict
    privileged: str

    def and_where(self, condition: str, **params) -> VisibleRows:
        """The same rows further restricted by `condition` (with its parameters)."""
        return replace(self, where=f"{self.where} AND {condition}", params={**self.params, **params})

    def query_params(self, **extra) -> dict:
        """A fresh dict of the parameters plus `extra`, for cursor.execute."""
        return {**self.params, **extra}

    def visible_point(self) -> str:
        """SQL expression (EPSG:4326) of the point the caller may see of report r: exact where
        privileged, none for sensitive categories, else the public point. Fine aggregates are
        computed from it too."""
        return (
            f"(CASE WHEN {self.privileged} THEN r.location WHEN c.sensitive THEN NULL "
            "ELSE r.public_location END)"
        )

    def visible_point_in(self, envelope: str) -> str:
        """SQL condition: the point the caller may see of r intersects `envelope` (EPSG:4326).

        Written as two index-friendly branches (GiST on location and on public_location), so a small
        box never reveals an exact point.
        """
        return (
            f"(({self.privileged} AND r.location && {envelope})"
            f" OR (NOT {self.privileged} AND r.public_location && {envelope}))"
        )


def report_rows(scope: ViewerScope, *, points: bool) -> VisibleRows:
    """Rows of reports_report r (joined to reports_category c, localities_locality l) visible to `scope`.

    points=True is for outputs that place reports on a map finer than a UPZ (points, layers, point
    exports, tiles, grid cells): sensitive categories are left out where the caller lacks full detail.
    points=False is for counts per locality or UPZ, which may include them (with k).
    """
    params: dict = {"not_public": list(NOT_PUBLIC_STATUSES)}
    if scope.full:
        return VisibleRows("TRUE", params, "TRUE")
    public = PUBLIC_REPORT_SQL
    if points:
        public = f"({public} AND NOT c.sensitive)"
    if scope.locality_codes:
        privileged = "(l.code = ANY(%(staff_codes)s))"
        params["staff_codes"] = list(scope.locality_codes)
        return VisibleRows(f"({privileged} OR {public})", params, privileged)
    return VisibleRows(public, params, "FALSE")


def rollup_rows(scope: ViewerScope, *, points: bool) -> VisibleRows:
    """Rows of the rollup maps_reportcell visible to `scope`, as report_rows() (columns public,
    sensitive, locality_code). The rollup's cells are public-grid nodes (see aggregate_point_sql)."""
    if scope.full:
        return VisibleRows("TRUE", {}, "TRUE")
    public = "(public AND NOT sensitive)" if points else "public"
    if scope.locality_codes:
        privileged = "(locality_code = ANY(%(own)s))"
        return VisibleRows(f"({public} OR {privileged})", {"own": list(scope.locality_codes)}, privileged)
    return VisibleRows(public, {}, "FALSE")


def aggregate_point_sql(alias: str = "r", category_alias: str = "c") -> str:
    """SQL expression (EPSG:4326) of the point a report is aggregated at in the rollup: its stored
    public point (the one the public list shows), or the exact point where it has none (sensitive
    categories, which only callers with full detail see in cells). Snapped to the public grid by the
    rollup, both give the report's public-grid node."""
    return (
        f"(CASE WHEN {category_alias}.sensitive OR {alias}.public_location IS NULL "
        f"THEN {alias}.location ELSE {alias}.public_location END)"
    )
