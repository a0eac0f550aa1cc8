"""Hot spots: Getis-Ord Gi* on grid counts (numpy), with two-sided normal p-values and optional FDR.

Method
- Counts are binned on square or hexagonal cells of `cell` metres (EPSG:9377), as in the heatmap.
- Study area: every cell holding reports plus every empty cell adjacent to one (zeros matter to
  Gi*; far-away empty land such as the rural south does not enter, or everything urban turns hot).
- Neighbours: contiguity on the grid, the cell itself included (Gi*): queen (8) for squares, the 6
  sides for hexagons; binary weights.
- Gi* = (Σ_j w_ij x_j − x̄ W_i) / (S √((n W_i − W_i²)/(n − 1))), with S the population standard
  deviation of the counts over the n study cells (Getis & Ord 1992, Ord & Getis 1995). Gi* is a
  z-score; p = erfc(|z|/√2) (two-sided).
- Class: hot (z > 0) or cold (z < 0) when significant at `alpha` (default 0.05), else
  not_significant. With correction="fdr" (default) significance uses the Benjamini–Hochberg
  procedure over all cells, which keeps the share of false discoveries at alpha across thousands of
  cells; correction="none" compares each p with alpha.
- Callers without full detail: counts come from public points without sensitive categories
  (reports.visibility), cells below k count as empty before anything is computed, and only cells
  with at least k reports are listed. The output is thus a function of the listed cells alone.
"""

from __future__ import annotations

import json
import math

import numpy as np

from reports.visibility import ViewerScope

from ..filters import MapFilters
from .grid import cell_query, fetch_one, shown_cells

SQUARE_NEIGHBOURS = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)]
HEX_NEIGHBOURS = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]


