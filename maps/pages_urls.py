"""Map pages (included at / by geo.urls, after the citizen pages of web/): the public map, locality dashboards and council briefs."""

from django.urls import path, re_path

from . import pages

urlpatterns = [
    path("mapa/", pages.public_map, name="map-public"),
    re_path(r"^mapa/localidad/(?P<code>\d{2})/$", pages.locality_dashboard, name="map-locality"),
    re_path(r"^mapa/localidad/(?P<code>\d{2})/informe/$", pages.council_brief, name="map-brief"),
]
