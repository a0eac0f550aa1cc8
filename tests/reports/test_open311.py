"""Open311 GeoReport v2: discovery, services, service definitions, requests (GET filters, POST with keys).

Runs on the toy territory (tests/factories.py): locality 01 north square, 02 south square.
"""

import hashlib
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.core.management import call_command
from django.utils import timezone

from reports.models import Channel, Open311Client, Report, ReportContact
from reports.open311.services import open311_client_issue

from .factories import POINT_02, make_category, make_report, make_user

BASE = "/open311/v2"


def _xml(content: bytes) -> ET.Element:
    # Our own server's output, parsed to prove it is well-formed (not untrusted input).
    return ET.fromstring(content)  # noqa: S314


def _get_json(api, path, **params):
    response = api.get(f"{BASE}/{path}.json", params)
    return response, json.loads(response.content)


def _get_xml(api, path, **params):
    response = api.get(f"{BASE}/{path}.xml", params)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return response, _xml(response.content)


def sid(report) -> str:
    """A report's service_request_id: its public id, never its tracking code."""
    return str(report.pk)


def _ids(documents):
    return {d["service_request_id"] for d in documents}


def _age(report, days):
    """Move a report's requested_datetime (created_at) `days` into the past."""
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def client_key(db):
    _, key = open311_client_issue(name="Ciudadanos Activos", contact_email="api@ejemplo.co")
    return key


# --- discovery and services ----------------------------------------------------------------------


def test_discovery_json_and_xml(api, db):
    response, document = _get_json(api, "discovery")
    assert response.status_code == 200
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    _, root = _get_xml(api, "discovery")
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("./endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


def test_services_list_active_categories_in_json_and_xml(api, hurto, extorsion):
    make_category("viejo", active=False)
    response, services = _get_json(api, "services")
    assert response.status_code == 200
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"hurto", "extorsion"}
    assert by_code["hurto"]["service_name"] == hurto.name_es
    assert by_code["hurto"]["type"] == "realtime"
    assert by_code["hurto"]["metadata"] is True
    assert by_code["hurto"]["group"] == "Seguridad"
    assert "sensible" in by_code["extorsion"]["keywords"]

    _, root = _get_xml(api, "services")
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == {"hurto", "extorsion"}
    assert root.find("service/metadata").text == "true"


def test_service_definition_and_unknown_service(api, hurto):
    response, definition = _get_json(api, "services/hurto")
    assert response.status_code == 200
    assert definition["service_code"] == "hurto"
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["occurred_at", "contact_consent"]

    _, root = _get_xml(api, "services/hurto")
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == ["true", "false"]

    response, errors = _get_json(api, "services/no-existe")
    assert response.status_code == 404
    assert errors[0]["code"] == 404 and "no-existe" in errors[0]["description"]
    response = api.get(f"{BASE}/services/no-existe.xml")
    root = _xml(response.content)
    assert response.status_code == 404 and root.tag == "errors"
    assert root.findtext("error/code") == "404"


def test_unknown_format_is_not_served(api, db):
    assert api.get(f"{BASE}/services.csv").status_code == 404


# --- GET requests ---------------------------------------------------------------------------------


def test_request_fields_follow_the_spec(api, territory, hurto):
    report = make_report(category=hurto)
    response, documents = _get_json(api, "requests")
    assert response.status_code == 200
    (document,) = documents
    assert document["service_request_id"] == sid(report)
    assert document["status"] == "open"
    assert document["status_notes"] == "Recibido"
    assert document["service_code"] == "hurto" and document["service_name"] == hurto.name_es
    assert document["description"] == report.description
    assert document["agency_responsible"] == "Alcaldía Local de Norte"
    requested = document["requested_datetime"]
    assert requested.endswith("-05:00")
    assert document["expected_datetime"].endswith("-05:00")
    assert document["locality"] == {"code": "01", "name": "Norte"}
    assert document["upz"] == {"code": "1", "name": "Alfa"}
    assert "Norte" in document["address"]


