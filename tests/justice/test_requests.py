"""Virtual justice requests: creation, routing, encryption at rest, e-mail on commit, tracking,
the staff workflow and its permission matrix, attachments."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from PIL import ExifTags, Image

from justice.models import JusticeAttachment, JusticeRequest, ServiceKind

from .conftest import client_for
from .factories import POINT_01, POINT_02, make_office, make_request

pytestmark = pytest.mark.django_db
URL = "/api/justice-requests/"

BODY = {
    "attention": "medida_proteccion",
    "situation": "violencia_intrafamiliar",
    "narrative": "RELATO-SECRETO: mi pareja me amenaza",
    "parties": "PARTE-SECRETA Pedro Pérez",
    "locality": "01",
    "contact_name": "Ana",
    "contact_email": "ana@example.com",
    "preferred_channel": "email",
    "preferred_times": "Mañanas",
    "consent": True,
}


@pytest.fixture
def offices(territory):
    return {
        "comisaria_01": make_office(ServiceKind.FAMILY_COMMISSARY, POINT_01),
        "comisaria_02": make_office(ServiceKind.FAMILY_COMMISSARY, POINT_02),
        "alcaldia_01": make_office(ServiceKind.LOCAL_MAYOR, (-74.06, 4.64)),
    }


def test_a_citizen_creates_a_request_routed_to_the_office_of_the_locality(
    offices, django_capture_on_commit_callbacks, mailoutbox, jobs
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(None).post(URL, BODY, format="json")
    assert mailoutbox == []  # sent by the background job, not by the request
    jobs.run()
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tracking_code"].startswith("J") and len(body["tracking_code"]) == 11
    assert body["status"] == "recibida"
    assert body["office"]["id"] == offices["comisaria_01"].pk
    assert "narrative" not in body and "parties" not in body and "contact_email" not in body
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana@example.com"]
    assert body["tracking_code"] in mailoutbox[0].body


def test_a_point_routes_to_its_locality_and_the_nearest_office(offices):
    body = {**BODY, "lat": POINT_02[1], "lon": POINT_02[0]}
    del body["locality"]
    response = client_for(None).post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["locality"]["code"] == "02"
    assert response.json()["office"]["id"] == offices["comisaria_02"].pk


def test_a_complaint_without_inspection_goes_to_the_alcaldia_local(offices):
    response = client_for(None).post(URL, {**BODY, "attention": "querella_inspeccion"}, format="json")
    assert response.json()["office"]["id"] == offices["alcaldia_01"].pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": False}, "consent"),
        ({"narrative": ""}, "narrative"),
        ({"attention": "demanda"}, "attention"),
        ({"situation": "no-existe"}, "situation"),
        ({"contact_email": ""}, "contact_email"),
        ({"locality": "99"}, "locality"),
        ({"lat": 95, "lon": -74.07}, "lat"),
        ({"lat": 4.6}, "lat"),
        ({"lat": 6.24, "lon": -75.58}, "lat"),
    ],
)
def test_bad_requests_answer_400_naming_the_field(offices, change, field):
    response = client_for(None).post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert not JusticeRequest.objects.exists()


def test_narrative_parties_and_contact_are_encrypted_at_rest(offices):
    request = make_request()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT narrative, parties, contact_email, contact_phone FROM justice_justicerequest WHERE id = %s",
            [request.pk],
        )
        stored = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in stored)
    assert not any("SECRET" in value or "victima" in value or "300123" in value for value in stored)
    again = JusticeRequest.objects.get(pk=request.pk)
    assert again.narrative.startswith("RELATO-SECRETO")
    assert again.contact_email == "victima-secreta@example.com"


def test_a_rotated_key_still_reads_old_rows(offices, settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.JUSTICE_ENCRYPTION_KEYS = [old]
    request = make_request()
    settings.JUSTICE_ENCRYPTION_KEYS = [new, old]
    assert JusticeRequest.objects.get(pk=request.pk).parties == "PARTE-SECRETA Pedro Pérez"


def test_tracking_shows_status_and_appointment_but_never_the_narrative(offices):
    request = make_request()
    response = client_for(None).get(f"{URL}{request.tracking_code.lower()}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "SECRET" not in text and "victima" not in text
    assert response.json()["history"][0]["to_status"] == "recibida"
    assert client_for(None).get(f"{URL}J2222222222/").status_code == 404


def test_staff_permission_matrix(offices, users):
    request = make_request("01")
    list_url = "/api/staff/justice-requests/"
    detail = f"{list_url}{request.pk}/"
    expected = {
        "anonymous": (401, 401),
        "citizen": (403, 403),
        "analyst": (403, 403),
        "moderator": (403, 403),
        "staff_02": (200, 404),
        "staff_01": (200, 200),
        "admin": (200, 200),
    }
    for role, (list_status, detail_status) in expected.items():
        client = client_for(users[role])
        listed = client.get(list_url)
        assert listed.status_code == list_status, role
        if list_status == 200:
            ids = [item["id"] for item in listed.json()]
            assert (request.pk in ids) == (detail_status == 200), role
        assert client.get(detail).status_code == detail_status, role
    full = client_for(users["staff_01"]).get(detail).json()
    assert full["narrative"].startswith("RELATO-SECRETO")
    assert full["parties"] == "PARTE-SECRETA Pedro Pérez"


def test_workflow_with_appointment_history_and_emails(
    offices, users, django_capture_on_commit_callbacks, mailoutbox, jobs
):
    request = make_request("01")
    client = client_for(users["staff_01"])
    url = f"/api/staff/justice-requests/{request.pk}/transition/"
    assert client.post(url, {"status": "atendida"}, format="json").status_code == 400  # not from recibida
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(url, {"status": "asignada", "note": "Para la comisaria"}, format="json").status_code
            == 200
        )
    missing = client.post(url, {"status": "cita_programada"}, format="json")
    assert missing.status_code == 400 and "appointment_at" in missing.json()
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {
                "status": "cita_programada",
                "appointment_at": when.isoformat(),
                "appointment_link": "https://meet.example.com/x",
            },
            format="json",
        )
    assert done.status_code == 200, done.json()
    assert done.json()["appointment_link"] == "https://meet.example.com/x"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(url, {"status": "remitida", "referred_to": "Fiscalía"}, format="json").status_code
            == 200
        )
    assert client.post(url, {"status": "cerrada"}, format="json").status_code == 400  # final
    steps = [
        step["to_status"]
        for step in client.get(f"/api/staff/justice-requests/{request.pk}/").json()["history"]
    ]
    assert steps == ["recibida", "asignada", "cita_programada", "remitida"]
    jobs.run()
    assert [m.subject for m in mailoutbox] == [
        "Convive Bogotá: su solicitud de justicia ahora está «Asignada»",
        "Convive Bogotá: su solicitud de justicia tiene una cita",
        "Convive Bogotá: su solicitud de justicia ahora está «Remitida»",
    ]
    assert "https://meet.example.com/x" in mailoutbox[1].body
    other = client_for(users["staff_02"]).post(url, {"status": "cerrada"}, format="json")
    assert other.status_code == 404


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (4.0, 36.0, 35.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_attachments_are_sanitised_private_and_scoped(offices, users, private_root):
    upload = io.BytesIO(_jpeg_with_gps())
    upload.name = "foto.jpg"
    data = {**BODY, "consent": "true", "attachments": [upload]}
    response = client_for(None).post(URL, data, format="multipart")
    assert response.status_code == 201, response.json()
    attachment = JusticeAttachment.objects.get()
    stored = list(private_root.rglob("*.jpg"))
    assert len(stored) == 1
    assert b"GPS" not in stored[0].read_bytes() and not Image.open(stored[0]).getexif()
    url = f"/api/staff/justice-requests/{attachment.request_id}/attachments/{attachment.pk}/"
    fetched = client_for(users["staff_01"]).get(url)
    assert fetched.status_code == 200 and fetched["Cache-Control"] == "private, no-store"
    assert client_for(users["staff_02"]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 401


def test_not_an_image_is_refused(offices, private_root):
    upload = io.BytesIO(b"%PDF-1.4 not an image")
    upload.name = "doc.pdf"
    response = client_for(None).post(
        URL, {**BODY, "consent": "true", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 400 and "attachments" in response.json()
    assert not JusticeRequest.objects.exists()
