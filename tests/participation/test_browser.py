"""The planning loop in a real browser (Debian's Chromium through Playwright, as tests/web/test_browser.py).

A citizen proposes a topic for Kennedy with an area drawn on the map (at 1280 px) or, the keyboard
path, by picking the UPZ from the list (at 360 px); two others support it; staff of Kennedy put it on a
session's agenda with the locality's figures, register a commitment, publish the minutes and update its
progress; the public accountability page and the council brief show it. axe-core on every page, no
request leaves 127.0.0.1, screenshots in .local/screenshots/web (participacion-*).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.test_browser import DESKTOP, PHONE, Session, browser, city  # noqa: F401, F811

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

MARKER = "prueba-consejo"
PASSWORD = "clave-de-prueba-77"
KENNEDY = (-74.1525, 4.6270)


@pytest.fixture(scope="module")
def people(city, django_db_blocker):  # noqa: F811
    """Three citizens and a staff member of Kennedy (08), committed; removed with what they made."""
    from django.contrib.auth import get_user_model

    from participation.models import Commitment, CouncilSession, Proposal
    from reports.models import Role, StaffProfile

    User = get_user_model()
    with django_db_blocker.unblock():
        made = {}
        for key in ("autora", "vecino1", "vecino2", "alcaldia"):
            made[key] = User.objects.create_user(username=f"{MARKER}-{key}", password=PASSWORD)
        StaffProfile.objects.create(user=made["alcaldia"], role=Role.LOCALITY_STAFF, locality_codes=["08"])
    yield made
    with django_db_blocker.unblock():
        sessions = CouncilSession.objects.filter(created_by__username__startswith=MARKER)
        Commitment.objects.filter(session__in=sessions).delete()
        sessions.delete()
        Proposal.objects.filter(author__username__startswith=MARKER).delete()
        User.objects.filter(username__startswith=MARKER).delete()


def _sign_in(s, who):
    s.go("/cuenta/entrar/?next=/propuestas/")
    s.page.locator("#id_username").fill(f"{MARKER}-{who}")
    s.page.locator("#id_password").fill(PASSWORD)
    s.page.locator("main button[type=submit]").click()
    s.page.wait_for_load_state("networkidle")


def _check(s, name):
    s.shot(name)
    s.axe()
    assert s.page.evaluate("document.documentElement.scrollWidth") <= s.page.viewport_size["width"], name


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_proposal_to_commitment_to_accountability(browser, people, viewport):  # noqa: F811
    from participation.models import Commitment, Proposal

    chromium, base = browser
    w = viewport["width"]
    title = f"{MARKER} iluminación parque {w}"
    author = Session(chromium, base, viewport)
    _sign_in(author, "autora")
    author.go("/propuestas/nueva/")
    author.page.locator("#title").fill(title)
    author.page.locator("#body").fill("El parque está oscuro y hay robos <b>de noche</b>.")
    if w == 1280:
        author.page.wait_for_function(
            "() => window.conviveDrawMap && window.conviveDrawMap.loaded() && window.conviveDrawMap.areTilesLoaded()",
            timeout=30000,
        )
        author.page.evaluate(
            "([lon, lat]) => window.conviveDrawMap.jumpTo({center: [lon, lat], zoom: 15})", list(KENNEDY)
        )
        author.page.locator("#draw-map").scroll_into_view_if_needed()
        box = author.page.locator("#draw-map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
            author.page.mouse.click(cx + dx, cy + dy)
        author.page.locator("#draw-close").click()
        author.page.wait_for_function("() => document.getElementById('area').value.includes('Polygon')")
    else:
        # Keyboard path: the UPZ list, no map needed.
        author.page.locator("#upz").focus()
        upz = author.page.locator("#upz option", has_text="KENNEDY CENTRAL").first.get_attribute("value")
        author.page.locator("#upz").select_option(upz)
    _check(author, f"participacion-{w}-1-propuesta")
    author.page.locator("#proposal-form button[type=submit]").click()
    author.page.wait_for_url("**/propuestas/*/")
    _check(author, f"participacion-{w}-2-publicada")
    proposal = Proposal.objects.get(title=title)
    assert proposal.locality.code == "08" and proposal.where == ("area" if w == 1280 else "upz")
    assert proposal.upzs.exists()
    assert "<b>" not in author.page.locator(".user-text").inner_html()
    author.clean()
    author.close()

    for who in ("vecino1", "vecino2"):
        s = Session(chromium, base, viewport)
        _sign_in(s, who)
        s.go(f"/propuestas/{proposal.pk}/")
        s.page.get_by_role("button", name="Apoyar esta propuesta").click()
        s.page.wait_for_load_state("networkidle")
        s.clean()
        s.close()
    proposal.refresh_from_db()
    assert proposal.support_count == 2

    staff = Session(chromium, base, viewport)
    _sign_in(staff, "alcaldia")
    staff.go("/gestion/consejos/")
    from django.utils import timezone

    staff.page.locator("#s-title").fill(f"{MARKER} consejo {w}")
    staff.page.locator("#starts_at").fill(
        (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    )
    staff.page.locator("#place_name").fill("Salón comunal Kennedy Central")
    _check(staff, f"participacion-{w}-3-sesiones")
    staff.page.get_by_role("button", name="Crear sesión").click()
    staff.page.wait_for_url("**/gestion/consejos/sesiones/*/")
    staff.page.locator("#proposal").select_option(str(proposal.pk))
    staff.page.get_by_role("button", name="Añadir a la agenda").click()
    staff.page.wait_for_load_state("networkidle")
    staff.page.get_by_role("button", name="Guardar cifras", exact=False).click()
    staff.page.wait_for_load_state("networkidle")
    staff.page.locator("#c-text").fill(f"{MARKER} instalar 12 luminarias {w}")
    staff.page.locator("#responsible").select_option("uaesp")
    staff.page.locator("#due_date").fill((timezone.localdate() + timedelta(days=60)).isoformat())
    staff.page.get_by_label(title).check()
    staff.page.get_by_role("button", name="Registrar compromiso").click()
    staff.page.wait_for_load_state("networkidle")
    staff.page.locator("#minutes").fill("Se acordó iluminar el parque.")
    staff.page.locator("#attendance").fill("27")
    _check(staff, f"participacion-{w}-4-agenda")
    staff.page.get_by_role("button", name="Publicar acta").click()
    staff.page.wait_for_load_state("networkidle")
    commitment = Commitment.objects.get(text=f"{MARKER} instalar 12 luminarias {w}")
    staff.go(f"/gestion/consejos/compromisos/{commitment.pk}/")
    staff.page.locator("#percent").fill("50")
    staff.page.locator("#note").fill("Seis luminarias instaladas.")
    staff.page.get_by_role("button", name="Registrar avance").click()
    staff.page.wait_for_load_state("networkidle")
    _check(staff, f"participacion-{w}-5-avance")
    staff.clean()
    staff.close()
    commitment.refresh_from_db()
    proposal.refresh_from_db()
    assert commitment.progress == 50 and proposal.status == "accepted"
    assert commitment.session.minutes_published_at is not None

    public = Session(chromium, base, viewport)
    public.go("/")
    public.page.get_by_role("link", name="Rendición de cuentas").first.click()
    public.page.wait_for_url("**/rendicion/")
    _check(public, f"participacion-{w}-6-rendicion-ciudad")
    public.page.get_by_role("link", name="KENNEDY", exact=False).first.click()
    public.page.wait_for_url("**/rendicion/08/")
    assert f"{MARKER} instalar 12 luminarias {w}" in public.page.locator("main").inner_text()
    _check(public, f"participacion-{w}-7-rendicion-kennedy")
    public.go("/mapa/localidad/08/informe/")
    text = (
        public.page.locator("main").inner_text()
        if public.page.locator("main").count()
        else public.page.inner_text("body")
    )
    assert f"{MARKER} instalar 12 luminarias {w}" in text and title in text
    _check(public, f"participacion-{w}-8-informe")
    public.clean()
    public.close()