def test_expected_datetime_is_the_platform_deadline_for_a_late_evening_report(api, territory, hurto):
    """Received at 22:30 Bogotá time (already the next day in UTC): expected_datetime is the end of
    the Bogotá due date, the instant ReportQuerySet.with_deadline gives and the follow page shows as
    its date, not created_at + response_days × 24 h."""
    from web.selectors import report_follow

    report = make_report(category=hurto)
    received = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=2), time(22, 30)))
    Report.objects.filter(pk=report.pk).update(created_at=received)
    assert received.astimezone(UTC).date() != timezone.localtime(received).date()

    _, (document,) = _get_json(api, f"requests/{report.pk}")
    expected = datetime.fromisoformat(document["expected_datetime"])
    annotated = Report.objects.with_deadline().get(pk=report.pk)
    assert expected == annotated.deadline
    due_date = timezone.localdate(received) + timedelta(days=hurto.response_days)
    assert annotated.due_date == report_follow(code=report.tracking_code).expected_by == due_date
    # The instant the due date ends: 00:00 of the next Bogotá day.
    assert document["expected_datetime"] == f"{due_date + timedelta(days=1)}T00:00:00-05:00"
    # The same in the list and in XML.
    _, documents = _get_json(api, "requests")
    assert [d["expected_datetime"] for d in documents] == [document["expected_datetime"]]
    _, root = _get_xml(api, f"requests/{report.pk}")
    assert root.findtext("request/expected_datetime") == document["expected_datetime"]


def test_requests_default_to_the_last_90_days(api, territory, hurto):
    recent = make_report(category=hurto)
    old = make_report(category=hurto)
    _age(recent, 89)
    _age(old, 91)
    _, documents = _get_json(api, "requests")
    assert _ids(documents) == {sid(recent)}


def test_requests_filter_by_dates(api, territory, hurto):
    a, b, c = (make_report(category=hurto) for _ in range(3))
    _age(a, 200)
    _age(b, 150)
    _age(c, 10)
    now = timezone.now()
    start = (now - timedelta(days=160)).isoformat()
    end = (now - timedelta(days=140)).isoformat()
    _, documents = _get_json(api, "requests", start_date=start, end_date=end)
    assert _ids(documents) == {sid(b)}
    # Only start_date: 90 days from it.
    _, documents = _get_json(api, "requests", start_date=(now - timedelta(days=210)).isoformat())
    assert _ids(documents) == {sid(a), sid(b)}
    # Only end_date: 90 days up to it.
    _, documents = _get_json(api, "requests", end_date=(now - timedelta(days=100)).isoformat())
    assert _ids(documents) == {sid(b)}


def test_unencoded_plus_offset_in_query_string_is_understood(api, territory, hurto):
    report = make_report(category=hurto)
    start = (timezone.localtime() - timedelta(days=1)).replace(microsecond=0).isoformat()
    assert "-05:00" in start
    # A literal '+' offset typed in a URL arrives as a space; both forms must work.
    utc_start = (timezone.now() - timedelta(days=1)).replace(microsecond=0).isoformat()
    assert utc_start.endswith("+00:00")
    response = api.get(f"{BASE}/requests.json?start_date={utc_start}")
    assert response.status_code == 200
    assert _ids(json.loads(response.content)) == {sid(report)}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start_date": "ayer"}, "start_date"),
        ({"end_date": "2026-13-45"}, "end_date"),
        ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "start_date"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"status": "pendiente"}, "status"),
        ({"service_request_id": "12,K7Q2MX9P4B"}, "service_request_id"),
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"start_date": "1899-12-31T23:00:00-05:00"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"end_date": "9999-12-31T23:59:59Z"}, "end_date"),
        ({"start_date": "2101-01-01T00:00:00+14:00"}, "start_date"),
        ({"service_code": "hurto\x00"}, "service_code"),
    ],
)
def test_bad_request_parameters_get_spec_errors(api, db, params, field):
    response, errors = _get_json(api, "requests", **params)
    assert response.status_code == 400
    assert errors[0]["code"] == 400
    assert errors[0]["description"].startswith(f"{field}:")
    response, root = _get_xml(api, "requests", **params)
    assert response.status_code == 400 and root.tag == "errors"