def getis_ord_gi_star(
    a: np.ndarray, b: np.ndarray, x: np.ndarray, offsets: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values for values x at integer grid keys (a, b).

    `offsets` are the neighbour offsets including (0, 0). Cells missing from (a, b) are outside the
    study area (not zeros).
    """
    n = len(x)
    if n < 3:
        return np.zeros(n), np.ones(n)
    x = x.astype(float)
    mean = x.mean()
    s = math.sqrt(max((x * x).mean() - mean * mean, 0.0))
    # Neighbour sums on a dense array over the cells' bounding box (padded by one), shifted once per
    # offset: O(cells) numpy work instead of a Python loop over cells × neighbours.
    ia = a - a.min() + 1
    ib = b - b.min() + 1
    values = np.zeros((int(ia.max()) + 2, int(ib.max()) + 2))
    inside = np.zeros_like(values)
    values[ia, ib] = x
    inside[ia, ib] = 1.0
    lag = np.zeros(n)
    w = np.zeros(n)
    for di, dj in offsets:
        lag += values[ia + di, ib + dj]
        w += inside[ia + di, ib + dj]
    if s == 0:
        return np.zeros(n), np.ones(n)
    denom = s * np.sqrt(np.maximum(n * w - w * w, 0) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denom > 0, (lag - mean * w) / denom, 0.0)
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])
    return z, p


def benjamini_hochberg(p: np.ndarray, alpha: float) -> np.ndarray:
    """Boolean mask of discoveries at false discovery rate `alpha` (Benjamini–Hochberg step-up)."""
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p)
    thresholds = alpha * np.arange(1, m + 1) / m
    passed = p[order] <= thresholds
    significant = np.zeros(m, dtype=bool)
    if passed.any():
        last = np.nonzero(passed)[0].max()
        significant[order[: last + 1]] = True
    return significant


def _study_area(a, b, n, offsets):
    """Cells with counts plus their empty neighbours (count 0); dense-array dilation over the bbox."""
    if len(a) == 0:
        return a, b, n, np.zeros(0, dtype=bool)
    a0, b0 = a.min() - 1, b.min() - 1
    present = np.zeros((int(a.max() - a0) + 2, int(b.max() - b0) + 2), dtype=bool)
    present[a - a0, b - b0] = True
    grown = present.copy()
    for di, dj in offsets:
        grown[(a - a0) + di, (b - b0) + dj] = True
    ea, eb = np.nonzero(grown & ~present)
    ea, eb = ea.astype(np.int64) + a0, eb.astype(np.int64) + b0
    return (
        np.concatenate([a, ea]),
        np.concatenate([b, eb]),
        np.concatenate([n, np.zeros(len(ea), dtype=np.int64)]),
        np.concatenate([np.zeros(len(n), dtype=bool), np.ones(len(ea), dtype=bool)]),
    )


# Raw SQL: the listed cells with their statistics (arrays, in order) drawn and encoded in PostGIS as
# the heatmap's cells are, so polygons and JSON never pass through Python objects one by one.
_HOTSPOT_DOCUMENT = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce((
        SELECT json_agg(json_build_object(
            'type', 'Feature',
            'id', %(shape)s::text || ':' || a || ':' || b,
            'geometry', ST_AsGeoJSON(ST_Transform({polygon}, 4326), 6)::json,
            'properties', json_build_object(
                'count', n, 'suppressed', false, 'z_score', z, 'p_value', p, 'class', klass
            )
        ) ORDER BY i)
        FROM unnest(%(a)s::int[], %(b)s::int[], %(n)s::int[], %(z)s::float8[], %(p)s::float8[],
                    %(class)s::text[]) WITH ORDINALITY AS t(a, b, n, z, p, klass, i)
    ), '[]'::json),
    'meta', %(meta)s::json
)::text
"""


def hotspot_cells_json(
    *,
    filters: MapFilters,
    scope: ViewerScope,
    cell: int,
    shape: str,
    alpha: float = 0.05,
    correction: str = "fdr",
    fine: bool = False,
) -> str:
    """GeoJSON FeatureCollection text (EPSG:4326, 6 decimals) of cells with count, z_score (4
    decimals), p_value (6 decimals) and class.

    Full detail: every study-area cell. Otherwise cells below k are treated as empty and only cells
    with at least k reports are listed (`suppressed` stays in the properties, always false).
    Squares of 500 m multiples are counted from the block rollup; fine=True reads the node rollup.
    """
    query = cell_query(filters, scope, shape, float(cell), fine=fine)
    ba, bb, bn = shown_cells(query)
    offsets = SQUARE_NEIGHBOURS if shape == "square" else HEX_NEIGHBOURS
    a, b, n, empty = _study_area(ba, bb, bn, offsets)
    z, p = getis_ord_gi_star(a, b, n, offsets)
    significant = benjamini_hochberg(p, alpha) if correction == "fdr" else p <= alpha
    listed = ~empty if scope.is_public else np.ones(len(n), dtype=bool)
    a, b, n, z, p, significant = a[listed], b[listed], n[listed], z[listed], p[listed], significant[listed]
    classes = np.where(significant, np.where(z > 0, "hot", "cold"), "not_significant")
    meta = {
        "cell_metres": cell,
        "shape": shape,
        "alpha": alpha,
        "correction": correction,
        "neighbours": "queen" if shape == "square" else "hex",
        "cells": len(n),
        "hot": int((classes == "hot").sum()),
        "cold": int((classes == "cold").sum()),
    }
    params = {
        **query.params,
        "shape": shape,
        "a": a.tolist(),
        "b": b.tolist(),
        "n": n.tolist(),
        # Python's round, as the numbers were before (PostgreSQL prints float8 the shortest way too).
        "z": [round(v, 4) for v in z.tolist()],
        "p": [round(v, 6) for v in p.tolist()],
        "class": classes.tolist(),
        "meta": json.dumps(meta),
    }
    return fetch_one(_HOTSPOT_DOCUMENT.format(polygon=query.polygon), params)


def hotspot_cells(
    *,
    filters: MapFilters,
    scope: ViewerScope,
    cell: int,
    shape: str,
    alpha: float = 0.05,
    correction: str = "fdr",
) -> dict:
    """hotspot_cells_json() parsed (for the pages)."""
    return json.loads(
        hotspot_cells_json(
            filters=filters, scope=scope, cell=cell, shape=shape, alpha=alpha, correction=correction
        )
    )
