"""The receiving office's pages in the workbench (/gestion/justicia/, issue 11): who sees what, the
workflow through POST forms with CSRF, referral, internal notes, attachments, and the access trail."""

import io
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from justice.models import JusticeRequest, JusticeRequestAccess, ServiceKind
from tests.reports.factories import PASSWORD

from .factories import POINT_01, POINT_02, make_office, make_request

pytestmark = pytest.mark.django_db
LIST = "/gestion/justicia/"


@pytest.fixture
def offices(territory):
    return {
        "comisaria_01": make_office(ServiceKind.FAMILY_COMMISSARY, POINT_01),
        "comisaria_02": make_office(ServiceKind.FAMILY_COMMISSARY, POINT_02),
        "casa_02": make_office(ServiceKind.JUSTICE_HOUSE, (-74.0700, 4.5750), name="Casa de Justicia Sur"),
    }


def browser_for(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def _csrf(client, url) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_staff_list_only_their_localitys_requests_overdue_first(offices, users):
    fresh = make_request("01")
    old = make_request("01")
    JusticeRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=20))
    closed = make_request("01")
    JusticeRequest.objects.filter(pk=closed.pk).update(status="cerrada")
    other = make_request("02")
    page = browser_for(users["staff_01"]).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(old.tracking_code) < html.index(fresh.tracking_code)  # overdue first
    assert "vencida" in html
    assert closed.tracking_code not in html  # open ones by default
    assert other.tracking_code not in html
    assert "RELATO-SECRETO" not in html and "PARTE-SECRETA" not in html  # a list never decrypts
    assert not JusticeRequestAccess.objects.exists()
    only_closed = browser_for(users["staff_01"]).get(LIST, {"estado": "cerrada"}).content.decode()
    assert closed.tracking_code in only_closed and fresh.tracking_code not in only_closed
    everything = browser_for(users["staff_01"]).get(LIST, {"estado": "todas"}).content.decode()
    assert all(r.tracking_code in everything for r in (fresh, old, closed))
    bad = browser_for(users["staff_01"]).get(LIST, {"estado": "nada"})
    assert bad.status_code == 400 and "Estado desconocido" in bad.content.decode()
    admin = browser_for(users["admin"]).get(LIST).content.decode()
    assert fresh.tracking_code in admin and other.tracking_code in admin


@pytest.mark.parametrize("role", ["analyst", "moderator", "citizen"])
def test_roles_without_access_get_404_and_anonymous_the_sign_in(offices, users, role):
    request = make_request("01")
    for url in (LIST, f"{LIST}{request.pk}/"):
        assert browser_for(users[role]).get(url).status_code == 404
        anonymous = browser_for(None).get(url)
        assert anonymous.status_code == 302 and "/gestion/entrar/" in anonymous["Location"]
    assert browser_for(users[role]).post(f"{LIST}{request.pk}/nota/", {"body": "x"}).status_code == 404
    assert not JusticeRequestAccess.objects.exists()


def test_nav_links_the_pages_for_staff_with_access_only(offices, users):
    make_request("01")
    staff_page = browser_for(users["staff_01"]).get("/gestion/bandeja/").content.decode()
    assert 'href="/gestion/justicia/"' in staff_page and "(1" in staff_page
    analyst_page = browser_for(users["analyst"]).get("/gestion/bandeja/").content.decode()
    assert 'href="/gestion/justicia/"' not in analyst_page


