"""URL map. API under /api/, pages under /mapa/, admin under /admin/."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/", include("localities.urls")),
    path("api/", include("reports.urls")),
    path("api/", include("maps.urls")),
    path("api/", include("justice.urls")),
    path("open311/", include("reports.open311.urls")),
    path("", include("maps.pages_urls")),
]
