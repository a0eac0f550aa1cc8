"""Territory API on the toy territory (tests/factories.py): shapes, properties, errors, simplify, borders."""

import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from localities.models import Locality, Upz
from tests.factories import make_territory, square

pytestmark = pytest.mark.django_db


def _vertex_count(geometry: dict) -> int:
    assert geometry["type"] == "MultiPolygon"
    return sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)


def _circle(lon: float, lat: float, radius_deg: float, vertices: int) -> MultiPolygon:
    ring = [
        (
            lon + radius_deg * math.cos(2 * math.pi * i / vertices),
            lat + radius_deg * math.sin(2 * math.pi * i / vertices),
        )
        for i in range(vertices)
    ]
    ring.append(ring[0])
    return MultiPolygon(Polygon(ring), srid=4326)


# --- /api/localities/ -------------------------------------------------------------------------------


def test_locality_list_is_a_feature_collection_with_the_documented_properties(client):
    make_territory()
    response = client.get("/api/localities/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == ["01", "02"]
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert set(feature["properties"]) == {"code", "name", "area_km2", "upz_count"}
    assert feature["properties"] == {"code": "01", "name": "Norte", "area_km2": 30.8, "upz_count": 1}
    assert feature["geometry"]["type"] == "MultiPolygon"
    # RFC 7946: [lon, lat]
    lon, lat = feature["geometry"]["coordinates"][0][0][0]
    assert -74.11 < lon < -74.04 and 4.59 < lat < 4.66


def test_upz_count_counts_urban_upz_only(client):
    version = make_territory()
    north = Locality.objects.get(version=version, code="01")
    Upz.objects.create(
        version=version, code="UPR9", name="Rural", rural=True, locality=north, area_km2=1.0, geom=north.geom
    )
    Upz.objects.create(version=version, code="3", name="Gamma", locality=north, area_km2=1.0, geom=north.geom)
    body = client.get("/api/localities/").json()
    counts = {f["properties"]["code"]: f["properties"]["upz_count"] for f in body["features"]}
    assert counts == {"01": 2, "02": 1}


def test_locality_list_shows_only_the_active_version(client):
    make_territory(checksum="old", active=False)
    make_territory(checksum="new", active=True)
    body = client.get("/api/localities/").json()
    assert len(body["features"]) == 2


def test_locality_list_query_count_does_not_grow_with_the_number_of_localities(
    client, django_assert_max_num_queries
):
    version = make_territory()
    for n in range(3, 9):
        Locality.objects.create(
            version=version,
            code=f"{n:02d}",
            name=f"L{n}",
            area_km2=1.0,
            geom=square(-74.0 + n * 0.001, 4.6, -73.9999 + n * 0.001, 4.6001),
        )
    with django_assert_max_num_queries(1):
        response = client.get("/api/localities/")
    assert len(response.json()["features"]) == 8


def test_coordinates_are_rounded_to_six_decimals(client):
    version = make_territory()
    Locality.objects.filter(version=version, code="01").update(
        geom=square(-74.1234567891, 4.6012345678, -74.0512345678, 4.6498765432)
    )
    body = client.get("/api/localities/01/").json()
    for lon, lat in body["geometry"]["coordinates"][0][0]:
        assert round(lon, 6) == lon and round(lat, 6) == lat
    assert body["geometry"]["coordinates"][0][0][0] == [-74.123457, 4.601235]


def test_simplify_reduces_the_vertex_count_and_keeps_the_shape(client):
    version = make_territory()
    # A circle of ~1.1 km radius drawn with 400 vertices (spacing ~17 m).
    Locality.objects.filter(version=version, code="01").update(geom=_circle(-74.07, 4.62, 0.01, 400))
    full = client.get("/api/localities/01/").json()["geometry"]
    simplified = client.get("/api/localities/01/?simplify=50").json()["geometry"]
    coarse = client.get("/api/localities/?simplify=500").json()["features"][0]["geometry"]
    assert _vertex_count(full) == 401
    assert 4 <= _vertex_count(coarse) < _vertex_count(simplified) < _vertex_count(full)
    # Still around the same centre, still in EPSG:4326 degrees.
    lons = [pt[0] for pt in simplified["coordinates"][0][0]]
    assert -74.081 < min(lons) < max(lons) < -74.059


@pytest.mark.parametrize("value", ["0", "-5", "5000.1", "abc", "nan", "inf"])
def test_simplify_out_of_range_or_not_numeric_is_a_400_naming_the_field(client, value):
    make_territory()
    response = client.get(f"/api/localities/?simplify={value}")
    assert response.status_code == 400
    body = response.json()
    assert "simplify" in body and body["detail"]
    assert "simplify" in body["simplify"][0]


def test_upz_list_can_be_simplified_too(client):
    version = make_territory()
    Upz.objects.filter(version=version, code="1").update(geom=_circle(-74.07, 4.62, 0.01, 400))
    full = client.get("/api/upz/?locality=01").json()["features"][0]["geometry"]
    simplified = client.get("/api/upz/?locality=01&simplify=50").json()["features"][0]["geometry"]
    assert _vertex_count(simplified) < _vertex_count(full) == 401
    response = client.get("/api/upz/?simplify=-1")
    assert response.status_code == 400 and "simplify" in response.json()


def test_simplify_upper_bound_is_accepted(client):
    make_territory()
    assert client.get("/api/localities/?simplify=5000").status_code == 200


def test_locality_detail_is_one_feature(client):
    make_territory()
    response = client.get("/api/localities/02/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "Feature"
    assert body["properties"]["code"] == "02" and body["properties"]["name"] == "Sur"


def test_unknown_locality_is_a_404_in_spanish(client):
    make_territory()
    response = client.get("/api/localities/99/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "No existe la localidad «99»" in response.json()["detail"]


# --- /api/upz/ --------------------------------------------------------------------------------------


def test_upz_list_is_a_feature_collection_with_locality_codes(client):
    make_territory()
    body = client.get("/api/upz/").json()
    assert body["type"] == "FeatureCollection"
    props = [f["properties"] for f in body["features"]]
    assert props == [
        {"code": "1", "name": "Alfa", "locality": "01", "rural": False},
        {"code": "2", "name": "Beta", "locality": "02", "rural": False},
    ]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_upz_list_filters_by_locality_and_rural(client):
    version = make_territory()
    north = Locality.objects.get(version=version, code="01")
    Upz.objects.create(
        version=version, code="UPR9", name="Rural", rural=True, locality=north, area_km2=1.0, geom=north.geom
    )
    codes = lambda url: [f["properties"]["code"] for f in client.get(url).json()["features"]]  # noqa: E731
    assert codes("/api/upz/?locality=02") == ["2"]
    assert codes("/api/upz/?locality=01") == ["1", "UPR9"]
    assert codes("/api/upz/?locality=01&rural=false") == ["1"]
    assert codes("/api/upz/?rural=true") == ["UPR9"]


@pytest.mark.parametrize("code", ["99", "1", "abc"])
def test_upz_list_with_an_unknown_locality_is_a_400(client, code):
    make_territory()
    response = client.get(f"/api/upz/?locality={code}")
    assert response.status_code == 400
    assert code in response.json()["locality"][0]


# --- /api/locate/ -----------------------------------------------------------------------------------


def test_locate_returns_locality_and_upz(client):
    make_territory()
    response = client.get("/api/locate/?lat=4.57&lon=-74.07")
    assert response.status_code == 200
    assert response.json() == {
        "locality": {"code": "02", "name": "Sur"},
        "upz": {"code": "2", "name": "Beta"},
    }


def test_locate_without_a_planning_unit_returns_null_upz(client):
    version = make_territory()
    Upz.objects.filter(version=version, code="2").delete()
    body = client.get("/api/locate/?lat=4.57&lon=-74.07").json()
    assert body == {"locality": {"code": "02", "name": "Sur"}, "upz": None}


def test_locate_on_a_shared_border_always_gives_the_same_single_unit(client):
    make_territory()
    answers = [client.get("/api/locate/?lat=4.60&lon=-74.07").json() for _ in range(3)]
    assert answers[0] == {"locality": {"code": "01", "name": "Norte"}, "upz": {"code": "1", "name": "Alfa"}}
    assert answers[1] == answers[0] == answers[2]


@pytest.mark.parametrize("query", ["lat=4.62&lon=-74.20", "lat=6.2442&lon=-75.5812"])
def test_locate_outside_the_territory_is_a_404_in_spanish_and_english(client, query):
    make_territory()
    response = client.get(f"/api/locate/?{query}")
    assert response.status_code == 404
    body = response.json()
    assert "fuera de Bogotá" in body["detail"]
    assert "outside Bogotá" in body["detail_en"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lon=-74.07", "lat"),
        ("lat=4.6", "lon"),
        ("lat=abc&lon=-74.07", "lat"),
        ("lat=4.6&lon=", "lon"),
        ("lat=91&lon=-74.07", "lat"),
        ("lat=-90.5&lon=-74.07", "lat"),
        ("lat=4.6&lon=180.01", "lon"),
        ("lat=nan&lon=-74.07", "lat"),
        ("lat=4.6&lon=-inf", "lon"),
        ("lat=4.6&lon=NaN", "lon"),
    ],
)
def test_locate_with_missing_or_invalid_coordinates_is_a_400_naming_the_field(client, query, field):
    make_territory()
    response = client.get(f"/api/locate/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert field in body[field][0]


def test_locate_with_swapped_coordinates_is_a_400_saying_so(client):
    make_territory()
    response = client.get("/api/locate/?lat=-74.07&lon=4.62")
    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert "invertidas" in message and "lat=4.62" in message


def test_territory_endpoints_are_public(client):
    make_territory()
    for url in ["/api/localities/", "/api/localities/01/", "/api/upz/", "/api/locate/?lat=4.62&lon=-74.07"]:
        assert client.get(url).status_code == 200, url