def test_requests_filter_by_status(api, territory, hurto):
    open_report = make_report(category=hurto)
    resolved = make_report(category=hurto)
    Report.objects.filter(pk=resolved.pk).update(status="resolved")
    _, documents = _get_json(api, "requests", status="open")
    assert _ids(documents) == {sid(open_report)}
    _, documents = _get_json(api, "requests", status="closed")
    assert _ids(documents) == {sid(resolved)}
    assert documents[0]["status"] == "closed"
    _, documents = _get_json(api, "requests", status="open,closed")
    assert len(documents) == 2


def test_requests_filter_by_service_code(api, territory, hurto):
    ruido = make_category("ruido", group="convivencia")
    theft = make_report(category=hurto)
    noise = make_report(category=ruido)
    _, documents = _get_json(api, "requests", service_code="ruido")
    assert _ids(documents) == {sid(noise)}
    _, documents = _get_json(api, "requests", service_code="ruido,hurto")
    assert _ids(documents) == {sid(noise), sid(theft)}


def test_service_request_ids_override_other_filters(api, territory, hurto):
    a, b, c = (make_report(category=hurto) for _ in range(3))
    _age(a, 400)  # outside any default window
    ids = f"{a.pk}, {b.pk}"
    _, documents = _get_json(api, "requests", service_request_id=ids, status="closed")
    assert _ids(documents) == {sid(a), sid(b)}


def test_requests_are_capped_at_1000_newest_first(api, territory, hurto):
    template = make_report(category=hurto)
    now = timezone.now()
    copies = [
        Report(
            category=hurto,
            description=f"copia {i}",
            location=template.location,
            public_location=template.public_location,
            locality=template.locality,
            upz=template.upz,
            occurred_at=template.occurred_at,
        )
        for i in range(1004)
    ]
    Report.objects.bulk_create(copies)
    Report.objects.filter(pk=template.pk).update(created_at=now - timedelta(days=1))
    _, documents = _get_json(api, "requests")
    assert len(documents) == 1000
    assert sid(template) not in _ids(documents)  # the oldest is the one left out
    times = [d["requested_datetime"] for d in documents]
    assert times == sorted(times, reverse=True)


def test_single_request_json_and_xml(api, territory, hurto):
    report = make_report(category=hurto)
    response, documents = _get_json(api, f"requests/{sid(report)}")
    assert response.status_code == 200 and _ids(documents) == {sid(report)}
    _, root = _get_xml(api, f"requests/{sid(report)}")
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert request.findtext("service_request_id") == sid(report)
    assert request.findtext("locality/code") == "01"
    assert request.findtext("upz/name") == "Alfa"
    assert request.find("service_notice") is not None  # empty element, as in the spec examples


def test_requests_xml_is_well_formed_and_escapes_text(api, territory, hurto):
    report = make_report(category=hurto, description='<b>Robo</b> & "pelea" en la tienda <script>')
    _, root = _get_xml(api, "requests")
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("description") == report.description
    names = [child.tag for child in request]
    assert names[:4] == ["service_request_id", "status", "status_notes", "service_name"]
    assert {"requested_datetime", "expected_datetime", "lat", "long", "address"} <= set(names)


# --- privacy ----------------------------------------------------------------------------------------


def test_sensitive_requests_have_no_point_and_no_media(api, territory, extorsion):
    report = make_report(category=extorsion, description="Cobran vacuna a los comerciantes")
    _, documents = _get_json(api, f"requests/{sid(report)}")
    (document,) = documents
    for field in ("lat", "long", "media_url"):
        assert field not in document
    # Its text may describe victims: for the handling staff only.
    assert document["description"] is None
    assert "vacuna" not in json.dumps(document)
    assert document["locality"]["code"] == "01"
    _, root = _get_xml(api, f"requests/{sid(report)}")
    assert root.find("request/lat") is None and root.find("request/long") is None
    assert not root.findtext("request/description")


