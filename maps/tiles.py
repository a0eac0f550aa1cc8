"""Mapbox vector tiles (ST_AsMVT) of reports, UPZ and localities: selectors (raw SQL) and thin views.

Raw SQL here on purpose: ST_TileEnvelope / ST_AsMVTGeom / ST_AsMVT have no ORM expression, and the
whole tile (filter, clip, aggregate, encode) must run in one PostGIS statement to stay fast.

Report tiles:
- z < 14: clusters, one point per grid cell (tile extent / 64, EPSG:3857) with `count`. Callers without
  full detail never see cells made only of public reports with fewer than k (PUBLIC_MIN_COUNT).
- z ≥ 14: points (category, exact, count, id when count is 1). Public form: `public_location`
  (generalised), never sensitive categories. Analysts and admins get exact `location`; locality staff
  exact points for their localities' reports only. Reports on the same spot and of the same category
  are stacked into one feature with their count.
"""

from __future__ import annotations

import hashlib

from django.db import connection
from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .filters import MapFilters, MapFilterSerializer, ViewerScope, public_min_count, report_where

MVT_TYPE = "application/vnd.mapbox-vector-tile"
POINT_MIN_ZOOM = 14
CLUSTER_CELLS_PER_TILE = 64
STACK_GRID = 1024  # exact points within 1/1024 of a tile (2.4 m at z14) share a feature
COARSE_GRID = 128  # fallback grid for over-full point tiles (19 m at z14)
MAX_POINT_FEATURES = 12000  # keeps every report tile under 500 KB
WEB_MERCATOR_WIDTH = 40075016.68557849
MAX_ZOOM = 22


