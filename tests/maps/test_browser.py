"""The map pages in a real browser: Debian's headless Chromium driven by Playwright.

The app is served from this process by Django's threaded WSGI server (what pytest-django's
`live_server` runs), on the test database with the official territory (`real_territory`) and
seed_demo reports. `live_server` itself is not used: it forces a transactional test whose teardown
flushes every table, which would also wipe the official territory the session fixture committed
for the tests that follow. Here the demo reports are committed before and removed after instead.

Checks: no failed request, no HTTP error, no console error, no request leaving 127.0.0.1 (the
basemap setting is emptied), the heat layer painted on its canvas and the UPZ choropleth drawn as
SVG paths; the public map fits a 360 px phone; an unreachable basemap breaks nothing else; the
council brief prints to a short PDF. Screenshots go to $BROWSER_SCREENSHOT_DIR (default: pytest's
tmp_path), never into the repository.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

from maps.rendering import NO_DATA, PALETTE
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serving
from tests.browser_support import need as _need

# django_db: pytest-django sets up (and points the connections at) the test database only when some
# selected test asks for a database; without it, running this file alone would use the dev database.
pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

LOCALITY = "08"  # Kennedy: many UPZ and the most demo reports


@pytest.fixture(scope="module")
def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "Falta playwright: .venv/bin/pip install -e '.[dev]'")
    _need(Path(CHROMIUM).exists(), f"Falta Chromium en {CHROMIUM}: apt-get install chromium")
    return sync_playwright


@pytest.fixture(scope="module")
def demo_city(real_territory, bogota_data_dir, django_db_blocker):
    """Official territory + 20,000 committed demo reports (removed afterwards)."""
    from django.db import connection

    from localities.models import Upz
    from reports.categories import categories_load
    from reports.demo import demo_remove, demo_seed
    from reports.models import Category

    with django_db_blocker.unblock():
        # Seeding commits and the teardown deletes every demo report: never outside a test database.
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), f"refusing to seed/remove demo reports in {name!r}"
        # Committed rows outlive this module: note what was there so the teardown can restore it,
        # otherwise later tests that count categories would see the whole taxonomy.
        categories_before = set(Category.objects.values_list("pk", flat=True))
        categories_load()
        demo_seed(n=20000, seed=11, data_dir=bogota_data_dir)
        upz_count = Upz.objects.current().filter(locality__code=LOCALITY).count()
    yield {"upz_count": upz_count}
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"] == name
        demo_remove()
        Category.objects.exclude(pk__in=categories_before).delete()


class Watch:
    """Everything a page asked for and everything that went wrong while loading it."""

    def __init__(self, page):
        self.requests, self.failed, self.errors = [], [], []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def foreign_hosts(self) -> set[str]:
        hosts = {urlparse(url).hostname for url in self.requests if not url.startswith("data:")}
        return hosts - {"127.0.0.1"}


HEAT_PIXELS = """() => {
    const c = document.querySelector('canvas.leaflet-heatmap-layer');
    if (!c || !c.width || !c.height) return 0;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
}"""

FILLED_PATHS = """(colours) => Array.from(document.querySelectorAll('path.leaflet-interactive'))
    .filter(p => colours.includes((p.getAttribute('fill') || '').toLowerCase())).length"""


def open_page(browser, url, *, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="es-CO")
    page = context.new_page()
    watch = Watch(page)
    page.goto(url, wait_until="networkidle")
    return context, page, watch


def test_dashboard_public_map_and_brief_in_headless_chromium(
    demo_city, sync_playwright, settings, django_db_blocker, tmp_path
):
    shots = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    settings.BASEMAP_URL = ""  # nothing may leave 127.0.0.1
    colours = [c.lower() for c in (*PALETTE, NO_DATA)]
    with serving(django_db_blocker) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # 1. The locality dashboard.
            context, page, watch = open_page(browser, f"{base}/mapa/localidad/{LOCALITY}/")
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
            assert watch.failed == []
            assert watch.errors == []
            assert watch.foreign_hosts() == set()
            assert page.evaluate(HEAT_PIXELS) > 1000, "the heat layer painted nothing"
            assert page.evaluate(FILLED_PATHS, colours) >= demo_city["upz_count"], "UPZ choropleth missing"
            assert page.locator(".leaflet-control-layers").count() == 1
            assert page.locator(".chart svg rect.bar").count() > 40  # about a year of weeks
            context.close()

            # 2. The public map on a 360 px wide phone.
            context, page, watch = open_page(browser, f"{base}/mapa/", width=360, height=740)
            page.screenshot(path=str(shots / "public-360.png"), full_page=True)
            assert watch.failed == [] and watch.errors == []
            assert watch.foreign_hosts() == set()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            box = page.locator(".folium-map").bounding_box()
            assert box["width"] <= 360 and box["height"] > 250
            assert page.evaluate(HEAT_PIXELS) > 0
            context.close()

            # 3. The brief prints to a short PDF.
            context, page, watch = open_page(browser, f"{base}/mapa/localidad/{LOCALITY}/informe/")
            assert watch.failed == [] and watch.errors == []
            pdf = page.pdf(path=str(shots / "informe.pdf"), format="Letter")
            pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
            assert 1 <= pages <= 4
            context.close()

            # 4. A basemap that cannot be reached: only its tiles fail; the layers still draw.
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                closed = s.getsockname()[1]
            settings.BASEMAP_URL = f"http://127.0.0.1:{closed}/{{z}}/{{x}}/{{y}}.png"
            context, page, watch = open_page(browser, f"{base}/mapa/localidad/{LOCALITY}/")
            page.screenshot(path=str(shots / "dashboard-no-basemap.png"))
            assert watch.failed, "the unreachable basemap should have been requested"
            assert all(f":{closed}/" in failure for failure in watch.failed)
            assert [e for e in watch.errors if "Failed to load resource" not in e] == []
            assert page.evaluate(HEAT_PIXELS) > 1000
            assert page.evaluate(FILLED_PATHS, colours) >= demo_city["upz_count"]
            context.close()
        finally:
            browser.close()
