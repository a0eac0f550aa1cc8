"""Reads of reports for the API: public list, nearby, the reporter's view and the staff workbench."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import Prefetch
from django.utils import timezone

from .models import Category, Report, Response


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
