"""Citizen side of the proposal pages: a point as the place, the author's withdrawal, the staff's
moderation controls on the proposal page (hide, redact, merge), merged and hidden proposals in public,
and the English catalogue of the pages and the API."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from participation import services
from participation.models import Proposal, ProposalStatus

pytestmark = pytest.mark.django_db

INSIDE_01 = ("-74.077", "4.622")  # UPZ 1 (Alfa), locality 01 (Norte) of the toy territory


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _new(client, headers=None, **fields):
    data = {"title": "Un punto oscuro", "body": "Falta luz en la esquina", "group": "seguridad"}
    return client.post(reverse("participation-proposal-new"), {**data, **fields}, **(headers or {}))


def _url(name, proposal):
    return reverse(name, kwargs={"pk": proposal.pk})


# --- a point as the place ------------------------------------------------------------------------------
def test_a_point_inside_bogota_gives_locality_and_upz(territory, users):
    response = _new(signed_in(users["citizen"]), where="point", lon=INSIDE_01[0], lat=INSIDE_01[1])
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == _url("participation-proposal", proposal)
    assert proposal.where == "point" and proposal.area is None
    assert (round(proposal.point.x, 3), round(proposal.point.y, 3)) == (-74.077, 4.622)
    assert proposal.locality.code == "01" and [u.code for u in proposal.upzs.all()] == ["1"]


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        ("", "", "Marque el punto en el mapa."),
        ("-74.15", "4.62", "El punto está fuera de Bogotá"),
        ("abc", "4.62", "longitud debe ser un número"),
        ("1e300", "4.62", "longitud debe estar entre"),
        ("nan", "4.62", "longitud debe ser un número finito"),
    ],
)
def test_a_bad_point_is_a_field_error_in_spanish(territory, users, lon, lat, expected):
    response = _new(signed_in(users["citizen"]), where="point", lon=lon, lat=lat)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="point-error"' in page and expected in page
    assert f'value="{lat}"' in page  # what was typed stays in the form
    assert not Proposal.objects.exists()


def test_the_form_offers_the_point_with_coordinate_fields(territory, users):
    page = signed_in(users["citizen"]).get(reverse("participation-proposal-new")).content.decode()
    assert 'name="where" value="point"' in page
    assert 'id="lat" name="lat"' in page and 'id="lon" name="lon"' in page


# --- the author withdraws ------------------------------------------------------------------------------
def test_author_withdraws_with_confirmation_and_history_shows_it(proposal, users):
    author = signed_in(users["citizen"])
    page = author.get(_url("participation-proposal", proposal)).content.decode()
    assert _url("participation-proposal-withdraw", proposal) in page
    # Others never see the button, and cannot withdraw it.
    other_page = (
        signed_in(users["other_citizen"]).get(_url("participation-proposal", proposal)).content.decode()
    )
    assert _url("participation-proposal-withdraw", proposal) not in other_page
    assert (
        signed_in(users["other_citizen"])
        .post(_url("participation-proposal-withdraw", proposal), {"confirm": "yes"})
        .status_code
        == 404
    )
    assert Client().post(_url("participation-proposal-withdraw", proposal)).status_code == 302  # sign in
    assert author.get(_url("participation-proposal-withdraw", proposal)).status_code == 405

    response = author.post(_url("participation-proposal-withdraw", proposal))
    assert response.status_code == 400 and "Marque la casilla" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN

    response = author.post(_url("participation-proposal-withdraw", proposal), {"confirm": "yes"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    public = Client().get(_url("participation-proposal", proposal)).content.decode()
    history = public[public.index('id="history"') :]
    assert "Retirada" in history[: history.index("</ol>")]
    assert "Apoyar esta propuesta" not in public
    assert (
        _url("participation-proposal-withdraw", proposal)
        not in author.get(_url("participation-proposal", proposal)).content.decode()
    )


# --- staff moderation on the proposal page -------------------------------------------------------------
def _other(users, *, where="upz", upz="1"):
    return services.proposal_create(
        author=users["other_citizen"],
        title="Otra",
        body="Texto",
        group="seguridad",
        where=where,
        upz_code=upz,
    )


def test_moderation_panel_only_for_who_may_moderate(proposal, users):
    _other(users)
    url = _url("participation-proposal", proposal)
    for who in ("citizen", "other_citizen", "staff_02", "analyst"):
        assert "Moderación (personal)" not in signed_in(users[who]).get(url).content.decode(), who
    staff = signed_in(users["staff_01"]).get(url).content.decode()
    assert "Moderación (personal)" in staff and 'name="into"' in staff
    # Moderators hide and redact anywhere; merging is the locality's staff's call (services.proposal_merge).
    moderator = signed_in(users["moderator"]).get(url).content.decode()
    assert "Moderación (personal)" in moderator and 'name="into"' not in moderator
    moderate = _url("participation-proposal-moderate", proposal)
    for who in ("citizen", "staff_02", "analyst"):
        response = signed_in(users[who]).post(moderate, {"action": "hide", "reason": "x"})
        assert response.status_code == 404, who
    proposal.refresh_from_db()
    assert not proposal.hidden


def test_hide_with_reason_makes_the_page_404_for_the_public(proposal, users):
    moderate = _url("participation-proposal-moderate", proposal)
    moderator = signed_in(users["moderator"])
    response = moderator.post(moderate, {"action": "hide", "reason": "  "})
    assert response.status_code == 400 and "Escriba el motivo de la moderación." in response.content.decode()
    assert moderator.post(moderate, {"action": "hide", "reason": "Datos de un menor"}).status_code == 302
    url = _url("participation-proposal", proposal)
    assert Client().get(url).status_code == 404
    assert signed_in(users["other_citizen"]).get(url).status_code == 404
    assert signed_in(users["citizen"]).get(url).status_code == 404  # the author too: it is hidden
    assert (
        signed_in(users["other_citizen"]).post(_url("participation-proposal-support", proposal)).status_code
        == 404
    )
    assert proposal.title not in Client().get(reverse("participation-proposals")).content.decode()
    page = moderator.get(url).content.decode()
    assert "Oculta por moderación" in page and "Datos de un menor" in page
    assert moderator.post(moderate, {"action": "show", "reason": "Revisado"}).status_code == 302
    assert Client().get(url).status_code == 200


def test_redact_personal_data(proposal, users):
    moderate = _url("participation-proposal-moderate", proposal)
    staff = signed_in(users["staff_01"])
    response = staff.post(
        moderate, {"action": "redact", "title": "", "body": "Sin datos", "reason": "Teléfono publicado"}
    )
    assert response.status_code == 400 and "El título no puede quedar vacío." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.body.startswith("El parque está oscuro")
    response = staff.post(
        moderate,
        {
            "action": "redact",
            "title": "Iluminación",
            "body": "Parque oscuro (dato retirado)",
            "reason": "Teléfono",
        },
    )
    assert response.status_code == 302
    page = Client().get(_url("participation-proposal", proposal)).content.decode()
    assert "Parque oscuro (dato retirado)" in page and "El parque está oscuro" not in page


def test_merge_into_a_proposal_of_the_same_locality(proposal, users):
    target = _other(users)
    elsewhere = _other(users, upz="2")
    moderate = _url("participation-proposal-moderate", proposal)
    staff = signed_in(users["staff_01"])
    page = staff.get(_url("participation-proposal", proposal)).content.decode()
    assert f'<option value="{target.pk}">' in page and f'<option value="{elsewhere.pk}">' not in page
    response = staff.post(moderate, {"action": "merge", "into": elsewhere.pk})
    assert response.status_code == 400 and "misma localidad" in response.content.decode()
    assert (
        signed_in(users["moderator"]).post(moderate, {"action": "merge", "into": target.pk}).status_code
        == 404
    )
    assert staff.post(moderate, {"action": "merge", "into": target.pk}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.MERGED and proposal.merged_into_id == target.pk
    public = Client().get(_url("participation-proposal", proposal)).content.decode()
    notice = public[public.index('id="merged-notice"') :]
    assert f'href="{_url("participation-proposal", target)}"' in notice[: notice.index("</p>")]
    assert "Unida a la propuesta" in public  # the history step


# --- English ----------------------------------------------------------------------------------------------
def test_pages_and_api_errors_in_english(proposal, users):
    citizen = signed_in(users["citizen"])
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = citizen.get(reverse("participation-proposal-new"), **english).content.decode()
    assert (
        "Propose a topic to the local security council" in page and "Proponer un tema al consejo" not in page
    )
    page = citizen.get(_url("participation-proposal", proposal), **english).content.decode()
    assert "Withdraw my proposal" in page and "History" in page and "Open" in page
    response = _new(citizen, english, where="point", lon="", lat="")
    assert response.status_code == 400 and "Mark the point on the map." in response.content.decode()
    assert (
        "How safe do you feel in this area?"
        in Client().get(reverse("participation-pulse"), **english).content.decode()
    )

    api = Client()
    response = api.post(
        reverse("pulse"), json.dumps({"upz": "1", "score": 3}), content_type="application/json", **english
    )
    assert response.status_code == 201 and response.json()["detail"] == "Thank you: your answer was recorded."
    response = api.post(
        reverse("pulse"), json.dumps({"upz": "99", "score": 3}), content_type="application/json", **english
    )
    assert response.status_code == 400 and response.json()["upz"] == ["Choose your UPZ from the list."]
    response = citizen.post(
        reverse("proposal-list"),
        json.dumps({"title": "T", "body": "B", "group": "seguridad", "where": "area", "area": None}),
        content_type="application/json",
        **english,
    )
    assert response.status_code == 400 and response.json()["area"] == [
        "Draw the area on the map or choose a UPZ."
    ]
    # Spanish stays the default.
    response = api.post(
        reverse("pulse"), json.dumps({"upz": "99", "score": 3}), content_type="application/json"
    )
    assert response.json()["upz"] == ["Elija su UPZ de la lista."]