def test_public_point_is_the_generalised_one_not_the_exact_one(api, territory, hurto):
    report = make_report(category=hurto, lonlat=(-74.071234, 4.623456))
    report.refresh_from_db()
    (document,) = _get_json(api, "requests")[1]
    assert (document["long"], document["lat"]) == (
        round(report.public_location.x, 6),
        round(report.public_location.y, 6),
    )
    assert (document["long"], document["lat"]) != (round(report.location.x, 6), round(report.location.y, 6))
    assert "4.623456" not in json.dumps(document) and "74.071234" not in json.dumps(document)


def test_no_reporter_identity_or_contact_anywhere(api, territory, hurto):
    citizen = make_user("maria.perez")
    report = make_report(
        category=hurto,
        reporter=citizen,
        contact={"name": "María Pérez", "email": "maria@correo.co", "phone": "3001234567", "consent": True},
    )
    assert ReportContact.objects.filter(report=report).exists()
    bodies = [
        api.get(f"{BASE}/requests.json").content,
        api.get(f"{BASE}/requests.xml").content,
        api.get(f"{BASE}/requests/{sid(report)}.json").content,
        api.get(f"{BASE}/requests/{sid(report)}.xml").content,
    ]
    for body in bodies:
        text = body.decode()
        assert report.description in text
        # The tracking code is the reporter's key to their full view: never published.
        assert report.tracking_code not in text
        for secret in ("maria", "María", "3001234567", "correo.co", "@"):
            assert secret not in text


def test_rejected_and_duplicate_requests_show_as_closed_with_a_note_and_nothing_private(
    api, territory, hurto
):
    visible = make_report(category=hurto)
    hidden = make_report(category=hurto)
    rejected = make_report(category=hurto, description="Texto ofensivo de spam")
    duplicate = make_report(category=hurto, description="Me robaron en la esquina otra vez")
    Report.objects.filter(pk=hidden.pk).update(hidden=True, moderation_reason="datos personales")
    Report.objects.filter(pk=rejected.pk).update(status="rejected", moderation_reason="spam de Juan")
    Report.objects.filter(pk=duplicate.pk).update(status="duplicate", duplicate_of=visible)
    _, documents = _get_json(api, "requests", status="open,closed")
    assert _ids(documents) == {sid(visible), sid(rejected), sid(duplicate)}
    _, documents = _get_json(api, "requests", status="open")
    assert _ids(documents) == {sid(visible)}
    codes = ",".join(sid(r) for r in (hidden, rejected, duplicate))
    _, documents = _get_json(api, "requests", service_request_id=codes)
    by_id = {d["service_request_id"]: d for d in documents}
    assert set(by_id) == {sid(rejected), sid(duplicate)}  # moderation-hidden stays out
    assert by_id[sid(rejected)]["status"] == "closed"
    assert "rechazada" in by_id[sid(rejected)]["status_notes"]
    assert (
        by_id[sid(duplicate)]["status_notes"]
        == f"Cerrada: duplicada de la solicitud {visible.pk}, que sigue su trámite."
    )
    for report in (rejected, duplicate):
        response, (document,) = _get_json(api, f"requests/{sid(report)}")
        assert response.status_code == 200 and document["status"] == "closed"
        # Not public: no text, no point, and never the moderation reason.
        assert document["description"] is None
        assert "lat" not in document and "long" not in document
        body = json.dumps(document) + api.get(f"{BASE}/requests/{sid(report)}.xml").content.decode()
        for secret in ("spam de Juan", "Texto ofensivo", "otra vez", report.tracking_code):
            assert secret not in body
        _, root = _get_xml(api, f"requests/{sid(report)}")
        assert root.findtext("request/status") == "closed" and root.find("request/lat") is None
    assert api.get(f"{BASE}/requests/{sid(hidden)}.json").status_code == 404


