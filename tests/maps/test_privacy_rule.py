"""The aggregate rule of reports.visibility on every fine map output (issue 7, found 2a-2d).

Each leak is reproduced as the outsider found it, then the self-check the rule promises: moving a
non-sensitive report inside its public grid cell, or a sensitive report anywhere inside its UPZ,
leaves every fine public output byte-identical. Also: map GETs never write; dates out of range are 400.
"""

import json
import math

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from geo.spatial import make_point
from maps.models import RollupState
from reports.models import Report
from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for, lonlat_to_metric, metric_to_lonlat, refresh

pytestmark = pytest.mark.django_db

# A public-grid node well inside locality 01 / UPZ 1 of the toy territory (lon -74.10..-74.05).
_NX, _NY = (round(v / 100) * 100 for v in lonlat_to_metric(-74.0751, 4.6251))
NODE = metric_to_lonlat(_NX, _NY)
# Two exact points with the same public point (node) that lie in different 100 m squares of the
# unshifted grid: the old cells, computed from exact points, told them apart.
WEST_SOUTH = metric_to_lonlat(_NX - 45, _NY - 45)
EAST_NORTH = metric_to_lonlat(_NX + 45, _NY + 45)
# Another point of the same UPZ, more than 2 km away.
FAR = metric_to_lonlat(_NX + 1800, _NY + 1500)


def tile_of(lon, lat, z):
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


@pytest.fixture
def setup(db):
    make_territory()
    return make_category("hurto"), make_category("extorsion", sensitive=True)


