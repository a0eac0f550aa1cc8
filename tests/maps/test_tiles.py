"""Vector tiles: layers and properties, clusters vs points by zoom, privacy per role, k, ETag/304, 204, 400."""

import math

import mapbox_vector_tile
import pytest

from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for

pytestmark = pytest.mark.django_db


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_centre(z, x, y):
    n = 2**z
    lon = (x + 0.5) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    return lon, lat


Z14 = tile_of(-74.075, 4.625, 14)
A = tile_centre(14, *Z14)  # inside locality 01 of the toy territory
B = (A[0] + 0.004, A[1] + 0.004)  # same z14 tile, another z10 cluster cell (~600 m cells)


@pytest.fixture
def setup(db):
    make_territory()
    return make_category("hurto"), make_category("extorsion", sensitive=True)


def decode(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


def get(client, z, lon, lat, query=""):
    x, y = tile_of(lon, lat, z)
    return client.get(f"/api/maps/tiles/reports/{z}/{x}/{y}.mvt{query}")


def test_low_zoom_clusters_with_counts_and_k_suppression_for_the_public(setup):
    hurto, _ = setup
    add_reports([A] * 5, hurto)
    add_reports([B] * 2, hurto)
    public = decode(get(client_for(), 10, *A))["reports"]["features"]
    assert sorted(f["properties"]["count"] for f in public) == [5]
    assert all(f["geometry"]["type"] == "Point" for f in public)
    analyst = make_user("ana", role="analyst")
    full = decode(get(client_for(analyst), 10, *A))["reports"]["features"]
    assert sorted(f["properties"]["count"] for f in full) == [2, 5]


def test_high_zoom_points_public_form_without_sensitive(setup):
    hurto, extorsion = setup
    visible = add_reports([A, B], hurto)
    add_reports([A], extorsion)
    add_reports([A], hurto, hidden=True)
    features = decode(get(client_for(), 14, *A))["reports"]["features"]
    assert sorted(f["properties"]["id"] for f in features) == sorted(r.pk for r in visible)
    assert {f["properties"]["category"] for f in features} == {"hurto"}
    assert not any(f["properties"]["exact"] for f in features)
    assert [f["properties"]["count"] for f in features] == [1, 1]


def test_reports_on_the_same_spot_are_stacked_with_their_count(setup):
    hurto, _ = setup
    add_reports([A] * 3, hurto)
    for user in (None, make_user("ana", role="analyst")):
        features = decode(get(client_for(user), 14, *A))["reports"]["features"]
        assert [f["properties"]["count"] for f in features] == [3]
        assert "id" not in features[0]["properties"]


def test_high_zoom_exact_points_by_role(setup):
    hurto, extorsion = setup
    reports = add_reports([A], hurto) + add_reports([A], extorsion)
    analyst = decode(get(client_for(make_user("ana", role="analyst")), 14, *A))["reports"]["features"]
    assert sorted(f["properties"]["id"] for f in analyst) == sorted(r.pk for r in reports)
    assert all(f["properties"]["exact"] for f in analyst)
    own = make_user("own", role="locality_staff", localities=["01"])
    mine = decode(get(client_for(own), 14, *A))["reports"]["features"]
    assert all(f["properties"]["exact"] for f in mine) and len(mine) == 2
    other = make_user("other", role="locality_staff", localities=["02"])
    theirs = decode(get(client_for(other), 14, *A))["reports"]["features"]
    assert [f["properties"]["category"] for f in theirs] == ["hurto"]
    assert not theirs[0]["properties"]["exact"]


def test_filters_apply(setup):
    hurto, _ = setup
    rina = make_category("rina")
    add_reports([A] * 3, hurto)
    add_reports([A] * 4, rina)
    features = decode(get(client_for(), 10, *A, "?category=rina"))["reports"]["features"]
    assert [f["properties"]["count"] for f in features] == [4]
    assert get(client_for(), 10, *A, "?category=BAD!").status_code == 400


def test_etag_304_cache_headers_and_empty_204(setup):
    hurto, _ = setup
    add_reports([A] * 3, hurto)
    client = client_for()
    first = get(client, 12, *A)
    assert first.status_code == 200 and first["ETag"]
    assert first["Cache-Control"].startswith("public")
    again = client.get(first.wsgi_request.path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    staff = get(client_for(make_user("ana", role="analyst")), 12, *A)
    assert "private" in staff["Cache-Control"]
    assert get(client, 12, 10.0, 10.0).status_code == 204


@pytest.mark.parametrize("path", ["reports/3/8/1", "reports/23/0/0", "upz/2/0/4", "localities/0/1/0"])
def test_bad_coordinates_are_400_json(setup, path):
    response = client_for().get(f"/api/maps/tiles/{path}.mvt")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_boundary_tiles_carry_code_name_locality(setup):
    x, y = tile_of(*A, 12)
    loc = decode(client_for().get(f"/api/maps/tiles/localities/12/{x}/{y}.mvt"))["localities"]["features"]
    assert {f["properties"]["code"] for f in loc} >= {"01"}
    assert {"code", "name", "locality"} <= set(loc[0]["properties"])
    upz = client_for().get(f"/api/maps/tiles/upz/12/{x}/{y}.mvt")
    assert upz["Cache-Control"].startswith("public, max-age=86400")
    props = decode(upz)["upz"]["features"][0]["properties"]
    assert props["locality"] in {"01", "02"}


def test_over_full_point_tile_falls_back_to_counts(setup, monkeypatch):
    hurto, extorsion = setup
    add_reports([A, B], hurto)
    add_reports([A], extorsion)
    monkeypatch.setattr("maps.selectors.tiles.MAX_POINT_FEATURES", 1)
    analyst = make_user("ana", role="analyst")
    features = decode(get(client_for(analyst), 14, *A))["reports"]["features"]
    assert sorted(f["properties"]["count"] for f in features) == [1, 2]
    assert not any("category" in f["properties"] or "id" in f["properties"] for f in features)
