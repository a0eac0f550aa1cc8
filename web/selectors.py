"""Reads for the citizen pages: categories by group, UPZ choices, filtered public lists, the follow view.

Report visibility is never decided here: lists start from reports.selectors (public rule) and the
follow page from the tracking code (the reporter's bearer secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from localities.models import BoundaryVersion, Upz
from reports import selectors as report_selectors
from reports.models import OPEN_STATUSES, Category, Group, Report, Status
from reports.visibility import NOT_PUBLIC_STATUSES

PERIOD_DAYS = {"7": 7, "30": 30, "90": 90, "365": 365}


def category_name(category: Category) -> str:
    """The category's name in the active language (English only when the page is in English)."""
    return (
        category.name_en if (get_language() or "").startswith("en") and category.name_en else category.name_es
    )


def category_help(category: Category) -> str:
    """Plain-language help of the category in the active language."""
    if (get_language() or "").startswith("en") and category.description_en:
        return category.description_en
    return category.description_es


def categories_by_group() -> list[tuple[Group, list[Category]]]:
    """Active categories grouped by Group, in display order; groups without categories are left out."""
    categories = list(Category.objects.filter(active=True))
    groups = []
    for group in Group:
        members = [c for c in categories if c.group == group.value]
        if members:
            groups.append((group, members))
    return groups


def category_index() -> dict[str, dict]:
    """{code: {name, group, sensitive}} of active categories, for the pages' scripts (json_script)."""
    return {
        c.code: {"name": category_name(c), "group": c.group, "sensitive": c.sensitive}
        for c in Category.objects.filter(active=True)
    }


def upz_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """UPZ of the active boundary version as (locality name, [(upz code, upz name)]) for an <optgroup> select."""
    rows = (
        Upz.objects.filter(version__active=True, locality__isnull=False)
        .select_related("locality")
        .defer("geom", "locality__geom")
        .order_by("locality__code", "name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for upz in rows:
        label = f"{upz.locality.code} · {upz.locality.name}"
        groups.setdefault(label, []).append((upz.code, upz.name))
    return list(groups.items())


def upz_point(code: str) -> Point | None:
    """A point (EPSG:4326) guaranteed inside UPZ `code` of the active version (ST_PointOnSurface), or None."""
    upz = (
        Upz.objects.filter(version__active=True, code=code)
        .annotate(inside=PointOnSurface("geom"))
        .values_list("inside", flat=True)
        .first()
    )
    return upz


def upz_points() -> dict[str, list[float]]:
    """{UPZ code: [lon, lat]} of a point inside each UPZ of the active version (EPSG:4326, 5 decimals),
    so the report page can move its pin to the UPZ a person picks from the list."""
    version = BoundaryVersion.objects.filter(active=True).values_list("pk", flat=True).first()
    key = f"web:upz-points:{version}"
    points = cache.get(key)
    if points is None:  # ST_PointOnSurface over every UPZ polygon: computed once per boundary version
        rows = (
            Upz.objects.filter(version_id=version)
            .annotate(inside=PointOnSurface("geom"))
            .values_list("code", "inside")
        )
        points = {code: [round(point.x, 5), round(point.y, 5)] for code, point in rows}
        cache.set(key, points, 3600)
    return points


@dataclass(frozen=True)
class ListFilters:
    """Filters of the home page: category code, group, status and period (days back), all optional."""

    category: str = ""
    group: str = ""
    status: str = ""
    period: str = ""

    @classmethod
    def from_query(cls, query) -> ListFilters:
        """From the page's query string (categoria, grupo, estado, periodo); unknown values are ignored."""
        category = query.get("categoria", "")
        group = query.get("grupo", "")
        status = query.get("estado", "")
        period = query.get("periodo", "")
        return cls(
            category=category if Category.objects.filter(active=True, code=category).exists() else "",
            group=group if group in Group.values else "",
            status=status if status in dict(public_status_choices()) else "",
            period=period if period in PERIOD_DAYS else "",
        )

    def category_codes(self) -> tuple[str, ...]:
        """Category codes selected by `category` or `group` (empty: all)."""
        if self.category:
            return (self.category,)
        if self.group:
            return tuple(
                Category.objects.filter(active=True, group=self.group).values_list("code", flat=True)
            )
        return ()

    def date_from(self) -> date | None:
        days = PERIOD_DAYS.get(self.period)
        return timezone.localdate() - timedelta(days=days) if days else None


def report_public_filtered(filters: ListFilters):
    """Public reports (reports.selectors.report_public_list) under the home page's filters, newest first."""
    queryset = report_selectors.report_public_list()
    codes = filters.category_codes()
    if filters.category or filters.group:
        queryset = queryset.filter(category__code__in=codes)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    since = filters.date_from()
    if since:
        queryset = queryset.filter(created_at__date__gte=since)
    return queryset


def public_status_choices() -> list[tuple[str, str]]:
    """Statuses a public report can be in (rejected and duplicate reports are never public)."""
    return [(value, label) for value, label in Status.choices if value not in NOT_PUBLIC_STATUSES]


@dataclass(frozen=True)
class FollowView:
    """What the holder of a tracking code sees on /seguimiento/<code>/."""

    report: Report
    steps: list
    responses: list
    expected_by: date | None
    overdue: bool


def report_follow(*, code: str) -> FollowView | None:
    """The reporter's view of the report with this tracking code, or None.

    `expected_by`: the report's due date (ReportQuerySet.with_deadline, the same the workbench shows),
    while the report is open and unanswered. Moderation notes (same status before and after) are left out of
    the timeline; public responses only.
    """
    report = report_selectors.report_by_tracking_code(code=code)
    if report is None:
        return None
    steps = [step for step in report.history.all() if step.from_status != step.to_status]
    responses = [r for r in report.responses.all() if r.public]
    expected_by = None
    if report.status in OPEN_STATUSES and report.first_response_at is None:
        expected_by = report.due_date
    overdue = report.overdue
    return FollowView(
        report=report, steps=steps, responses=responses, expected_by=expected_by, overdue=overdue
    )
