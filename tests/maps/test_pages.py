"""Map pages: local assets only, basemap setting, heat/choropleth content, privacy per role, filters, brief."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from maps.rendering import Classes, coarsen_points, weekly_chart
from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, public_cell_centre_lonlat, public_lonlat, refresh

pytestmark = pytest.mark.django_db

A = (-74.0751, 4.6251)  # locality 01 (toy territory)
B = (-74.0651, 4.6351)  # locality 01, another 100 m cell
C = (-74.0751, 4.5751)  # locality 02


@pytest.fixture
def setup(db):
    make_territory()
    return make_category("hurto"), make_category("extorsion", sensitive=True)


def page(path, user=None, **params):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(path, params)


def heat_points(response) -> list:
    """The [lat, lon, weight] list passed to L.heatLayer in the page's script."""
    match = re.search(r"L\.heatLayer\(\s*(\[.*?\])\s*,\s*\{", response.content.decode(), re.S)
    assert match, "no heat layer in the page"
    return json.loads(match.group(1))


def latlon(lonlat, size=100, digits=6):
    """Where a heat point of reports at `lonlat` is drawn: their public point (size 100) or the
    centre of the coarser public cell holding it."""
    lon, lat = public_lonlat(*lonlat) if size == 100 else public_cell_centre_lonlat(*lonlat, size)
    return round(lat, digits), round(lon, digits)


