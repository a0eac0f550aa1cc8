"""URL map. API under /api/, citizen pages at / (web), map pages under /mapa/, admin under /admin/."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import health
from .admin_login import admin_login

urlpatterns = [
    # Load balancer probes (geo/health.py): no report data, never cached.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Before the admin's own URLs, so that logins go through the failure lockout.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the docs need no inline script
    # under the Content-Security-Policy. (ReDoc's page loads Google Fonts and an inline script: not served.)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("localities.urls")),
    path("api/", include("reports.urls")),
    path("api/", include("maps.urls")),
    path("api/", include("justice.urls")),
    path("api/", include("participation.urls")),
    path("open311/", include("reports.open311.urls")),
    path("gestion/", include("workbench.urls")),
    path("", include("web.urls")),  # before the map pages: "/" is the citizen home map
    path("", include("participation.pages_urls")),
    path("", include("maps.pages_urls")),
]

# A 400 raised by Django itself (e.g. too many form fields) is JSON under /api/ and /open311/.
handler400 = "geo.api.bad_request"
