"""The citizen pages as a browser without JavaScript sees them: forms post, links navigate.

Toy territory (tests/factories.py): locality 01 "Norte" (UPZ 1 "Alfa") north of lat 4.60, locality 02
"Sur" (UPZ 2 "Beta") south of it, lon -74.10..-74.05.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reports.models import Report, ReportContact, Support
from reports.services import report_respond, report_transition
from tests.reports.factories import make_report, make_user

pytestmark = pytest.mark.django_db

INSIDE = {"lon": "-74.07", "lat": "4.62"}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def post_report(client, **overrides):
    data = {
        "category": "hurto",
        "description": "Robaron una bicicleta frente al parque.",
        "form_key": "k1",
        **INSIDE,
    }
    data.update(overrides)
    return client.post("/reportar/", data)


def test_home_lists_public_reports_with_filters_and_links_the_heatmap(client, territory, hurto, extorsion):
    make_report(category=hurto, description="Hurto visible")
    make_report(category=extorsion, description="Texto sensible de la víctima")
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hurto visible" in html
    assert "Texto sensible de la víctima" not in html  # sensitive text is for the handling staff only
    assert 'href="/mapa/"' in html and 'href="/reportar/"' in html
    assert "/api/maps/tiles/reports/{z}/{x}/{y}.mvt" in html  # the map draws from the platform's tiles
    filtered = client.get("/", {"categoria": "extorsion", "periodo": "30"})
    assert "Hurto visible" not in filtered.content.decode()
    assert filtered.context["map_config"]["categories"] == ["extorsion"]  # the map's tiles get the filter
    assert (
        filtered.context["map_config"]["date_from"] == (timezone.localdate() - timedelta(days=30)).isoformat()
    )
    by_group = client.get("/", {"grupo": "seguridad"}).context["map_config"]["categories"]
    assert sorted(by_group) == ["extorsion", "hurto"]
    unknown = client.get("/", {"categoria": "<b>robo</b>", "estado": "rejected", "periodo": "9"})
    assert unknown.context["map_config"]["categories"] == [] and "Hurto visible" in unknown.content.decode()
    closed = client.get("/", {"estado": "resolved"}).content.decode()
    assert "Hurto visible" not in closed


def test_report_without_javascript_gives_a_tracking_code_and_the_follow_page(client, territory, hurto):
    response = client.post(
        "/reportar/",
        {
            "category": "hurto",
            "description": "Robaron una bicicleta frente al parque.",
            "form_key": "abc",
            "photos": [SimpleUploadedFile("foto.png", _png(), content_type="image/png")],
            "contact_email": "vecina@example.com",
            "contact_consent": "on",
            **INSIDE,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert response["Location"] == f"/reportar/listo/{report.tracking_code}/"
    assert report.locality.code == "01" and report.photos.count() == 1 and report.channel == "web"
    assert ReportContact.objects.get(report=report).email == "vecina@example.com"
    done = client.get(response["Location"]).content.decode()
    assert report.tracking_code in done and f"/seguimiento/{report.tracking_code}/" in done
    # Sending the same form again (back button, double tap) does not file a second report.
    again = client.post("/reportar/", {"category": "hurto", "description": "x", "form_key": "abc", **INSIDE})
    assert again["Location"] == response["Location"] and Report.objects.count() == 1
    # The follow form finds it by code, in any case and with a dash.
    code = report.tracking_code
    found = client.get("/seguimiento/", {"code": f"{code[:4]}-{code[4:].lower()}"})
    assert found.status_code == 302 and found["Location"] == f"/seguimiento/{code}/"
    follow = client.get(found["Location"]).content.decode()
    assert "Recibido" in follow
    expected = (timezone.localdate(report.created_at) + timedelta(days=10)).strftime("%Y")
    assert "Respuesta esperada" in follow and expected in follow


def test_unknown_tracking_code_says_what_to_do(client, territory):
    response = client.get("/seguimiento/", {"code": "ZZZZZZZZZZ"})
    assert response.status_code == 404
    assert "No encontramos un reporte con ese código" in response.content.decode()


def test_report_by_upz_choice_needs_no_pointer(client, territory, hurto):
    response = post_report(client, lon="", lat="", upz="2")
    assert response.status_code == 302
    assert Report.objects.get().upz.code == "2"


def test_report_outside_bogota_is_refused_in_spanish(client, territory, hurto):
    response = post_report(client, lon="-75.58", lat="6.24")
    assert response.status_code == 400
    assert "fuera de Bogotá" in response.content.decode()
    assert Report.objects.count() == 0
    absurd = post_report(client, lon="1e300", lat="4.6")
    assert absurd.status_code == 400 and "Coordenadas inválidas" in absurd.content.decode()


def test_missing_place_and_consent_are_explained(client, territory, hurto):
    response = post_report(client, lon="", lat="", contact_phone="3001234567")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Marque el lugar en el mapa o elija la localidad y la UPZ" in html
    assert "Marque la autorización" in html
    assert 'role="alert"' in html


def test_nearby_report_is_offered_first_and_supported_instead_of_filing(client, territory, hurto):
    existing = make_report(category=hurto, lonlat=(-74.0701, 4.6201), description="Ya reportado aquí")
    response = post_report(client)
    html = response.content.decode()
    assert response.status_code == 200 and Report.objects.count() == 1
    assert "Ya reportado aquí" in html and f'formaction="/reportes/{existing.pk}/apoyar/"' in html
    support = client.post(f"/reportes/{existing.pk}/apoyar/", {"category": "hurto"})
    assert support["Location"] == f"/reportes/{existing.pk}/?apoyo=nuevo"
    repeat = client.post(f"/reportes/{existing.pk}/apoyar/")
    assert repeat["Location"].endswith("apoyo=repetido")
    existing.refresh_from_db()
    assert existing.support_count == 1 and Support.objects.count() == 1
    # Confirming it is another problem files it.
    filed = post_report(client, confirm_new="on", form_key="k2")
    assert filed.status_code == 302 and Report.objects.count() == 2


def test_public_page_of_a_sensitive_report_has_no_point_or_text(client, territory, extorsion, hurto):
    sensitive = make_report(category=extorsion, description="Me cobran vacuna en el local")
    html = client.get(f"/reportes/{sensitive.pk}/").content.decode()
    assert "Me cobran vacuna" not in html and "place-config" not in html
    for coordinate in (sensitive.location.x, sensitive.location.y):
        assert f"{coordinate:.3f}"[:6] not in html
    normal = make_report(category=hurto)
    page = client.get(f"/reportes/{normal.pk}/").content.decode()
    assert "place-config" in page
    assert f"{normal.public_location.x}" in page and f"{normal.location.x}" not in page


def test_user_html_is_shown_as_text_everywhere(client, territory, hurto):
    report = make_report(category=hurto, description=XSS)
    staff = make_user("func", role="locality_staff", localities=["01"])
    report_respond(report=report, author=staff, body=XSS)
    report_transition(report=report, actor=staff, to_status="in_review", note=XSS)
    for url in ("/", f"/reportes/{report.pk}/", f"/seguimiento/{report.tracking_code}/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert" in html, url


def test_public_page_hides_rejected_reports_and_follow_keeps_them(client, territory, hurto):
    report = make_report(category=hurto)
    staff = make_user("func", role="locality_staff", localities=["01"])
    report_transition(report=report, actor=staff, to_status="rejected", reason="spam")
    assert client.get(f"/reportes/{report.pk}/").status_code == 404
    follow = client.get(f"/seguimiento/{report.tracking_code}/").content.decode()
    assert "Rechazado" in follow


def test_account_register_report_and_my_reports(client, territory, hurto):
    response = client.post(
        "/cuenta/registro/",
        {
            "username": "vecina",
            "email": "v@example.com",
            "password1": "una-clave-larga-91",
            "password2": "una-clave-larga-91",
        },
    )
    assert response["Location"] == "/cuenta/mis-reportes/"
    assert "Todavía no ha enviado reportes" in client.get("/cuenta/mis-reportes/").content.decode()
    post_report(client)
    report = Report.objects.get()
    assert report.reporter.username == "vecina"
    assert report.tracking_code in client.get("/cuenta/mis-reportes/").content.decode()
    client.post("/cuenta/salir/")
    assert client.get("/cuenta/mis-reportes/")["Location"].startswith("/cuenta/entrar/")
    bad = client.post("/cuenta/entrar/", {"username": "vecina", "password": "otra"})
    assert "Usuario o contraseña incorrectos" in bad.content.decode()
    good = client.post("/cuenta/entrar/", {"username": "vecina", "password": "una-clave-larga-91"})
    assert good.status_code == 302


def test_password_reset_sends_a_link(client, territory, mailoutbox):
    make_user("vecina").__class__.objects.filter(username="vecina").update(email="v@example.com")
    response = client.post("/cuenta/clave/", {"email": "v@example.com"})
    assert response["Location"] == "/cuenta/clave/enviada/"
    assert len(mailoutbox) == 1 and "/cuenta/clave/" in mailoutbox[0].body


def test_pages_speak_english_when_the_browser_asks(client, territory, hurto):
    spanish = client.get("/reportar/").content.decode()
    english = client.get("/reportar/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reportar un problema" in spanish and 'lang="es-CO"' in spanish
    assert "Report a problem" in english and 'lang="en"' in english


def test_manifest_and_service_worker_are_served_from_the_root(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json()["start_url"] == "/"
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert "/static/web/css/app.css" in worker.content.decode()


def test_the_form_shares_the_api_rate_limit_for_anonymous_reports(client, territory, hurto, monkeypatch):
    from reports.throttles import ReportCreateAnonThrottle

    monkeypatch.setattr(ReportCreateAnonThrottle, "rate", "2/hour", raising=False)
    assert post_report(client, form_key="a").status_code == 302
    assert post_report(client, form_key="b", confirm_new="on").status_code == 302
    refused = post_report(client, form_key="c", confirm_new="on")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Intente de nuevo en" in refused.content.decode()
    assert Report.objects.count() == 2


def test_sign_in_attempts_share_the_api_auth_rate(client, territory, monkeypatch):
    from reports.throttles import AuthThrottle

    monkeypatch.setattr(AuthThrottle, "THROTTLE_RATES", {**AuthThrottle.THROTTLE_RATES, "auth": "2/minute"})
    make_user("vecina")
    for _ in range(2):
        assert client.post("/cuenta/entrar/", {"username": "vecina", "password": "mala"}).status_code == 200
    refused = client.post("/cuenta/entrar/", {"username": "vecina", "password": "mala"})
    assert refused.status_code == 429 and "Intente de nuevo en" in refused.content.decode()
    assert client.post("/cuenta/clave/", {"email": "v@example.com"}).status_code == 429
    assert client.get("/cuenta/entrar/").status_code == 200  # reading the form is never limited
