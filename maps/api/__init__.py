"""Thin API views of the maps app: analysis (heatmap, hot spots, statistics), tiles, layers, exports."""