# --- selectors --------------------------------------------------------------------------------------
def report_tile(z: int, x: int, y: int, *, filters: MapFilters, scope: ViewerScope) -> bytes:
    """MVT bytes (layer "reports", EPSG:3857 tile z/x/y, extent 4096) of clusters (z<14) or points."""
    where, params, privileged = report_where(filters, scope)
    params.update(z=z, x=x, y=y, k=public_min_count())
    if z < POINT_MIN_ZOOM:
        params["cell"] = WEB_MERCATOR_WIDTH / (2**z) / CLUSTER_CELLS_PER_TILE
        params["m"] = WEB_MERCATOR_WIDTH / 2
        # The envelope is transformed to 4326 once so `&&` can use the GiST index on location.
        sql = f"""
        WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g3857),
        env4326 AS (SELECT ST_Transform(g3857, 4326) AS g FROM env),
        pts AS (
            -- Spherical Web Mercator (EPSG:3857) computed arithmetically: same result as
            -- ST_Transform for points, without a PROJ call per row (the tile's main cost).
            SELECT floor(ST_X(r.location) * %(m)s / 180 / %(cell)s)::bigint AS a,
                   floor(ln(tan(radians(90 + ST_Y(r.location)) / 2)) * %(m)s / pi() / %(cell)s)::bigint AS b,
                   {privileged} AS priv
            FROM reports_report r
            JOIN reports_category c ON c.id = r.category_id
            JOIN localities_locality l ON l.id = r.locality_id, env4326
            WHERE r.location && env4326.g AND {where}
        ),
        cells AS (
            SELECT a, b, count(*) AS n FROM pts GROUP BY a, b
            HAVING bool_or(priv) OR count(*) >= %(k)s
        ),
        mvt AS (
            SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint((a + 0.5) * %(cell)s, (b + 0.5) * %(cell)s), 3857),
                                env.g3857) AS geom,
                   n::int AS count
            FROM cells, env
        )
        SELECT ST_AsMVT(mvt.*, 'reports', 4096, 'geom') FROM mvt WHERE geom IS NOT NULL
        """  # noqa: S608 (only fixed fragments are interpolated; values are bound parameters)
    else:
        # Stacked points: reports on the same spot (public points share the nodes of the 100 m
        # generalisation grid; exact points are snapped to 1/STACK_GRID of the tile) and category are
        # one feature with `count`, and `id` when it is a single report. This keeps the densest z14
        # tile of the 1 M-report city under 500 KB without hiding any report.
        params["stack"] = WEB_MERCATOR_WIDTH / (2**z) / STACK_GRID
        params["m"] = WEB_MERCATOR_WIDTH / 2
        # Beyond MAX_POINT_FEATURES stacks (only exact points in the densest blocks at z14), the tile
        # falls back to counts on a 1/COARSE_GRID grid without category, as the clusters below z14.
        params["coarse"] = WEB_MERCATOR_WIDTH / (2**z) / COARSE_GRID
        params["budget"] = MAX_POINT_FEATURES
        sql = f"""
        WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g3857),
        env4326 AS (SELECT ST_Transform(g3857, 4326) AS g FROM env),
        rows AS (
            SELECT r.id, c.code AS category, {privileged} AS exact,
                   CASE WHEN {privileged} THEN r.location ELSE r.public_location END AS g
            FROM reports_report r
            JOIN reports_category c ON c.id = r.category_id
            JOIN localities_locality l ON l.id = r.locality_id, env4326
            -- Each row is placed by the point the caller may see, so a bbox never reveals an exact one.
            WHERE (({privileged} AND r.location && env4326.g)
                   OR (NOT {privileged} AND r.public_location && env4326.g)) AND {where}
              AND ({privileged} OR NOT c.sensitive)
        ),
        merc AS (
            -- Spherical Web Mercator computed arithmetically (as for clusters); exact points are
            -- snapped to the stacking grid, public points already sit on the generalisation grid.
            SELECT id, category, exact,
                   ST_X(g) * %(m)s / 180 AS mx,
                   ln(tan(radians(90 + ST_Y(g)) / 2)) * %(m)s / pi() AS my
            FROM rows
        ),
        stacks AS (
            SELECT ST_SetSRID(ST_MakePoint(min(mx), min(my)), 3857) AS pt, category, exact,
                   count(*)::int AS count, CASE WHEN count(*) = 1 THEN min(id) END AS id
            FROM merc
            GROUP BY CASE WHEN exact THEN round(mx / %(stack)s) ELSE mx END,
                     CASE WHEN exact THEN round(my / %(stack)s) ELSE my END, category, exact
        ),
        total AS (SELECT count(*) AS n FROM stacks),
        coarse AS (
            SELECT ST_SnapToGrid(pt, %(coarse)s) AS pt, NULL::text AS category, bool_and(exact) AS exact,
                   sum(count)::int AS count, NULL::bigint AS id
            FROM stacks, total WHERE total.n > %(budget)s GROUP BY 1
        ),
        chosen AS (
            SELECT stacks.* FROM stacks, total WHERE total.n <= %(budget)s
            UNION ALL SELECT * FROM coarse
        ),
        mvt AS (
            SELECT ST_AsMVTGeom(pt, env.g3857) AS geom, category, exact, count, id FROM chosen, env
        )
        SELECT ST_AsMVT(mvt.*, 'reports', 4096, 'geom') FROM mvt WHERE geom IS NOT NULL
        """  # noqa: S608
    return _fetch_tile(sql, params)


def boundary_tile(level: str, z: int, x: int, y: int) -> bytes:
    """MVT bytes (layer "localities" or "upz") of the active boundary version; properties code, name, locality."""
    if level == "localities":
        select = "SELECT b.geom, b.code, b.name, b.code AS locality FROM localities_locality b"
    else:
        select = (
            "SELECT b.geom, b.code, b.name, l.code AS locality FROM localities_upz b "
            "LEFT JOIN localities_locality l ON l.id = b.locality_id"
        )
    sql = f"""
    WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g3857),
    env4326 AS (SELECT ST_Transform(g3857, 4326) AS g FROM env),
    src AS (
        {select}
        JOIN localities_boundaryversion v ON v.id = b.version_id AND v.active, env4326
        WHERE b.geom && env4326.g
    ),
    mvt AS (
        SELECT ST_AsMVTGeom(ST_Transform(src.geom, 3857), env.g3857) AS geom, code, name, locality
        FROM src, env
    )
    SELECT ST_AsMVT(mvt.*, %(layer)s, 4096, 'geom') FROM mvt WHERE geom IS NOT NULL
    """  # noqa: S608
    return _fetch_tile(sql, {"z": z, "x": x, "y": y, "layer": level})


