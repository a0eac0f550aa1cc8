"""The citizen side of the planning loop in a real browser (Chromium through tests/browser_support.py,
with the citizen module's Session: loopback only, no console errors, axe-core on every page).

tests/participation/test_browser.py already walks a proposal with an area drawn on the map (1280 px)
or a UPZ picked by keyboard (360 px), two neighbours supporting it, and the staff's session, minutes
and commitment. This module covers what it does not: a proposal placed at a point (tapped on the map,
or typed as coordinates at 360 px), the author withdrawing another proposal from its page, the staff's
moderation panel (merge, hide), and a citizen answering the perception pulse and seeing it on the map
beside the incident heatmap. Screenshots: .local/screenshots/web/ciudadania-*.png.
"""

from __future__ import annotations

import pytest

from tests.web.test_browser import DESKTOP, PHONE, Session, browser, city  # noqa: F401, F811

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

MARKER = "prueba-ciudadania"
PASSWORD = "clave-de-prueba-78"
KENNEDY = (-74.1525, 4.6270)  # Kennedy Central, locality 08
SUBA = (-74.0836, 4.7415)  # where tests/web/test_browser.py's `city` seeds a cluster of public reports


@pytest.fixture(scope="module")
def people(city, django_db_blocker):  # noqa: F811
    """An author, a neighbour, staff of Kennedy (08) and a moderator, committed; removed with their rows."""
    from django.contrib.auth import get_user_model

    from participation.models import Proposal, PulseAnswer
    from reports.models import Role, StaffProfile

    User = get_user_model()
    with django_db_blocker.unblock():
        last_answer = PulseAnswer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        made = {
            key: User.objects.create_user(
                username=f"{MARKER}-{key}", password=PASSWORD, first_name=key.title()
            )
            for key in ("autora", "vecina", "alcaldia", "moderadora")
        }
        StaffProfile.objects.create(user=made["alcaldia"], role=Role.LOCALITY_STAFF, locality_codes=["08"])
        StaffProfile.objects.create(user=made["moderadora"], role=Role.MODERATOR)
    yield made
    with django_db_blocker.unblock():
        PulseAnswer.objects.filter(pk__gt=last_answer).delete()
        Proposal.objects.filter(author__username__startswith=MARKER).delete()
        User.objects.filter(username__startswith=MARKER).delete()


@pytest.fixture(scope="module")
def proposals(people, django_db_blocker):
    """Four proposals of the author in Kennedy Central, committed so the test server sees them."""
    with django_db_blocker.unblock():
        return {
            key: _proposal(people, f"{MARKER} {title}")
            for key, title in (
                ("mine", "la retiro"),
                ("target", "la que recibe"),
                ("duplicate", "repetida"),
                ("with_phone", "con teléfono 300 000 0000"),
            )
        }


@pytest.fixture(scope="module")
def pulse_seed(people, django_db_blocker):
    """Kennedy Central's UPZ, left one answer short of k (committed), and k. The map rollup is
    refreshed as the worker does after report writes, so the heatmap shows the `city` fixture's reports."""
    from django.conf import settings
    from django.contrib.gis.geos import Point

    from localities.selectors import locate_point
    from participation import selectors, services

    with django_db_blocker.unblock():
        upz = locate_point(Point(*KENNEDY, srid=4326)).upz
        k = int(getattr(settings, "PUBLIC_MIN_COUNT", 3))
        shown = {p["upz"]: p["answers"] for p in selectors.pulse_by_upz(locality_code="08")}
        assert upz.code not in shown, "another test left Kennedy Central's pulse above k"
        from participation.models import PulseAnswer

        have = PulseAnswer.objects.filter(upz=upz).count()
        for _ in range(max(k - 1 - have, 0)):
            services.pulse_record(upz_code=upz.code, score=2)
        from maps.services import rollups_refresh

        rollups_refresh(full=True)
    return upz, k


def _session(chromium, base, viewport, who=None):
    from django.core.cache import cache

    cache.clear()  # throttle counters of earlier tests share this process's cache
    s = Session(chromium, base, viewport)
    if who:
        s.go("/cuenta/entrar/?next=/propuestas/")
        s.page.locator("#id_username").fill(f"{MARKER}-{who}")
        s.page.locator("#id_password").fill(PASSWORD)
        s.page.locator("main button[type=submit]").click()
        s.page.wait_for_load_state("networkidle")
    return s


def _check(s, name):
    s.shot(name)
    s.axe()
    assert s.page.evaluate("document.documentElement.scrollWidth") <= s.page.viewport_size["width"], name


