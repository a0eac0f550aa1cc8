"""Grid counts from the rollup (maps_reportcell) and binning into square or hexagonal cells.

Cells are defined in EPSG:9377 (metres). A square cell of size s covers
[i·s, (i+1)·s) × [j·s, (j+1)·s). A hexagon (pointy-top) has the same area as the square of side s
(edge = s·√(2/(3√3)) ≈ 0.620·s), with axial coordinates (q, r). Base cells of the rollup (100 m) are
assigned whole to the hexagon containing their centre, so hexagon edges are exact to ±50 m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.db import connection

from ..filters import MapFilters, ViewerScope, public_min_count
from ..models import ROLLUP_CELL_METRES

HEX_EDGE_FACTOR = math.sqrt(2 / (3 * math.sqrt(3)))
SQRT3 = math.sqrt(3)


@dataclass
class BaseCells:
    """Counts per 100 m base cell: x, y are cell indices; n the count; privileged marks cells whose
    rows all belong to the caller's full-detail scope (never suppressed)."""

    x: np.ndarray
    y: np.ndarray
    n: np.ndarray
    n_public_points: np.ndarray  # non-sensitive count (what may become a public heat point)
    privileged: np.ndarray


def rollup_where(filters: MapFilters, scope: ViewerScope) -> tuple[str, dict, str]:
    """SQL conditions on maps_reportcell: (where_sql, params, privileged_sql), as filters.report_where."""
    clauses = ["true"]
    params: dict = {}
    if filters.locality:
        clauses.append("locality_code = ANY(%(locality)s)")
        params["locality"] = list(filters.locality)
    if filters.upz:
        clauses.append("upz_code = ANY(%(upz)s)")
        params["upz"] = list(filters.upz)
    if filters.category:
        clauses.append("category_id IN (SELECT id FROM reports_category WHERE code = ANY(%(category)s))")
        params["category"] = list(filters.category)
    if filters.date_from:
        clauses.append("day >= %(date_from)s")
        params["date_from"] = filters.date_from
    if filters.date_to:
        clauses.append("day <= %(date_to)s")
        params["date_to"] = filters.date_to
    if scope.full:
        privileged = "true"
    elif scope.locality_codes:
        params["own"] = list(scope.locality_codes)
        privileged = "locality_code = ANY(%(own)s)"
        clauses.append(f"(public OR {privileged})")
    else:
        privileged = "false"
        clauses.append("public")
    return " AND ".join(clauses), params, privileged


def base_cells(filters: MapFilters, scope: ViewerScope) -> BaseCells:
    """Counts per 100 m base cell (EPSG:9377) from the rollup, with the caller's visibility rules."""
    where, params, privileged = rollup_where(filters, scope)
    # Raw SQL: a grouped read of the rollup with a boolean aggregate the ORM cannot name as cleanly;
    # `where` is assembled above from fixed fragments, values are parameters.
    sql = f"""
        SELECT cell_x, cell_y, sum(n)::int, (sum(n) FILTER (WHERE NOT sensitive))::int,
               bool_and({privileged})
        FROM maps_reportcell WHERE {where}
        GROUP BY cell_x, cell_y
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return BaseCells(empty, empty, empty, empty, np.empty(0, dtype=bool))
    x, y, n, npub, priv = zip(*rows, strict=True)
    return BaseCells(
        np.array(x, dtype=np.int64),
        np.array(y, dtype=np.int64),
        np.array(n, dtype=np.int64),
        np.array([v or 0 for v in npub], dtype=np.int64),
        np.array(priv, dtype=bool),
    )


@dataclass
class Binned:
    """Counts per output cell: keys (a, b) are square (i, j) or hexagon axial (q, r) indices."""

    shape: str
    size: float
    a: np.ndarray
    b: np.ndarray
    n: np.ndarray
    privileged: np.ndarray


def bin_keys(shape: str, size: float, cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output-cell indices of points (cx, cy) in EPSG:9377 metres."""
    if shape == "square":
        return np.floor(cx / size).astype(np.int64), np.floor(cy / size).astype(np.int64)
    edge = size * HEX_EDGE_FACTOR
    q = (SQRT3 / 3 * cx - cy / 3) / edge
    r = (2 / 3 * cy) / edge
    # Cube rounding.
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return rq.astype(np.int64), rr.astype(np.int64)


def bin_cells(cells: BaseCells, shape: str, size: float) -> Binned:
    """Aggregate base cells into output cells of `size` metres (square or hex)."""
    cx = (cells.x + 0.5) * ROLLUP_CELL_METRES
    cy = (cells.y + 0.5) * ROLLUP_CELL_METRES
    a, b = bin_keys(shape, size, cx, cy)
    if len(a) == 0:
        return Binned(shape, size, a, b, a, np.empty(0, dtype=bool))
    keys = np.stack([a, b], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    n = np.bincount(inverse, weights=cells.n, minlength=len(uniq)).astype(np.int64)
    # A cell is privileged when every base cell in it is.
    unpriv = np.bincount(inverse, weights=(~cells.privileged).astype(float), minlength=len(uniq))
    return Binned(shape, size, uniq[:, 0], uniq[:, 1], n, unpriv == 0)


def cell_polygons(shape: str, size: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rings (k, vertices, 2) of the output cells in EPSG:9377 metres (closed)."""
    if shape == "square":
        x0, y0 = a * size, b * size
        return np.stack(
            [
                np.stack([x0, y0], 1),
                np.stack([x0 + size, y0], 1),
                np.stack([x0 + size, y0 + size], 1),
                np.stack([x0, y0 + size], 1),
                np.stack([x0, y0], 1),
            ],
            axis=1,
        )
    edge = size * HEX_EDGE_FACTOR
    cx = edge * SQRT3 * (a + b / 2)
    cy = edge * 1.5 * b
    angles = np.radians(np.array([30, 90, 150, 210, 270, 330, 30]))
    return np.stack(
        [cx[:, None] + edge * np.cos(angles)[None, :], cy[:, None] + edge * np.sin(angles)[None, :]], axis=2
    )


def cell_centres(shape: str, size: float, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres of output cells in EPSG:9377 metres."""
    if shape == "square":
        return (a + 0.5) * size, (b + 0.5) * size
    edge = size * HEX_EDGE_FACTOR
    return edge * SQRT3 * (a + b / 2), edge * 1.5 * b


_TRANSFORMERS: dict = {}


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:9377 metres → EPSG:4326 lon/lat degrees."""
    if "geo" not in _TRANSFORMERS:
        import pyproj

        _TRANSFORMERS["geo"] = pyproj.Transformer.from_crs(9377, 4326, always_xy=True)
    return _TRANSFORMERS["geo"].transform(x, y)


def suppression_mask(n: np.ndarray, privileged: np.ndarray, scope: ViewerScope) -> np.ndarray:
    """True where a cell must be hidden: fewer than k reports, unless the caller has full detail."""
    if scope.full:
        return np.zeros(len(n), dtype=bool)
    return (n < public_min_count()) & ~privileged