def test_pages_link_only_local_assets(setup, settings):
    settings.BASEMAP_URL = ""
    add_reports([A] * 4, setup[0])
    refresh()
    for path in ("/mapa/", "/mapa/localidad/01/", "/mapa/localidad/01/informe/"):
        response = page(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        refs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert refs, path
        assert all(ref.startswith("/static/") for ref in refs), refs
        assert "http://" not in html and "https://" not in html, path
        for ref in refs:
            assert finders.find(ref.removeprefix("/static/")), f"{ref} is not served by static files"
    html = page("/mapa/").content.decode()
    assert "/static/leaflet/leaflet.js" in html
    assert "/static/vendor/folium/leaflet_heat.min.js" in html
    assert "L.tileLayer" not in html
    assert "Sin mapa base configurado" in html


def test_basemap_url_and_attribution_come_from_settings(setup, settings):
    settings.BASEMAP_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.BASEMAP_ATTRIBUTION = "Teselas de ejemplo"
    html = page("/mapa/").content.decode()
    assert "L.tileLayer" in html
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html
    assert "Teselas de ejemplo" in html


def test_public_map_draws_heat_choropleth_outlines_and_layer_control(setup):
    hurto, _ = setup
    add_reports([A] * 6, hurto)
    refresh()
    response = page("/mapa/")
    html = response.content.decode()
    points = heat_points(response)
    lat, lon = latlon(A, size=200, digits=5)
    assert [[p[0], p[1]] for p in points] == [[lat, lon]]
    assert "L.control.layers" in html
    assert "Localidades: reportes" in html and "mites de UPZ" in html  # names are JSON-escaped
    assert html.count("L.geoJson(") == 2  # locality choropleth + UPZ outlines
    assert "Norte" in html and "Alfa" in html  # toy locality and UPZ names
    assert 'class="legend"' in html
    assert '<a href="/mapa/localidad/01/' in html


def test_public_never_gets_sensitive_points_or_small_counts(setup):
    hurto, extorsion = setup
    add_reports([A] * 4, hurto)
    add_reports([B] * 4, extorsion)
    add_reports([C] * 2, hurto)  # locality 02: below k = 3
    refresh()
    public = page("/mapa/localidad/01/")
    assert [tuple(p[:2]) for p in heat_points(public)] == [latlon(A)]
    analyst = make_user("ana", role="analyst")
    full = page("/mapa/localidad/01/", analyst)
    assert sorted(tuple(p[:2]) for p in heat_points(full)) == sorted([latlon(A), latlon(B)])
    # Locality 02 with 2 reports: hidden for the public, shown to its own staff.
    assert "menos de 3 reportes: cifras ocultas" in page("/mapa/localidad/02/").content.decode()
    staff = make_user("alcaldia02", role="locality_staff", localities=["02"])
    own = page("/mapa/localidad/02/", staff).content.decode()
    assert "cifras ocultas" not in own
    assert re.search(r'<span class="value">2</span><span class="label">reportes recibidos', own)
    assert "Vista pública" not in own
    # Staff of another locality get the public form here.
    other = make_user("alcaldia01", role="locality_staff", localities=["01"])
    assert "menos de 3 reportes: cifras ocultas" in page("/mapa/localidad/02/", other).content.decode()
    assert "Vista pública" in page("/mapa/localidad/02/", other).content.decode()


def test_public_pages_are_cached_briefly_and_staff_pages_never(setup, settings):
    hurto, _ = setup
    settings.MAPS_PAGE_CACHE_SECONDS = 60
    add_reports([A] * 4, hurto)
    refresh()
    assert len(heat_points(page("/mapa/localidad/01/"))) == 1
    add_reports([B] * 4, hurto)
    refresh()
    # The public form is served from the cache within the period; an analyst sees the new cell at once.
    assert len(heat_points(page("/mapa/localidad/01/"))) == 1
    assert len(heat_points(page("/mapa/localidad/01/", make_user("ana", role="analyst")))) == 2
    # Other filters are another cache entry; 0 seconds turns the cache off.
    assert len(heat_points(page("/mapa/localidad/01/", categoria="hurto"))) == 2
    settings.MAPS_PAGE_CACHE_SECONDS = 0
    assert len(heat_points(page("/mapa/localidad/01/"))) == 2


def test_dashboard_figures_categories_trend_hotspots_and_open_reports(setup):
    hurto, _ = setup
    rina = make_category("rina", name_es="Riña")
    now = timezone.now()
    add_reports([A] * 5, hurto, created_at=now - timedelta(days=20))
    add_reports([B] * 3, rina, created_at=now - timedelta(days=3), status="resolved")
    refresh()
    html = page("/mapa/localidad/01/").content.decode()
    assert re.search(r'<span class="value">8</span><span class="label">reportes recibidos', html)
    # Open: the 5 received reports, all older than 15 days.
    assert re.search(r'<span class="value">5</span><span class="label">siguen abiertos', html)
    assert re.search(r'<span class="value">5</span><span class="label">abiertos hace más de 15', html)
    table = re.search(r'<table class="categories">.*?</table>', html, re.S).group(0)
    assert table.index("Hurto") < table.index("Riña")  # most reported first
    assert "<svg" in html and 'class="bar' in html  # weekly trend chart
    assert "Puntos calientes y fríos" in html
    assert "UPZ: reportes" in html  # UPZ choropleth layer
    assert "/api/exports/reports.csv?" in html and "locality=01" in html


def test_filters_category_and_period(setup):
    hurto, _ = setup
    rina = make_category("rina")
    now = timezone.now()
    add_reports([A] * 4, hurto, created_at=now - timedelta(days=40))
    add_reports([B] * 3, rina, created_at=now - timedelta(days=2))
    refresh()
    only_rina = page("/mapa/localidad/01/", categoria="rina")
    assert [tuple(p[:2]) for p in heat_points(only_rina)] == [latlon(B)]
    recent = page("/mapa/localidad/01/", desde=(now - timedelta(days=10)).date().isoformat())
    assert [tuple(p[:2]) for p in heat_points(recent)] == [latlon(B)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"desde": "2026-13-01"}, "use el formato AAAA-MM-DD"),
        ({"desde": "2026-05-10", "hasta": "2026-05-01"}, "debe ser igual o posterior"),
        ({"categoria": "no-existe"}, "Escoja una opción válida"),
    ],
)
def test_bad_filters_answer_400_with_a_spanish_message(setup, params, message):
    response = page("/mapa/", **params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_unknown_locality_is_404(setup):
    assert page("/mapa/localidad/99/").status_code == 404
    assert page("/mapa/localidad/99/informe/").status_code == 404


def test_council_brief_is_printable_without_scripts(setup):
    hurto, _ = setup
    now = timezone.now()
    add_reports([A] * 4, hurto, created_at=now - timedelta(days=5))
    add_reports([A] * 3, hurto, created_at=now - timedelta(days=50))  # outside the default 30 days
    refresh()
    response = page("/mapa/localidad/01/informe/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    assert "/static/maps/brief.css" in html
    assert re.search(r'<span class="value">4</span><span class="label">reportes recibidos', html)
    assert re.search(r'<path d="M [-\d]', html)  # UPZ map drawn as SVG paths
    assert "Consejo Local de Seguridad" in html
    chosen = page("/mapa/localidad/01/informe/", desde=(now - timedelta(days=60)).date().isoformat())
    assert re.search(
        r'<span class="value">7</span><span class="label">reportes recibidos', chosen.content.decode()
    )


def test_classes_colours_and_legend():
    classes = Classes.quantiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None])
    assert classes.color(None) == "#d9d9d9"
    assert classes.color(1) != classes.color(10)
    assert len(classes.legend()) == len(classes.breaks) - 1
    assert Classes.quantiles([None]).color(5) == "#d9d9d9"


def test_weekly_chart_scales_bars_and_marks_suppressed_weeks():
    from datetime import date

    weeks = [
        {"week_start": date(2026, 1, 5), "count": 10, "suppressed": False},
        {"week_start": date(2026, 1, 12), "count": 5, "suppressed": False},
        {"week_start": date(2026, 1, 19), "count": None, "suppressed": True},
    ]
    chart = weekly_chart(weeks)
    tall, short, hidden = chart["bars"]
    assert tall["h"] == pytest.approx(2 * short["h"])
    assert hidden["suppressed"] and "oculto" in hidden["title"]
    assert chart["total"] == 15 and chart["any_suppressed"]


def test_coarsen_points_merges_cells_and_renormalises():
    lat, lon = latlon(A)
    points = [[lat, lon, 0.5], [lat + 0.0002, lon + 0.0002, 0.5], [lat + 0.01, lon, 0.25]]
    merged = coarsen_points(points, 1000)
    assert sorted(p[2] for p in merged) == [0.25, 1.0]
