"""Reads of the service directory: nearest services, lists, one service, the police quadrant of a point.

Points are EPSG:4326; distances are metres on the WGS 84 spheroid.
"""

from django.contrib.gis.geos import Point

from .models import JusticeRequest, PoliceQuadrant, ServicePoint

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
