"""Grid counts from the rollup (maps_reportcell), binned into square or hexagonal cells in PostGIS.

The rollup counts reports per node of the public grid (reports.visibility: the exact point snapped
to public_grid_metres() g in EPSG:9377; node (i, j) sits at (i·g, j·g)), so every cell computed here
depends on the public point alone. A square output cell (a, b) of size s (a multiple of g) holds the
nodes with floor(i·g / s) = a: it covers [a·s − g/2, (a+1)·s − g/2) × [b·s − g/2, (b+1)·s − g/2),
the union of those nodes' public-grid cells, so the cell and the public points of its reports can
never be combined into a smaller area. A hexagon (pointy-top) has the same area as the square of
side s (edge = s·√(2/(3√3)) ≈ 0.620·s), with axial coordinates (q, r); each node goes whole to the
hexagon containing it.

Square cells whose side is a multiple of the block (maps.models.BLOCK_NODES nodes, 500 m by
default) are read from the coarse rollup maps_reportblock instead: node (i, j) lies in block
(i // BLOCK_NODES, j // BLOCK_NODES), and with s = m·B (B the block side in metres), floor(i·g / s)
= floor(floor(i·g / B) / m), so cell a is also the cell of the block's corner and the cell's count
is the sum of its blocks' rows: the same cells, counts and suppression as from the nodes. A period
is served by the block month rows of the whole months inside it, and for the days it cuts by the
block day rows (all categories) or, under a category filter, by the node rows of maps_reportcell
(the block rollup has no day rows per category). The privacy rule is applied to the rows as on the
fine rollup: the block rows keep locality, UPZ, category, sensitivity and visibility.

Binning, small-count suppression, polygons (EPSG:9377 → 4326) and the GeoJSON text are all done in
one statement over the rollup: the rows never come to Python, and the heatmap's answer is the JSON
text PostgreSQL returns. The floating-point steps are written as the numpy version was (the same
IEEE operations in the same order), so cells and vertices are the ones it produced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from geo.replicas import read_connection
from reports.visibility import ViewerScope, VisibleRows, public_grid_metres, public_min_count

from ..filters import MapFilters, rollup_where, whole_months
from ..models import BLOCK_NODES

HEX_EDGE_FACTOR = math.sqrt(2 / (3 * math.sqrt(3)))
SQRT3 = math.sqrt(3)
HEX_ANGLES = (30, 90, 150, 210, 270, 330, 30)

# Output-cell keys (a, b) of a rollup row at node (cell_x, cell_y), see the module docstring.
# Squares: integer division, which is the floor of the numpy code because every node is positive
# (reports lie in a locality of Bogotá, about x = 4.9e6, y = 2.0e6 m in EPSG:9377); 10 % faster than
# floor() in float8. Hexagons: axial coordinates with cube rounding; round(float8) is rint (ties to
# even) as np.round.
_SQUARE_KEYS = """
    SELECT cell_x * %(g)s / %(s_int)s AS a, cell_y * %(g)s / %(s_int)s AS b, n, privileged
    FROM visible
"""
_HEX_KEYS = """
    SELECT (CASE WHEN fix_q THEN -rr - rs ELSE rq END)::int AS a,
           (CASE WHEN NOT fix_q AND abs(rr - r) > abs(rs - s) THEN -rq - rs ELSE rr END)::int AS b,
           n, privileged
    FROM (
        SELECT *, abs(rq - q) > abs(rr - r) AND abs(rq - q) > abs(rs - s) AS fix_q
        FROM (
            SELECT *, round(q) AS rq, round(r) AS rr, round(s) AS rs
            FROM (
                SELECT *, -q - r AS s
                FROM (
                    SELECT n, privileged,
                           (%(sqrt3_3)s * (cell_x * %(g)s::float8) - (cell_y * %(g)s::float8) / 3) / %(edge)s AS q,
                           (%(two_3)s * (cell_y * %(g)s::float8)) / %(edge)s AS r
                    FROM (
                        SELECT cell_x, cell_y, sum(n) AS n, bool_and(privileged) AS privileged
                        FROM visible GROUP BY cell_x, cell_y
                    ) nodes
                    OFFSET 0
                ) axial
            ) cube
            OFFSET 0
        ) rounded
    ) fixed
