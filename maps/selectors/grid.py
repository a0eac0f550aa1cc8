"""Grid counts from the rollup (maps_reportcell) and binning into square or hexagonal cells.

The rollup counts reports per node of the public grid (reports.visibility: the exact point snapped
to public_grid_metres() g in EPSG:9377; node (i, j) sits at (i·g, j·g)), so every cell computed here
depends on the public point alone. A square output cell (a, b) of size s (a multiple of g) holds the
nodes with floor(i·g / s) = a: it covers [a·s − g/2, (a+1)·s − g/2) × [b·s − g/2, (b+1)·s − g/2),
the union of those nodes' public-grid cells, so the cell and the public points of its reports can
never be combined into a smaller area. A hexagon (pointy-top) has the same area as the square of
side s (edge = s·√(2/(3√3)) ≈ 0.620·s), with axial coordinates (q, r); each node goes whole to the
hexagon containing it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.db import connection

from reports.visibility import ViewerScope, public_grid_metres, public_min_count

from ..filters import MapFilters, rollup_where

HEX_EDGE_FACTOR = math.sqrt(2 / (3 * math.sqrt(3)))
SQRT3 = math.sqrt(3)


@dataclass
class BaseCells:
    """Counts per public-grid node: x, y are node indices (metres = index · public_grid_metres());
    n the count; privileged marks nodes whose rows all belong to the caller's full-detail scope
    (never suppressed)."""

    x: np.ndarray
    y: np.ndarray
    n: np.ndarray
    privileged: np.ndarray


def base_cells(filters: MapFilters, scope: ViewerScope) -> BaseCells:
    """Counts per public-grid node (EPSG:9377) from the rollup, with the caller's visibility rules
    (sensitive categories only where the caller has full detail)."""
    rows = rollup_where(filters, scope, points=True)
    # Raw SQL: a grouped read of the rollup with a boolean aggregate the ORM cannot name as cleanly;
    # `where` is assembled from fixed fragments, values are parameters.
    sql = f"""
        SELECT cell_x, cell_y, sum(n)::int, bool_and({rows.privileged})
        FROM maps_reportcell WHERE {rows.where}
        GROUP BY cell_x, cell_y
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, rows.query_params())
        fetched = cursor.fetchall()
    if not fetched:
        empty = np.empty(0, dtype=np.int64)
        return BaseCells(empty, empty, empty, np.empty(0, dtype=bool))
    x, y, n, priv = zip(*fetched, strict=True)
    return BaseCells(
        np.array(x, dtype=np.int64),
        np.array(y, dtype=np.int64),
        np.array(n, dtype=np.int64),
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


def bin_keys(shape: str, size: float, ix: np.ndarray, iy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output-cell indices of public-grid nodes (ix, iy) (see the module docstring)."""
    grid = public_grid_metres()
    if shape == "square":
        # Integer arithmetic: a node on a cell edge belongs to exactly one cell, without float doubt.
        return (ix * grid) // int(size), (iy * grid) // int(size)
    cx, cy = ix * float(grid), iy * float(grid)
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
    """Aggregate public-grid nodes into output cells of `size` metres (square or hex)."""
    a, b = bin_keys(shape, size, cells.x, cells.y)
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
    """Rings (k, vertices, 2) of the output cells in EPSG:9377 metres (closed); squares are shifted by
    half a public-grid cell so their edges run along public-grid cell edges (module docstring)."""
    if shape == "square":
        half = public_grid_metres() / 2
        x0, y0 = a * size - half, b * size - half
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
