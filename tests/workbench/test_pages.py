"""Staff workbench pages: scoping (404 outside one's localities), queue filters, CSV, workflow through
the pages, photos behind permissions, internal notes never public, sign-in lockout and start pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reports.models import Report, Response, Status
from tests.reports.factories import PASSWORD, POINT_01, POINT_02, make_report

from .conftest import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(territory, hurto):
    """Two reports in 02 (one with a photo, one older and overdue), one in 01."""
    sur = make_report(
        category=hurto, lonlat=POINT_02, description="Robo en el parque del sur", photos=[jpeg()]
    )
    old = make_report(category=hurto, lonlat=(POINT_02[0] + 0.0005, POINT_02[1]), description="Robo viejo")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9), support_count=4)
    norte = make_report(category=hurto, lonlat=POINT_01, description="Robo en el norte")
    return {"sur": sur, "old": old, "norte": norte}


def _csv_ids(response) -> list[int]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [int(r["numero"]) for r in rows], rows


def test_anonymous_goes_to_sign_in_and_citizens_get_404(reports, signed_in):
    response = Client().get(reverse("workbench-queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("workbench-login"))
    citizen = signed_in("citizen")
    assert citizen.get(reverse("workbench-queue")).status_code == 404
    assert citizen.get(reverse("workbench-report", args=[reports["sur"].pk])).status_code == 404
    assert citizen.get(reverse("workbench-moderation")).status_code == 404


def test_staff_of_one_locality_get_404_for_another_through_every_page(reports, signed_in):
    client = signed_in("staff_01")
    sur = reports["sur"]
    photo = sur.photos.get()
    gets = [
        reverse("workbench-report", args=[sur.pk]),
        reverse("workbench-report-photo", args=[sur.pk, photo.pk]),
    ]
    posts = {
        "workbench-report-transition": {"to_status": "in_review"},
        "workbench-report-respond": {"body": "hola", "public": "1"},
        "workbench-report-duplicate": {"original": reports["norte"].pk},
        "workbench-report-hide": {"reason": "abuso", "hidden": "1"},
    }
    for url in gets:
        assert client.get(url).status_code == 404, url
    for name, data in posts.items():
        assert client.post(reverse(name, args=[sur.pk]), data).status_code == 404, name
    # A photo id of another report under one's own report is not served either.
    assert (
        client.get(reverse("workbench-report-photo", args=[reports["norte"].pk, photo.pk])).status_code == 404
    )
    sur.refresh_from_db()
    assert sur.status == Status.RECEIVED and not sur.hidden and sur.responses.count() == 0
    ids, _rows = _csv_ids(client.get(reverse("workbench-queue-csv")))
    assert ids == [reports["norte"].pk]
    page = client.get(reverse("workbench-queue")).content.decode()
    assert f'href="/gestion/reportes/{sur.pk}/"' not in page


def test_queue_filters_sorts_deadline_and_overdue(reports, signed_in):
    client = signed_in("staff_02")
    response = client.get(reverse("workbench-queue"))
    assert response.status_code == 200
    page = response.context["page"]
    # Default order: nearest deadline first; the 9-day-old report (5 response days) is overdue.
    assert [r.pk for r in page] == [reports["old"].pk, reports["sur"].pk]
    first = page[0]
    assert first.overdue and not page[1].overdue
    # Due on the Bogotá date of receipt plus 5 days, until the end of that local day. (Comparing UTC
    # dates instead only held for reports received between 19:00 and 24:00 Bogotá time.)
    due = timezone.localtime(first.created_at).date() + timedelta(days=5)
    assert first.due_date == due
    assert timezone.localtime(first.deadline).date() == due + timedelta(days=1)
    assert timezone.localtime(first.deadline).time().isoformat() == "00:00:00"
    assert "vencido" in response.content.decode()

    def ids(**params):
        return [r.pk for r in client.get(reverse("workbench-queue"), params).context["page"]]

    assert ids(vencidos="on") == [reports["old"].pk]
    assert ids(con_fotos="on") == [reports["sur"].pk]
    assert ids(apoyos=3) == [reports["old"].pk]
    assert ids(orden="apoyos") == [reports["old"].pk, reports["sur"].pk]
    assert ids(periodo="7") == [reports["sur"].pk]
    assert ids(estado="resolved") == []
    assert ids(categoria="hurto", upz=reports["sur"].upz_id) == [reports["old"].pk, reports["sur"].pk]
    # The CSV is the same selection, with deadline and overdue columns.
    got, rows = _csv_ids(client.get(reverse("workbench-queue-csv"), {"vencidos": "on"}))
    assert got == [reports["old"].pk] and rows[0]["vencido"] == "si" and rows[0]["apoyos"] == "4"


def test_bad_filters_are_a_400_with_a_spanish_field_message(reports, signed_in):
    client = signed_in("staff_02")
    response = client.get(reverse("workbench-queue"), {"estado": "volando", "apoyos": "muchos"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Estado desconocido" in body and "Escriba un número entero de apoyos" in body
    # A UPZ of another locality is not a choice for staff of 02.
    other = client.get(reverse("workbench-queue"), {"upz": reports["norte"].upz_id})
    assert other.status_code == 400 and "UPZ desconocida" in other.content.decode()
    assert client.get(reverse("workbench-queue-csv"), {"orden": "x"}).status_code == 400


def test_queue_map_has_exact_points_of_the_selection_only(reports, signed_in):
    client = signed_in("staff_02")
    config = client.get(reverse("workbench-queue"), {"con_fotos": "on"}).context["map_config"]
    features = config["reports"]["features"]
    assert [f["properties"]["id"] for f in features] == [reports["sur"].pk]
    assert features[0]["geometry"]["coordinates"] == pytest.approx(list(POINT_02), abs=1e-7)


def test_analysts_read_every_locality_and_cannot_act(reports, signed_in):
    client = signed_in("analyst")
    page = client.get(reverse("workbench-queue"))
    assert {r.pk for r in page.context["page"]} == {r.pk for r in reports.values()}
    assert 'name="reportes"' not in page.content.decode()
    detail = client.get(reverse("workbench-report", args=[reports["norte"].pk])).content.decode()
    assert 'action="/gestion/reportes/' not in detail  # no workflow forms
    response = client.post(
        reverse("workbench-report-transition", args=[reports["norte"].pk]), {"to_status": "in_review"}
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("workbench-queue-bulk"), {"reportes": [reports["norte"].pk]}).status_code == 403
    )


def test_workflow_through_the_report_page_reaches_the_follow_page(reports, signed_in):
    client = signed_in("staff_02")
    sur = reports["sur"]
    url = reverse("workbench-report-transition", args=[sur.pk])
    assert client.post(url, {"to_status": "in_review"}).status_code == 302
    missing = client.post(url, {"to_status": "referred"})
    assert missing.status_code == 400 and "Indique a qué entidad se remite" in missing.content.decode()
    assert (
        client.post(
            url, {"to_status": "referred", "referred_to": "policia", "note": "A cuadrantes"}
        ).status_code
        == 302
    )
    respond = reverse("workbench-report-respond", args=[sur.pk])
    assert (
        client.post(respond, {"body": "La Policía patrulla desde el lunes.", "public": "1"}).status_code
        == 302
    )
    assert (
        client.post(respond, {"body": "NOTA-INTERNA-XYZ llamar al cuadrante", "public": "0"}).status_code
        == 302
    )
    assert client.post(url, {"to_status": "resolved"}).status_code == 302
    sur.refresh_from_db()
    assert sur.status == Status.RESOLVED and sur.referred_to == "policia"
    follow = Client().get(reverse("web-follow-detail", args=[sur.tracking_code])).content.decode()
    assert "Resuelto" in follow and "La Policía patrulla desde el lunes." in follow
    assert "NOTA-INTERNA-XYZ" not in follow
    page = client.get(reverse("workbench-report", args=[sur.pk])).content.decode()
    assert "NOTA-INTERNA-XYZ" in page and "nota interna" in page


def test_internal_notes_never_reach_public_outputs_or_open311(reports, signed_in):
    sur = reports["sur"]
    signed_in("staff_02").post(
        reverse("workbench-report-respond", args=[sur.pk]), {"body": "NOTA-INTERNA-XYZ", "public": "0"}
    )
    assert Response.objects.filter(report=sur, public=False).count() == 1
    api = APIClient()
    outputs = [
        api.get(reverse("report-public-detail", args=[sur.pk])),
        api.get(reverse("report-list")),
        api.get(reverse("open311:request", kwargs={"service_request_id": str(sur.pk), "fmt": "json"})),
        api.get(reverse("open311:request", kwargs={"service_request_id": str(sur.pk), "fmt": "xml"})),
        api.get(reverse("open311:requests", kwargs={"fmt": "json"})),
        api.get(reverse("report-track", args=[sur.tracking_code])),
        Client().get(reverse("web-report-public", args=[sur.pk])),
        Client().get(reverse("web-follow-detail", args=[sur.tracking_code])),
    ]
    for response in outputs:
        assert response.status_code == 200
        assert b"NOTA-INTERNA-XYZ" not in response.content
    # Control: the same text as a public response does appear, so the check can fail.
    signed_in("staff_02").post(
        reverse("workbench-report-respond", args=[sur.pk]), {"body": "RESPUESTA-PUBLICA-XYZ", "public": "1"}
    )
    assert b"RESPUESTA-PUBLICA-XYZ" in Client().get(reverse("web-report-public", args=[sur.pk])).content
    open311 = api.get(reverse("open311:request", kwargs={"service_request_id": str(sur.pk), "fmt": "json"}))
    assert b"RESPUESTA-PUBLICA-XYZ" in open311.content


def test_one_click_duplicate_and_bulk_transition(reports, signed_in):
    client = signed_in("staff_02")
    page = client.get(reverse("workbench-report", args=[reports["old"].pk]))
    assert [n.pk for n in page.context["view"].nearby] == [reports["sur"].pk]
    response = client.post(
        reverse("workbench-report-duplicate", args=[reports["old"].pk]), {"original": reports["sur"].pk}
    )
    assert response.status_code == 302
    reports["old"].refresh_from_db()
    assert reports["old"].status == Status.DUPLICATE and reports["old"].duplicate_of_id == reports["sur"].pk
    # Bulk: a report of another locality in the selection is refused as a whole (not silently acted on).
    bulk = reverse("workbench-queue-bulk")
    client.post(bulk, {"reportes": [reports["sur"].pk, reports["norte"].pk], "to_status": "in_review"})
    reports["sur"].refresh_from_db()
    reports["norte"].refresh_from_db()
    assert reports["sur"].status == Status.RECEIVED and reports["norte"].status == Status.RECEIVED
    client.post(
        bulk, {"reportes": [reports["sur"].pk], "to_status": "in_review", "volver": "/gestion/bandeja/"}
    )
    reports["sur"].refresh_from_db()
    assert reports["sur"].status == Status.IN_REVIEW


def test_photo_is_served_only_through_the_permission_checked_view(reports, signed_in):
    sur = reports["sur"]
    photo = sur.photos.get()
    url = reverse("workbench-report-photo", args=[sur.pk, photo.pk])
    response = signed_in("staff_02").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert Client().get(url).status_code == 302
    assert signed_in("moderator").get(url).status_code == 404
    page = signed_in("staff_02").get(reverse("workbench-report", args=[sur.pk])).content.decode()
    assert url in page and photo.image.name not in page


def test_contact_only_where_the_reporter_consented_and_for_handling_staff(territory, hurto, signed_in):
    report = make_report(
        category=hurto,
        lonlat=POINT_02,
        contact={"name": "Ana Pérez", "email": "ana@example.org", "phone": "3001234567", "consent": True},
    )
    assert (
        "ana@example.org"
        in signed_in("staff_02").get(reverse("workbench-report", args=[report.pk])).content.decode()
    )
    assert (
        "ana@example.org"
        not in signed_in("analyst").get(reverse("workbench-report", args=[report.pk])).content.decode()
    )


def test_sign_in_lands_each_role_on_its_start_page_and_locks_out(territory, staff, settings):
    expected = {
        "staff_02": reverse("workbench-queue"),
        "analyst": reverse("workbench-queue"),
        "moderator": reverse("workbench-moderation"),
    }
    for name, target in expected.items():
        client = Client()
        response = client.post(
            reverse("workbench-login"), {"username": staff[name].username, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert client.get(response["Location"]).url == target
    admin = Client()
    admin.post(reverse("workbench-login"), {"username": "admin", "password": PASSWORD})
    start = admin.get(reverse("workbench-start")).content.decode()
    assert reverse("admin:index") in start and reverse("workbench-queue") in start

    settings.ADMIN_LOGIN_MAX_FAILURES = 3
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("workbench-login"))
    token = client.cookies["csrftoken"].value
    bad = {"username": "func02", "password": "nope", "csrfmiddlewaretoken": token}
    for _ in range(3):
        response = client.post(reverse("workbench-login"), bad)
        assert response.status_code == 400 and "Usuario o contraseña incorrectos" in response.content.decode()
    locked = client.post(reverse("workbench-login"), {**bad, "password": PASSWORD})
    assert locked.status_code == 429 and "Retry-After" in locked
    # Without the CSRF token a sign-in is refused.
    assert Client(enforce_csrf_checks=True).post(reverse("workbench-login"), bad).status_code == 403


def test_get_requests_do_not_write(reports, signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in("staff_02")
    for url in [
        reverse("workbench-queue"),
        reverse("workbench-report", args=[reports["sur"].pk]),
        reverse("workbench-report-photo", args=[reports["sur"].pk, reports["sur"].photos.get().pk]),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        writes = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "django_session" not in q["sql"]
        ]
        assert writes == [], url


def test_create_staff_prints_a_one_time_password_and_the_account_works(territory):
    out = io.StringIO()
    call_command("create_staff", "--locality", "02", "--email", "Ana@Chapinero.gov.co", stdout=out)
    text = out.getvalue()
    password = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Contraseña"))
    assert "/cuenta/clave/" in text
    client = Client()
    assert client.login(username="ana@chapinero.gov.co", password=password)
    assert client.get(reverse("workbench-start")).url == reverse("workbench-queue")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Localidad desconocida"):
        call_command("create_staff", "--locality", "19", "--email", "b@x.co", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--locality"):
        call_command("create_staff", "--email", "b@x.co", stdout=io.StringIO())


def test_pages_speak_english_through_the_catalogue(territory):
    english = Client(headers={"accept-language": "en"})
    page = english.get(reverse("workbench-login")).content.decode()
    assert "Sign in to the workbench" in page and "Entrar a la gestión" not in page
    spanish = Client(headers={"accept-language": "es-CO"}).get(reverse("workbench-login")).content.decode()
    assert "Entrar a la gestión" in spanish