def test_duplicate_of_a_non_public_request_does_not_name_it(api, territory, hurto):
    original, duplicate = make_report(category=hurto), make_report(category=hurto)
    Report.objects.filter(pk=original.pk).update(hidden=True)
    Report.objects.filter(pk=duplicate.pk).update(status="duplicate", duplicate_of=original)
    (document,) = _get_json(api, f"requests/{sid(duplicate)}")[1]
    assert document["status_notes"] == "Cerrada: duplicada de otra solicitud."


# --- POST requests ----------------------------------------------------------------------------------


def _post(api, fmt="json", **data):
    response = api.post(
        f"{BASE}/requests.{fmt}", urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    return response


def _payload(**extra):
    lon, lat = POINT_02
    return {
        "service_code": "hurto",
        "lat": lat,
        "long": lon,
        "description": "Me robaron la bicicleta",
        **extra,
    }


def test_post_without_key_is_refused(api, territory, hurto):
    response = _post(api, **_payload())
    assert response.status_code == 403
    assert json.loads(response.content)[0]["code"] == 403
    assert Report.objects.count() == 0


def test_post_with_invalid_or_revoked_key_is_refused(api, territory, hurto, client_key):
    assert _post(api, **_payload(api_key="no-es-una-clave")).status_code == 403
    Open311Client.objects.update(active=False)
    response = _post(api, "xml", **_payload(api_key=client_key))
    assert response.status_code == 403
    assert _xml(response.content).findtext("error/code") == "403"
    assert Report.objects.count() == 0


def test_post_with_key_creates_an_open311_report(api, territory, hurto, client_key):
    response = _post(
        api, **_payload(api_key=client_key, **{"attribute[occurred_at]": "2026-01-10T21:30:00-05:00"})
    )
    assert response.status_code == 201, response.content
    (created,) = json.loads(response.content)
    report = Report.objects.get(pk=created["service_request_id"])
    assert created["tracking_code"] == report.tracking_code
    assert report.channel == Channel.OPEN311
    assert report.locality.code == "02" and report.upz.code == "2"
    assert report.occurred_at.isoformat() == "2026-01-11T02:30:00+00:00"
    assert created["account_id"] is None and report.tracking_code in created["service_notice"]
    # The new request is readable at once through GET.
    _, documents = _get_json(api, f"requests/{sid(report)}")
    assert documents[0]["locality"]["code"] == "02"


def test_post_xml_answer(api, territory, hurto, client_key):
    response = _post(api, "xml", **_payload(api_key=client_key))
    assert response.status_code == 201
    root = _xml(response.content)
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id")
    assert Report.objects.filter(pk=code, tracking_code=root.findtext("request/tracking_code")).exists()


def test_post_outside_bogota_is_refused_with_a_clear_description(api, territory, hurto, client_key):
    response = _post(api, **_payload(api_key=client_key, lat=4.70, long=-74.30))
    assert response.status_code == 400
    (error,) = json.loads(response.content)
    assert error["code"] == 400 and "fuera de Bogotá" in error["description"]
    assert error["description"].startswith("lat/long:")
    assert Report.objects.count() == 0


def test_post_swapped_coordinates_are_explained(api, territory, hurto, client_key):
    lon, lat = POINT_02
    response = _post(api, **_payload(api_key=client_key, lat=lon, long=lat))
    assert response.status_code == 400
    assert "invertidas" in json.loads(response.content)[0]["description"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lat": ""}, "lat"),
        ({"description": "x" * 4001}, "description"),
        ({"attribute[occurred_at]": "ayer"}, "attribute[occurred_at]"),
        ({"attribute[color]": "rojo"}, "attribute[color]"),
        ({"attribute[occurred_at]": "0001-01-01T00:00:00Z"}, "attribute[occurred_at]"),
    ],
)
def test_post_bad_parameters(api, territory, hurto, client_key, change, field):
    payload = _payload(api_key=client_key)
    payload.update(change)
    payload = {k: v for k, v in payload.items() if v != ""}
    response = _post(api, **payload)
    assert response.status_code == 400, response.content
    assert json.loads(response.content)[0]["description"].startswith(f"{field}:")
    assert Report.objects.count() == 0


