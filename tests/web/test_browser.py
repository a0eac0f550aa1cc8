"""The citizen web app in a real browser: Debian's headless Chromium driven by Playwright.

One browser and one live server for the module (Django's threaded WSGI server on the test database,
as tests/maps/test_browser.py does, for the same reason: `live_server` would flush the committed
official territory). Everything the pages ask for must stay on 127.0.0.1 (other hosts are aborted
and reported), no console errors, and axe-core (from the npm lockfile) finds no serious or critical
accessibility violation. Screenshots of every step go to $BROWSER_SCREENSHOT_DIR (default
.local/screenshots/web, git-ignored) for a person to look at.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings

from tests.browser_support import browser_and_server

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOT_DIR")
    or Path(django_settings.BASE_DIR) / ".local" / "screenshots" / "web"
)
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
KENNEDY = (-74.1525, 4.6270)  # Kennedy Central (locality 08)
SUBA = (-74.0836, 4.7415)  # Suba (locality 11)
SENSITIVE_AT = (-74.0700, 4.6450)
MARKER = "prueba-navegador"


@pytest.fixture(scope="module")
def city(real_territory, django_db_blocker):
    """Official territory, the category taxonomy and a few committed reports (removed afterwards)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from geo.spatial import make_point
    from reports.categories import categories_load
    from reports.models import Category, Report
    from reports.services import report_create

    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), f"refusing to write committed rows in {name!r}"
        before = set(Category.objects.values_list("pk", flat=True))
        categories_load()
        hurto = Category.objects.get(code="hurto")
        created = []
        # A cluster in Suba (enough for the public k floor) and one report a second citizen will support.
        for i in range(12):
            point = make_point(SUBA[0] + (i % 4) * 0.0012, SUBA[1] + (i // 4) * 0.0012)
            created.append(
                report_create(
                    category=hurto,
                    description=f"{MARKER} hurto {i}",
                    location=point,
                    occurred_at=timezone.now(),
                )
            )
        supported = report_create(
            category=Category.objects.get(code="iluminacion_deficiente"),
            description=f"{MARKER} poste apagado",
            location=make_point(-74.0950, 4.6330),
            occurred_at=timezone.now(),
        )
        sensitive = report_create(
            category=Category.objects.get(code="extorsion"),
            description=f"{MARKER} cobro de vacuna",
            location=make_point(*SENSITIVE_AT),
            occurred_at=timezone.now(),
        )
    yield {"supported": supported, "sensitive": sensitive}
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"] == name
        Report.objects.filter(description__startswith=MARKER).delete()
        get_user_model().objects.filter(username__startswith=MARKER).delete()  # accounts made in the browser
        Category.objects.exclude(pk__in=before).filter(reports__isnull=True).delete()


@pytest.fixture(scope="module")
def browser(city, django_db_blocker):
    with browser_and_server(django_db_blocker, shots=SHOTS, axe=AXE) as found:
        yield found


class Session:
    """A browser context (one citizen) with what went wrong on its pages."""

    def __init__(self, browser, base, viewport, **options):
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="es-CO", **options)
        # axe-core arrives as an init script (not a <script> tag), so the pages run under their own
        # Content-Security-Policy and a violation shows up as a console error.
        if options.get("java_script_enabled", True):
            self.context.add_init_script(path=str(AXE))
        self.foreign, self.failed, self.errors = [], [], []
        self.context.route("**/*", self._only_loopback)
        self.page = self.context.new_page()
        # ERR_ABORTED: a request the browser dropped because the page navigated on (e.g. the favicon).
        self.page.on(
            "requestfailed",
            lambda r: "ERR_ABORTED" not in (r.failure or "") and self.failed.append(f"{r.url} {r.failure}"),
        )
        self.page.on("response", lambda r: r.status >= 500 and self.failed.append(f"{r.url} HTTP {r.status}"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _only_loopback(self, route):
        if urlparse(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def go(self, path):
        self.page.goto(self.base + path, wait_until="networkidle")

    def shot(self, name):
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def axe(self):
        result = self.page.evaluate("async () => (await axe.run(document)).violations")
        bad = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in result
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{self.page.url}: {bad}"

    def wait_map(self):
        self.page.wait_for_function(
            "() => window.conviveMap && window.conviveMap.loaded() && window.conviveMap.areTilesLoaded()",
            timeout=30000,
        )

    def tap_map_at(self, selector, lonlat):
        """Centre the map on lonlat at street zoom and tap the middle of it, as a finger would."""
        self.wait_map()
        self.page.evaluate(
            "([lon, lat]) => window.conviveMap.jumpTo({center: [lon, lat], zoom: 16})", list(lonlat)
        )
        box = self.page.locator(selector).bounding_box()
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def clean(self):
        assert self.foreign == [], f"requests left 127.0.0.1: {self.foreign}"
        assert self.failed == [], self.failed
        assert self.errors == [], self.errors

    def close(self):
        self.context.close()


def _photo() -> dict:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (30, 120, 200)).save(buffer, "JPEG", quality=90)
    return {"name": "calle.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _fill_until_details(s, lonlat, category, name):
    s.go("/reportar/")
    s.tap_map_at("#pick-map", lonlat)
    s.page.wait_for_function("() => document.getElementById('where-status').textContent.startsWith('Lugar:')")
    s.shot(f"{name}-1-donde")
    s.axe()
    s.page.locator("#step-where [data-next]").click()
    s.page.locator(f"label[for=cat-{category}]").click()
    s.shot(f"{name}-2-que")
    s.page.locator("#step-what [data-next]").click()
    s.page.wait_for_function("() => document.getElementById('step-nearby').classList.contains('current')")
    s.page.wait_for_function(
        "() => !document.getElementById('nearby-status').textContent.startsWith('Si alguien')"
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_citizen_reports_by_tapping_the_map_with_a_photo_and_follows_it(browser, viewport):
    from reports.models import Report

    chromium, base = browser
    name = f"reportar-{viewport['width']}"
    description = f"{MARKER} celular robado {viewport['width']}"
    s = Session(chromium, base, viewport)
    lonlat = (KENNEDY[0] + viewport["width"] / 1e6, KENNEDY[1])
    _fill_until_details(s, lonlat, "hurto", name)
    s.shot(f"{name}-3-cercanos")
    s.page.locator("#step-nearby [data-next]").click()
    s.page.locator("#id_description").fill(description)
    s.page.locator("#id_photos").set_input_files(_photo())
    s.page.wait_for_selector("#photo-list img")
    s.shot(f"{name}-4-detalles")
    s.axe()
    s.page.locator("#submit-report").click()
    s.page.wait_for_url("**/reportar/listo/*/")
    code = s.page.locator("#tracking-code").inner_text().strip()
    s.page.locator("#copy-code").click()
    s.page.wait_for_function("() => document.getElementById('copy-status').textContent.startsWith('Código')")
    s.shot(f"{name}-5-listo")
    s.axe()
    report = Report.objects.get(description=description)
    assert report.tracking_code == code and report.locality.name.upper() == "KENNEDY"
    assert report.photos.count() == 1 and max(report.photos.get().width, report.photos.get().height) <= 1600
    s.page.get_by_role("link", name="Seguir mi reporte").click()
    s.page.wait_for_url(f"**/seguimiento/{code}/")
    assert "Recibido" in s.page.locator(".timeline").inner_text()
    s.shot(f"{name}-6-seguimiento")
    s.axe()
    assert s.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    s.clean()
    s.close()


def test_registered_citizen_finds_the_report_in_mis_reportes(browser):
    from reports.models import Report

    chromium, base = browser
    description = f"{MARKER} con sesión"
    s = Session(chromium, base, DESKTOP)
    s.go("/cuenta/registro/")
    s.page.locator("#id_username").fill(f"{MARKER}-vecina")
    s.page.locator("#id_password1").fill("clave-de-prueba-77")
    s.page.locator("#id_password2").fill("clave-de-prueba-77")
    s.page.locator("main button[type=submit]").click()
    s.page.wait_for_url("**/cuenta/mis-reportes/")
    _fill_until_details(s, (-74.0600, 4.6700), "ruido", "sesion-1280")
    s.page.locator("#step-nearby [data-next]").click()
    s.page.locator("#id_description").fill(description)
    s.page.locator("#submit-report").click()  # the API call carries the session and its CSRF token
    s.page.wait_for_url("**/reportar/listo/*/")
    report = Report.objects.select_related("reporter").get(description=description)
    assert report.reporter.username == f"{MARKER}-vecina"
    s.go("/cuenta/mis-reportes/")
    assert report.tracking_code in s.page.locator("main").inner_text()
    s.shot("mis-reportes-1280")
    s.axe()
    s.clean()
    s.close()


def test_second_citizen_supports_the_nearby_report_instead_of_filing(browser, city):
    from reports.models import Report

    chromium, base = browser
    supported = city["supported"]
    count = Report.objects.count()
    s = Session(chromium, base, PHONE)
    _fill_until_details(s, (-74.0951, 4.6331), "iluminacion_deficiente", "apoyar-360")
    item = s.page.locator("#nearby-list li", has_text="poste apagado")
    assert item.count() == 1
    s.shot("apoyar-360-3-cercanos")
    item.get_by_role("button", name="Yo también").click()
    s.page.wait_for_url(f"**/reportes/{supported.pk}/?apoyo=nuevo")
    s.shot("apoyar-360-4-apoyado")
    s.axe()
    supported.refresh_from_db()
    assert supported.support_count == 1 and Report.objects.count() == count
    s.clean()
    s.close()


def test_offline_report_is_queued_and_sent_exactly_once(browser):
    from reports.models import Report

    chromium, base = browser
    description = f"{MARKER} sin conexión"
    s = Session(chromium, base, PHONE)
    _fill_until_details(s, (-74.1300, 4.6900), "ruido", "sin-conexion-360")
    s.page.locator("#step-nearby [data-next]").click()
    s.page.locator("#id_description").fill(description)
    s.page.locator("#id_photos").set_input_files(_photo())
    s.page.wait_for_selector("#photo-list img")
    s.context.set_offline(True)
    s.page.locator("#submit-report").click()
    s.page.wait_for_selector("#queue-list li[data-state=pendiente]")
    s.shot("sin-conexion-360-5-pendiente")
    assert Report.objects.filter(description=description).count() == 0
    s.context.set_offline(False)
    s.page.wait_for_selector("#queue-list li[data-state=enviado]", timeout=20000)
    s.shot("sin-conexion-360-6-enviado")
    # Opening the page again runs the queue again: the report is not filed a second time.
    s.go("/reportar/")
    s.page.wait_for_selector("#queue-list li[data-state=enviado]")
    assert Report.objects.filter(description=description).count() == 1
    assert Report.objects.get(description=description).photos.count() == 1  # the queued photo went too
    code = Report.objects.get(description=description).tracking_code
    assert code in s.page.locator("#queue-list").inner_text()
    s.failed = [f for f in s.failed if "ERR_INTERNET_DISCONNECTED" not in f]
    s.errors = [
        e for e in s.errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to load resource" not in e
    ]
    s.clean()
    s.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_home_map_draws_clusters_from_the_tiles_and_sensitive_reports_have_no_point(browser, city, viewport):
    chromium, base = browser
    s = Session(chromium, base, viewport)
    s.go("/")
    s.wait_map()
    s.page.wait_for_selector(".cluster", timeout=30000)
    counts = [int(t) for t in s.page.locator(".cluster").all_inner_texts()]
    assert sum(counts) >= 12, counts
    s.shot(f"inicio-{viewport['width']}")
    s.axe()
    assert s.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # At street zoom the Suba reports are dots; tapping one opens its public page.
    s.page.evaluate("([lon, lat]) => window.conviveMap.jumpTo({center: [lon, lat], zoom: 17})", list(SUBA))
    s.wait_map()
    s.page.wait_for_function("() => window.conviveMap.queryRenderedFeatures({layers: ['points']}).length > 0")
    s.page.wait_for_function("() => !document.querySelector('.cluster')")  # no count label over the dots
    s.shot(f"inicio-calle-{viewport['width']}")
    x, y = s.page.evaluate(
        """() => {
            const map = window.conviveMap;
            const c = map.project(map.getCenter());
            const dots = map.queryRenderedFeatures({layers: ['points']}).filter((f) => f.properties.id)
                .map((f) => map.project(f.geometry.coordinates))
                .sort((a, b) => Math.hypot(a.x - c.x, a.y - c.y) - Math.hypot(b.x - c.x, b.y - c.y));
            return [dots[0].x, dots[0].y];
        }"""
    )
    s.page.locator("#map").scroll_into_view_if_needed()
    box = s.page.locator("#map").bounding_box()
    s.page.mouse.click(box["x"] + x, box["y"] + y)
    s.page.wait_for_url("**/reportes/*/")
    assert "prueba-navegador hurto" in s.page.locator(".user-text").inner_text()
    sensitive = city["sensitive"]
    s.go(f"/reportes/{sensitive.pk}/")
    html = s.page.content()
    assert s.page.locator(".map").count() == 0 and "cobro de vacuna" not in html
    assert f"{sensitive.location.x:.4f}" not in html and f"{sensitive.location.y:.4f}" not in html
    s.shot(f"sensible-{viewport['width']}")
    s.axe()
    s.clean()
    s.close()


def test_sensitive_category_explains_first_and_the_pin_moves_with_the_keyboard(browser):
    from reports.models import Report

    chromium, base = browser
    description = f"{MARKER} llamadas de extorsión"
    s = Session(chromium, base, PHONE)
    s.go("/reportar/")
    s.wait_map()
    # Keyboard only: pick a UPZ from the list (the pin moves inside it), then refine with the arrows.
    s.page.locator("#id_upz").select_option(label="La Sabana")
    s.page.wait_for_function(
        "() => document.getElementById('where-status').textContent.includes('La Sabana')"
    )
    s.page.locator("#pick-map").focus()
    s.page.keyboard.press("ArrowRight")
    s.page.keyboard.press("ArrowUp")
    s.page.wait_for_function("() => document.getElementById('where-status').textContent.startsWith('Lugar:')")
    s.page.keyboard.press("Tab")
    s.page.locator("#step-where [data-next]").press("Enter")
    s.page.locator("#cat-extorsion").check()
    assert s.page.locator("#sensitive-notice").is_visible()
    assert "018000112137" in s.page.locator("#sensitive-notice").inner_text().replace(" ", "")
    s.page.locator("#step-what [data-next]").click()
    assert "Entendido" in s.page.locator("#js-errors").inner_text()  # not without reading the notice
    s.shot("sensible-360-2-aviso")
    s.page.locator("#sensitive-ack").check()
    s.page.locator("#step-what [data-next]").click()
    assert s.page.locator(
        "#step-details"
    ).is_visible()  # no nearby step: sensitive reports have no public point
    s.page.locator("#id_description").fill(description)
    s.page.locator("#submit-report").click()
    s.page.wait_for_url("**/reportar/listo/*/")
    report = Report.objects.get(description=description)
    assert report.public_location is None and report.category.sensitive
    s.clean()
    s.close()


def test_app_shell_and_last_map_open_offline_after_a_visit(browser):
    chromium, base = browser
    s = Session(chromium, base, PHONE)
    s.go("/")
    s.page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    s.go("/")  # now controlled by the service worker, which keeps the tiles it passes on
    s.wait_map()
    s.page.wait_for_selector(".cluster", timeout=30000)
    s.context.set_offline(True)
    s.go("/")
    assert s.page.locator("h1").inner_text().startswith("Reportes de seguridad")
    s.wait_map()
    s.page.wait_for_selector(".cluster", timeout=30000)  # drawn from the cached tiles
    s.shot("sin-conexion-360-inicio")
    s.go("/reportar/")
    assert s.page.locator("#report-form").count() == 1
    s.context.set_offline(False)
    s.failed = [f for f in s.failed if "ERR_INTERNET_DISCONNECTED" not in f]
    s.errors = [
        e for e in s.errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to load resource" not in e
    ]
    s.clean()
    s.close()


def test_follow_account_and_public_pages_pass_axe(browser, city):
    chromium, base = browser
    s = Session(chromium, base, PHONE)
    pages = {
        "seguimiento": "/seguimiento/",
        "entrar": "/cuenta/entrar/",
        "registro": "/cuenta/registro/",
        "clave": "/cuenta/clave/",
        "publico": f"/reportes/{city['supported'].pk}/",
    }
    for name, path in pages.items():
        s.go(path)
        if name == "publico":
            s.wait_map()
        s.shot(f"{name}-360")
        s.axe()
    s.clean()
    s.close()


def test_report_page_without_javascript_is_one_plain_form(browser):
    chromium, base = browser
    s = Session(chromium, base, PHONE, java_script_enabled=False)
    s.go("/reportar/")
    assert s.page.locator("#pick-map").is_hidden()
    assert s.page.locator("select#id_upz option").count() > 100
    s.shot("sin-js-360-reportar")
    s.clean()
    s.close()
