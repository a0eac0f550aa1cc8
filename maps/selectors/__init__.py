"""Reads of the maps app: heatmaps, hot spots (Gi*), statistics, vector tiles, layers, exports and
the boundaries of the pages. Every query the maps app runs lives in this package."""

from .heatmap import heatmap_cells, heatmap_cells_json, heatmap_points, heatmap_points_json
from .hotspots import hotspot_cells, hotspot_cells_json
from .stats import category_counts, open_reports_summary, unit_stats, weekly_counts

__all__ = [
    "category_counts",
    "heatmap_cells",
    "heatmap_cells_json",
    "heatmap_points",
    "heatmap_points_json",
    "hotspot_cells",
    "hotspot_cells_json",
    "open_reports_summary",
    "unit_stats",
    "weekly_counts",
]
