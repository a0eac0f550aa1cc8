"""Access-to-justice pages (issue 11) as a browser without JavaScript sees them: the guide, "Cerca de mí",
a service's page, the virtual justice request, its done page and tracking.

Toy territory (tests/factories.py): locality 01 "Norte" (UPZ 1 "Alfa") north of lat 4.60, locality 02
"Sur" (UPZ 2 "Beta") south of it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from justice.models import JusticeRequest, RequestStatus
from justice.parsing import parse_phones
from justice.services import justice_request_transition
from tests.justice.factories import POINT_01, POINT_02, make_office, make_request
from tests.reports.factories import make_report, make_user

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def private_root(settings, tmp_path):
    settings.JUSTICE_PRIVATE_ROOT = tmp_path / "private"
    return settings.JUSTICE_PRIVATE_ROOT


def request_data(**overrides):
    data = {
        "situation": "ruido_vecino",
        "attention": "querella_inspeccion",
        "locality": "01",
        "narrative": "El vecino pone música a todo volumen cada noche.",
        "parties": "Vecino del apartamento 301",
        "contact_email": "ciudadana@example.com",
        "preferred_channel": "email",
        "preferred_times": "Tardes",
        "consent": "on",
        "form_key": "k1",
    }
    data.update(overrides)
    return data


def test_guide_searches_through_the_selector_and_shows_emergency_numbers_first(client):
    page = client.get("/que-hago/", {"q": "ruido"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/que-hago/ruido_vecino/"' in html
    assert 'href="/que-hago/rina/"' not in html  # the search filtered
    assert (
        "no encontramos esa situación" in client.get("/que-hago/", {"q": "zzzqqq"}).content.decode().lower()
    )
    detail = client.get("/que-hago/rina/").content.decode()
    assert detail.index('href="tel:123"') < detail.index("Quién le atiende")  # 123 before anything else
    assert "secretariasenado.gov.co" in detail  # sources cited
    assert 'href="/cerca/?tipo=cai"' in detail
    assert client.get("/que-hago/no-existe/").status_code == 404
    # Without risk to life no emergency box
    assert (
        "Si hay riesgo para la vida, llame primero"
        not in client.get("/que-hago/ruido_vecino/").content.decode()
    )


def test_search_text_is_escaped(client):
    html = client.get("/que-hago/", {"q": XSS}).content.decode()
    assert XSS not in html and "&lt;script&gt;" in html


def test_nearby_by_upz_lists_services_closest_first_with_phone_and_data_age(client, territory):
    # Casas de justicia: no official file loads them, so the committed real directory (imported by
    # the justice tests of the same session) cannot come between these two.
    near = make_office("casa_justicia", POINT_01, name="Casa Cercana")
    near.phones = parse_phones("601 3808330 ext 104")
    near.save()
    far = make_office("casa_justicia", POINT_02, name="Casa Lejana")
    far.data_year = 2017
    far.save()
    make_office("comisaria_familia", POINT_01, name="Comisaría Norte")
    page = client.get("/cerca/", {"upz": "1", "tipo": "casa_justicia"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("Casa Cercana") < html.index("Casa Lejana")
    assert "Comisaría Norte" not in html  # only the kind asked for
    assert f'href="/servicios/{near.pk}/"' in html
    assert f'href="tel:{near.phones[0]["number"]}"' in html  # the parsed phone, dialable
    assert "3808330" in html  # the unparsed text of the other office, as written
    assert "datos de 2017" in html
    assert "nearby-config" in html  # the map's points for nearby.js, after the list
    assert html.index('id="nearby-list"') < html.index('id="nearby-map"')


def test_nearby_by_coordinates_and_bad_input(client, territory):
    make_office("casa_justicia", POINT_01, name="Casa Cercana")
    ok = client.get("/cerca/", {"lat": "4.62", "lon": "-74.07", "tipo": "casa_justicia"})
    assert ok.status_code == 200 and "Casa Cercana" in ok.content.decode()
    bad = client.get("/cerca/", {"lat": "1e300", "lon": "-74.07"})
    assert bad.status_code == 400
    assert 'class="error' in bad.content.decode()
    outside = client.get("/cerca/", {"lat": "4.62", "lon": "-73.5"})
    assert outside.status_code == 400
    assert client.get("/cerca/", {"upz": "999"}).status_code == 400
    assert client.get("/cerca/").status_code == 200  # the empty form


def test_service_page_links_directions_out_only_when_asked(client, territory):
    office = make_office("inspeccion_policia", POINT_01, name="Inspección 1A")
    page = client.get(f"/servicios/{office.pk}/").content.decode()
    assert "Inspección 1A" in page and "KR 7 1 1" in page
    assert "openstreetmap.org/directions" not in page
    asked = client.get(f"/servicios/{office.pk}/", {"como_llegar": "1"}).content.decode()
    assert "openstreetmap.org/directions" in asked
    assert client.get("/servicios/999999/").status_code == 404


def test_request_flow_done_page_and_tracking(
    client, territory, private_root, django_capture_on_commit_callbacks, mailoutbox, jobs
):
    office = make_office("inspeccion_policia", POINT_01, name="Inspección Norte")
    form = client.get("/solicitud/", {"situacion": "ruido_vecino"})
    assert form.context["form"].initial["attention"] == "querella_inspeccion"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/solicitud/", request_data())
    assert response.status_code == 302
    created = JusticeRequest.objects.get()
    assert created.office == office and created.narrative.startswith("El vecino")
    assert response["Location"] == f"/solicitud/lista/{created.tracking_code}/"
    done = client.get(response["Location"]).content.decode()
    assert created.tracking_code in done and "Inspección Norte" in done
    jobs.run()  # the e-mail is sent by the background job (justice.tasks)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ciudadana@example.com"]
    # The same form sent twice leads to the request already filed.
    again = client.post("/solicitud/", request_data())
    assert again["Location"] == response["Location"] and JusticeRequest.objects.count() == 1

    staff = make_user("staff01", role="locality_staff", localities=["01"])
    justice_request_transition(request=created, actor=staff, to_status=RequestStatus.ASSIGNED)
    justice_request_transition(
        request=created,
        actor=staff,
        to_status=RequestStatus.APPOINTMENT,
        appointment_at=timezone.now() + timedelta(days=3),
        appointment_place="Inspección Norte, piso 2",
    )
    track = client.get(f"/solicitud/seguimiento/{created.tracking_code.lower()}/").content.decode()
    assert "Recibida" in track
    assert (
        "El vecino pone música" not in track and "ciudadana@example.com" not in track
    )  # never the narrative
    assert "Cita programada" in track and "Inspección Norte, piso 2" in track
    found = client.get("/solicitud/seguimiento/", {"code": created.tracking_code})
    assert found["Location"] == f"/solicitud/seguimiento/{created.tracking_code}/"
    missing = client.get("/solicitud/seguimiento/", {"code": "JZZZZZZZZZZ"})
    assert missing.status_code == 404 and "No encontramos" in missing.content.decode()


def test_request_errors_are_field_level_spanish_and_nothing_is_saved(client, territory, private_root):
    response = client.post("/solicitud/", request_data(consent="", narrative="", form_key="k2"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Debe aceptar el tratamiento de sus datos" in html
    assert "Este campo es requerido" in html  # the narrative, by its field
    phone = client.post("/solicitud/", request_data(preferred_channel="phone", form_key="k3"))
    assert phone.status_code == 400 and "Indique un teléfono" in phone.content.decode()
    assert JusticeRequest.objects.count() == 0
    escaped = client.post(
        "/solicitud/", request_data(consent="", narrative=XSS, form_key="k4")
    ).content.decode()
    assert XSS not in escaped


def test_tracking_lookups_share_the_track_rate(client, territory, monkeypatch):
    from reports.throttles import TrackThrottle

    monkeypatch.setattr(
        TrackThrottle, "THROTTLE_RATES", {**TrackThrottle.THROTTLE_RATES, "track": "2/minute"}
    )
    for _ in range(2):
        assert client.get("/solicitud/seguimiento/JZZZZZZZZZZ/").status_code == 404
    refused = client.get("/solicitud/seguimiento/JZZZZZZZZZZ/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/solicitud/seguimiento/", {"code": "JZZZZZZZZZZ"}).status_code == 429


def test_report_done_links_the_procedure_of_its_category(client, territory):
    from tests.reports.factories import make_category

    report = make_report(category=make_category("hurto"))
    html = client.get(f"/reportar/listo/{report.tracking_code}/").content.decode()
    assert 'href="/que-hago/hurto/"' in html  # data/categories.toml: hurto -> procedure "hurto"


def test_request_and_tracking_never_in_public_pages(client, territory, private_root):
    make_request()
    for url in ("/", "/que-hago/", "/cerca/?upz=1", "/que-hago/violencia_intrafamiliar/"):
        html = client.get(url).content.decode()
        assert "RELATO-SECRETO" not in html and "victima-secreta" not in html


def test_api_categories_name_their_procedure(client, hurto):
    from tests.reports.factories import make_category

    make_category("sin_guia")
    rows = {c["code"]: c for c in client.get("/api/categories/").json()}
    assert rows["hurto"]["procedure"] == "hurto"  # data/categories.toml
    assert rows["sin_guia"]["procedure"] is None
