"""Staff pages of the councils (/gestion/consejos/…): who opens what, analysts read-only, the commitment
place (point or area) and the progress form with an evidence photo."""

import io
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from participation import services
from participation.models import Commitment, CommitmentUpdate, CouncilSession
from tests.reports.factories import POINT_01, POINT_02

from .conftest import AREA_01

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(territory, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = {}
    for code in ("01", "02"):
        session = services.session_create(
            actor=users[f"staff_{code}"],
            locality_code=code,
            title=f"Consejo de la localidad {code}",
            starts_at=timezone.now() + timedelta(days=7),
            place_name="Salón",
        )
        made[code] = session
        made[f"c{code}"] = services.commitment_create(
            session=session,
            actor=users[f"staff_{code}"],
            text=f"Compromiso de {code}",
            responsible="uaesp",
            due_date=timezone.localdate() + timedelta(days=30),
        )
    return made


def _urls(world, code):
    return [
        reverse("participation-staff-sessions"),
        reverse("participation-staff-session", kwargs={"pk": world[code].pk}),
        reverse("participation-staff-commitment", kwargs={"pk": world[f"c{code}"].pk}),
    ]


@pytest.mark.parametrize(
    "role, own, other",
    [
        ("staff_01", 200, 404),
        ("analyst", 200, 200),
        ("admin", 200, 200),
        ("citizen", 404, 404),
        ("moderator", 404, 404),
    ],
)
def test_who_opens_the_staff_pages(world, users, role, own, other):
    client = signed_in(users[role])
    assert client.get(_urls(world, "01")[0]).status_code == own
    for url in _urls(world, "01")[1:]:
        assert client.get(url).status_code == own, url
    for url in _urls(world, "02")[1:]:
        assert client.get(url).status_code == other, url


def test_anonymous_callers_are_sent_to_sign_in(world):
    for url in _urls(world, "01"):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web-login"))


def test_analysts_read_every_locality_and_write_nothing(world, users):
    analyst = signed_in(users["analyst"])
    listing = analyst.get(reverse("participation-staff-sessions")).content.decode()
    for code in ("01", "02"):
        assert f"Consejo de la localidad {code}" in listing and f"Compromiso de {code}" in listing
    assert "Vencido" not in listing
    Commitment.objects.filter(pk=world["c02"].pk).update(due_date=timezone.localdate() - timedelta(days=1))
    assert "Vencido" in analyst.get(reverse("participation-staff-sessions")).content.decode()
    assert "Programar una sesión" not in listing and 'name="title"' not in listing
    session_page = analyst.get(_urls(world, "02")[1]).content.decode()
    assert "Consejo de la localidad 02" in session_page
    for absent in ("Publicar acta", "Registrar compromiso", "Añadir a la agenda", "draw-map"):
        assert absent not in session_page
    commitment_page = analyst.get(_urls(world, "02")[2]).content.decode()
    assert "Compromiso de 02" in commitment_page and "Registrar avance" not in commitment_page
    before = (CouncilSession.objects.count(), Commitment.objects.count(), CommitmentUpdate.objects.count())
    starts = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    posts = [
        (_urls(world, "01")[0], {"locality": "01", "title": "X", "starts_at": starts, "place_name": "Y"}),
        (_urls(world, "02")[1], {"action": "figures"}),
        (_urls(world, "02")[2], {"percent": "50", "note": "Avance"}),
    ]
    for url, body in posts:
        assert analyst.post(url, body).status_code == 403, url
    assert (
        CouncilSession.objects.count(),
        Commitment.objects.count(),
        CommitmentUpdate.objects.count(),
    ) == before
    # Staff of the locality see the forms, with the drawing map for the commitment's place.
    own = signed_in(users["staff_01"]).get(_urls(world, "01")[1]).content.decode()
    assert "Registrar compromiso" in own and 'id="draw-map"' in own and "participation/js/commitment" in own


def _commitment_post(client, world, **extra):
    body = {
        "action": "commitment",
        "text": "Recuperar el parque",
        "responsible": "uaesp",
        "due_date": (timezone.localdate() + timedelta(days=40)).isoformat(),
        **extra,
    }
    return client.post(reverse("participation-staff-session", kwargs={"pk": world["01"].pk}), body)


def test_commitment_place_from_the_form_area_or_point(world, users):
    staff = signed_in(users["staff_01"])
    assert _commitment_post(staff, world, area=json.dumps(AREA_01)).status_code == 302
    assert Commitment.objects.get(text="Recuperar el parque").area.geom_type == "MultiPolygon"
    response = _commitment_post(staff, world, text="Punto", lon=str(POINT_01[0]), lat=str(POINT_01[1]))
    assert response.status_code == 302
    assert Commitment.objects.get(text="Punto").point.coords == POINT_01


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"area": '{"type": "Polygon"'}, "El área no es GeoJSON válido"),
        ({"lon": str(POINT_02[0]), "lat": str(POINT_02[1])}, "El punto no está en Norte"),
        ({"lon": str(POINT_01[0]), "lat": str(POINT_01[1]), "area": json.dumps(AREA_01)}, "no ambos"),
        ({"due_date": "pronto"}, "Indique la fecha límite"),
        ({"text": "<script>alert(1)</script>", "responsible": "nadie"}, "Elija la entidad responsable"),
    ],
)
def test_commitment_form_errors_keep_the_values(world, users, extra, message):
    staff = signed_in(users["staff_01"])
    before = Commitment.objects.count()
    response = _commitment_post(staff, world, **extra)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert Commitment.objects.count() == before
    assert "<script>alert(1)</script>" not in page


def _jpeg() -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 800), (90, 90, 200))
    exif = Image.Exif()
    exif[0x010F] = "CamaraSecreta"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("evidencia.jpg", out.getvalue(), content_type="image/jpeg")


def test_progress_form_with_an_evidence_photo_then_close(world, users):
    staff = signed_in(users["staff_01"])
    url = _urls(world, "01")[2]
    assert staff.post(url, {"percent": "40", "note": "Poda hecha", "photo": _jpeg()}).status_code == 302
    update = CommitmentUpdate.objects.get()
    stored = update.photo.read()
    assert b"CamaraSecreta" not in stored
    page = staff.get(url).content.decode()
    assert "Poda hecha" in page and update.photo.url in page and "40 %" in page
    bad = staff.post(url, {"percent": "50", "note": "x", "photo": SimpleUploadedFile("x.jpg", b"no")})
    assert bad.status_code == 400 and CommitmentUpdate.objects.count() == 1
    refused = staff.post(url, {"percent": "50", "note": "Sin recursos", "status": "dropped"})
    assert refused.status_code == 400 and "Explique públicamente" in refused.content.decode()
    assert (
        staff.post(
            url, {"percent": "50", "note": "Sin recursos", "status": "dropped", "reason": "Recorte"}
        ).status_code
        == 302
    )
    page = staff.get(url).content.decode()
    assert "Abandonado" in page and "Recorte" in page and "Registrar avance" not in page
