"""Territory API on the official boundaries (real files, `real_territory`)."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def _vertices(geometry: dict) -> int:
    return sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)


def test_twenty_localities_with_112_urban_upz_between_them(client, real_territory):
    body = client.get("/api/localities/").json()
    assert body["type"] == "FeatureCollection"
    features = body["features"]
    assert [f["properties"]["code"] for f in features] == [f"{n:02d}" for n in range(1, 21)]
    assert sum(f["properties"]["upz_count"] for f in features) == 112
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    # Counts from the published UPZ/locality overlay (PROVENANCE.md): Kennedy and Suba 12, Sumapaz none.
    assert by_code["08"]["upz_count"] == 12 and by_code["11"]["upz_count"] == 12
    assert by_code["17"]["upz_count"] == 1 and by_code["20"]["upz_count"] == 0
    assert by_code["15"]["name"] == "Antonio Nariño"
    # Sumapaz is by far the largest (about 780 km²), La Candelaria the smallest (about 2 km²).
    assert max(by_code.values(), key=lambda p: p["area_km2"])["code"] == "20"
    assert min(by_code.values(), key=lambda p: p["area_km2"])["code"] == "17"
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in features)


def test_simplify_shrinks_the_city_map(client, real_territory):
    full = client.get("/api/localities/").json()["features"]
    simple = client.get("/api/localities/?simplify=100").json()["features"]
    full_count = sum(_vertices(f["geometry"]) for f in full)
    simple_count = sum(_vertices(f["geometry"]) for f in simple)
    assert simple_count < full_count / 4
    assert [f["properties"] for f in simple] == [f["properties"] for f in full]


def test_one_locality_by_code(client, real_territory):
    body = client.get("/api/localities/17/").json()
    assert body["type"] == "Feature"
    assert body["properties"]["name"] == "La Candelaria"
    assert body["properties"]["upz_count"] == 1


def test_116_planning_units_four_of_them_rural(client, real_territory):
    features = client.get("/api/upz/").json()["features"]
    assert len(features) == 116
    rural = sorted(f["properties"]["code"] for f in features if f["properties"]["rural"])
    assert rural == ["UPR1", "UPR3", "UPR4", "UPR5"]
    assert all(f["properties"]["locality"] for f in features)
    urban = client.get("/api/upz/?rural=false").json()["features"]
    assert len(urban) == 112


def test_upz_of_one_locality(client, real_territory):
    features = client.get("/api/upz/?locality=02").json()["features"]
    assert {f["properties"]["locality"] for f in features} == {"02"}
    assert len(features) == 5  # Chapinero: 5 UPZ (PROVENANCE.md overlay)
    assert "97" in {f["properties"]["code"] for f in features}
    assert client.get("/api/upz/?locality=21").status_code == 400
