"""Boundary reads for the map pages (/mapa/…): GeoJSON layers, bounds and SVG outlines.

Everything heavy is done in PostGIS (simplification, GeoJSON and SVG path text); the pages only
assemble the results.
"""

from __future__ import annotations

import json

from django.contrib.gis.db.models.functions import AsGeoJSON

from geo.replicas import read_connection
from geo.spatial import METRIC_SRID
from localities.models import Locality, Upz

# Tolerance (metres, EPSG:9377) for outlines drawn on a city-wide map, and for one locality's map.
CITY_SIMPLIFY_METRES = 40
LOCALITY_SIMPLIFY_METRES = 10


def boundary_collection(
    level: str, *, locality_code: str | None = None, simplify_metres: float = CITY_SIMPLIFY_METRES
) -> dict:
    """GeoJSON FeatureCollection (EPSG:4326, 6 decimals) of the active localities or UPZ/UPR.

    Geometries are simplified in PostGIS (tolerance in metres, EPSG:9377) and written by
    ST_AsGeoJSON; `locality_code` keeps one locality (or the UPZ whose main locality it is).
    Properties: code, name, and for UPZ the locality code and `rural`.
    """
    model = Locality if level == "locality" else Upz
    queryset = model.objects.current().with_shape(simplify_metres)
    if level == "locality":
        if locality_code:
            queryset = queryset.filter(code=locality_code)
        rows = queryset.annotate(gj=AsGeoJSON("shape", precision=6)).values_list("code", "name", "gj")
        features = [
            {"type": "Feature", "id": code, "properties": {"code": code, "name": name}, "geometry": gj}
            for code, name, gj in rows
        ]
    else:
        if locality_code:
            queryset = queryset.filter(locality__code=locality_code)
        rows = queryset.annotate(gj=AsGeoJSON("shape", precision=6)).values_list(
            "code", "name", "rural", "locality__code", "gj"
        )
        features = [
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name": name, "rural": rural, "locality": loc},
                "geometry": gj,
            }
            for code, name, rural, loc, gj in rows
        ]
    for feature in features:
        feature["geometry"] = json.loads(feature["geometry"])
    return {"type": "FeatureCollection", "features": features}


def locality_bounds(code: str) -> list[list[float]] | None:
    """[[south, west], [north, east]] (lat/lon, for Leaflet's fitBounds) of an active locality, or None."""
    locality = Locality.objects.current().filter(code=code).only("geom").first()
    if locality is None:
        return None
    west, south, east, north = locality.geom.extent
    return [[round(south, 6), round(west, 6)], [round(north, 6), round(east, 6)]]


def upz_svg_paths(*, locality_code: str, simplify_metres: float = LOCALITY_SIMPLIFY_METRES) -> dict:
    """SVG path data of one locality's UPZ/UPR in EPSG:9377 metres (y flipped, as ST_AsSVG writes it).

    {"view_box": "minx miny width height", "paths": [{code, name, d}]}, for a printable map that
    needs no JavaScript. Empty paths when the locality has no units.
    """
    # Raw SQL: ST_AsSVG and the extent of the transformed shapes have no ORM equivalent.
    sql = """
        WITH u AS (
            SELECT u.code, u.name,
                   ST_SimplifyPreserveTopology(ST_Transform(u.geom, %(srid)s), %(tol)s) AS g
            FROM localities_upz u
            JOIN localities_locality l ON l.id = u.locality_id
            JOIN localities_boundaryversion v ON v.id = u.version_id
            WHERE v.active AND l.code = %(code)s
        )
        SELECT code, name, ST_AsSVG(g, 0, 0),
               ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
        FROM u, (SELECT ST_Extent(g)::geometry AS e FROM u) ext
        ORDER BY length(code), code
    """
    with read_connection().cursor() as cursor:
        cursor.execute(sql, {"srid": METRIC_SRID, "tol": float(simplify_metres), "code": locality_code})
        rows = cursor.fetchall()
    if not rows:
        return {"view_box": "0 0 1 1", "paths": []}
    _, _, _, xmin, ymin, xmax, ymax = rows[0]
    pad = max(xmax - xmin, ymax - ymin) * 0.02
    view_box = f"{xmin - pad:.0f} {-ymax - pad:.0f} {xmax - xmin + 2 * pad:.0f} {ymax - ymin + 2 * pad:.0f}"
    return {
        "view_box": view_box,
        "paths": [{"code": code, "name": name, "d": d} for code, name, d, *_ in rows],
    }