"""

# Raw SQL: grouping by computed cell keys with a boolean aggregate, which the ORM cannot express;
# {where}/{privileged} are the fixed fragments of reports.visibility's VisibleRows over
# maps_reportcell (values are parameters). The visible rows are summed per output cell; `shown`
# applies k (or not, {shown}). Squares key every row and group once (20 % faster than summing per
# node first); hexagons sum per node first, since their key costs more than a group, and fence the
# steps with OFFSET 0 so the planner does not inline q and r into every later expression (measured:
# 2.4x faster than keying every row without fences).
_CELLS = """
WITH visible AS (
    SELECT cell_x, cell_y, n, {privileged} AS privileged FROM maps_reportcell WHERE {where}
),
keyed AS ({keys}),
binned AS (
    SELECT a, b, sum(n)::int AS n, bool_and(privileged) AS privileged FROM keyed GROUP BY a, b
),
cells AS (SELECT a, b, n, {shown} AS shown FROM binned)
"""

# The coarse source (see the module docstring): every row comes with the metres of its node or of
# its block's corner node (x, y), so one key serves both; `_SQUARE_KEYS` over the node rows is the
# same key, since x = cell_x·g there.
_XY_SQUARE_KEYS = """
    SELECT x / %(s_int)s AS a, y / %(s_int)s AS b, n, privileged
    FROM visible
"""
# Raw SQL, as _CELLS: a UNION ALL of the block and node rows of the period, from fixed fragments
# (the where/privileged of reports.visibility's VisibleRows; values are parameters).
_BLOCK_ROWS = "SELECT block_x * %(block_m)s AS x, block_y * %(block_m)s AS y, n, {privileged} AS privileged FROM maps_reportblock WHERE {where}"
_NODE_ROWS = "SELECT cell_x * %(g)s AS x, cell_y * %(g)s AS y, n, {privileged} AS privileged FROM maps_reportcell WHERE {where}"
_COARSE_CELLS = """
WITH visible AS ({sources}),
keyed AS ({keys}),
binned AS (
    SELECT a, b, sum(n)::int AS n, bool_and(privileged) AS privileged FROM keyed GROUP BY a, b
),
cells AS (SELECT a, b, n, {shown} AS shown FROM binned)
"""


def block_metres() -> int:
    """Side of a block of the coarse rollup (maps_reportblock) in metres (EPSG:9377)."""
    return BLOCK_NODES * public_grid_metres()


def _coarse_sources(filters: MapFilters, scope: ViewerScope) -> tuple[str, dict]:
    """SQL of the rows (x, y, n, privileged) of the coarse source for `filters`, and its parameters."""
    rows = rollup_where(replace(filters, date_from=None, date_to=None), scope, points=True)
    params = rows.query_params(g=public_grid_metres(), block_m=block_metres())
    # Without a category filter the block rows of all categories together; with one, rollup_where's
    # category condition already leaves those (category NULL) out.
    block_where = rows.where if filters.category else f"{rows.where} AND category_id IS NULL"
    months = whole_months(filters.date_from, filters.date_to)
    edges: list[str] = []  # day ranges the month rows do not cover
    sources = []
    if months is None:
        edges.append(_day_range("e_from", filters.date_from, "e_to", filters.date_to, inclusive=True))
        params.update(e_from=filters.date_from, e_to=filters.date_to)
    else:
        first, after = months
        params.update(m_first=first, m_after=after, e_from=filters.date_from, e_to=filters.date_to)
        in_months = _day_range("m_first", first, "m_after", after, inclusive=False)
        sources.append(
            _BLOCK_ROWS.format(privileged=rows.privileged, where=f"{block_where} AND monthly AND {in_months}")
        )
        if filters.date_from is not None and filters.date_from != first:
            edges.append("day >= %(e_from)s AND day < %(m_first)s")
        if filters.date_to is not None and after is not None and after <= filters.date_to:
            edges.append("day >= %(m_after)s AND day <= %(e_to)s")
    if edges:
        days = "(" + " OR ".join(f"({e})" for e in edges) + ")"
        if filters.category:
            sources.append(_NODE_ROWS.format(privileged=rows.privileged, where=f"{rows.where} AND {days}"))
        else:
            sources.append(
                _BLOCK_ROWS.format(
                    privileged=rows.privileged, where=f"{block_where} AND NOT monthly AND {days}"
                )
            )
    return " UNION ALL ".join(sources), params


def _day_range(low: str, low_value, high: str, high_value, *, inclusive: bool) -> str:
    """`day` between two named parameters (an end that is None is left open)."""
    parts = []
    if low_value is not None:
        parts.append(f"day >= %({low})s")
    if high_value is not None:
        parts.append(f"day {'<=' if inclusive else '<'} %({high})s")
    return " AND ".join(parts) or "TRUE"


def uses_blocks(shape: str, size: float) -> bool:
    """True when cells of `shape` and `size` metres are read from the block rollup: squares whose
    side is a multiple of the block's (hexagons cut blocks, so they sum the nodes)."""
    return shape == "square" and size % block_metres() == 0


# Polygon of output cell (a, b) in EPSG:9377: a template cell around the origin (WKT parameter,
# vertices computed in Python) moved to the cell; for squares by (a·s, b·s), for hexagons to the
# centre (edge·√3·(a + b/2), edge·1.5·b).
_SQUARE_SHIFT = "a * %(s)s::float8, b * %(s)s::float8"
_HEX_SHIFT = "%(edge_sqrt3)s * (a + b / 2.0::float8), %(edge_15)s * b"
POLYGON_SQL = "ST_Translate(ST_GeomFromText(%(template)s, 9377), {shift})"


