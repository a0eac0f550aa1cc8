"""Reads for Open311 GeoReport v2: services from categories, service requests from public reports.

Public reports plus rejected and duplicate ones (served as `closed` with a note, without description
or point, so a client that filed them learns their fate instead of a 404); hidden reports never
reach an Open311 client. Which fields of a report are shown is decided in `serializers.py`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from reports import visibility
from reports.models import CLOSED_STATUSES, OPEN_STATUSES, Category, Report, Response, Status

# The spec: "the default query should return requests from the last 90 days", at most 1000.
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
# Not public, yet shown to Open311 clients as closed requests (see the module docstring).
OPEN311_CLOSED_NOT_PUBLIC = (Status.REJECTED, Status.DUPLICATE)


@dataclass(frozen=True)
class RequestFilters:
    """Validated GET requests filters. Datetimes are aware; `ids` overrides every other filter."""

    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # "open" / "closed"


def open311_services() -> QuerySet[Category]:
    """Active categories, in display order: the Open311 service list."""
    return Category.objects.filter(active=True).order_by("order", "code")


def open311_service(code: str) -> Category | None:
    """The active category with service_code `code`, or None."""
    return open311_services().filter(code=code).first()


def _requests_base() -> QuerySet[Report]:
    public_responses = Response.objects.filter(public=True).order_by("-created_at", "-id")
    # Every status is served (rejected/duplicate as closed); only moderation keeps a report away.
    # expected_datetime is the platform's one deadline (with_deadline), annotated, not recomputed per row.
    return (
        Report.objects.with_deadline()
        .filter(visibility.unmoderated_q())
        .select_related("category", "locality", "upz", "duplicate_of")
        .prefetch_related(Prefetch("responses", queryset=public_responses, to_attr="public_responses"))
    )


def open311_request_list(filters: RequestFilters, *, now: datetime | None = None) -> list[Report]:
    """Public reports matching the GeoReport v2 filters, newest first, at most MAX_RESULTS.

    Without ids, requested_datetime (created_at) is limited to [start, end]; a missing bound is
    90 days from the other one, or the last 90 days up to `now` when neither is given.
    """
    queryset = _requests_base()
    if filters.ids:
        return list(queryset.filter(pk__in=filters.ids).order_by("-created_at")[:MAX_RESULTS])
    start, end = request_window(filters, now=now)
    queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
    if filters.service_codes:
        queryset = queryset.filter(category__code__in=filters.service_codes)
    if filters.statuses and set(filters.statuses) != {"open", "closed"}:
        wanted = OPEN_STATUSES if "open" in filters.statuses else CLOSED_STATUSES
        queryset = queryset.filter(status__in=wanted)
    return list(queryset.order_by("-created_at", "-id")[:MAX_RESULTS])


def request_window(filters: RequestFilters, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The [start, end] range of requested_datetime searched when no ids are given."""
    now = now or timezone.now()
    if filters.start and filters.end:
        return filters.start, filters.end
    if filters.start:
        return filters.start, filters.start + DEFAULT_WINDOW
    if filters.end:
        return filters.end - DEFAULT_WINDOW, filters.end
    return now - DEFAULT_WINDOW, now


def open311_request(pk: int) -> Report | None:
    """The report served as service_request_id `pk` (public, rejected or duplicate; not hidden), or None."""
    return _requests_base().filter(pk=pk).first()
