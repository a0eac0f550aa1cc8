"""Reads of the maps app: heatmap cells/points, hot spots (Gi*) and unit statistics."""

from .heatmap import heatmap_cells, heatmap_points
from .hotspots import hotspot_cells
from .stats import category_counts, unit_stats, weekly_counts

__all__ = [
    "category_counts",
    "heatmap_cells",
    "heatmap_points",
    "hotspot_cells",
    "unit_stats",
    "weekly_counts",
]
