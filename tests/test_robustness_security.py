"""Guessing, login CSRF, idempotency between callers and the Content-Security-Policy (issue 7, item 6)."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import make_territory
from tests.reports.factories import PASSWORD, POINT_01, make_category, make_user

pytestmark = pytest.mark.django_db

REPORT = {
    "category": "hurto",
    "description": "Robo",
    "location": {"type": "Point", "coordinates": list(POINT_01)},
}


# --- login CSRF -------------------------------------------------------------------------------------------


def test_session_login_without_a_csrf_token_is_refused():
    make_user("ana")
    client = APIClient(enforce_csrf_checks=True)
    refused = client.post("/api/auth/login/", {"username": "ana", "password": PASSWORD}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert "sessionid" not in client.cookies
    assert client.get("/api/auth/login/").status_code == 204
    token = client.cookies["csrftoken"].value
    ok = client.post(
        "/api/auth/login/",
        {"username": "ana", "password": PASSWORD},
        format="json",
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 200 and "sessionid" in client.cookies


# --- admin login lockout ----------------------------------------------------------------------------------


def test_admin_login_locks_out_an_ip_after_repeated_failures(settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 3
    make_user("jefa", superuser=True)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(3):
        # A made-up X-Forwarded-For does not give a fresh counter either.
        failed = attacker.post(
            "/admin/login/", {"username": "jefa", "password": f"mala-{i}"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
        assert failed.status_code == 200  # the form again, with its error
    locked = attacker.post("/admin/login/", {"username": "jefa", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "Demasiados intentos" in locked.content.decode()
    assert attacker.get("/admin/").status_code == 302  # still not signed in
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post("/admin/login/", {"username": "jefa", "password": PASSWORD}).status_code == 302


def test_a_successful_admin_login_clears_the_failures(settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    make_user("jefe", superuser=True)
    client = Client()
    assert client.post("/admin/login/", {"username": "jefe", "password": "mala"}).status_code == 200
    assert client.post("/admin/login/", {"username": "jefe", "password": PASSWORD}).status_code == 302
    client.logout()
    assert client.post("/admin/login/", {"username": "jefe", "password": "mala"}).status_code == 200
    assert client.post("/admin/login/", {"username": "jefe", "password": PASSWORD}).status_code == 302


# --- idempotency keys per client --------------------------------------------------------------------------


@pytest.fixture
def territory():
    make_territory()
    make_category("hurto")


def post(client, **headers):
    return client.post(
        "/api/reports/", REPORT, format="json", headers={"Idempotency-Key": "misma-clave", **headers}
    )


def test_another_anonymous_caller_with_the_same_key_and_body_gets_its_own_report(territory):
    first = post(APIClient(REMOTE_ADDR="203.0.113.1"))
    stranger = post(APIClient(REMOTE_ADDR="203.0.113.2"))
    assert first.status_code == stranger.status_code == 201
    assert stranger.json()["tracking_code"] != first.json()["tracking_code"]
    assert "Idempotent-Replayed" not in stranger


def test_same_ip_different_device_is_another_caller_same_device_replays(territory):
    first = post(APIClient(REMOTE_ADDR="203.0.113.1"), **{"X-Device-Id": "tel-a"})
    other_device = post(APIClient(REMOTE_ADDR="203.0.113.1"), **{"X-Device-Id": "tel-b"})
    retry = post(APIClient(REMOTE_ADDR="203.0.113.1"), **{"X-Device-Id": "tel-a"})
    assert other_device.json()["tracking_code"] != first.json()["tracking_code"]
    assert retry.json()["tracking_code"] == first.json()["tracking_code"]
    assert retry["Idempotent-Replayed"] == "true"


# --- Content-Security-Policy ------------------------------------------------------------------------------


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


@pytest.mark.parametrize("url", ["/api/categories/", "/api/reports/99999/", "/api/docs/", "/api/schema/"])
def test_every_api_response_has_a_strict_policy(url):
    response = Client().get(url)
    policy = csp(response)
    assert "'unsafe-inline'" not in policy["script-src"] and "'nonce-" in policy["script-src"]
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "http" not in policy["script-src"] and "http" not in policy["style-src"]  # no CDN


def test_guard_refusals_carry_the_policy_too():
    response = Client().get("/api/reports/?category=a%00")
    assert response.status_code == 400 and "Content-Security-Policy" in response


def test_the_api_docs_need_no_inline_script():
    page = Client().get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attrs for attrs in scripts)


def test_the_nonce_changes_per_request():
    one, two = (csp(Client().get("/api/categories/"))["script-src"] for _ in range(2))
    assert one != two


def test_map_pages_get_the_scoped_policy_with_the_basemap_host(settings):
    settings.BASEMAP_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    make_territory()
    response = Client().get("/mapa/")
    assert response.status_code == 200
    policy = csp(response)
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    assert "https://*.tiles.example.org" in policy["img-src"]
    assert policy["connect-src"] == "'self'" and policy["object-src"] == "'none'"
