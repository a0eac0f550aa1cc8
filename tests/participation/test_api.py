"""API of the planning loop: permission matrix of every endpoint, field errors, no author identity."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from participation import services

from .conftest import AREA_01

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


ROLES = ["anonymous", "citizen", "other_citizen", "staff_01", "staff_02", "analyst", "moderator", "admin"]


def test_create_proposal_needs_an_account_and_hides_identity(territory, users):
    body = {"title": "Luz", "body": "Poste dañado", "group": "seguridad", "where": "area", "area": AREA_01}
    assert client_for(None).post(reverse("proposal-list"), body, format="json").status_code in (401, 403)
    users["citizen"].email = "secreta@example.org"
    users["citizen"].save()
    response = client_for(users["citizen"]).post(reverse("proposal-list"), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["locality"] == "01" and response.json()["upz"] == ["1"]
    listed = client_for(None).get(reverse("proposal-list")).content.decode()
    assert "secreta@example.org" not in listed and "ciudadana" not in listed


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "", "body": "x", "group": "seguridad", "where": "upz", "upz": "1"}, "title"),
        ({"title": "t", "body": "x", "group": "otro", "where": "upz", "upz": "1"}, "group"),
        ({"title": "t", "body": "x", "group": "seguridad", "where": "upz", "upz": "99"}, "upz"),
        (
            {"title": "t", "body": "x", "group": "seguridad", "where": "point", "lon": 1e300, "lat": 4.6},
            "point",
        ),
        (
            {"title": "t", "body": "x", "group": "seguridad", "where": "area", "area": {"type": "Polygon"}},
            "area",
        ),
    ],
)
def test_bad_input_is_a_spanish_field_error(territory, users, body, field):
    response = client_for(users["citizen"]).post(reverse("proposal-list"), body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


@pytest.mark.parametrize("role", ROLES)
def test_support_matrix(proposal, users, role):
    response = client_for(users[role]).post(reverse("proposal-support", kwargs={"pk": proposal.pk}))
    if role == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 201
        again = client_for(users[role]).post(reverse("proposal-support", kwargs={"pk": proposal.pk}))
        assert again.status_code == 200 and again.json()["created"] is False


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_matrix(proposal, users, role):
    response = client_for(users[role]).post(reverse("proposal-withdraw", kwargs={"pk": proposal.pk}))
    expected = {"anonymous": (401, 403), "citizen": (200,)}.get(role, (403,))
    assert response.status_code in expected


@pytest.mark.parametrize("role", ROLES)
def test_moderate_matrix(proposal, users, role):
    url = reverse("proposal-moderate", kwargs={"pk": proposal.pk})
    response = client_for(users[role]).post(url, {"reason": "Ofensiva", "hidden": True}, format="json")
    expected = {"anonymous": (401, 403), "staff_01": (200,), "moderator": (200,), "admin": (200,)}.get(
        role, (404,)
    )
    assert response.status_code in expected
    detail = client_for(None).get(reverse("proposal-detail", kwargs={"pk": proposal.pk}))
    assert detail.status_code == (404 if response.status_code == 200 else 200)


def test_detail_shows_history_and_ranking_order(proposal, users, territory):
    other = services.proposal_create(
        author=users["other_citizen"], title="Otra", body="b", group="convivencia", where="upz", upz_code="1"
    )
    services.proposal_support(proposal=other, user=users["citizen"])
    listed = client_for(None).get(reverse("proposal-list"), {"locality": "01"}).json()
    assert [p["id"] for p in listed] == [other.pk, proposal.pk]
    detail = client_for(None).get(reverse("proposal-detail", kwargs={"pk": proposal.pk})).json()
    assert detail["history"][0]["to_status"] == "open" and "actor" not in detail["history"][0]


def _loop(proposal, users):
    session = services.session_create(
        actor=users["staff_01"],
        locality_code="01",
        title="Sesión",
        starts_at=timezone.now() + timedelta(days=3),
        place_name="Salón",
    )
    services.agenda_add_proposal(session=session, proposal=proposal, actor=users["staff_01"])
    services.commitment_create(
        session=session,
        actor=users["staff_01"],
        text="Luminarias",
        responsible="uaesp",
        due_date=timezone.localdate() - timedelta(days=1),
        proposal_ids=[proposal.pk],
        area=AREA_01,
    )
    return session


def test_accountability_api_and_exports(proposal, users):
    session = _loop(proposal, users)
    data = client_for(None).get(reverse("accountability")).json()
    assert len(data["localities"]) == 2
    one = client_for(None).get(reverse("accountability-locality", kwargs={"code": "01"})).json()
    assert one["localities"][0]["commitments"]["overdue"] == 1
    assert one["localities"][0]["proposals"]["accepted"] == 1
    assert client_for(None).get(reverse("accountability-locality", kwargs={"code": "77"})).status_code == 404
    geo = client_for(None).get(reverse("accountability-commitments", kwargs={"fmt": "geojson"}))
    feature = json.loads(geo.content)["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon" and feature["properties"]["status"] == "overdue"
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for(None)
                .get(reverse("accountability-commitments", kwargs={"fmt": "csv"}))
                .content.decode()
            )
        )
    )
    assert rows[0]["session"] == str(session.pk) and rows[0]["proposals"] == str(proposal.pk)
    figures = list(
        csv.DictReader(io.StringIO(client_for(None).get(reverse("accountability-csv")).content.decode()))
    )
    assert figures[0]["commitments_overdue"] == "1"


def test_calendar_of_public_sessions_only(proposal, users):
    session = _loop(proposal, users)
    response = client_for(None).get(reverse("session-calendar", kwargs={"pk": session.pk}))
    assert response.status_code == 200
    assert Calendar.from_ical(response.content).walk("VEVENT")[0]["summary"].endswith("Sesión")
    session.public = False
    session.save()
    assert client_for(None).get(reverse("session-calendar", kwargs={"pk": session.pk})).status_code == 404


def test_pulse_api_is_anonymous_throttled_and_k_suppressed(territory, settings):
    settings.PUBLIC_MIN_COUNT = 3
    client = client_for(None)
    for score in (4, 5):
        assert client.post(reverse("pulse"), {"upz": "1", "score": score}, format="json").status_code == 201
    assert client.get(reverse("pulse")).json()["units"] == []
    assert client.post(reverse("pulse"), {"upz": "1", "score": 3}, format="json").status_code == 201
    assert client.get(reverse("pulse")).json()["units"][0]["mean"] == 4.0
    assert client.post(reverse("pulse"), {"upz": "1", "score": 9}, format="json").status_code == 400
    statuses = [
        client.post(reverse("pulse"), {"upz": "1", "score": 3}, format="json").status_code for _ in range(12)
    ]
    assert 429 in statuses
