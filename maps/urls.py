"""Map data API (included at /api/ by geo.urls): analysis, vector tiles, GeoJSON layer and exports."""

from django.urls import path

from .api import analysis, exports, layers, tiles

urlpatterns = [
    path("maps/heatmap/", analysis.HeatmapView.as_view(), name="maps-heatmap"),
    path("maps/hotspots/", analysis.HotspotsView.as_view(), name="maps-hotspots"),
    path("maps/stats/", analysis.StatsView.as_view(), name="maps-stats"),
    path("maps/reports.geojson", layers.ReportLayerView.as_view(), name="maps-reports-geojson"),
    path(
        "maps/tiles/reports/<int:z>/<int:x>/<int:y>.mvt", tiles.ReportTileView.as_view(), name="tiles-reports"
    ),
    path("maps/tiles/upz/<int:z>/<int:x>/<int:y>.mvt", tiles.UpzTileView.as_view(), name="tiles-upz"),
    path(
        "maps/tiles/localities/<int:z>/<int:x>/<int:y>.mvt",
        tiles.LocalityTileView.as_view(),
        name="tiles-localities",
    ),
    path("exports/reports.<str:fmt>", exports.ReportExportView.as_view(), name="exports-reports"),
    path("exports/aggregates.<str:fmt>", exports.AggregateExportView.as_view(), name="exports-aggregates"),
]
