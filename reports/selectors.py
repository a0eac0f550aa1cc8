"""Reads of reports for the API: public list, nearby, the reporter's view and the staff workbench."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import Prefetch
from django.utils import timezone

from .models import Category, Report, Response

# The active categories this process has read (code -> Category) and when (time.monotonic()); see
# category_active_by_code.
_active_categories: dict[str, Category] = {}
_active_categories_read = {"at": None}


def category_active_by_code(code: str) -> Category | None:
    """The active category with this code, or None. Kept in this process for
    settings.CATEGORY_CACHE_SECONDS, all active categories read at once (filing a report would
    otherwise spend a query on it, and the first report of each category too); a code not in that
    copy is still looked up, so a category added in another process is found at once. Saving a
    category here clears the copy (reports.apps), other processes see the change within that time.
    A stale copy is harmless where it matters: ReportQuerySet.insert_located re-reads `active` and
    `sensitive` in its own statement."""
    ttl = float(getattr(settings, "CATEGORY_CACHE_SECONDS", 60))
    read_at = _active_categories_read["at"]
    if read_at is None or time.monotonic() - read_at >= ttl:
        fresh = {c.code: c for c in Category.objects.filter(active=True)}
        _active_categories.clear()
        _active_categories.update(fresh)
        _active_categories_read["at"] = time.monotonic()
    category = _active_categories.get(code)
    if category is None:
        category = Category.objects.filter(active=True, code=code).first()
        if category is not None:
            _active_categories[code] = category
    return category


def category_cache_clear(**_signal_kwargs) -> None:
    """Forget this process's copies of active categories (connected to Category's save and delete)."""
    _active_categories.clear()
    _active_categories_read["at"] = None


def report_public_list():
    """Public reports (see ReportQuerySet.public) with what the public serializer reads, newest first."""
    return (
        Report.objects.public().select_related("category", "locality", "upz").order_by("-created_at", "-id")
    )


def report_public_get(*, pk: int) -> Report | None:
    """One public report by its public id, or None."""
    return report_public_list().filter(pk=pk).first()


def nearby_radius(requested: int | None) -> int:
    """The search radius in metres: the default when absent, capped at REPORTS_NEARBY_MAX_METRES."""
    default = int(getattr(settings, "REPORTS_NEARBY_DEFAULT_METRES", 200))
    cap = int(getattr(settings, "REPORTS_NEARBY_MAX_METRES", 1000))
    return min(requested or default, cap)


def report_nearby(*, point: Point, category: Category, radius_m: int, limit: int = 20):
    """Public reports of `category` from the last REPORTS_NEARBY_DAYS days whose *public* point lies
    within `radius_m` metres of `point` (EPSG:4326), closest first, with `distance_m`.

    Measured against the generalised point, never the exact one, so repeated queries cannot
    triangulate where a report was filed. Sensitive categories return nothing (they have no public point).
    """
    if category.sensitive:
        return Report.objects.none()
    days = int(getattr(settings, "REPORTS_NEARBY_DAYS", 30))
    since = timezone.now() - timedelta(days=days)
    return (
        report_public_list()
        .filter(category=category, created_at__gte=since, public_location__isnull=False)
        .within_metres(point, radius_m, field="public_location")
        .with_distance(point, field="public_location")
        .order_by("distance_m", "-support_count", "-created_at")[:limit]
    )


def report_by_tracking_code(*, code: str) -> Report | None:
    """The report with this tracking code (case-insensitive), with history, responses and photos, and
    its deadline (ReportQuerySet.with_deadline: `due_date`, `deadline`, `overdue`)."""
    return (
        Report.objects.with_deadline()
        .select_related("category", "locality", "upz", "contact")
        .prefetch_related("history", "responses", "photos")
        .filter(tracking_code=code.strip().upper())
        .first()
    )


def report_list_of_reporter(*, user):
    """Reports filed by `user` while signed in, newest first, with history, responses and photos."""
    return (
        Report.objects.filter(reporter=user)
        .select_related("category", "locality", "upz", "contact")
        .prefetch_related("history", "responses", "photos")
        .order_by("-created_at", "-id")
    )


def report_staff_list(*, user):
    """Reports on `user`'s staff workbench (Report.objects.staff_scope), newest first."""
    return (
        Report.objects.staff_scope(user)
        .select_related("category", "locality", "upz", "contact")
        .order_by("-created_at", "-id")
    )


def report_staff_get(*, user, pk: int) -> Report | None:
    """One report of `user`'s workbench with history and responses; None when out of scope (→ 404)."""
    return (
        report_staff_list(user=user)
        .prefetch_related(Prefetch("responses", queryset=Response.objects.order_by("created_at", "id")))
        .filter(pk=pk)
        .first()
    )
