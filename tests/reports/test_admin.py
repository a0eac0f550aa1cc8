"""Admin pages for reports render, keep points read-only, hide through the service and issue Open311 keys."""

import re

import pytest
from django.test import Client

from reports.models import Open311Client, Report
from reports.open311.services import key_hash

from .factories import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(users):
    client = Client()
    client.force_login(users["admin"])
    return client


def test_report_pages_render_without_cdn(admin_client, territory, hurto):
    report = make_report(category=hurto, contact={"email": "x@y.co", "consent": True})
    assert admin_client.get("/admin/reports/report/").status_code == 200
    page = admin_client.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "x@y.co" in html
    assert "cdn." not in html and "unpkg.com" not in html and "openlayers.org" not in html
    for path in ("category", "staffprofile", "support", "idempotencyrecord", "open311client"):
        assert admin_client.get(f"/admin/reports/{path}/").status_code == 200, path


def test_hide_action_goes_through_the_service(admin_client, territory, hurto):
    report = make_report(category=hurto)
    admin_client.post("/admin/reports/report/", {"action": "hide_reports", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.hidden
    assert report.history.last().note.startswith("Ocultado por moderación")
    assert not Report.objects.public().filter(pk=report.pk).exists()


def test_issue_open311_key_shows_it_once(admin_client):
    response = admin_client.post(
        "/admin/reports/open311client/add/",
        {"name": "Observatorio", "contact_email": "o@x.co", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    match = re.search(r"no se volverá a mostrar\): ([A-Za-z0-9_-]{40,})", response.content.decode())
    assert match
    client = Open311Client.objects.get()
    assert client.key_hash == key_hash(match.group(1))
    assert match.group(1) not in client.key_hash
