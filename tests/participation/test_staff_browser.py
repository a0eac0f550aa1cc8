"""The councils' staff pages in a real browser (Chromium through Playwright, tests/browser_support.py).

Staff of Kennedy (08) schedule a session, put a citizen proposal and the locality's figures on the
agenda, record a commitment whose area they draw on the map — with the mouse at 1280 px, and at
360 px by keyboard only (arrow keys pan the map, «Añadir esquina en el centro» adds a corner) —
publish the minutes and post a progress update with an evidence photo; an analyst then opens the
same pages read-only. axe-core on every page, no horizontal scroll, no request leaves 127.0.0.1,
screenshots in .local/screenshots/web (consejos-gestion-*).
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests.web.test_browser import DESKTOP, PHONE, Session, browser, city  # noqa: F401, F811

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

MARKER = "prueba-gestion-consejo"
PASSWORD = "clave-de-prueba-88"


@pytest.fixture(scope="module")
def people(city, django_db_blocker, tmp_path_factory):  # noqa: F811
    """A citizen with an open proposal in Kennedy, Kennedy's staff and an analyst (committed; removed
    with everything they made). Uploaded photos go to a temporary MEDIA_ROOT."""
    from django.contrib.auth import get_user_model
    from django.test import override_settings

    from localities.models import Upz
    from participation import services
    from participation.models import Commitment, CouncilSession, Proposal
    from reports.models import Role, StaffProfile

    User = get_user_model()
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with django_db_blocker.unblock():
            made = {}
            for key in ("vecina", "alcaldia", "analista"):
                made[key] = User.objects.create_user(username=f"{MARKER}-{key}", password=PASSWORD)
            StaffProfile.objects.create(
                user=made["alcaldia"], role=Role.LOCALITY_STAFF, locality_codes=["08"]
            )
            StaffProfile.objects.create(user=made["analista"], role=Role.ANALYST)
            upz = Upz.objects.current().filter(locality__code="08").order_by("code").first()
            made["proposals"] = [
                services.proposal_create(
                    author=made["vecina"],
                    title=f"{MARKER} parque oscuro {w}",
                    body="El parque no tiene luz.",
                    group="seguridad",
                    where="upz",
                    upz_code=upz.code,
                )
                for w in (DESKTOP["width"], PHONE["width"])
            ]
        yield made
        with django_db_blocker.unblock():
            sessions = CouncilSession.objects.filter(created_by__username__startswith=MARKER)
            Commitment.objects.filter(session__in=sessions).delete()
            sessions.delete()
            Proposal.objects.filter(author__username__startswith=MARKER).delete()
            User.objects.filter(username__startswith=MARKER).delete()


def _press(s, locator):
    """Activate a control by keyboard: focus it, then Enter (Space for check boxes)."""
    locator.focus()
    s.page.keyboard.press("Space" if locator.get_attribute("type") == "checkbox" else "Enter")


def _submit(s, locator):
    """Press a submit button by keyboard and wait for the page the form leads to."""
    with s.page.expect_navigation():
        _press(s, locator)
    s.page.wait_for_load_state("networkidle")


def _sign_in(s, who):
    s.go("/cuenta/entrar/?next=/gestion/consejos/")
    s.page.locator("#id_username").fill(f"{MARKER}-{who}")
    s.page.locator("#id_password").fill(PASSWORD)
    s.page.locator("#id_password").press("Enter")
    s.page.wait_for_url("**/gestion/consejos/")


def _check(s, name):
    s.shot(name)
    s.axe()
    assert s.page.evaluate("document.documentElement.scrollWidth") <= s.page.viewport_size["width"], name


def _jpeg() -> dict:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 110, 70)).save(out, "JPEG")
    return {"name": "luminarias.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _wait_idle_map(s):
    s.page.wait_for_function(
        "() => window.conviveDrawMap && window.conviveDrawMap.loaded() && !window.conviveDrawMap.isMoving()",
        timeout=30000,
    )


def _draw_by_keyboard(s):
    """Three corners: the centre, then pan right, then pan down, each added with the button."""
    canvas = s.page.locator("#draw-map canvas")
    add = s.page.get_by_role("button", name="Añadir esquina en el centro")
    _press(s, add)
    for key in ("ArrowRight", "ArrowDown"):
        canvas.focus()
        for _ in range(2):
            s.page.keyboard.press(key)
            _wait_idle_map(s)
        _press(s, add)
    _press(s, s.page.get_by_role("button", name="Cerrar área"))


def _draw_by_mouse(s):
    s.page.locator("#draw-map").scroll_into_view_if_needed()
    box = s.page.locator("#draw-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-50, -30), (50, -30), (50, 30), (-50, 30)):
        s.page.mouse.click(cx + dx, cy + dy)
    s.page.get_by_role("button", name="Cerrar área").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280-raton", "360-teclado"])
def test_staff_session_commitment_with_a_drawn_area_and_progress(browser, people, viewport):  # noqa: F811
    from django.utils import timezone

    from participation.models import Commitment, CouncilSession

    chromium, base = browser
    w = viewport["width"]
    keyboard = w == PHONE["width"]
    proposal = people["proposals"][0 if not keyboard else 1]
    staff = Session(chromium, base, viewport)
    _sign_in(staff, "alcaldia")
    staff.page.locator("#s-title").fill(f"{MARKER} consejo {w}")
    staff.page.locator("#starts_at").fill(
        (timezone.localtime() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    )
    staff.page.locator("#place_name").fill("Salón comunal Kennedy Central")
    _check(staff, f"consejos-gestion-{w}-1-sesiones")
    _submit(staff, staff.page.get_by_role("button", name="Crear sesión"))
    staff.page.wait_for_url("**/gestion/consejos/sesiones/*/")
    session = CouncilSession.objects.get(title=f"{MARKER} consejo {w}")
    assert session.locality.code == "08"

    staff.page.locator("#proposal").select_option(str(proposal.pk))
    _submit(staff, staff.page.get_by_role("button", name="Añadir a la agenda"))
    _submit(staff, staff.page.get_by_role("button", name="Guardar cifras", exact=False))
    assert session.agenda.count() == 3

    text = f"{MARKER} 12 luminarias {w}"
    staff.page.locator("#c-text").fill(text)
    staff.page.locator("#responsible").select_option("uaesp")
    staff.page.locator("#due_date").fill((timezone.localdate() + timedelta(days=60)).isoformat())
    _press(staff, staff.page.get_by_label(proposal.title))
    _wait_idle_map(staff)
    _draw_by_keyboard(staff) if keyboard else _draw_by_mouse(staff)
    staff.page.wait_for_function("() => document.getElementById('area').value.includes('Polygon')")
    assert "Área lista" in staff.page.locator("#draw-status").inner_text()
    _check(staff, f"consejos-gestion-{w}-2-compromiso-area")
    _submit(staff, staff.page.get_by_role("button", name="Registrar compromiso"))
    commitment = Commitment.objects.get(text=text)
    assert commitment.area is not None and commitment.area.geom_type == "MultiPolygon"
    assert commitment.locality.code == "08" and list(commitment.proposals.all()) == [proposal]

    staff.page.locator("#minutes").fill("Se acordó iluminar el parque.")
    staff.page.locator("#attendance").fill("27")
    _check(staff, f"consejos-gestion-{w}-3-acta")
    _submit(staff, staff.page.get_by_role("button", name="Publicar acta"))
    session.refresh_from_db()
    assert session.minutes_published_at is not None

    _submit(staff, staff.page.get_by_role("link", name=text))
    staff.page.wait_for_url("**/gestion/consejos/compromisos/*/")
    staff.page.locator("#percent").fill("50")
    staff.page.locator("#note").fill("Seis luminarias instaladas.")
    staff.page.locator("#photo").set_input_files(_jpeg())
    _submit(staff, staff.page.get_by_role("button", name="Registrar avance"))
    _check(staff, f"consejos-gestion-{w}-4-avance")
    assert staff.page.get_by_role("link", name="Foto de evidencia").count() == 1
    commitment.refresh_from_db()
    assert commitment.progress == 50 and commitment.updates.get().photo
    staff.clean()
    staff.close()

    analyst = Session(chromium, base, viewport)
    _sign_in(analyst, "analista")
    assert text in analyst.page.locator("main").inner_text()
    assert analyst.page.get_by_role("button", name="Crear sesión").count() == 0
    _check(analyst, f"consejos-gestion-{w}-5-analista")
    analyst.go(f"/gestion/consejos/sesiones/{session.pk}/")
    assert analyst.page.locator("main form[method=post] textarea, main form[method=post] select").count() == 0
    analyst.go(f"/gestion/consejos/compromisos/{commitment.pk}/")
    assert "Seis luminarias instaladas." in analyst.page.locator("main").inner_text()
    assert analyst.page.get_by_role("button", name="Registrar avance").count() == 0
    _check(analyst, f"consejos-gestion-{w}-6-analista-compromiso")
    analyst.clean()
    analyst.close()
