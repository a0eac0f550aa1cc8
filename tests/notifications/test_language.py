"""A reporter's e-mails are written in the language the report was filed in (Report.language)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from rest_framework.test import APIClient

from reports.models import Report
from reports.services import report_respond, report_transition
from tests.factories import make_territory
from tests.reports.factories import POINT_01, make_category, make_report, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    make_territory()
    make_category("hurto", name_es="Hurto a personas", name_en="Theft from people")
    return make_user("chapinero", role="locality_staff", localities=["01"])


def _file(language: str) -> Report:
    body = {
        "category": "hurto",
        "description": "Robaron un celular en el paradero",
        "location": {"type": "Point", "coordinates": list(POINT_01)},
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "channel": "app",
        "contact": {"email": "ana@example.org", "consent": True},
    }
    response = APIClient().post("/api/reports/", body, format="json", headers={"Accept-Language": language})
    assert response.status_code == 201, response.content
    return Report.objects.get(tracking_code=response.json()["tracking_code"])


def _notify(capture, world, report):
    with capture(execute=True):
        report_transition(report=report, actor=world, to_status="in_review", note="Lo revisamos.")
    with capture(execute=True):
        report_respond(report=report, author=world, body="Se programó un patrullaje.")


def test_a_report_filed_in_english_gets_english_emails(world, jobs, django_capture_on_commit_callbacks):
    report = _file("en")
    assert report.language == "en"
    _notify(django_capture_on_commit_callbacks, world, report)
    jobs.run()
    status, response = mail.outbox
    assert status.subject == "Convive Bogotá: your report of “Theft from people” is now “In review”"
    assert "changed status on" in status.body and "Current status: In review" in status.body
    assert "Lo revisamos." in status.body  # the staff's own words are not translated
    assert "Hola" not in status.body and "estado" not in status.body
    html, _ = status.alternatives[0]
    assert '<html lang="en">' in html and "See the full tracking of your report" in html
    assert response.subject == "Convive Bogotá: a response to your report of “Theft from people”"
    assert "The local mayor's office responded to your report" in response.body
    assert "Se programó un patrullaje." in response.body


def test_a_report_filed_in_spanish_or_another_language_gets_spanish_emails(
    world, jobs, django_capture_on_commit_callbacks
):
    for language in ("es-CO", "fr"):
        report = _file(language)
        assert report.language == "es"
        _notify(django_capture_on_commit_callbacks, world, report)
    jobs.run()
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert "Hola:" in message.body and "su reporte de «Hurto a personas»" in message.subject


def test_the_active_language_at_filing_is_recorded_and_sensitive_subjects_stay_vague(
    world, jobs, django_capture_on_commit_callbacks
):
    extorsion = make_category("extorsion", sensitive=True, name_en="Extortion")
    with translation.override("en"):  # what LocaleMiddleware does for an English request
        report = make_report(category=extorsion, contact={"email": "b@example.org", "consent": True})
    assert report.language == "en"
    _notify(django_capture_on_commit_callbacks, world, report)
    jobs.run()
    assert mail.outbox[0].subject == "Convive Bogotá: your report is now “In review”"
    assert "Extortion" not in mail.outbox[0].subject