def test_post_address_without_coordinates_says_addresses_are_not_geocoded(api, territory, hurto, client_key):
    payload = _payload(api_key=client_key, address_string="Calle 72 # 10-34")
    del payload["lat"], payload["long"]
    response = _post(api, **payload)
    assert response.status_code == 400
    assert "no geocodifica" in json.loads(response.content)[0]["description"]


def test_post_future_occurred_at_is_refused(api, territory, hurto, client_key):
    future = (timezone.now() + timedelta(days=2)).isoformat()
    response = _post(api, **_payload(api_key=client_key, **{"attribute[occurred_at]": future}))
    assert response.status_code == 400
    assert "futuro" in json.loads(response.content)[0]["description"]


def test_post_contact_is_kept_only_with_consent(api, territory, hurto, client_key):
    contact = {"email": "ana@correo.co", "first_name": "Ana", "last_name": "Gómez"}
    response = _post(api, **_payload(api_key=client_key, **contact))
    (created,) = json.loads(response.content)
    assert response.status_code == 201
    assert not ReportContact.objects.filter(report__pk=created["service_request_id"]).exists()
    assert "contact_consent" in created["service_notice"]

    response = _post(api, **_payload(api_key=client_key, **contact, **{"attribute[contact_consent]": "true"}))
    (created,) = json.loads(response.content)
    stored = ReportContact.objects.get(report__pk=created["service_request_id"])
    assert (stored.email, stored.name) == ("ana@correo.co", "Ana Gómez")
    # ...and it never comes back out through Open311.
    body = api.get(f"{BASE}/requests/{created['service_request_id']}.json").content.decode()
    assert "ana@correo.co" not in body and "Gómez" not in body


# --- API keys ---------------------------------------------------------------------------------------


