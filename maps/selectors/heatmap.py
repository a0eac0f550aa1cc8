"""Heatmap: report counts on square or hexagonal cells, from the rollup (never the base table).

Both outputs are built in PostGIS as JSON text (the API sends it as it comes; pages parse it): one
statement bins the rollup, leaves out cells below k, draws the polygons and encodes the document.
"""

from __future__ import annotations

import json

from reports.visibility import ViewerScope

from ..filters import MapFilters
from .grid import cell_query, fetch_one, node_query

# Raw SQL: grouping by computed cell keys, suppression, ST_Translate/ST_Transform of the cell
# polygons and json_agg in one statement, so neither rows nor polygons pass through Python (the ORM
# cannot group by such expressions nor aggregate JSON). Intensity is rounded as Python's round(x, 4)
# (rint of x·10⁴ is exact here, see maps.selectors.grid), so the numbers are those of the numpy build.
_CELLS_DOCUMENT = """
, shown AS (SELECT a, b, n FROM cells WHERE shown),
top AS (SELECT max(n) AS top, sum(n) AS total FROM shown)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce((
        SELECT json_agg(json_build_object(
            'type', 'Feature',
            'id', %(shape)s::text || ':' || a || ':' || b,
            'geometry', ST_AsGeoJSON(ST_Transform({polygon}, 4326), 6)::json,
            'properties', json_build_object('count', n, 'intensity', round(n::float8 / top * 10000) / 10000)
        ) ORDER BY a, b)
        FROM shown, top
    ), '[]'::json),
    'meta', json_build_object(
        'cell_metres', %(cell)s,
        'shape', %(shape)s,
        'total', (SELECT coalesce(total, 0) FROM top),
        'max_count', (SELECT coalesce(top, 0) FROM top),
        'suppressed_cells', (SELECT count(*) FROM cells WHERE NOT shown)
    )
)::text
"""


def heatmap_cells_json(
    *, filters: MapFilters, scope: ViewerScope, cell: int, shape: str, fine: bool = False
) -> str:
    """GeoJSON FeatureCollection text (EPSG:4326, 6 decimals) of cells of `cell` metres (EPSG:9377).

    Each feature: id "<shape>:<a>:<b>", properties count and intensity (count / max shown count, 0..1,
    4 decimals), in (a, b) order. Counted from public points (reports.visibility); cells below k are
    left out for callers without full detail (`meta.suppressed_cells` says how many, not where).
    Squares of 500 m multiples come from the block rollup; fine=True reads the node rollup (same text).
    """
    query = cell_query(filters, scope, shape, float(cell), fine=fine)
    sql = query.sql + _CELLS_DOCUMENT.format(polygon=query.polygon)
    return fetch_one(sql, {**query.params, "shape": shape, "cell": cell})


def heatmap_cells(
    *, filters: MapFilters, scope: ViewerScope, cell: int, shape: str, fine: bool = False
) -> dict:
    """heatmap_cells_json() parsed (for pages and callers that need the values)."""
    return json.loads(heatmap_cells_json(filters=filters, scope=scope, cell=cell, shape=shape, fine=fine))


# Raw SQL, as _CELLS_DOCUMENT: per public-grid node, its point back in EPSG:4326 as [lat, lon, weight]
# (rounded as Python's round(x, 6) and round(x, 4)).
_POINTS_DOCUMENT = """
, shown AS (
    SELECT cell_x, cell_y, n, ST_Transform(ST_Point(cell_x * %(g)s::float8, cell_y * %(g)s::float8, 9377), 4326) AS p
    FROM shown_nodes WHERE shown
),
top AS (SELECT max(n) AS top, sum(n) AS total FROM shown)
SELECT json_build_object(
    'points', coalesce((
        SELECT json_agg(json_build_array(
            round(ST_Y(p) * 1e6) / 1e6, round(ST_X(p) * 1e6) / 1e6, round(n::float8 / top * 10000) / 10000
        ) ORDER BY cell_x, cell_y)
        FROM shown, top
    ), '[]'::json),
    'meta', json_build_object(
        'cell_metres', %(g)s,
        'total', (SELECT coalesce(total, 0) FROM top),
        'max_count', (SELECT coalesce(top, 0) FROM top),
        'suppressed_cells', (SELECT count(*) FROM shown_nodes WHERE NOT shown AND n > 0)
    )
)::text
"""


def heatmap_points_json(*, filters: MapFilters, scope: ViewerScope) -> str:
    """JSON text: [lat, lon, weight] per public-grid node (the public point of its reports, EPSG:4326,
    6 decimals), for Leaflet.heat; weight = count / max (0..1), and meta.

    Public callers: sensitive categories are left out entirely and nodes below k dropped; locality
    staff get every report in their localities; analysts get everything.
    """
    sql, params = node_query(filters, scope)
    return fetch_one(sql + _POINTS_DOCUMENT, params)


def heatmap_points(*, filters: MapFilters, scope: ViewerScope) -> dict:
    """heatmap_points_json() parsed (the pages coarsen the points)."""
    return json.loads(heatmap_points_json(filters=filters, scope=scope))
