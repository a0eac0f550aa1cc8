"""The perception pulse on a map: /api/pulse/map.geojson (every UPZ as a polygon, the mean only with
k answers or more) and the /percepcion/ page that draws it beside the incident heatmap."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from participation import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


def test_every_upz_is_a_polygon_and_below_k_has_no_mean(territory, settings):
    settings.PUBLIC_MIN_COUNT = 3
    for score in (2, 3, 5):
        services.pulse_record(upz_code="1", score=score)
    services.pulse_record(upz_code="2", score=1)
    services.pulse_record(upz_code="2", score=1)  # k − 1 answers
    response = Client().get(reverse("pulse-map"))
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    body = response.json()
    features = {f["properties"]["code"]: f for f in body["features"]}
    assert set(features) == {"1", "2"}
    assert features["1"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert features["1"]["properties"] == {
        "code": "1",
        "name": "Alfa",
        "locality": "01",
        "mean": pytest.approx(3.33, abs=0.01),
        "suppressed": False,
    }
    # Below k: drawn as "sin datos suficientes", exactly like a UPZ nobody answered for (no count).
    assert features["2"]["properties"] == {
        "code": "2",
        "name": "Beta",
        "locality": "02",
        "mean": None,
        "suppressed": True,
    }
    assert body["meta"]["min_count"] == 3 and body["meta"]["date_from"] < body["meta"]["date_to"]
    only = Client().get(reverse("pulse-map"), {"locality": "02"}).json()
    assert [f["properties"]["code"] for f in only["features"]] == ["2"]
    assert Client().get(reverse("pulse-map"), {"locality": "x"}).status_code == 400


def test_pulse_page_keeps_the_table_and_configures_both_maps(territory, settings):
    settings.PUBLIC_MIN_COUNT = 3
    for score in (4, 4, 4):
        services.pulse_record(upz_code="1", score=score)
    client = Client()
    response = client.post(reverse("participation-pulse"), {"upz": "2", "score": "2"})
    assert response.status_code == 302 and response.url.endswith("?localidad=02#mapa")
    page = client.get(reverse("participation-pulse")).content.decode()
    assert 'id="pulse-map"' in page and 'id="heat-map"' in page and 'id="pulse-config"' in page
    table = page[page.index('id="pulse-table"') :]
    assert "Alfa" in table and "4,00" in table or "4.00" in table
    assert "Sin datos suficientes" in table[table.index("Beta") :]
    local = client.get(reverse("participation-pulse"), {"localidad": "02"}).content.decode()
    table = local[local.index('id="pulse-table"') :]
    assert "Beta" in table and "Alfa" not in table
    assert "/api/pulse/map.geojson?locality=02" in local
