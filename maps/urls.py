"""Map data API: analysis (heatmaps, hotspots, statistics), vector tiles and exports."""

from django.urls import include, path

urlpatterns = [
    path("", include("maps.analysis_urls")),
    path("", include("maps.tiles_urls")),
    path("", include("maps.exports_urls")),
]
