"""Reads of the maps app: heatmap cells/points, hot spots (Gi*) and unit statistics."""

from .heatmap import heatmap_cells, heatmap_points
from .hotspots import hotspot_cells
from .stats import unit_stats

__all__ = ["heatmap_cells", "heatmap_points", "hotspot_cells", "unit_stats"]
