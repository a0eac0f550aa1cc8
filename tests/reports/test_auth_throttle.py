"""Token and session authentication, registration, and rate limits with Spanish 429s."""

import pytest
from rest_framework.test import APIClient

from reports.models import Report

from .factories import PASSWORD, POINT_01, make_user

pytestmark = pytest.mark.django_db


def test_token_lifecycle(api, users):
    bad = api.post("/api/auth/token/", {"username": "ciudadana", "password": "mala"}, format="json")
    assert bad.status_code == 400 and "incorrectos" in bad.json()["detail"]
    response = api.post("/api/auth/token/", {"username": "ciudadana", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/auth/me/").json() == {
        "username": "ciudadana",
        "role": "citizen",
        "locality_codes": [],
    }
    assert client.delete("/api/auth/token/").status_code == 204
    assert client.get("/api/auth/me/").status_code == 401


def test_staff_token_carries_role(api, users):
    response = api.post("/api/auth/token/", {"username": "func01", "password": PASSWORD}, format="json")
    assert response.json()["role"] == "locality_staff"
    assert response.json()["locality_codes"] == ["01"]


def test_session_login_logout(users):
    client = APIClient(enforce_csrf_checks=True)
    assert client.get("/api/auth/login/").status_code == 204
    response = client.post(
        "/api/auth/login/",
        {"username": "analista", "password": PASSWORD},
        format="json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 200 and response.json()["role"] == "analyst"
    assert client.get("/api/staff/reports/").status_code == 200
    csrf = client.cookies["csrftoken"].value
    assert client.post("/api/auth/logout/", headers={"X-CSRFToken": csrf}).status_code == 204
    assert client.get("/api/staff/reports/").status_code == 401


def test_register_citizen(api, db):
    weak = api.post("/api/auth/register/", {"username": "ana", "password": "123"}, format="json")
    assert weak.status_code == 400 and "password" in weak.json()
    response = api.post(
        "/api/auth/register/", {"username": "ana", "password": "una-clave-larga-9"}, format="json"
    )
    assert response.status_code == 201 and response.json()["role"] == "citizen" and response.json()["token"]
    again = api.post(
        "/api/auth/register/", {"username": "ANA", "password": "una-clave-larga-9"}, format="json"
    )
    assert again.status_code == 400 and "username" in again.json()


def test_anonymous_creation_is_rate_limited(api, territory, hurto, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "report_create_anon": "2/hour",
        },
    }
    from rest_framework.throttling import SimpleRateThrottle

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        body = {
            "category": "hurto",
            "description": "Robo",
            "location": {"type": "Point", "coordinates": list(POINT_01)},
        }
        assert api.post("/api/reports/", body, format="json").status_code == 201
        assert api.post("/api/reports/", body, format="json").status_code == 201
        refused = api.post("/api/reports/", body, format="json")
        assert refused.status_code == 429
        wait = int(refused["Retry-After"])
        assert 0 < wait <= 3600
        assert f"Intente de nuevo en {wait} segundos" in refused.json()["detail"]
        assert Report.objects.count() == 2
        assert api.get("/api/reports/").status_code == 200  # reading is not limited
        citizen = APIClient()
        citizen.force_authenticate(make_user("vecino"))
        assert citizen.post("/api/reports/", body, format="json").status_code == 201
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_supports_are_rate_limited(api, territory, hurto):
    from rest_framework.throttling import SimpleRateThrottle

    from .factories import make_report

    report = make_report(category=hurto)
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "support": "1/minute"}
    try:
        url = f"/api/reports/{report.pk}/supports/"
        assert api.post(url, {"device_id": "a"}, format="json").status_code == 201
        refused = api.post(url, {"device_id": "b"}, format="json")
        assert refused.status_code == 429 and "Retry-After" in refused
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
