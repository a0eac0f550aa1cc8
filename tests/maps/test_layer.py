"""GET /api/maps/reports.geojson: FeatureCollection shape, keyset pagination, bbox, privacy by role."""

import pytest

from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for

pytestmark = pytest.mark.django_db

URL = "/api/maps/reports.geojson"
A = (-74.071234, 4.623456)
C = (-74.071234, 4.573456)  # locality 02


@pytest.fixture
def setup(db):
    make_territory()
    return make_category("hurto"), make_category("extorsion", sensitive=True)


def test_shape_and_keyset_pagination(setup):
    hurto, _ = setup
    ids = sorted(r.pk for r in add_reports([A, A, C], hurto))
    client = client_for()
    first = client.get(URL, {"page_size": 2})
    assert first.status_code == 200 and first["Content-Type"] == "application/geo+json"
    body = first.json()
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert [f["id"] for f in body["features"]] == ids[:2]
    assert body["next_cursor"] == ids[1] and f"cursor={ids[1]}" in body["next"]
    second = client.get(URL, {"page_size": 2, "cursor": body["next_cursor"]}).json()
    assert [f["id"] for f in second["features"]] == ids[2:]
    assert second["next"] is None
    assert client.get(URL, {"bbox": "-74.1,4.55,-74.0,4.6"}).json()["features"][0]["id"] == ids[2]
    assert client.get(URL, {"page_size": 10001}).status_code == 400


def test_public_form_never_exact_nor_sensitive_point(setup):
    hurto, extorsion = setup
    normal = add_reports([A], hurto)[0]
    sensitive = add_reports([A], extorsion)[0]
    add_reports([A], hurto, hidden=True)
    features = {f["id"]: f for f in client_for().get(URL).json()["features"]}
    assert set(features) == {normal.pk}  # sensitive reports are absent from the public layer
    assert sensitive.pk not in features
    lon, lat = features[normal.pk]["geometry"]["coordinates"]
    assert (lon, lat) == (round(normal.public_location.x, 6), round(normal.public_location.y, 6))
    assert (lon, lat) != (round(A[0], 6), round(A[1], 6))
    props = features[normal.pk]["properties"]
    assert not props["exact"]
    assert not {"tracking_code", "reporter", "contact", "description"} & set(props)


def test_exact_points_by_role(setup):
    hurto, extorsion = setup
    in01 = add_reports([A], extorsion)[0]
    in02 = add_reports([C], hurto)[0]
    analyst = {f["id"]: f for f in client_for(make_user("a", role="analyst")).get(URL).json()["features"]}
    assert analyst[in01.pk]["geometry"]["coordinates"] == [round(A[0], 6), round(A[1], 6)]
    staff = make_user("s", role="locality_staff", localities=["01"])
    seen = {f["id"]: f for f in client_for(staff).get(URL).json()["features"]}
    assert seen[in01.pk]["properties"]["exact"] and seen[in01.pk]["geometry"] is not None
    assert not seen[in02.pk]["properties"]["exact"]
    assert seen[in02.pk]["geometry"]["coordinates"] != [round(C[0], 6), round(C[1], 6)]