def _fetch_tile(sql: str, params: dict) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


# --- views ------------------------------------------------------------------------------------------
def tile_coords_error(z: int, x: int, y: int) -> JsonResponse | None:
    """400 JSON when z is outside 0..22 or x, y outside 0..2^z-1."""
    errors = {}
    if not 0 <= z <= MAX_ZOOM:
        errors["z"] = [f"z debe estar entre 0 y {MAX_ZOOM}."]
    else:
        top = 2**z - 1
        if not 0 <= x <= top:
            errors["x"] = [f"x debe estar entre 0 y {top} para z={z}."]
        if not 0 <= y <= top:
            errors["y"] = [f"y debe estar entre 0 y {top} para z={z}."]
    if errors:
        return JsonResponse({"detail": "Coordenadas de tesela inválidas.", **errors}, status=400)
    return None


def tile_response(request, data: bytes, cache_control: str) -> HttpResponse:
    """204 when empty; else MVT bytes with ETag (SHA-256 of the bytes), 304 on a matching If-None-Match."""
    if not data:
        response = HttpResponse(status=204)
        response["Cache-Control"] = cache_control
        return response
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=MVT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Vary"] = "Cookie, Authorization"
    return response


TILE_RESPONSES = {
    (200, MVT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Tesela Mapbox Vector Tile."),
    204: OpenApiResponse(description="Tesela vacía."),
    304: OpenApiResponse(description="Sin cambios (If-None-Match coincide con el ETag)."),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="z/x/y o filtros inválidos."),
}


class ReportTileView(APIView):
    # Public data; per-role detail decided in the selector through ViewerScope.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="maps_tiles_reports",
        parameters=[MapFilterSerializer],
        responses=TILE_RESPONSES,
        description=(
            "Tesela vectorial de reportes (capa `reports`). z<14: agrupaciones por celda con `count` "
            "(para el público se omiten celdas con menos de k reportes); z≥14: puntos (id, category, "
            "exact, count, id si count=1). Público: ubicación generalizada y sin categorías sensibles."
        ),
    )
    def get(self, request, z: int, x: int, y: int):
        bad = tile_coords_error(z, x, y)
        if bad:
            return bad
        params = MapFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        scope = ViewerScope.for_user(request.user)
        data = report_tile(z, x, y, filters=params.to_filters(), scope=scope)
        cache = "public, max-age=300" if scope.is_public else "private, max-age=60"
        return tile_response(request, data, cache)


class BoundaryTileView(APIView):
    # Official boundaries are public data.
    permission_classes = [AllowAny]
    level = "localities"

    def get(self, request, z: int, x: int, y: int):
        bad = tile_coords_error(z, x, y)
        if bad:
            return bad
        return tile_response(request, boundary_tile(self.level, z, x, y), "public, max-age=86400")


class LocalityTileView(BoundaryTileView):
    level = "localities"

    @extend_schema(
        operation_id="maps_tiles_localities",
        responses=TILE_RESPONSES,
        description="Tesela vectorial de localidades (versión activa; propiedades code, name, locality).",
    )
    def get(self, request, z: int, x: int, y: int):
        return super().get(request, z, x, y)


class UpzTileView(BoundaryTileView):
    level = "upz"

    @extend_schema(
        operation_id="maps_tiles_upz",
        responses=TILE_RESPONSES,
        description="Tesela vectorial de UPZ/UPR (versión activa; propiedades code, name, locality).",
    )
    def get(self, request, z: int, x: int, y: int):
        return super().get(request, z, x, y)
