"""The perception pulse as an optional layer of the locality dashboard (/mapa/localidad/<code>/), in a
real browser at 360 px, switched on by keyboard only through the map's layer control.

The layer is the collection /api/pulse/map.geojson serves (participation.selectors.pulse_map): a UPZ
with k answers or more gets its /percepcion/ colour, every other one the "sin datos suficientes"
hatching. Off by default; axe-core on both states; screenshots .local/screenshots/web/mapa-pulso-*.png.
"""

from __future__ import annotations

import pytest

from maps.rendering import PULSE_HATCH, PULSE_LAYER_NAME, pulse_color
from tests.web.test_browser import PHONE, Session, browser, city  # noqa: F401

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

KENNEDY = (-74.1525, 4.6270)  # Kennedy Central, locality 08

FILLS = """() => [...document.querySelectorAll('.leaflet-overlay-pane path')].map((p) => p.getAttribute('fill'))"""


@pytest.fixture(scope="module")
def rated_upz(city, django_db_blocker):  # noqa: F811
    """Kennedy Central with exactly k answers of 4 (committed, removed afterwards): rated, mean 4."""
    from django.conf import settings
    from django.contrib.gis.geos import Point

    from localities.selectors import locate_point
    from participation import services
    from participation.models import PulseAnswer

    with django_db_blocker.unblock():
        last = PulseAnswer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        upz = locate_point(Point(*KENNEDY, srid=4326)).upz
        assert not PulseAnswer.objects.filter(upz=upz).exists(), (
            "another test left answers in Kennedy Central"
        )
        for _ in range(int(getattr(settings, "PUBLIC_MIN_COUNT", 3))):
            services.pulse_record(upz_code=upz.code, score=4)
    yield upz
    with django_db_blocker.unblock():
        PulseAnswer.objects.filter(pk__gt=last).delete()


def test_pulse_layer_is_off_by_default_and_switched_on_by_keyboard(browser, rated_upz):  # noqa: F811
    from django.core.cache import cache

    cache.clear()  # throttles and the public page cache of earlier tests
    chromium, base = browser
    s = Session(chromium, base, PHONE)
    s.go("/mapa/localidad/08/")
    pulse_fills = {pulse_color(m) for m in (1, 2, 3, 4, 5, None)}
    before = s.page.evaluate(FILLS)
    assert before and not pulse_fills & set(before), "the pulse layer must start hidden"
    legend = s.page.locator(".legend").inner_text()
    assert PULSE_LAYER_NAME in legend and "sin datos suficientes" in legend
    s.shot("mapa-pulso-360-1-apagado")
    s.axe()

    # Keyboard only: focus the layer control's toggle, open it with Enter, Tab to the pulse box, Space.
    s.page.locator(".leaflet-control-layers-toggle").focus()
    s.page.keyboard.press("Enter")
    box = s.page.get_by_label(PULSE_LAYER_NAME)
    assert not box.is_checked()
    for _ in range(20):
        s.page.keyboard.press("Tab")
        if box.evaluate("(el) => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the pulse layer's checkbox")
    s.page.keyboard.press("Space")
    assert box.is_checked()

    after = s.page.evaluate(FILLS)
    rated = [f for f in after if f == pulse_color(4.0)]
    hatched = [f for f in after if f == PULSE_HATCH]
    assert len(rated) == 1, after  # Kennedy Central alone has k answers
    assert len(hatched) >= 5  # Kennedy's other UPZ: below k, hatched as on /percepcion/
    assert s.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    s.page.locator(".folium-map").scroll_into_view_if_needed()
    s.shot("mapa-pulso-360-2-encendido")
    s.axe()
    s.clean()
    s.close()
