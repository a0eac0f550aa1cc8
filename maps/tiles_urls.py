"""Vector tile URLs (included at /api/ by maps.urls)."""

from django.urls import path

from . import tiles

urlpatterns = [
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
