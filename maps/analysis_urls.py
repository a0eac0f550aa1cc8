"""Analysis endpoints under /api/maps/."""

from django.urls import path

from . import api

urlpatterns = [
    path("maps/heatmap/", api.HeatmapView.as_view(), name="maps-heatmap"),
    path("maps/hotspots/", api.HotspotsView.as_view(), name="maps-hotspots"),
    path("maps/stats/", api.StatsView.as_view(), name="maps-stats"),
]
