"""Reads of the territory: localities and UPZ of the active boundary version, and point location."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models.functions import Length

from .models import Locality, Upz


@dataclass(frozen=True)
class Location:
    """Where a point falls: its locality and UPZ/UPR (None when no planning unit covers it)."""

    locality: Locality
    upz: Upz | None


def locate_point(point: Point) -> Location | None:
    """The locality and UPZ of the active boundary version covering `point` (EPSG:4326).

    None when the point is outside Bogotá. A point on a shared border resolves to the unit with the
    lowest code, so the answer is always the same. Two indexed queries through the subdivided parts;
    the (large) polygons are deferred, so they are only read if the caller touches `.geom`.
    """
    locality = (
        Locality.objects.filter(version__active=True, parts__geom__covers=point)
        .defer("geom")
        .order_by("code")
        .first()
    )
    if locality is None:
        return None
    upz = (
        Upz.objects.filter(version__active=True, parts__geom__covers=point)
        .defer("geom")
        .order_by("code")
        .first()
    )
    return Location(locality=locality, upz=upz)


def locate_many(coords: Sequence[tuple[float, float]]) -> list[tuple[int | None, int | None]]:
    """(locality id, UPZ id) for each (lon, lat) in EPSG:4326, in input order, in one query.

    Same rules as `locate_point` (lowest code wins on a border; None outside). Raw SQL because the
    ORM cannot join an unnested array of points against the subdivided parts with LATERAL.
    """
    if not coords:
        return []
    lons = [float(c[0]) for c in coords]
    lats = [float(c[1]) for c in coords]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH pts AS (
                SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
                FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(lon, lat, ord)
            )
            SELECT pts.ord, loc.id, upz.id
            FROM pts
            LEFT JOIN LATERAL (
                SELECT l.id FROM localities_localitypart p
                JOIN localities_locality l ON l.id = p.locality_id
                JOIN localities_boundaryversion v ON v.id = p.version_id AND v.active
                WHERE ST_Covers(p.geom, pts.geom)
                ORDER BY l.code LIMIT 1
            ) loc ON true
            LEFT JOIN LATERAL (
                SELECT u.id FROM localities_upzpart p
                JOIN localities_upz u ON u.id = p.upz_id
                JOIN localities_boundaryversion v ON v.id = p.version_id AND v.active
                WHERE ST_Covers(p.geom, pts.geom)
                ORDER BY u.code LIMIT 1
            ) upz ON true
            ORDER BY pts.ord
            """,
            [lons, lats],
        )
        return [(row[1], row[2]) for row in cursor.fetchall()]


def locality_list(*, simplify_metres: float | None = None):
    """Localities of the active version with `upz_count` and `shape` (EPSG:4326, optionally simplified
    in EPSG:9377 with a tolerance in metres), ordered by code."""
    return Locality.objects.current().with_upz_count().with_shape(simplify_metres).order_by("code")


def locality_get(*, code: str, simplify_metres: float | None = None) -> Locality | None:
    """One locality of the active version by two-digit code (annotated as in `locality_list`), or None."""
    return locality_list(simplify_metres=simplify_metres).filter(code=code).first()


def upz_list():
    """UPZ and UPR of the active version with their locality and `shape` (EPSG:4326).

    Ordered by locality, then UPZ in numeric code order, then the rural UPR.
    """
    return (
        Upz.objects.current()
        .select_related("locality")
        .defer("locality__geom")
        .with_shape()
        .order_by("locality__code", "rural", Length("code"), "code")
    )
