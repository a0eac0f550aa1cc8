"""Client coordinates and geometries are range-checked before GEOS/PROJ sees them (issue 7, item 1).

GEOS aborts the whole process (`stack smashing detected`) on a coordinate such as 1e300 when the
point is written out, so these requests must be answered 400 by validation, never reach GEOS.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from geo.spatial import check_geojson_geometry, check_lonlat, make_point
from tests.factories import make_territory
from tests.reports.factories import POINT_01, make_category, make_report

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["1e300", "-1e308", "nan", "NaN", "inf", "-inf", "1e309"]


@pytest.fixture
def setup_reports():
    make_territory()
    category = make_category("hurto")
    make_report(category=category)
    return category


@pytest.mark.parametrize("bad", BAD_NUMBERS)
@pytest.mark.parametrize("which", ["lat", "lon"])
def test_nearby_refuses_absurd_coordinates_with_a_400_naming_the_field(setup_reports, bad, which):
    query = {"category": "hurto", "lat": "4.6234", "lon": "-74.0712", which: bad}
    response = APIClient().get("/api/reports/nearby/", query)
    assert response.status_code == 400, response.content
    assert which in response.json()


def test_nearby_reproduction_of_the_process_abort(setup_reports):
    # The request of the issue: it used to abort the server process.
    response = APIClient().get("/api/reports/nearby/?category=hurto&lat=1e300&lon=-74.07")
    assert response.status_code == 400
    assert "lat" in response.json()


def test_nearby_with_swapped_coordinates_says_so(setup_reports):
    response = APIClient().get("/api/reports/nearby/", {"category": "hurto", "lat": -74.0712, "lon": 4.6234})
    assert response.status_code == 400
    assert "invertidas" in response.json()["non_field_errors"][0]


def test_nearby_far_from_bogota_is_a_400_and_near_it_still_answers(setup_reports):
    far = APIClient().get("/api/reports/nearby/", {"category": "hurto", "lat": 40.4, "lon": -3.7})
    assert far.status_code == 400
    assert "lejos de Bogotá" in json.dumps(far.json(), ensure_ascii=False)
    near = APIClient().get(
        "/api/reports/nearby/", {"category": "hurto", "lat": POINT_01[1], "lon": POINT_01[0]}
    )
    assert near.status_code == 200
    assert len(near.json()["features"]) == 1


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_locate_refuses_absurd_coordinates(bad):
    make_territory()
    for query in (f"lat={bad}&lon=-74.07", f"lat=4.6&lon={bad}"):
        response = APIClient().get(f"/api/locate/?{query}")
        assert response.status_code == 400, (query, response.content)


def test_locate_far_from_bogota_is_a_400_but_a_nearby_town_is_still_a_404():
    make_territory()
    assert APIClient().get("/api/locate/?lat=40.4&lon=-3.7").status_code == 400
    assert APIClient().get("/api/locate/?lat=6.2442&lon=-75.5812").status_code == 404


@pytest.mark.parametrize(
    "coordinates",
    [[1e300, 4.6], [-74.07, -1e308], [-74.07, 4.6, "alto"], [4.6234, -74.0712], [-3.7, 40.4]],
)
def test_report_create_refuses_bad_geojson_coordinates(setup_reports, coordinates):
    body = {
        "category": "hurto",
        "description": "Prueba",
        "location": {"type": "Point", "coordinates": coordinates},
    }
    response = APIClient().post("/api/reports/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert "location" in response.json()


@pytest.mark.parametrize("raw", ["[NaN, 4.6]", "[-74.07, Infinity]", "[-74.07, -Infinity]"])
def test_report_create_refuses_non_standard_json_numbers(setup_reports, raw):
    body = '{"category": "hurto", "description": "x", "location": {"type": "Point", "coordinates": RAW}}'
    body = body.replace("RAW", raw)
    response = APIClient().post("/api/reports/", body, content_type="application/json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(("lon", "lat"), [("1e300", "4.6"), ("-74.07", "nan"), ("-74.07", "-inf")])
def test_report_create_form_lon_lat_are_checked_too(setup_reports, lon, lat):
    response = APIClient().post(
        "/api/reports/", {"category": "hurto", "description": "x", "lon": lon, "lat": lat}, format="multipart"
    )
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("bbox", ["-1e300,4.5,-74.0,4.8", "nan,4.5,-74.0,4.8", "-74.2,4.5,inf,4.8"])
def test_bbox_filter_refuses_absurd_corners(setup_reports, bbox):
    response = APIClient().get("/api/reports/", {"bbox": bbox})
    assert response.status_code == 400
    assert "bbox" in response.json()


def test_check_geojson_geometry_bounds_the_vertex_count_and_nesting():
    ring = [[-74.07 + i * 1e-6, 4.6] for i in range(20)]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    assert check_geojson_geometry(polygon, types=("Polygon",)) is polygon
    with pytest.raises(ValidationError, match="vértices"):
        check_geojson_geometry(polygon, types=("Polygon",), max_vertices=10)
    with pytest.raises(ValidationError):
        check_geojson_geometry({"type": "Polygon", "coordinates": ring}, types=("Polygon",))
    with pytest.raises(ValidationError):
        check_geojson_geometry({"type": "Point", "coordinates": [[-74.07, 4.6]]})
    with pytest.raises(ValidationError, match="no admitido"):
        check_geojson_geometry(polygon)


def test_make_point_refuses_what_geos_cannot_take():
    for lon, lat in [(1e300, 4.6), (-74.07, float("nan")), (float("inf"), 4.6), (-181, 4.6)]:
        with pytest.raises(ValidationError):
            make_point(lon, lat)
    assert make_point(-74.07, 4.6).coords == (-74.07, 4.6)
    assert check_lonlat("-74.07", "4.6") == (-74.07, 4.6)


@pytest.mark.parametrize(
    ("language", "field_message", "far_message", "swapped", "detail"),
    [
        (
            "es-CO",
            "lat debe estar entre -90 y 90 grados.",
            "La latitud 40.4 está demasiado lejos de Bogotá.",
            "lat y lon parecen invertidas",
            "Datos inválidos. Revise los campos indicados.",
        ),
        (
            "en",
            "lat must be between -90 and 90 degrees.",
            "Latitude 40.4 is too far from Bogotá.",
            "lat and lon look swapped",
            "Invalid data. Check the fields indicated.",
        ),
    ],
)
def test_coordinate_messages_follow_accept_language(
    setup_reports, language, field_message, far_message, swapped, detail
):
    """The same bad request answers in the language the client asks for (geo/locale catalogue)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    body = client.get("/api/reports/nearby/", {"category": "hurto", "lat": "95", "lon": "-74.07"}).json()
    assert body["lat"] == [field_message]
    assert body["detail"] == detail
    body = client.get("/api/reports/nearby/", {"category": "hurto", "lat": 40.4, "lon": -74.07}).json()
    assert body["lat"][0].startswith(far_message)
    body = client.get("/api/reports/nearby/", {"category": "hurto", "lat": -74.0712, "lon": 4.6234}).json()
    assert body["non_field_errors"][0].startswith(swapped)
    assert "lat=4.6234&lon=-74.0712" in body["non_field_errors"][0]
