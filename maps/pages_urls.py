"""Map pages (included at / by geo.urls): the public map, locality dashboards and council briefs."""

from django.urls import path, re_path
from django.views.generic import RedirectView

from . import pages

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="map-public", permanent=False)),
    path("mapa/", pages.public_map, name="map-public"),
    re_path(r"^mapa/localidad/(?P<code>\d{2})/$", pages.locality_dashboard, name="map-locality"),
    re_path(r"^mapa/localidad/(?P<code>\d{2})/informe/$", pages.council_brief, name="map-brief"),
]