def cell_template(shape: str, size: float) -> str:
    """WKT (EPSG:9377 metres) of the output cell at the origin: the square [−g/2, s − g/2)² or the
    pointy-top hexagon of edge size·HEX_EDGE_FACTOR centred on (0, 0); rings closed, anticlockwise."""
    if shape == "square":
        half = public_grid_metres() / 2
        x0, x1 = 0 - half, size - half
        ring = [(x0, x0), (x1, x0), (x1, x1), (x0, x1), (x0, x0)]
    else:
        edge = size * HEX_EDGE_FACTOR
        angles = np.radians(np.array(HEX_ANGLES))
        ring = list(zip((edge * np.cos(angles)).tolist(), (edge * np.sin(angles)).tolist(), strict=True))
    return "POLYGON((" + ",".join(f"{x!r} {y!r}" for x, y in ring) + "))"


@dataclass(frozen=True)
class CellQuery:
    """The SQL of the visible output cells of one request (`_CELLS` with its parameters).

    After `sql` the statement may read `cells (a, b, n, shown)`; `polygon` is the SQL of the cell
    polygon (EPSG:9377) over a, b, with `params`.
    """

    sql: str
    polygon: str
    params: dict


def cell_query(
    filters: MapFilters, scope: ViewerScope, shape: str, size: float, *, fine: bool = False
) -> CellQuery:
    """Cells of `size` metres (square or hex, EPSG:9377) of the rollup rows `scope` may see under
    `filters`; `shown` is false on cells below k unless every row in them is the caller's in full.

    Read from the block rollup when uses_blocks(), else from the node rollup; fine=True forces the
    node rollup (the two give the same cells; tests and the benchmark compare them).
    """
    edge = size * HEX_EDGE_FACTOR
    extra = {
        "g": public_grid_metres(),
        "s": size,
        "s_int": int(size),
        "k": public_min_count(),
        "sqrt3_3": SQRT3 / 3,
        "two_3": 2 / 3,
        "edge": edge,
        "edge_sqrt3": edge * SQRT3,
        "edge_15": edge * 1.5,
        "template": cell_template(shape, size),
    }
    polygon = POLYGON_SQL.format(shift=_SQUARE_SHIFT if shape == "square" else _HEX_SHIFT)
    if not fine and uses_blocks(shape, size):
        sources, params = _coarse_sources(filters, scope)
        sql = _COARSE_CELLS.format(sources=sources, keys=_XY_SQUARE_KEYS, shown=_shown_sql(scope))
        return CellQuery(sql, polygon, {**params, **extra})
    rows = rollup_where(filters, scope, points=True)
    params = rows.query_params(**extra)
    sql = _CELLS.format(
        where=rows.where,
        privileged=rows.privileged,
        keys=_SQUARE_KEYS if shape == "square" else _HEX_KEYS,
        shown=_shown_sql(scope),
    )
    return CellQuery(sql, polygon, params)


# Raw SQL (see _CELLS): the cells the caller may see, for computations that need them all at once.
_SHOWN_CELLS = """
SELECT a, b, n FROM cells WHERE shown ORDER BY a, b
"""


def shown_cells(query: CellQuery) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys a, b and counts n (int64 arrays, in (a, b) order) of the cells of `query` the caller may
    see: at or above k, or every cell for full detail (the input of the hot spots)."""
    with read_connection().cursor() as cursor:
        cursor.execute(query.sql + _SHOWN_CELLS, query.params)
        columns = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
    return columns[:, 0], columns[:, 1], columns[:, 2]


def _shown_sql(scope: ViewerScope) -> str:
    # Callers with full detail see every cell; everyone else sees cells of at least k reports, or
    # cells whose every row is in their full-detail scope (locality staff, own localities).
    return "TRUE" if scope.full else "(n >= %(k)s OR privileged)"


def node_query(filters: MapFilters, scope: ViewerScope) -> tuple[str, dict]:
    """SQL reading `shown_nodes (cell_x, cell_y, n, shown)`: visible reports per public-grid node, with k
    applied as for cells; and its parameters."""
    rows: VisibleRows = rollup_where(filters, scope, points=True)
    # Raw SQL, as _CELLS: a grouped read with a boolean aggregate, from fixed fragments.
    sql = f"""
    WITH nodes AS (
        SELECT cell_x, cell_y, sum(n)::int AS n, bool_and({rows.privileged}) AS privileged
        FROM maps_reportcell WHERE {rows.where}
        GROUP BY cell_x, cell_y
    ),
    shown_nodes AS (SELECT cell_x, cell_y, n, n > 0 AND {_shown_sql(scope)} AS shown FROM nodes)
    """  # noqa: S608
    return sql, rows.query_params(g=public_grid_metres(), k=public_min_count())


def fetch_one(sql: str, params: dict):
    """The first column of the single row `sql` returns."""
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
