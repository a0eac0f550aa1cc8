"""Directory API on the real data: validation like /api/locate/, 404 outside Bogotá, lists, detail,
quadrant, and the OpenAPI schema of the justice endpoints."""

import pytest

from justice.models import ServiceKind, ServicePoint

from .conftest import client_for

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]
NEAREST = "/api/services/nearest/"
PLAZA = {"lat": 4.5981, "lon": -74.0760}


@pytest.mark.parametrize("url", [NEAREST, "/api/quadrant/"])
@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({}, 400, "lat"),
        ({"lat": 4.6}, 400, "lon"),
        ({"lat": "abc", "lon": -74.07}, 400, "lat"),
        ({"lat": "nan", "lon": -74.07}, 400, "lat"),
        ({"lat": 1e300, "lon": -74.07}, 400, "lat"),
        ({"lat": 4.6, "lon": -740.7}, 400, "lon"),
        ({"lat": -74.07, "lon": 4.6}, 400, "non_field_errors"),
        ({"lat": 6.2442, "lon": -75.5812}, 404, "detail"),
    ],
)
def test_coordinates_are_validated_like_locate(real_directory, url, query, status, field):
    response = client_for(None).get(url, query)
    assert response.status_code == status
    assert field in response.json()


def test_nearest_answers_features_with_distance_open_now_and_data_age(real_directory):
    response = client_for(None).get(NEAREST, {**PLAZA, "kind": "inspeccion_policia", "limit": 2})
    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) == 2
    first = features[0]["properties"]
    assert first["distance_m"] <= features[1]["properties"]["distance_m"]
    assert first["data_note"].startswith("Datos de 2017")
    assert first["open_now"] is None  # the 2017 file has no schedule
    assert first["kind"] == "inspeccion_policia"
    cai = client_for(None).get(NEAREST, {**PLAZA, "kind": "cai", "limit": 1}).json()["features"][0]
    assert cai["properties"]["open_now"] is True  # 24 hours
    assert cai["geometry"]["type"] == "Point"


@pytest.mark.parametrize(
    ("query", "field"), [({"kind": "juzgado"}, "kind"), ({"limit": 0}, "limit"), ({"limit": 21}, "limit")]
)
def test_nearest_refuses_bad_kind_and_limit(real_directory, query, field):
    response = client_for(None).get(NEAREST, {**PLAZA, **query})
    assert response.status_code == 400 and field in response.json()


def test_list_by_locality_and_kind_and_detail(real_directory):
    client = client_for(None)
    listed = client.get("/api/services/", {"locality": "08", "kind": "comisaria_familia"}).json()["features"]
    assert (
        len(listed)
        == ServicePoint.objects.current().filter(kind="comisaria_familia", locality__code="08").count()
        >= 4
    )
    assert {f["properties"]["locality"]["code"] for f in listed} == {"08"}
    assert client.get("/api/services/", {"locality": "21"}).status_code == 400
    one = listed[0]
    detail = client.get(f"/api/services/{one['id']}/")
    assert detail.status_code == 200 and detail.json()["properties"]["name"] == one["properties"]["name"]
    assert client.get("/api/services/999999/").status_code == 404


def test_disagreeing_locality_is_visible_to_citizens(real_directory):
    juan_rey = ServicePoint.objects.get(name="CAI Juan Rey")
    body = client_for(None).get(f"/api/services/{juan_rey.pk}/").json()["properties"]
    assert (body["locality"]["code"], body["source_locality_code"], body["locality_disagrees"]) == (
        "05",
        "04",
        True,
    )


def test_quadrant_of_a_point_and_a_rural_point_without_quadrant(real_directory):
    body = client_for(None).get("/api/quadrant/", PLAZA).json()
    assert body["code"].startswith("E17")
    assert body["phone"] and body["station"]["name"] == "Estación de Policía La Candelaria"
    # Nazareth, Sumapaz: inside Bogotá, no quadrant.
    rural = client_for(None).get("/api/quadrant/", {"lat": 4.1, "lon": -74.2})
    assert rural.status_code == 404 and "123" in rural.json()["detail"]


def test_openapi_schema_documents_the_justice_endpoints(real_directory):
    schema = client_for(None).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in [
        "/api/services/",
        "/api/services/nearest/",
        "/api/services/{id}/",
        "/api/quadrant/",
        "/api/procedures/",
        "/api/justice-requests/",
        "/api/staff/justice-requests/{id}/transition/",
    ]:
        assert path in paths, path
    nearest = {p["name"]: p for p in paths["/api/services/nearest/"]["get"]["parameters"]}
    assert nearest["lat"]["required"] and set(nearest["kind"]["schema"]["enum"]) == set(ServiceKind.values)
    assert "404" in paths["/api/services/nearest/"]["get"]["responses"]