def _proposal(people, title, *, upz_at=KENNEDY):
    from django.contrib.gis.geos import Point

    from localities.selectors import locate_point
    from participation import services

    upz = locate_point(Point(*upz_at, srid=4326)).upz
    return services.proposal_create(
        author=people["autora"],
        title=title,
        body="Texto de prueba.",
        group="convivencia",
        where="upz",
        upz_code=upz.code,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_citizen_proposes_at_a_point(browser, people, viewport):  # noqa: F811
    from participation.models import Proposal

    chromium, base = browser
    w = viewport["width"]
    title = f"{MARKER} esquina sin luz {w}"
    s = _session(chromium, base, viewport, "autora")
    s.go("/propuestas/nueva/")
    s.page.locator("#title").fill(title)
    s.page.locator("#body").fill("La esquina está oscura.")
    s.page.get_by_label("Un punto que marco en el mapa").check()
    if w == 1280:
        s.page.wait_for_function(
            "() => window.conviveDrawMap && window.conviveDrawMap.loaded() && window.conviveDrawMap.areTilesLoaded()",
            timeout=30000,
        )
        s.page.evaluate(
            "([lon, lat]) => window.conviveDrawMap.jumpTo({center: [lon, lat], zoom: 16})", list(KENNEDY)
        )
        s.page.locator("#draw-map").scroll_into_view_if_needed()
        box = s.page.locator("#draw-map").bounding_box()
        s.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        s.page.wait_for_function(
            "() => document.getElementById('draw-status').textContent.startsWith('Punto marcado')"
        )
    else:
        # Keyboard path: the coordinate fields, no map needed.
        s.page.locator("details.coords summary").click()
        s.page.locator("#lat").fill(str(KENNEDY[1]))
        s.page.locator("#lon").fill(str(KENNEDY[0]))
    _check(s, f"ciudadania-{w}-1-propuesta-punto")
    s.page.locator("#proposal-form button[type=submit]").click()
    s.page.wait_for_url("**/propuestas/*/")
    proposal = Proposal.objects.get(title=title)
    assert proposal.where == "point" and proposal.locality.code == "08"
    assert abs(proposal.point.x - KENNEDY[0]) < 0.002 and abs(proposal.point.y - KENNEDY[1]) < 0.002
    assert [u.name.upper() for u in proposal.upzs.all()] == ["KENNEDY CENTRAL"]
    _sees_the_place(s, proposal)
    _check(s, f"ciudadania-{w}-2-propuesta-punto-publicada")
    s.clean()
    s.close()


def _sees_the_place(s, proposal):
    """The proposal page draws its place on a small read-only map, names it in words, and the map
    takes no keyboard focus (Tab goes from the page's last link straight past it)."""
    s.page.wait_for_function(
        "() => window.convivePlaceMap && window.convivePlaceMap.loaded() && window.convivePlaceMap.areTilesLoaded()",
        timeout=30000,
    )
    drawn = s.page.evaluate(
        """() => {
            const map = window.convivePlaceMap;
            const features = map.querySourceFeatures("drawn");
            const inView = (c) => map.getBounds().contains(c);
            return {
                features: features.map((f) => ({type: f.geometry.type, coordinates: f.geometry.coordinates})),
                inView: features.every((f) => inView(f.geometry.coordinates)),
                interactive: map.boxZoom.isEnabled() || map.dragPan.isEnabled() || map.keyboard.isEnabled(),
            };
        }"""
    )
    # A GeoJSON source is cut into tiles: the one point may come back once per tile it touches.
    (feature,) = {(f["type"], tuple(f["coordinates"])): f for f in drawn["features"]}.values()
    assert feature["type"] == "Point"
    assert abs(feature["coordinates"][0] - proposal.point.x) < 1e-5
    assert abs(feature["coordinates"][1] - proposal.point.y) < 1e-5
    assert drawn["inView"] and not drawn["interactive"]
    place = s.page.locator("#place-map")
    assert place.get_attribute("role") == "img"
    caption = s.page.locator("#place-caption").inner_text()
    assert (
        "Punto de la propuesta" in caption
        and "KENNEDY CENTRAL" in caption.upper()
        and proposal.locality.name in caption
    )
    # Nothing inside the map can be focused, so Tab can never be caught in it.
    focusable = place.locator("a, button, input, select, textarea, [tabindex]:not([tabindex='-1'])")
    assert focusable.count() == 0
    s.page.locator("#place-map").scroll_into_view_if_needed()


def test_author_withdraws_and_staff_merge_and_hide(browser, proposals):  # noqa: F811
    from participation.models import ProposalStatus

    chromium, base = browser
    mine, target, duplicate, with_phone = (
        proposals[k] for k in ("mine", "target", "duplicate", "with_phone")
    )

    author = _session(chromium, base, PHONE, "autora")
    author.go(f"/propuestas/{mine.pk}/")
    author.page.get_by_label("Sí, quiero retirar esta propuesta").check()
    _check(author, "ciudadania-360-3-retirar")
    author.page.get_by_role("button", name="Retirar propuesta").click()
    author.page.wait_for_load_state("networkidle")
    assert "Retiró su propuesta" in author.page.locator(".messages").inner_text()
    assert "Retirada" in author.page.locator("#history").inner_text()
    assert author.page.get_by_role("button", name="Apoyar esta propuesta").count() == 0
    _check(author, "ciudadania-360-4-retirada")
    author.clean()
    author.close()
    mine.refresh_from_db()
    assert mine.status == ProposalStatus.WITHDRAWN

    staff = _session(chromium, base, DESKTOP, "alcaldia")
    staff.go(f"/propuestas/{duplicate.pk}/")
    staff.page.locator("#merge-into").select_option(str(target.pk))
    _check(staff, "ciudadania-1280-5-moderacion")
    staff.page.get_by_role("button", name="Unir propuesta").click()
    staff.page.wait_for_load_state("networkidle")
    staff.clean()
    staff.close()

    moderator = _session(chromium, base, DESKTOP, "moderadora")
    moderator.go(f"/propuestas/{with_phone.pk}/")
    moderator.page.locator("#hide-reason").fill("Publica un teléfono personal.")
    moderator.page.get_by_role("button", name="Ocultar propuesta").click()
    moderator.page.wait_for_load_state("networkidle")
    assert "Oculta por moderación" in moderator.page.locator("#hidden-notice").inner_text()
    moderator.clean()
    moderator.close()

    public = _session(chromium, base, PHONE)
    public.go(f"/propuestas/{duplicate.pk}/")
    notice = public.page.locator("#merged-notice")
    assert str(target.pk) in notice.inner_text()
    _check(public, "ciudadania-360-6-unida")
    notice.get_by_role("link").click()
    public.page.wait_for_url(f"**/propuestas/{target.pk}/")
    response = public.page.goto(f"{base}/propuestas/{with_phone.pk}/")
    assert response.status == 404
    public.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_citizen_answers_the_pulse_and_sees_the_map(browser, pulse_seed, viewport):  # noqa: F811
    from django.db.models import Avg

    from participation.models import PulseAnswer

    chromium, base = browser
    w = viewport["width"]
    upz, k = pulse_seed
    before = PulseAnswer.objects.filter(upz=upz).count()
    s = _session(chromium, base, viewport)
    s.go("/percepcion/")
    s.page.wait_for_function("() => window.convivePulseMaps && window.convivePulseMaps.drawn", timeout=30000)
    assert (upz.code in s.page.evaluate("convivePulseMaps.rated")) == (before >= k)
    s.page.locator("#upz").select_option(upz.code)
    s.page.get_by_label("4", exact=True).check()
    _check(s, f"ciudadania-{w}-7-pulso")
    s.page.get_by_role("button", name="Enviar").click()
    s.page.wait_for_url("**/percepcion/?localidad=08*")
    s.page.wait_for_function(
        "() => window.convivePulseMaps && window.convivePulseMaps.drawn"
        " && window.convivePulseMaps.pulse.loaded() && window.convivePulseMaps.heat.loaded()",
        timeout=30000,
    )
    drawn = s.page.evaluate("({upz: convivePulseMaps.upz, rated: convivePulseMaps.rated})")
    assert drawn["upz"] >= 5 and upz.code in drawn["rated"]
    row = s.page.locator("#pulse-table tr", has_text=upz.name)
    answers = PulseAnswer.objects.filter(upz=upz)
    assert answers.count() == before + 1 >= k
    mean = f"{answers.aggregate(m=Avg('score'))['m']:.2f}"
    assert mean in row.inner_text() or mean.replace(".", ",") in row.inner_text()
    assert "Sin datos suficientes" in s.page.locator("#pulse-table").inner_text()
    s.page.locator("#mapa").scroll_into_view_if_needed()
    _check(s, f"ciudadania-{w}-8-pulso-mapa")
    # Where the public reports are (Suba), the heatmap beside the pulse has cells.
    s.go("/percepcion/?localidad=11")
    s.page.wait_for_function("() => window.convivePulseMaps && window.convivePulseMaps.drawn", timeout=30000)
    assert s.page.evaluate("convivePulseMaps.cells") > 0
    s.page.locator("#mapa").scroll_into_view_if_needed()
    _check(s, f"ciudadania-{w}-9-pulso-suba")
    s.clean()
    s.close()
