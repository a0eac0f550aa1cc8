"""Hostile input is a JSON 4xx, never a 500 or an HTML page (issue 7, item 5).

Covers out-of-calendar dates, NUL characters anywhere in a request, deeply nested JSON and
oversized JSON bodies, on the reports, auth and territory endpoints (maps and Open311 bound
their own dates; the NUL, depth and size guards are project-wide middleware).
"""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import make_territory
from tests.reports.factories import POINT_01, make_category, make_report, make_user

pytestmark = pytest.mark.django_db

REPORT = {
    "category": "hurto",
    "description": "Robo",
    "location": {"type": "Point", "coordinates": list(POINT_01)},
}


@pytest.fixture
def setup():
    make_territory()
    category = make_category("hurto")
    return make_report(category=category)


def client() -> Client:
    # Django's client with exceptions turned into responses, as a real server would answer.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("field", ["created_after", "created_before", "occurred_after", "occurred_before"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1899-12-31T23:00:00-05:00"])
def test_report_list_dates_outside_1900_2100_are_a_400_naming_the_field(setup, field, value):
    for url in ("/api/reports/", "/api/staff/reports/"):
        api = APIClient()
        if "staff" in url:
            api.force_authenticate(make_user(f"analista-{field}-{value[:4]}", role="analyst"))
        response = api.get(url, {field: value})
        assert response.status_code == 400, (url, response.content)
        assert "1900-01-01" in response.json()[field][0]


def test_report_list_dates_inside_the_bounds_still_filter(setup):
    assert (
        len(APIClient().get("/api/reports/", {"created_after": "1900-01-01T00:00:00"}).json()["features"])
        == 1
    )
    assert APIClient().get("/api/reports/", {"created_after": "2100-12-31T00:00:00"}).json()["features"] == []


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00Z", "1899-12-31T12:00:00-05:00"])
def test_report_create_occurred_at_before_1900_is_a_400(setup, occurred_at):
    response = APIClient().post("/api/reports/", {**REPORT, "occurred_at": occurred_at}, format="json")
    assert response.status_code == 400
    assert "occurred_at" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/reports/?category=a%00",
        "/api/reports/nearby/?category=a%00&lat=4.6234&lon=-74.0712",
        "/api/localities/01%00/",
        "/api/upz/?locality=0%001",
        "/api/reports/?a%00=1",
        "/mapa/?category=a%00",
    ],
)
def test_a_nul_character_in_the_url_is_a_json_400(setup, url):
    response = client().get(url)
    assert response.status_code == 400, response.content[:200]
    assert "nulo" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {**REPORT, "category": "a\x00"},
        {**REPORT, "description": "Robo\x00"},
        {**REPORT, "contact": {"name": "A\x00"}},
        {**REPORT, "x\x00": 1},
    ],
)
def test_a_nul_character_in_a_json_body_is_a_400(setup, body):
    response = client().post("/api/reports/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "nulo" in response.json()["detail"]


def test_a_nul_character_in_form_and_multipart_bodies_is_a_400(setup):
    form = client().post(
        "/api/auth/token/", "username=a%00&password=b", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 400 and "nulo" in form.json()["detail"]
    multipart = client().post(
        "/api/reports/", {"category": "a\x00", "description": "x", "lon": POINT_01[0], "lat": POINT_01[1]}
    )
    assert multipart.status_code == 400 and "nulo" in multipart.json()["detail"]


def test_a_nul_character_in_a_header_is_a_400(setup):
    response = client().post(
        "/api/reports/", json.dumps(REPORT), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k\x00"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [33, 1000, 200_000])
@pytest.mark.parametrize(
    "url", ["/api/reports/", "/api/auth/token/", "/api/auth/register/", "/api/reports/{pk}/supports/"]
)
def test_deeply_nested_json_is_a_json_400_on_every_json_endpoint(setup, depth, url):
    body = "[" * depth + "]" * depth
    response = client().post(url.format(pk=setup.pk), body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "anidado" in response.json()["detail"]


def test_json_nested_within_the_limit_reaches_validation(setup):
    body = {**REPORT, "contact": {"name": [[[["x"]]]]}}
    response = client().post("/api/reports/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "contact" in response.json()


@pytest.mark.parametrize("megabytes", [2.6, 8, 31])
def test_oversized_json_bodies_are_a_json_413(setup, megabytes):
    body = json.dumps({**REPORT, "description": "x" * int(megabytes * 1024 * 1024)})
    response = client().post("/api/reports/", body, content_type="application/json")
    assert response.status_code == 413, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert "MB" in response.json()["detail"]


def test_a_400_raised_by_django_itself_is_json_under_the_api(setup):
    # More than DATA_UPLOAD_MAX_NUMBER_FIELDS form fields: Django refuses while reading the body.
    body = "&".join(f"f{i}=1" for i in range(1200))
    response = client().post("/api/auth/token/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