def fine_outputs(client, *, category: str = "") -> dict[str, bytes]:
    """Bytes of every fine (finer than a UPZ) map output an anonymous caller can fetch."""
    extra = {"category": category} if category else {}
    out = {}
    for shape in ("square", "hex"):
        for cell in (100, 200, 500, 1000, 5000):
            out[f"heat {shape} {cell}"] = client.get(
                "/api/maps/heatmap/", {"cell": cell, "shape": shape, **extra}
            )
        for cell in (100, 300, 500):
            out[f"hot {shape} {cell}"] = client.get(
                "/api/maps/hotspots/", {"cell": cell, "shape": shape, **extra}
            )
    out["heat points"] = client.get("/api/maps/heatmap/", {"output": "points", **extra})
    for z in range(10, 19):
        for lonlat in (NODE, FAR):
            x, y = tile_of(*lonlat, z)
            out[f"tile {z}/{x}/{y}"] = client.get(f"/api/maps/tiles/reports/{z}/{x}/{y}.mvt", extra)
    out["layer"] = client.get("/api/maps/reports.geojson", extra)
    for fmt in ("geojson", "csv"):
        out[f"export {fmt}"] = client.get(f"/api/exports/reports.{fmt}", extra)
        for cell in (100, 500, 1000):
            out[f"grid {fmt} {cell}"] = client.get(
                f"/api/exports/aggregates.{fmt}", {"level": "grid", "cell": cell, **extra}
            )
    out["page map"] = Client().get("/mapa/")
    out["page dashboard"] = Client().get("/mapa/localidad/01/")
    result = {}
    for name, response in out.items():
        assert response.status_code in (200, 204), (name, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        result[name] = content
    return result


def _move(report: Report, lonlat) -> None:
    Report.objects.filter(pk=report.pk).update(location=make_point(*lonlat))
    refresh()


def test_hotspots_list_no_cell_below_k_nor_any_sensitive_cell(setup):
    hurto, extorsion = setup
    add_reports([NODE], extorsion)  # a single sensitive report
    add_reports([FAR] * 3, extorsion)  # and a cluster of them
    add_reports([WEST_SOUTH], hurto)  # a single public report
    refresh()
    for category in ("extorsion", ""):
        body = client_for().get("/api/maps/hotspots/", {"cell": 100, "category": category}).json()
        counts = [f["properties"]["count"] for f in body["features"]]
        assert all(c is not None and c >= 3 for c in counts), counts
        assert not any(f["properties"]["suppressed"] for f in body["features"])
    assert (
        client_for().get("/api/maps/hotspots/", {"cell": 100, "category": "extorsion"}).json()["features"]
        == []
    )
    analyst = client_for(make_user("ana", role="analyst"))
    assert analyst.get("/api/maps/hotspots/", {"cell": 100, "category": "extorsion"}).json()["features"]


def test_tile_clusters_never_depend_on_a_sensitive_report(setup):
    hurto, extorsion = setup
    add_reports([NODE] * 2, hurto)  # below k = 3 on their own
    add_reports([NODE], extorsion)  # the one report that would lift the cluster to k
    for z in range(10, 14):
        x, y = tile_of(*NODE, z)
        assert client_for().get(f"/api/maps/tiles/reports/{z}/{x}/{y}.mvt").status_code == 204, z
        analyst = client_for(make_user(f"ana{z}", role="analyst"))
        assert analyst.get(f"/api/maps/tiles/reports/{z}/{x}/{y}.mvt").status_code == 200


def test_heatmap_cells_and_grid_export_never_count_sensitive_reports(setup):
    _, extorsion = setup
    add_reports([NODE] * 5, extorsion)
    refresh()
    for cell in (100, 500, 1000, 5000):
        body = client_for().get("/api/maps/heatmap/", {"cell": cell}).json()
        assert body["features"] == [] and body["meta"]["total"] == 0, cell
        grid = client_for().get("/api/exports/aggregates.csv", {"level": "grid", "cell": cell})
        assert b"".join(grid.streaming_content).decode().strip().count("\n") == 0, cell  # header only
    # They still count per UPZ and locality, with k.
    units = client_for().get("/api/maps/stats/", {"level": "upz"}).json()["units"]
    assert [(u["code"], u["count"]) for u in units] == [("1", 5)]


def test_public_cells_are_computed_from_the_public_point(setup):
    hurto, _ = setup
    add_reports([WEST_SOUTH] * 3, hurto)
    add_reports([EAST_NORTH] * 3, hurto)
    refresh()
    body = client_for().get("/api/maps/heatmap/", {"cell": 100}).json()
    # All six share one public point, so one public cell holds them, drawn around that point.
    assert [f["properties"]["count"] for f in body["features"]] == [6]
    ring = body["features"][0]["geometry"]["coordinates"][0]
    xs, ys = zip(*(lonlat_to_metric(lon, lat) for lon, lat in ring), strict=True)
    assert min(xs) < _NX < max(xs) and min(ys) < _NY < max(ys)
    assert max(xs) - min(xs) == pytest.approx(100, abs=0.5)
    # The grid export agrees with the heatmap.
    grid = client_for().get("/api/exports/aggregates.geojson", {"level": "grid", "cell": 100})
    features = json.loads(b"".join(grid.streaming_content))["features"]
    assert [f["properties"]["count"] for f in features] == [6]


def test_moving_a_report_inside_its_public_cell_changes_no_fine_output(setup):
    hurto, extorsion = setup
    moved = add_reports([WEST_SOUTH], hurto)[0]
    add_reports([WEST_SOUTH, EAST_NORTH], hurto)
    add_reports([FAR] * 3, hurto)
    add_reports([FAR], extorsion)
    refresh()
    before = fine_outputs(client_for())
    _move(moved, EAST_NORTH)
    after = fine_outputs(client_for())
    assert [name for name in before if before[name] != after[name]] == []


def test_moving_a_sensitive_report_inside_its_upz_changes_no_fine_output(setup):
    hurto, extorsion = setup
    secret = add_reports([NODE], extorsion)[0]
    add_reports([NODE] * 2, extorsion)
    add_reports([NODE] * 2 + [FAR] * 3, hurto)
    refresh()
    for category in ("", "extorsion"):
        before = fine_outputs(client_for(), category=category)
        _move(secret, FAR)
        after = fine_outputs(client_for(), category=category)
        assert [name for name in before if before[name] != after[name]] == [], category
        _move(secret, NODE)


def test_map_reads_never_write(setup):
    hurto, _ = setup
    add_reports([NODE] * 3, hurto)
    RollupState.objects.all().delete()  # as stale as it gets: a read that refreshed would do it now
    staff = make_user("alcaldia01", role="locality_staff", localities=["01"])
    x, y = tile_of(*NODE, 12)
    urls = [
        "/api/maps/heatmap/",
        "/api/maps/heatmap/?output=points",
        "/api/maps/hotspots/",
        "/api/maps/stats/",
        f"/api/maps/tiles/reports/12/{x}/{y}.mvt",
        "/api/maps/reports.geojson",
        "/api/exports/reports.csv",
        "/api/exports/aggregates.csv?level=grid",
        "/mapa/",
        "/mapa/localidad/01/",
        "/mapa/localidad/01/informe/",
    ]
    for user in (None, staff):
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            assert response.status_code in (200, 204), url
            writes = [
                q["sql"][:60]
                for q in queries.captured_queries
                if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
                and "django_session" not in q["sql"]
            ]
            assert writes == [], (url, writes)
    assert not RollupState.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/maps/heatmap/",
        "/api/maps/hotspots/",
        "/api/maps/stats/",
        "/api/maps/reports.geojson",
        "/api/maps/tiles/reports/12/1204/1993.mvt",
        "/api/exports/reports.csv",
        "/api/exports/aggregates.csv",
    ],
)
@pytest.mark.parametrize(
    "query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"date_from": "1899-12-31"}]
)
def test_dates_beyond_the_bounds_are_a_400_naming_the_field(setup, url, query):
    response = client_for().get(url, query)
    assert response.status_code == 400
    field = next(iter(query))
    assert "1900-01-01" in str(response.json()[field])


def test_pages_answer_dates_beyond_the_bounds_with_the_form_error(setup):
    for query in ({"hasta": "9999-12-31"}, {"desde": "0001-01-01"}):
        response = Client().get("/mapa/localidad/01/informe/", query)
        assert response.status_code == 400
        assert "1900-01-01" in response.content.decode()
