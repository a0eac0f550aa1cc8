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

import math

import numpy as np

from reports.visibility import ViewerScope

from ..filters import MapFilters
from .grid import base_cells, bin_cells, cell_polygons, suppression_mask, to_lonlat

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


def hotspot_cells(
    *,
    filters: MapFilters,
    scope: ViewerScope,
    cell: int,
    shape: str,
    alpha: float = 0.05,
    correction: str = "fdr",
) -> dict:
    """GeoJSON FeatureCollection (EPSG:4326) of cells with count, z_score, p_value and class.

    Full detail: every study-area cell. Otherwise cells below k are treated as empty and only cells
    with at least k reports are listed (`suppressed` stays in the properties, always false).
    """
    binned = bin_cells(base_cells(filters, scope), shape, float(cell))
    below_k = suppression_mask(binned.n, binned.privileged, scope)
    ba, bb, bn = binned.a[~below_k], binned.b[~below_k], binned.n[~below_k]
    offsets = SQUARE_NEIGHBOURS if shape == "square" else HEX_NEIGHBOURS
    a, b, n, empty = _study_area(ba, bb, bn, offsets)
    z, p = getis_ord_gi_star(a, b, n, offsets)
    significant = benjamini_hochberg(p, alpha) if correction == "fdr" else p <= alpha
    listed = ~empty if scope.is_public else np.ones(len(n), dtype=bool)
    a, b, n, z, p, significant = a[listed], b[listed], n[listed], z[listed], p[listed], significant[listed]
    features = []
    if len(n):
        rings = cell_polygons(shape, float(cell), a, b)
        lon, lat = to_lonlat(rings[:, :, 0].ravel(), rings[:, :, 1].ravel())
        lon = np.round(np.asarray(lon).reshape(rings.shape[:2]), 6)
        lat = np.round(np.asarray(lat).reshape(rings.shape[:2]), 6)
        for k in range(len(n)):
            klass = "not_significant"
            if significant[k]:
                klass = "hot" if z[k] > 0 else "cold"
            features.append(
                {
                    "type": "Feature",
                    "id": f"{shape}:{int(a[k])}:{int(b[k])}",
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[float(x), float(y)] for x, y in zip(lon[k], lat[k], strict=True)]],
                    },
                    "properties": {
                        "count": int(n[k]),
                        "suppressed": False,
                        "z_score": round(float(z[k]), 4),
                        "p_value": round(float(p[k]), 6),
                        "class": klass,
                    },
                }
            )
    classes = [f["properties"]["class"] for f in features]
    return {
        "type": "FeatureCollection",
        "features": features,
        "meta": {
            "cell_metres": cell,
            "shape": shape,
            "alpha": alpha,
            "correction": correction,
            "neighbours": "queen" if shape == "square" else "hex",
            "cells": len(features),
            "hot": classes.count("hot"),
            "cold": classes.count("cold"),
        },
    }
