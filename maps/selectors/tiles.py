"""Mapbox vector tiles (ST_AsMVT) of reports, UPZ and localities (the views are maps.api.tiles).

Raw SQL here on purpose: ST_TileEnvelope / ST_AsMVTGeom / ST_AsMVT have no ORM expression, and the
whole tile (filter, clip, aggregate, encode) must run in one PostGIS statement to stay fast.

Report tiles:
- z < 14: clusters, one point per grid cell (tile extent / 64, EPSG:3857) with `count`, counted at
  the point each caller may see (reports.visibility: public point, no sensitive categories, unless
  full detail). Callers without full detail never see cells made only of public reports with fewer
  than k (PUBLIC_MIN_COUNT).
- z ≥ 14: points (category, exact, count, id when count is 1). Public form: the public point,
  never sensitive categories. Analysts and admins get exact `location`; locality staff
  exact points for their localities' reports only. Reports on the same spot and of the same category
  are stacked into one feature with their count.
"""

from __future__ import annotations

from geo.replicas import read_connection
from reports.visibility import ViewerScope, public_min_count

from ..filters import MapFilters, report_where

POINT_MIN_ZOOM = 14
CLUSTER_CELLS_PER_TILE = 64
STACK_GRID = 1024  # exact points within 1/1024 of a tile (2.4 m at z14) share a feature
COARSE_GRID = 128  # fallback grid for over-full point tiles (19 m at z14)
MAX_POINT_FEATURES = 12000  # keeps every report tile under 500 KB
WEB_MERCATOR_WIDTH = 40075016.68557849
MAX_ZOOM = 22


def report_tile(z: int, x: int, y: int, *, filters: MapFilters, scope: ViewerScope) -> bytes:
    """MVT bytes (layer "reports", EPSG:3857 tile z/x/y, extent 4096) of clusters (z<14) or points."""
    rows = report_where(filters, scope, points=True)
    where, privileged = rows.where, rows.privileged
    params = rows.query_params(z=z, x=x, y=y, k=public_min_count())
    if z < POINT_MIN_ZOOM:
        params["cell"] = WEB_MERCATOR_WIDTH / (2**z) / CLUSTER_CELLS_PER_TILE
        params["m"] = WEB_MERCATOR_WIDTH / 2
        # The envelope is transformed to 4326 once so `&&` can use the GiST index on location.
        sql = f"""
        WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g3857),
        env4326 AS (SELECT ST_Transform(g3857, 4326) AS g FROM env),
        vis AS (
            -- Each report counts at the point the caller may see (reports.visibility).
            SELECT {rows.visible_point()} AS g, {privileged} AS priv
            FROM reports_report r
            JOIN reports_category c ON c.id = r.category_id
            JOIN localities_locality l ON l.id = r.locality_id, env4326
            WHERE {rows.visible_point_in("env4326.g")} AND {where}
        ),
        pts AS (
            -- Spherical Web Mercator (EPSG:3857) computed arithmetically: same result as
            -- ST_Transform for points, without a PROJ call per row (the tile's main cost).
            SELECT floor(ST_X(g) * %(m)s / 180 / %(cell)s)::bigint AS a,
                   floor(ln(tan(radians(90 + ST_Y(g)) / 2)) * %(m)s / pi() / %(cell)s)::bigint AS b,
                   priv
            FROM vis
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
        vis AS (
            SELECT r.id, c.code AS category, {privileged} AS exact, {rows.visible_point()} AS g
            FROM reports_report r
            JOIN reports_category c ON c.id = r.category_id
            JOIN localities_locality l ON l.id = r.locality_id, env4326
            -- Each row is placed by the point the caller may see, so a bbox never reveals an exact one.
            WHERE {rows.visible_point_in("env4326.g")} AND {where}
        ),
        merc AS (
            -- Spherical Web Mercator computed arithmetically (as for clusters); exact points are
            -- snapped to the stacking grid, public points already sit on the generalisation grid.
            SELECT id, category, exact,
                   ST_X(g) * %(m)s / 180 AS mx,
                   ln(tan(radians(90 + ST_Y(g)) / 2)) * %(m)s / pi() AS my
            FROM vis
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
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
