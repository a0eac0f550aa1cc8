"""Heatmap: report counts on square or hexagonal cells, from the rollup (never the base table)."""

from __future__ import annotations

import numpy as np

from reports.visibility import ViewerScope, public_grid_metres

from ..filters import MapFilters
from .grid import (
    base_cells,
    bin_cells,
    cell_polygons,
    suppression_mask,
    to_lonlat,
)


def heatmap_cells(*, filters: MapFilters, scope: ViewerScope, cell: int, shape: str) -> dict:
    """GeoJSON FeatureCollection (EPSG:4326, 6 decimals) of cells of `cell` metres (EPSG:9377).

    Each feature: id "<shape>:<a>:<b>", properties count and intensity (count / max shown count, 0..1).
    Counted from public points (reports.visibility); cells below k are left out for callers without
    full detail (`meta.suppressed_cells` says how many, not where).
    """
    binned = bin_cells(base_cells(filters, scope), shape, float(cell))
    hidden = suppression_mask(binned.n, binned.privileged, scope)
    keep = ~hidden
    a, b, n = binned.a[keep], binned.b[keep], binned.n[keep]
    features = []
    if len(n):
        top = int(n.max())
        rings = cell_polygons(shape, float(cell), a, b)
        lon, lat = to_lonlat(rings[:, :, 0].ravel(), rings[:, :, 1].ravel())
        lon = np.round(np.asarray(lon).reshape(rings.shape[:2]), 6)
        lat = np.round(np.asarray(lat).reshape(rings.shape[:2]), 6)
        for k in range(len(n)):
            ring = [[float(x), float(y)] for x, y in zip(lon[k], lat[k], strict=True)]
            features.append(
                {
                    "type": "Feature",
                    "id": f"{shape}:{int(a[k])}:{int(b[k])}",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"count": int(n[k]), "intensity": round(float(n[k]) / top, 4)},
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "meta": {
            "cell_metres": cell,
            "shape": shape,
            "total": int(n.sum()) if len(n) else 0,
            "max_count": int(n.max()) if len(n) else 0,
            "suppressed_cells": int(hidden.sum()),
        },
    }


def heatmap_points(*, filters: MapFilters, scope: ViewerScope) -> dict:
    """[lat, lon, weight] per public-grid node (the public point of its reports), for Leaflet.heat;
    weight = count / max (0..1).

    Public callers: sensitive categories are left out entirely and nodes below k dropped; locality
    staff get every report in their localities; analysts get everything.
    """
    cells = base_cells(filters, scope)
    n = cells.n
    hidden = suppression_mask(n, cells.privileged, scope) | (n == 0)
    keep = ~hidden
    n = n[keep]
    points: list = []
    if len(n):
        top = float(n.max())
        grid = float(public_grid_metres())
        lon, lat = to_lonlat(cells.x[keep] * grid, cells.y[keep] * grid)
        points = [
            [round(float(la), 6), round(float(lo), 6), round(float(w) / top, 4)]
            for la, lo, w in zip(lat, lon, n, strict=True)
        ]
    return {
        "points": points,
        "meta": {
            "cell_metres": public_grid_metres(),
            "total": int(n.sum()) if len(n) else 0,
            "max_count": int(n.max()) if len(n) else 0,
            "suppressed_cells": int((hidden & (cells.n > 0)).sum()),
        },
    }
