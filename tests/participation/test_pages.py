"""Pages of the planning loop: the whole loop through the HTML forms, staff scoping (404), escaping."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participation.models import CommitmentStatus, Proposal, ProposalStatus

from .conftest import AREA_01

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_loop_through_the_forms(territory, users):
    import json

    citizen = signed_in(users["citizen"])
    response = citizen.post(
        reverse("participation-proposal-new"),
        {
            "title": "<b>Luz</b> en el parque",
            "body": "Oscuro",
            "group": "seguridad",
            "where": "area",
            "area": json.dumps(AREA_01),
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "participation-proposal", kwargs={"pk": proposal.pk}
    )
    page = Client().get(response.url).content.decode()
    assert "&lt;b&gt;Luz&lt;/b&gt;" in page and "<b>Luz" not in page
    for who in ("other_citizen", "analyst"):
        signed_in(users[who]).post(reverse("participation-proposal-support", kwargs={"pk": proposal.pk}))
    proposal.refresh_from_db()
    assert proposal.support_count == 2

    staff = signed_in(users["staff_01"])
    starts = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = staff.post(
        reverse("participation-staff-sessions"),
        {"locality": "01", "title": "Consejo", "starts_at": starts, "place_name": "Salón", "public": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session_url = response.url
    pk = int(session_url.rstrip("/").split("/")[-1])
    assert signed_in(users["staff_02"]).get(session_url).status_code == 404
    assert signed_in(users["citizen"]).get(session_url).status_code == 404
    assert Client().get(session_url).status_code == 302  # to the sign-in page
    staff.post(session_url, {"action": "agenda", "proposal": proposal.pk})
    staff.post(session_url, {"action": "figures"})
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = staff.post(
        session_url,
        {
            "action": "commitment",
            "text": "Instalar luminarias",
            "responsible": "uaesp",
            "due_date": due,
            "proposals": [proposal.pk],
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    from participation.models import CouncilSession

    session = CouncilSession.objects.get(pk=pk)
    outcomes = {f"outcome-{i.pk}": "accepted" if i.proposal_id else "discussed" for i in session.agenda.all()}
    response = staff.post(
        session_url, {"action": "minutes", "minutes": "Se acordó", "attendance": "31", **outcomes}
    )
    assert response.status_code == 302
    commitment = session.commitments.get()
    url = reverse("participation-staff-commitment", kwargs={"pk": commitment.pk})
    assert signed_in(users["staff_02"]).get(url).status_code == 404
    assert staff.post(url, {"percent": "60", "note": "Postes instalados"}).status_code == 302
    commitment.refresh_from_db()
    assert commitment.progress == 60 and commitment.status == CommitmentStatus.ON_TRACK

    public = Client()
    city = public.get(reverse("participation-accountability")).content.decode()
    assert "Norte" in city and reverse("participation-accountability-locality", kwargs={"code": "01"}) in city
    local = public.get(
        reverse("participation-accountability-locality", kwargs={"code": "01"})
    ).content.decode()
    assert "Instalar luminarias" in local and "60 %" in local
    brief = public.get(reverse("map-brief", kwargs={"code": "01"})).content.decode()
    assert "Instalar luminarias" in brief, brief
    assert "Luz&lt;/b&gt; en el parque" in brief, brief[brief.find("5. Propuestas") :][:800]
    session_page = public.get(reverse("participation-session", kwargs={"pk": pk})).content.decode()
    assert "Se acordó" in session_page and "31" in session_page
    home = public.get(reverse("web-home")).content.decode()
    assert reverse("participation-accountability") in home


def test_form_errors_are_shown_in_spanish(territory, users):
    response = signed_in(users["citizen"]).post(
        reverse("participation-proposal-new"), {"title": "", "body": "", "group": "seguridad", "where": "upz"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Escriba un título corto" in text


def test_new_proposal_needs_sign_in(territory):
    response = Client().get(reverse("participation-proposal-new"))
    assert response.status_code == 302 and reverse("web-login") in response.url


def test_pulse_page_records_anonymously(territory):
    client = Client()
    response = client.post(reverse("participation-pulse"), {"upz": "1", "score": "4"})
    assert response.status_code == 302
    assert client.post(reverse("participation-pulse"), {"upz": "1", "score": "9"}).status_code == 400


def test_register_to_a_session(territory, users):
    from participation import services

    session = services.session_create(
        actor=users["staff_01"],
        locality_code="01",
        title="S",
        starts_at=timezone.now() + timedelta(days=2),
        place_name="X",
    )
    citizen = signed_in(users["citizen"])
    citizen.post(reverse("participation-session-register", kwargs={"pk": session.pk}))
    assert session.registrations.filter(user=users["citizen"]).exists()
    page = citizen.get(reverse("participation-session", kwargs={"pk": session.pk})).content.decode()
    assert "Usted está inscrito" in page
