"""Map pages on a database that has no boundaries or no reports yet: they render (an empty map with a
message), never a 500 (folium refuses a tooltip on a layer without features)."""

import pytest
from django.test import Client

from localities.models import BoundaryVersion, Upz
from tests.factories import make_territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_boundaries(db):
    # A session fixture may have committed the official boundaries: switch them off for this test.
    BoundaryVersion.objects.filter(active=True).update(active=False)


def test_public_map_without_boundaries_renders_an_empty_map_with_a_message(no_boundaries, settings):
    settings.MAPS_PAGE_CACHE_SECONDS = 0
    response = Client().get("/mapa/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aún no hay límites de localidades cargados" in html
    assert "L.map(" in html  # the map itself is still drawn


def test_locality_pages_without_boundaries_are_404_not_500(no_boundaries):
    for path in ("/mapa/localidad/01/", "/mapa/localidad/01/informe/"):
        assert Client().get(path).status_code == 404, path


def test_locality_pages_without_reports_render(db, settings):
    settings.MAPS_PAGE_CACHE_SECONDS = 0
    make_territory()
    for path in ("/mapa/", "/mapa/localidad/01/", "/mapa/localidad/01/informe/"):
        response = Client().get(path)
        assert response.status_code == 200, path
    assert "No hay reportes en el periodo." in Client().get("/mapa/").content.decode()


def test_locality_without_upz_boundaries_renders_with_a_message(db, settings):
    settings.MAPS_PAGE_CACHE_SECONDS = 0
    version = make_territory()
    Upz.objects.filter(version=version, locality__code="01").delete()
    dashboard = Client().get("/mapa/localidad/01/")
    assert dashboard.status_code == 200
    assert "Aún no hay límites de UPZ cargados para esta localidad" in dashboard.content.decode()
    brief = Client().get("/mapa/localidad/01/informe/")
    assert brief.status_code == 200
    assert "Aún no hay límites de UPZ cargados para esta localidad" in brief.content.decode()
