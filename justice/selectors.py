"""Reads of the service directory: nearest services, lists, one service, the police quadrant of a point.

Points are EPSG:4326; distances are metres on the WGS 84 spheroid.
"""

from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.db.models import BooleanField, Case, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils import timezone

from . import access
from .models import FINAL_STATUSES, JusticeRequest, PoliceQuadrant, RequestStatus, ServicePoint

# Lower bound of the metres in one degree, in any direction, inside Bogotá's extent (lat 3.7°–4.9°):
# a degree of meridian is ≈110,575 m there and a degree of parallel 111,320·cos φ ≥ 110,900 m. Any
# point at planar distance d (degrees) is therefore at least d × this many metres away.
MIN_METRES_PER_DEGREE = 110_500
NEAREST_MAX = 20


def _directory():
    # The locality and UPZ polygons are large and never needed here: only their codes and names.
    return (
        ServicePoint.objects.current().select_related("locality", "upz").defer("locality__geom", "upz__geom")
    )


def service_nearest(*, point: Point, kind: str | None = None, limit: int = 5) -> list[ServicePoint]:
    """The `limit` nearest current services (of `kind`) to `point` (EPSG:4326), closest first, each
    annotated with `distance_m` (metres, WGS 84 spheroid).

    KNN first: candidates come from the `<->` operator on the GiST index (planar degrees), then are
    re-sorted by exact metres. The answer is exact, not approximate: it is returned only when the
    last answer is closer than any point left out could be (candidate bound × MIN_METRES_PER_DEGREE);
    otherwise the candidate set grows. In Bogotá one round almost always suffices.
    """
    queryset = _directory().of_kind(kind)
    wanted = max(limit * 2, limit + 5)
    while True:
        candidates = list(queryset.knn_candidates(point, wanted))
        exact = sorted(candidates, key=lambda p: (p.distance_m.m, p.pk))
        if len(candidates) < wanted or not exact:
            return exact[:limit]  # every service of the kind was a candidate
        left_out_at_least = max(c.knn_degrees for c in candidates) * MIN_METRES_PER_DEGREE
        if exact[min(limit, len(exact)) - 1].distance_m.m < left_out_at_least:
            return exact[:limit]
        wanted *= 4


def service_nearest_bruteforce(
    *, point: Point, kind: str | None = None, limit: int = 5
) -> list[ServicePoint]:
    """Reference answer for tests and the benchmark: exact metres computed for every row, fully sorted."""
    return list(_directory().of_kind(kind).by_distance(point)[:limit])


def service_list(*, locality: str | None = None, kind: str | None = None):
    """Current services, optionally of one locality (two-digit code of the polygon) and kind, by kind and name."""
    return _directory().in_locality(locality).of_kind(kind).order_by("kind", "name", "pk")


def service_get(*, pk: int) -> ServicePoint | None:
    """One current service by id, or None."""
    return _directory().filter(pk=pk).first()


def quadrant_at(*, point: Point) -> PoliceQuadrant | None:
    """The current police quadrant covering `point` (EPSG:4326); on a shared edge the lowest code wins."""
    return (
        PoliceQuadrant.objects.current()
        .covering(point)
        .select_related("station", "cai")
        .defer("geom")
        .order_by("code")
        .first()
    )


def justice_request_by_code(*, code: str) -> JusticeRequest | None:
    """The justice request behind a tracking code (case-insensitive), with its office, locality and
    history loaded for the requester's view; None when no request has that code."""
    return (
        JusticeRequest.objects.select_related("locality", "office")
        .defer("locality__geom")
        .prefetch_related("history")
        .filter(tracking_code=code.upper())
        .first()
    )


# A request waiting for the office (recibida, asignada) is due this many days after it was filed: the
# term of Ley 1755 de 2015, art. 14, for answering a petition is 15 days (business days; calendar days
# here, the stricter reading). A scheduled appointment is due at its date.
RESPONSE_DAYS = 15
OPEN_STATUSES = [s for s in RequestStatus.values if s not in FINAL_STATUSES]


def justice_requests_for_staff(
    *, user, statuses: list[str] | None = None, now: datetime | None = None
) -> QuerySet:
    """The requests `user` may handle (justice.access: their localities', all for an admin) in one of
    `statuses` (all when None), annotated with `deadline` (UTC) and `overdue` at `now`; overdue
    first, then by deadline, then oldest first. Encrypted fields are deferred: a list never decrypts."""
    now = now or timezone.now()
    queryset = access.requests_visible_to(user)
    if statuses is not None:
        queryset = queryset.filter(status__in=statuses)
    deadline = Case(
        When(status=RequestStatus.APPOINTMENT, then=F("appointment_at")),
        When(
            status__in=[RequestStatus.RECEIVED, RequestStatus.ASSIGNED],
            then=ExpressionWrapper(
                F("created_at") + Value(timedelta(days=RESPONSE_DAYS)), output_field=DateTimeField()
            ),
        ),
        default=None,
        output_field=DateTimeField(),
    )
    return (
        queryset.select_related("locality", "office")
        .defer("locality__geom", "narrative", "parties", "contact_name", "contact_email", "contact_phone")
        .annotate(deadline=deadline)
        .annotate(
            overdue=Case(
                When(Q(deadline__lt=now), then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("-overdue", F("deadline").asc(nulls_last=True), "created_at", "pk")
    )


def justice_request_for_staff(*, user, pk: int) -> JusticeRequest | None:
    """One request in full for the staff who may handle it (history, attachments and notes loaded), or
    None when it does not exist or belongs to another locality (callers answer 404 either way)."""
    return (
        access.requests_visible_to(user)
        .select_related("locality", "office", "requester")
        .defer("locality__geom")
        .prefetch_related("history__actor", "attachments", "notes__author")
        .filter(pk=pk)
        .first()
    )


def justice_referral_offices() -> QuerySet:
    """Current offices a request can be referred to (justice offices, not CAI or police stations),
    by locality code and name; the locality polygon is not loaded."""
    return (
        ServicePoint.objects.current()
        .exclude(kind__in=["cai", "estacion_policia"])
        .select_related("locality")
        .defer("locality__geom")
        .order_by("locality__code", "kind", "name", "pk")
    )
