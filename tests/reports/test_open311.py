"""Open311 GeoReport v2: discovery, services, service definitions, requests (GET filters, POST with keys).

Runs on the toy territory (tests/factories.py): locality 01 north square, 02 south square.
"""

import hashlib
import io
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest
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
    expected = timezone.datetime.fromisoformat(document["expected_datetime"])
    assert expected - timezone.datetime.fromisoformat(requested) == timedelta(days=hurto.response_days)
    assert document["locality"] == {"code": "01", "name": "Norte"}
    assert document["upz"] == {"code": "1", "name": "Alfa"}
    assert "Norte" in document["address"]


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
        ({"jurisdiction_id": "medellin.gov.co"}, "jurisdiction_id"),
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


def test_hidden_rejected_and_duplicate_reports_are_not_served(api, territory, hurto):
    visible = make_report(category=hurto)
    hidden = make_report(category=hurto)
    rejected = make_report(category=hurto)
    duplicate = make_report(category=hurto)
    Report.objects.filter(pk=hidden.pk).update(hidden=True)
    Report.objects.filter(pk=rejected.pk).update(status="rejected")
    Report.objects.filter(pk=duplicate.pk).update(status="duplicate", duplicate_of=visible)
    _, documents = _get_json(api, "requests", status="open,closed")
    assert _ids(documents) == {sid(visible)}
    codes = ",".join(sid(r) for r in (hidden, rejected, duplicate))
    assert _get_json(api, "requests", service_request_id=codes)[1] == []
    for report in (hidden, rejected, duplicate):
        assert api.get(f"{BASE}/requests/{sid(report)}.json").status_code == 404


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
        ({"service_code": "no-existe"}, "service_code"),
        ({"lat": ""}, "lat"),
        ({"description": "x" * 2001}, "description"),
        ({"attribute[occurred_at]": "ayer"}, "attribute[occurred_at]"),
        ({"attribute[color]": "rojo"}, "attribute[color]"),
        ({"jurisdiction_id": "cali.gov.co"}, "jurisdiction_id"),
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
