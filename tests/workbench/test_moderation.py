"""Moderation: citizens' abuse notices feed the queue (rate-limited, no account), moderators hide and
redact; a redacted description never shows the original in any public output."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from reports.models import AbuseReport, Report
from tests.reports.factories import POINT_02, make_report

pytestmark = pytest.mark.django_db

ORIGINAL = "Don Rigoberto Quintana de la calle 45 # 12-30, cel 3157654321, vende droga"
REDACTED = "[nombre] de [dirección], cel [teléfono], vende droga"
SECRETS = ("Rigoberto", "Quintana", "3157654321", "12-30")


@pytest.fixture
def report(territory, hurto):
    return make_report(category=hurto, lonlat=POINT_02, description=ORIGINAL)


def _public_outputs(report) -> dict[str, bytes]:
    api, web = APIClient(), Client()
    pk = str(report.pk)
    return {
        "api detail": api.get(reverse("report-public-detail", args=[report.pk])).content,
        "api list": api.get(reverse("report-list")).content,
        "api nearby": api.get(
            reverse("report-nearby"), {"lon": POINT_02[0], "lat": POINT_02[1], "category": "hurto"}
        ).content,
        "api track": api.get(reverse("report-track", args=[report.tracking_code])).content,
        "open311 json": api.get(
            reverse("open311:request", kwargs={"service_request_id": pk, "fmt": "json"})
        ).content,
        "open311 xml": api.get(
            reverse("open311:request", kwargs={"service_request_id": pk, "fmt": "xml"})
        ).content,
        "open311 list": api.get(reverse("open311:requests", kwargs={"fmt": "json"})).content,
        "public page": web.get(reverse("web-report-public", args=[report.pk])).content,
        "home list": web.get(reverse("web-home")).content,
        "follow page": web.get(reverse("web-follow-detail", args=[report.tracking_code])).content,
    }


def test_redacted_description_never_shows_the_original_in_public_outputs(report, signed_in):
    before = _public_outputs(report)
    # Control: before redaction the detectors find the personal data in these outputs.
    assert all(s.encode() in before["public page"] for s in SECRETS)
    assert SECRETS[0].encode() in before["open311 json"] and SECRETS[0].encode() in before["api detail"]

    moderator = signed_in("moderator")
    response = moderator.post(
        reverse("workbench-moderation-redact", args=[report.pk]),
        {"description": REDACTED, "reason": "nombre, dirección y teléfono de un tercero"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.description == REDACTED and report.description_original == ORIGINAL

    for name, body in _public_outputs(report).items():
        leaked = [s for s in SECRETS if s.encode() in body]
        assert leaked == [], f"{name} shows {leaked}"
    assert "[teléfono]".encode() in _public_outputs(report)["public page"]
    # The original stays for moderators (and admins), not for the locality's staff.
    page = moderator.get(reverse("workbench-moderation-report", args=[report.pk])).content.decode()
    assert "Rigoberto" in page
    admin_page = signed_in("admin").get(reverse("workbench-report", args=[report.pk])).content.decode()
    assert "Rigoberto" in admin_page
    staff_page = signed_in("staff_02").get(reverse("workbench-report", args=[report.pk])).content.decode()
    assert "Rigoberto" not in staff_page and "[nombre]" in staff_page
    # A second redaction keeps the first original.
    moderator.post(
        reverse("workbench-moderation-redact", args=[report.pk]),
        {"description": "[nombre] vende droga", "reason": "más datos"},
    )
    report.refresh_from_db()
    assert report.description_original == ORIGINAL


def test_redaction_needs_a_changed_text_and_a_reason(report, signed_in):
    moderator = signed_in("moderator")
    url = reverse("workbench-moderation-redact", args=[report.pk])
    same = moderator.post(url, {"description": ORIGINAL, "reason": "x"})
    assert same.status_code == 400 and "El texto no cambió" in same.content.decode()
    no_reason = moderator.post(url, {"description": REDACTED, "reason": ""})
    assert no_reason.status_code == 400
    assert signed_in("staff_02").post(url, {"description": REDACTED, "reason": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.description == ORIGINAL


def test_citizen_abuse_notice_feeds_the_moderation_queue_and_is_rate_limited(report, signed_in, settings):
    from rest_framework.throttling import SimpleRateThrottle

    page = Client().get(reverse("web-report-public", args=[report.pk])).content.decode()
    assert reverse("web-report-abuse", args=[report.pk]) in page and "Reportar abuso" in page
    citizen = Client()
    url = reverse("web-report-abuse", args=[report.pk])
    bad = citizen.post(url, {"reason": "inventado"})
    assert bad.status_code == 400 and "Elija el motivo" in bad.content.decode()
    response = citizen.post(url, {"reason": "personal_data", "detail": "<b>sale el nombre</b>"})
    assert response.status_code == 302 and "abuso=enviado" in response["Location"]
    notice = AbuseReport.objects.get(report=report)
    assert notice.reason == "personal_data" and notice.resolved_at is None

    moderator = signed_in("moderator")
    queue = moderator.get(reverse("workbench-moderation"))
    assert [r.pk for r in queue.context["notices"]] == [report.pk]
    detail = moderator.get(reverse("workbench-moderation-report", args=[report.pk])).content.decode()
    assert "&lt;b&gt;sale el nombre&lt;/b&gt;" in detail  # citizen text is escaped
    moderator.post(
        reverse("workbench-moderation-hide", args=[report.pk]), {"reason": "datos personales", "hidden": "1"}
    )
    report.refresh_from_db()
    notice.refresh_from_db()
    assert report.hidden and notice.resolved_at is not None
    assert Client().get(reverse("web-report-public", args=[report.pk])).status_code == 404
    assert list(moderator.get(reverse("workbench-moderation")).context["notices"]) == []

    from django.core.cache import cache

    cache.clear()
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "abuse_report": "2/hour"}
    try:
        other = make_report(category=report.category, lonlat=POINT_02, description="otro")
        statuses = [
            Client().post(reverse("web-report-abuse", args=[other.pk]), {"reason": "other"}).status_code
            for _ in range(3)
        ]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
    assert statuses == [302, 302, 429]


def test_abuse_notices_only_for_public_reports_and_moderation_only_for_moderators(report, signed_in):
    Report.objects.filter(pk=report.pk).update(hidden=True)
    assert (
        Client().post(reverse("web-report-abuse", args=[report.pk]), {"reason": "other"}).status_code == 404
    )
    assert signed_in("staff_02").get(reverse("workbench-moderation")).status_code == 404
    assert (
        signed_in("analyst").get(reverse("workbench-moderation-report", args=[report.pk])).status_code == 404
    )