def test_issue_open311_key_command_prints_the_key_once_and_stores_its_hash(db):
    out = io.StringIO()
    call_command("issue_open311_key", "--name", "Observatorio Cívico", "--email", "datos@obs.org", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = Open311Client.objects.get(name="Observatorio Cívico")
    assert client.active and client.contact_email == "datos@obs.org"
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in client.key_hash and len(key) >= 40

    out = io.StringIO()
    call_command("issue_open311_key", "--revoke", str(client.pk), stdout=out)
    client.refresh_from_db()
    assert not client.active


def test_issue_open311_key_command_explains_bad_input(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--name"):
        call_command("issue_open311_key")
    with pytest.raises(CommandError, match="Correo inválido"):
        call_command("issue_open311_key", "--name", "X", "--email", "no-es-correo")
    with pytest.raises(CommandError, match="No existe"):
        call_command("issue_open311_key", "--revoke", "999999")


def test_photos_are_not_published(api, territory, hurto):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (9, 9, 9)).save(out, format="JPEG")
    report = make_report(category=hurto, photos=[SimpleUploadedFile("f.jpg", out.getvalue(), "image/jpeg")])
    photo_name = report.photos.get().image.name
    for fmt in ("json", "xml"):
        body = api.get(f"{BASE}/requests/{sid(report)}.{fmt}").content.decode()
        assert "media_url" not in body and photo_name not in body


def test_post_media_url_is_not_downloaded_and_the_notice_says_so(api, territory, hurto, client_key):
    response = _post(api, **_payload(api_key=client_key, media_url="http://127.0.0.1:9/foto.jpg"))
    assert response.status_code == 201
    (created,) = json.loads(response.content)
    assert "media_url no se descargó" in created["service_notice"]
    assert not Report.objects.get(pk=created["service_request_id"]).photos.exists()


# --- interoperability (issue 7) ---------------------------------------------------------------------

# NUL is left out: DRF refuses it (400) and PostgreSQL cannot store it, so it never reaches output.
XML_FORBIDDEN_SAMPLES = "\x1b\x0b\x0c\x01\x08\x1f\ufffe"


def test_control_characters_are_stripped_at_input(api, territory, hurto, client_key):
    text = f"Robo{XML_FORBIDDEN_SAMPLES} en\tla\nesquina"
    response = _post(api, **_payload(api_key=client_key, description=text))
    assert response.status_code == 201, response.content
    (created,) = json.loads(response.content)
    # Tab and newline are legal XML and kept; the forbidden ones are gone from what is stored.
    assert Report.objects.get(pk=created["service_request_id"]).description == "Robo en\tla\nesquina"
    # The same input path serves the web and app channels (reports.services.report_create).
    assert make_report(category=hurto, description=f"a{XML_FORBIDDEN_SAMPLES}\x00b").description == "ab"
    assert _post(api, **_payload(api_key=client_key, description="a\x00b")).status_code == 400


def test_a_stored_control_character_does_not_break_the_xml(api, territory, hurto):
    report = make_report(category=hurto)
    other = make_report(category=hurto)
    # As stored before input stripped them: the output must still be a well-formed document.
    Report.objects.filter(pk=report.pk).update(description=f"Robo{XML_FORBIDDEN_SAMPLES}!")
    response = api.get(f"{BASE}/requests.xml")
    assert response.status_code == 200
    root = defused_fromstring(response.content)
    texts = {r.findtext("service_request_id"): r.findtext("description") for r in root.findall("request")}
    assert texts == {sid(report): "Robo!", sid(other): other.description}
    assert json.loads(api.get(f"{BASE}/requests.json").content)  # JSON escapes them: still valid


@pytest.mark.parametrize("accept", ["application/json", "text/html,application/xhtml+xml", "image/png"])
def test_format_follows_the_suffix_whatever_the_accept_header(api, territory, hurto, accept):
    make_report(category=hurto)
    response = api.get(f"{BASE}/requests.xml", HTTP_ACCEPT=accept)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert defused_fromstring(response.content).tag == "service_requests"
    response = api.get(f"{BASE}/services.json", HTTP_ACCEPT="text/xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert isinstance(json.loads(response.content), list)


@pytest.mark.parametrize(
    "path", ["nada.xml", "requests/abc.xml", "services.csv", "requests/1/extra.xml", "", "discovery"]
)
def test_unknown_paths_answer_the_error_list(api, db, path):
    response = api.get(f"{BASE}/{path}")
    assert response.status_code == 404
    if path.endswith(".xml"):
        root = defused_fromstring(response.content)
        assert root.tag == "errors" and root.findtext("error/code") == "404"
    else:
        assert response["Content-Type"].startswith("application/json")
        (error,) = json.loads(response.content)
        assert error["code"] == 404 and "Recurso desconocido" in error["description"]


def test_api_key_in_the_query_string_works_like_in_the_body(api, territory, hurto, client_key):
    payload = _payload()
    response = api.post(
        f"{BASE}/requests.json?{urlencode({'api_key': client_key})}",
        urlencode(payload),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201, response.content
    bad = api.post(
        f"{BASE}/requests.json?api_key=otra",
        urlencode(payload),
        content_type="application/x-www-form-urlencoded",
    )
    assert bad.status_code == 403
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"jurisdiction_id": "cali.gov.co"}, "jurisdiction_id"),
        ({"service_code": "no-existe"}, "service_code"),
    ],
)
def test_post_unknown_jurisdiction_or_service_is_404(api, territory, hurto, client_key, change, field):
    for fmt in ("json", "xml"):
        response = _post(api, fmt, **_payload(api_key=client_key, **change))
        assert response.status_code == 404, response.content
        if fmt == "json":
            assert json.loads(response.content)[0]["description"].startswith(f"{field}:")
        else:
            assert defused_fromstring(response.content).findtext("error/code") == "404"
    assert Report.objects.count() == 0


