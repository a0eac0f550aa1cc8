"""Reads of the territory: locating points in localities and UPZ."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection

from .models import Locality, LocalityPart, Upz, UpzPart


@dataclass(frozen=True)
class Location:
    """Where a point falls: its locality and UPZ/UPR (None when no planning unit covers it)."""

    locality: Locality
    upz: Upz | None


def locate_point(point: Point) -> Location | None:
    """The locality and UPZ of the active boundary version covering `point` (EPSG:4326).

    None when the point is outside Bogotá. A point on a shared border resolves to the unit with the
    lowest code, so the answer is always the same.
    """
    locality_id = (
        LocalityPart.objects.current()
        .covering(point)
        .order_by("locality__code")
        .values_list("locality_id", flat=True)
        .first()
    )
    if locality_id is None:
        return None
    upz_id = (
        UpzPart.objects.current()
        .covering(point)
        .order_by("upz__code")
        .values_list("upz_id", flat=True)
        .first()
    )
    locality = Locality.objects.get(pk=locality_id)
    upz = Upz.objects.get(pk=upz_id) if upz_id is not None else None
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
