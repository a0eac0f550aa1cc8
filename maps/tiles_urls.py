"""Vector tile URLs (included at /api/ by maps.urls)."""

from django.urls import path

from . import layers, tiles

urlpatterns = [
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
]