@pytest.mark.parametrize("path", ["services", "services/hurto", "requests", "requests/{id}", "tokens/{id}"])
def test_unknown_jurisdiction_on_reads_is_404(api, territory, hurto, path):
    report = make_report(category=hurto)
    path = path.format(id=report.pk)
    assert _get_json(api, path, jurisdiction_id="bogota.gov.co")[0].status_code == 200
    response, errors = _get_json(api, path, jurisdiction_id="medellin.gov.co")
    assert response.status_code == 404
    assert errors[0]["description"].startswith("jurisdiction_id:")


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
@pytest.mark.parametrize("path", ["discovery", "services", "services/hurto", "requests/1", "tokens/1"])
def test_read_only_endpoints_answer_other_methods_with_405(api, territory, hurto, method, path):
    for fmt in ("json", "xml"):
        response = getattr(api, method)(
            f"{BASE}/{path}.{fmt}", "x=1", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 405, (path, method, response.status_code)
        if fmt == "xml":
            assert defused_fromstring(response.content).findtext("error/code") == "405"
        else:
            assert json.loads(response.content)[0]["code"] == 405


@pytest.mark.parametrize("method", ["put", "delete"])
def test_requests_collection_refuses_put_and_delete_with_405(api, db, method):
    assert getattr(api, method)(f"{BASE}/requests.json").status_code == 405


def test_descriptions_of_4000_characters_are_accepted(api, territory, hurto, client_key):
    text = ("robo " * 800).strip() + "!"
    assert len(text) == 4000
    response = _post(api, **_payload(api_key=client_key, description=text))
    assert response.status_code == 201, response.content
    (created,) = json.loads(response.content)
    assert len(Report.objects.get(pk=created["service_request_id"]).description) == 4000
    response = _post(api, **_payload(api_key=client_key, description="y" * 4001))
    assert response.status_code == 400
    assert "4000" in json.loads(response.content)[0]["description"]


def test_tokens_map_to_the_request_id(api, territory, hurto, client_key):
    (created,) = json.loads(_post(api, **_payload(api_key=client_key)).content)
    token = created["token"]
    assert token == created["service_request_id"] and token != created["tracking_code"]
    response, documents = _get_json(api, f"tokens/{token}")
    assert response.status_code == 200
    assert documents == [{"service_request_id": created["service_request_id"], "token": token}]
    response, root = _get_xml(api, f"tokens/{token}")
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    assert root.findtext("request/token") == token
    for unknown in ("999999999", "K7Q2MX9P4B", created["tracking_code"]):
        response, errors = _get_json(api, f"tokens/{unknown}")
        assert response.status_code == 404 and errors[0]["code"] == 404


def test_dates_at_the_edges_of_the_accepted_range_work(api, territory, hurto):
    make_report(category=hurto)
    for params in ({"start_date": "1900-01-01"}, {"end_date": "2100-12-31T23:59:59-05:00"}):
        response, documents = _get_json(api, "requests", **params)
        assert response.status_code == 200 and documents == []


def test_openapi_describes_open311_answers_as_arrays(api, db):
    schema = json.loads(api.get("/api/schema/", {"format": "json"}).content)
    cases = {
        "/open311/v2/services.{fmt}": ("get", "200"),
        "/open311/v2/requests.{fmt}": ("get", "200"),
        "/open311/v2/requests/{service_request_id}.{fmt}": ("get", "200"),
        "/open311/v2/tokens/{token}.{fmt}": ("get", "200"),
    }
    for path, (method, code) in cases.items():
        operation = schema["paths"][path][method]
        body = operation["responses"][code]["content"]["application/json"]["schema"]
        assert body["type"] == "array", path
        errors = operation["responses"]["404"]["content"]["application/json"]["schema"]
        assert errors["type"] == "array", path
    created = schema["paths"]["/open311/v2/requests.{fmt}"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["type"] == "array"
    assert not any("{rest}" in path for path in schema["paths"])


def test_error_descriptions_echoing_input_stay_well_formed_xml(api, db):
    response = api.get(f"{BASE}/requests.xml", {"status": "abierto\x1b\x0b"})
    assert response.status_code == 400
    root = defused_fromstring(response.content)
    assert root.tag == "errors" and "abierto" in root.findtext("error/description")
