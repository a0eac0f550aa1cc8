"""GET /api/maps/heatmap/: counts per cell from the rollup, intensity, privacy by role, filters, 400s."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from maps.services import rollups_refresh
from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, cell_centre_lonlat, client_for, public_lonlat, refresh

pytestmark = pytest.mark.django_db

URL = "/api/maps/heatmap/"
# Two points well inside locality 01 and one inside 02 (toy territory).
A = (-74.0712, 4.6234)
B = (-74.0612, 4.6334)
C = (-74.0712, 4.5734)


@pytest.fixture
def setup(db):
    make_territory()
    hurto = make_category("hurto")
    extorsion = make_category("extorsion", sensitive=True)
    return hurto, extorsion


def _cells(response):
    assert response.status_code == 200, response.content
    return {f["id"]: f["properties"] for f in response.json()["features"]}


def test_counts_and_intensity_per_cell_for_an_analyst(setup):
    hurto, _ = setup
    add_reports([cell_centre_lonlat(*A, 500)] * 5, hurto)
    add_reports([cell_centre_lonlat(*B, 500)], hurto)
    refresh()
    analyst = make_user("ana", role="analyst")
    body = client_for(analyst).get(URL, {"cell": 500}).json()
    counts = sorted(f["properties"]["count"] for f in body["features"])
    assert counts == [1, 5]
    top = max(body["features"], key=lambda f: f["properties"]["count"])
    assert top["properties"]["intensity"] == 1.0
    low = min(body["features"], key=lambda f: f["properties"]["count"])
    assert low["properties"]["intensity"] == 0.2
    # A square polygon in lon/lat whose ring contains the cell centre.
    ring = top["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    lon, lat = cell_centre_lonlat(*A, 500)
    assert min(lons) < lon < max(lons) and min(lats) < lat < max(lats)


def test_public_gets_public_reports_and_small_cells_dropped(setup):
    hurto, _ = setup
    add_reports([cell_centre_lonlat(*A, 500)] * 4, hurto)
    add_reports([cell_centre_lonlat(*A, 500)], hurto, hidden=True)
    add_reports([cell_centre_lonlat(*A, 500)], hurto, status="rejected")
    add_reports([cell_centre_lonlat(*B, 500)] * 2, hurto)  # below k=3
    refresh()
    body = client_for().get(URL, {"cell": 500}).json()
    assert [f["properties"]["count"] for f in body["features"]] == [4]
    assert body["meta"]["suppressed_cells"] == 1
    analyst = make_user("ana", role="analyst")
    assert (
        sorted(_cells(client_for(analyst).get(URL, {"cell": 500})).values(), key=lambda p: p["count"])[-1][
            "count"
        ]
        == 6
    )


@override_settings(PUBLIC_MIN_COUNT=5)
def test_k_is_a_setting(setup):
    hurto, _ = setup
    add_reports([cell_centre_lonlat(*A, 500)] * 4, hurto)
    refresh()
    assert client_for().get(URL, {"cell": 500}).json()["features"] == []


def test_locality_staff_see_small_cells_of_their_locality_only(setup):
    hurto, _ = setup
    add_reports([cell_centre_lonlat(*A, 500)], hurto)  # locality 01
    add_reports([cell_centre_lonlat(*C, 500)], hurto)  # locality 02
    add_reports([cell_centre_lonlat(*A, 500)], hurto, hidden=True)
    refresh()
    staff = make_user("alcaldia01", role="locality_staff", localities=["01"])
    body = client_for(staff).get(URL, {"cell": 500}).json()
    assert [f["properties"]["count"] for f in body["features"]] == [2]  # hidden one included: own locality
    assert body["meta"]["suppressed_cells"] == 1


def test_points_output_never_shows_sensitive_reports_to_the_public(setup):
    hurto, extorsion = setup
    spot = cell_centre_lonlat(*A, 100)
    add_reports([spot] * 3, hurto)
    add_reports([cell_centre_lonlat(*B, 100)] * 5, extorsion)
    refresh()
    public = client_for().get(URL, {"output": "points"}).json()
    assert len(public["points"]) == 1
    lat, lon, weight = public["points"][0]
    node = public_lonlat(*spot)  # the public point of the reports, never their exact one
    assert abs(lat - node[1]) < 1e-6 and abs(lon - node[0]) < 1e-6  # [lat, lon] for Leaflet.heat
    assert weight == 1.0
    analyst = make_user("ana", role="analyst")
    full = client_for(analyst).get(URL, {"output": "points"}).json()
    assert len(full["points"]) == 2
    assert sorted(p[2] for p in full["points"]) == [0.6, 1.0]


def test_filters_category_locality_and_dates(setup):
    hurto, extorsion = setup
    rina = make_category("rina")
    old = timezone.now() - timedelta(days=40)
    add_reports([cell_centre_lonlat(*A, 500)] * 3, hurto)
    add_reports([cell_centre_lonlat(*A, 500)] * 4, rina)
    add_reports([cell_centre_lonlat(*C, 500)] * 5, hurto)
    add_reports([cell_centre_lonlat(*C, 500)] * 6, hurto, created_at=old)
    refresh()
    client = client_for(make_user("ana", role="analyst"))

    def total(**params):
        return client.get(URL, {"cell": 500, **params}).json()["meta"]["total"]

    assert total() == 18
    assert total(category="hurto") == 14
    assert total(category="hurto,rina", locality="01") == 7
    assert total(locality="02") == 11
    assert total(upz="2") == 11
    today = timezone.localdate()
    assert total(date_from=str(today - timedelta(days=7))) == 12
    assert total(date_to=str(today - timedelta(days=30))) == 6


def test_hexagons_keep_the_total(setup):
    hurto, _ = setup
    add_reports([A, B, C, A, A], hurto)
    refresh()
    body = client_for(make_user("ana", role="analyst")).get(URL, {"cell": 300, "shape": "hex"}).json()
    assert body["meta"]["total"] == 5
    for feature in body["features"]:
        assert len(feature["geometry"]["coordinates"][0]) == 7  # 6 vertices, closed


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cell": 250}, "cell"),
        ({"cell": 0}, "cell"),
        ({"cell": 6000}, "cell"),
        ({"cell": "x"}, "cell"),
        ({"shape": "triangle"}, "shape"),
        ({"output": "png"}, "output"),
        ({"locality": "1;DROP"}, "locality"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(setup, params, field):
    response = client_for().get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_new_reports_appear_after_an_incremental_refresh(setup):
    hurto, _ = setup
    add_reports([cell_centre_lonlat(*A, 500)] * 3, hurto)
    refresh()
    reports = add_reports([cell_centre_lonlat(*A, 500)] * 2, hurto)
    result = rollups_refresh()
    assert not result.full and result.days == 1
    assert client_for().get(URL, {"cell": 500}).json()["meta"]["total"] == 5
    # Rejecting one (updated_at moves) takes it out of public outputs at the next refresh.
    report = reports[0]
    report.refresh_from_db()
    report.status = "rejected"
    report.save()
    rollups_refresh()
    assert client_for().get(URL, {"cell": 500}).json()["meta"]["total"] == 4