def test_detail_decrypts_for_its_locality_records_the_access_and_404s_elsewhere(offices, users, caplog):
    request = make_request("01")
    caplog.set_level(logging.DEBUG)
    page = browser_for(users["staff_01"]).get(f"{LIST}{request.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "RELATO-SECRETO" in html and "PARTE-SECRETA Pedro Pérez" in html
    assert "victima-secreta@example.com" in html
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    access = JusticeRequestAccess.objects.get()
    assert (access.request_id, access.username, access.kind) == (request.pk, "func01", "page")
    for name in ("staff_02",):
        assert browser_for(users[name]).get(f"{LIST}{request.pk}/").status_code == 404
    assert JusticeRequestAccess.objects.count() == 1
    # Nothing of the request reaches the logs.
    assert "RELATO-SECRETO" not in caplog.text and "PARTE-SECRETA" not in caplog.text
    # The staff API records its reads too.
    from .conftest import client_for

    assert client_for(users["staff_01"]).get(f"/api/staff/justice-requests/{request.pk}/").status_code == 200
    assert list(JusticeRequestAccess.objects.values_list("kind", flat=True).order_by("pk")) == ["page", "api"]


def test_the_workflow_through_the_page_forms_with_csrf(offices, users):
    request = make_request("01")
    staff = browser_for(users["staff_01"], csrf=True)
    detail = f"{LIST}{request.pk}/"
    step = f"{detail}estado/"
    assert staff.post(step, {"to_status": "asignada"}).status_code == 403  # no CSRF token
    token = _csrf(staff, detail)
    moved = staff.post(
        step, {"to_status": "asignada", "note": "Para la comisaria", "csrfmiddlewaretoken": token}
    )
    assert moved.status_code == 302 and moved["Location"] == detail
    request.refresh_from_db()
    assert request.status == "asignada"

    # A scheduled appointment needs a future date and a place or a link: field-level Spanish errors, 400.
    missing = staff.post(step, {"to_status": "cita_programada", "csrfmiddlewaretoken": token})
    assert missing.status_code == 400
    assert "Indique la fecha y hora de la cita" in missing.content.decode()
    assert "Indique el lugar de la cita o el enlace" in missing.content.decode()
    bad_link = staff.post(
        step,
        {
            "to_status": "cita_programada",
            "appointment_at": "2099-01-05T09:30",
            "appointment_link": "javascript:alert(1)",
            "csrfmiddlewaretoken": token,
        },
    )
    assert bad_link.status_code == 400 and "Escriba un enlace completo" in bad_link.content.decode()
    when = timezone.localtime() + timedelta(days=3)
    done = staff.post(
        step,
        {
            "to_status": "cita_programada",
            "appointment_at": when.strftime("%Y-%m-%dT%H:%M"),
            "appointment_link": "https://meet.example.com/xyz",
            "csrfmiddlewaretoken": token,
        },
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "cita_programada" and request.appointment_link == "https://meet.example.com/xyz"
    assert timezone.localtime(request.appointment_at).strftime("%Y-%m-%d %H:%M") == when.strftime(
        "%Y-%m-%d %H:%M"
    )
    not_allowed = staff.post(step, {"to_status": "recibida", "csrfmiddlewaretoken": token})
    assert not_allowed.status_code == 400 and "no está permitido" in not_allowed.content.decode()

    # Internal note: kept encrypted, shown on the page, never on the citizen's tracking page.
    note = staff.post(f"{detail}nota/", {"body": "NOTA-INTERNA <b>llamar</b>", "csrfmiddlewaretoken": token})
    assert note.status_code == 302
    page = staff.get(detail).content.decode()
    assert "NOTA-INTERNA &lt;b&gt;llamar&lt;/b&gt;" in page  # user text is escaped
    empty = staff.post(f"{detail}nota/", {"body": "", "csrfmiddlewaretoken": token})
    assert empty.status_code == 400 and "Escriba la nota." in empty.content.decode()
    tracking = Client().get(f"/solicitud/seguimiento/{request.tracking_code}/").content.decode()
    assert "NOTA-INTERNA" not in tracking and "Para la comisaria" not in tracking
    assert "https://meet.example.com/xyz" in tracking

    # Staff of another locality cannot act on it.
    other = browser_for(users["staff_02"], csrf=True)
    other_token = _csrf(other, LIST)
    assert other.post(step, {"to_status": "atendida", "csrfmiddlewaretoken": other_token}).status_code == 404
    assert other.post(f"{detail}nota/", {"body": "x", "csrfmiddlewaretoken": other_token}).status_code == 404


def test_refer_to_another_office_of_the_directory_or_an_outside_entity(offices, users):
    request = make_request("01")
    staff = browser_for(users["staff_01"])
    refer = f"{LIST}{request.pk}/remitir/"
    neither = staff.post(refer, {"note": "x"})
    assert neither.status_code == 400 and "Elija una oficina del directorio" in neither.content.decode()
    unknown = staff.post(refer, {"office": 999999})
    assert unknown.status_code == 400 and "no está en el directorio" in unknown.content.decode()
    assert staff.post(refer, {"office": offices["casa_02"].pk}).status_code == 302
    request.refresh_from_db()
    assert request.status == "remitida" and request.referred_to.startswith("Casa de Justicia Sur")
    assert request.office == offices["comisaria_01"]  # the receiving office stays the one that referred
    final = staff.get(f"{LIST}{request.pk}/").content.decode()
    assert "no admite más cambios" in final and 'id="do-refer"' not in final

    outside = make_request("01")
    assert staff.post(f"{LIST}{outside.pk}/remitir/", {"referred_to": "Fiscalía General"}).status_code == 302
    outside.refresh_from_db()
    assert outside.referred_to == "Fiscalía General"


def _jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, format="JPEG")
    out.seek(0)
    out.name = "foto.jpg"
    return out


def test_attachments_download_only_for_the_office_and_are_recorded(offices, users, private_root):
    request = make_request("01", attachments=[_jpeg()])
    attachment = request.attachments.get()
    url = f"{LIST}{request.pk}/adjuntos/{attachment.pk}/"
    page = browser_for(users["staff_01"]).get(f"{LIST}{request.pk}/").content.decode()
    assert url in page
    got = browser_for(users["staff_01"]).get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["Cache-Control"] == "private, no-store"
    assert b"".join(got.streaming_content)[:2] == b"\xff\xd8"
    assert list(JusticeRequestAccess.objects.values_list("kind", flat=True).order_by("pk")) == [
        "page",
        "attachment",
    ]
    assert browser_for(users["staff_02"]).get(url).status_code == 404
    assert browser_for(users["analyst"]).get(url).status_code == 404
    assert browser_for(None).get(url).status_code == 302
    assert browser_for(users["staff_01"]).get(f"{LIST}{request.pk}/adjuntos/999999/").status_code == 404


def test_the_office_pages_in_english(offices, users, settings):
    request = make_request("01")
    staff = browser_for(users["staff_01"])
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listed = staff.get(LIST).content.decode()
    assert "Justice requests" in listed and "Solicitudes de justicia" not in listed
    detail = staff.get(f"{LIST}{request.pk}/").content.decode()
    assert "Refer to another office" in detail and "Internal notes" in detail
