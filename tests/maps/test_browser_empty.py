"""The public map of a platform with no boundaries imported yet, in headless Chromium: the page loads
without errors, draws the (empty) map, says what is missing and fits a 360 px phone. Screenshots go
to $BROWSER_SCREENSHOT_DIR (default: pytest's tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, need, serving

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def without_boundaries(django_db_blocker):
    """No active boundary version for the served app (committed: the server has its own connection);
    whatever was active is active again afterwards."""
    from localities.models import BoundaryVersion

    with django_db_blocker.unblock():
        active = list(BoundaryVersion.objects.filter(active=True).values_list("pk", flat=True))
        BoundaryVersion.objects.filter(pk__in=active).update(active=False)
    yield
    with django_db_blocker.unblock():
        BoundaryVersion.objects.filter(pk__in=active).update(active=True)


def test_public_map_without_boundaries_in_chromium(without_boundaries, settings, django_db_blocker, tmp_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Falta playwright: .venv/bin/pip install -e '.[dev]'")
    need(Path(CHROMIUM).exists(), f"Falta Chromium en {CHROMIUM}: apt-get install chromium")
    shots = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    settings.BASEMAP_URL = ""
    settings.MAPS_PAGE_CACHE_SECONDS = 0
    with serving(django_db_blocker) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for width, height, name in ((1280, 900, "empty-map.png"), (360, 740, "empty-map-360.png")):
                context = browser.new_context(viewport={"width": width, "height": height}, locale="es-CO")
                page = context.new_page()
                errors, failed = [], []
                page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.on("response", lambda r, failed=failed: r.status >= 400 and failed.append(r.url))
                response = page.goto(f"{base}/mapa/", wait_until="networkidle")
                page.screenshot(path=str(shots / name), full_page=True)
                assert response.status == 200
                assert errors == [] and failed == []
                assert (
                    page.get_by_role("status")
                    .inner_text()
                    .startswith("Aún no hay límites de localidades cargados")
                )
                assert page.locator(".folium-map.leaflet-container").count() == 1
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                context.close()
        finally:
            browser.close()
