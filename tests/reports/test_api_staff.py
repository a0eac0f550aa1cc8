"""Staff workbench content: scope, exact points and contact by role, workflow through the API."""

import json

import pytest

from reports.models import Report

from .conftest import client_for
from .factories import POINT_01, POINT_02, make_report

pytestmark = pytest.mark.django_db
LIST = "/api/staff/reports/"


@pytest.fixture
def reports(territory, hurto, extorsion):
    return {
        "north": make_report(category=hurto, contact={"email": "norte@x.co", "consent": True}),
        "south": make_report(
            category=hurto, lonlat=POINT_02, contact={"phone": "3001234567", "consent": True}
        ),
        "secret_south": make_report(category=extorsion, lonlat=POINT_02),
    }


def features(user, **query):
    response = client_for(user).get(LIST, query)
    assert response.status_code == 200, response.content
    return {f["id"]: f for f in response.json()["features"]}


def test_locality_staff_see_only_their_localities_with_exact_points_and_contact(reports, users):
    seen = features(users["staff_01"])
    assert set(seen) == {reports["north"].pk}
    north = seen[reports["north"].pk]
    assert north["geometry"]["coordinates"] == list(POINT_01)
    assert north["properties"]["contact"]["email"] == "norte@x.co"
    assert north["properties"]["tracking_code"] == reports["north"].tracking_code
    south = features(users["staff_02"])
    assert set(south) == {reports["south"].pk, reports["secret_south"].pk}
    assert south[reports["secret_south"].pk]["geometry"]["coordinates"] == list(POINT_02)


def test_analyst_sees_everything_exact_but_no_contact(reports, users):
    seen = features(users["analyst"])
    assert set(seen) == {r.pk for r in reports.values()}
    text = json.dumps(seen)
    assert "norte@x.co" not in text and "3001234567" not in text
    assert all(f["properties"]["tracking_code"] is None for f in seen.values())
    assert seen[reports["secret_south"].pk]["geometry"]["coordinates"] == list(POINT_02)


def test_moderator_sees_generalised_points_only(reports, users):
    seen = features(users["moderator"])
    north = seen[reports["north"].pk]
    assert north["geometry"]["coordinates"] == pytest.approx(list(reports["north"].public_location.coords))
    assert seen[reports["secret_south"].pk]["geometry"] is None
    assert "norte@x.co" not in json.dumps(seen)


def test_staff_filters(reports, users):
    assert set(features(users["admin"], locality="02")) == {reports["south"].pk, reports["secret_south"].pk}
    assert set(features(users["admin"], bbox="-74.08,4.62,-74.06,4.63")) == {reports["north"].pk}
    assert set(features(users["admin"], open="false")) == set()


def test_workflow_through_api(reports, users):
    client = client_for(users["staff_01"])
    pk = reports["north"].pk
    url = f"{LIST}{pk}/"
    bad = client.post(f"{url}transition/", {"to_status": "resolved"}, format="json")
    assert bad.status_code == 400 and "to_status" in bad.json()
    missing = client.post(f"{url}transition/", {"to_status": "referred"}, format="json")
    assert missing.status_code == 400 and "referred_to" in missing.json()
    ok = client.post(
        f"{url}transition/", {"to_status": "referred", "referred_to": "policia", "note": "CAI"}, format="json"
    )
    assert ok.status_code == 200
    data = ok.json()
    assert data["properties"]["status"] == "referred"
    assert [h["to_status"] for h in data["properties"]["history"]] == ["received", "referred"]
    assert data["properties"]["history"][1]["actor"] == "func01"
    assert data["properties"]["first_response_at"] is not None
    answered = client.post(f"{url}responses/", {"body": "<b>Gracias</b>"}, format="json")
    assert answered.status_code == 201 and answered.json()["body"] == "<b>Gracias</b>"
    tracked = client_for(None).get(f"/api/reports/track/{reports['north'].tracking_code}/").json()
    assert tracked["responses"][0]["body"] == "<b>Gracias</b>"


def test_duplicate_and_hide_through_api(reports, users, hurto):
    client = client_for(users["staff_01"])
    original = make_report(category=hurto)
    pk = reports["north"].pk
    self_dup = client.post(f"{LIST}{pk}/duplicate/", {"duplicate_of": pk}, format="json")
    assert self_dup.status_code == 400
    missing = client.post(f"{LIST}{pk}/duplicate/", {"duplicate_of": 999999}, format="json")
    assert missing.status_code == 400
    dup = client.post(f"{LIST}{pk}/duplicate/", {"duplicate_of": original.pk}, format="json")
    assert dup.status_code == 200 and dup.json()["properties"]["duplicate_of"] == original.pk
    assert pk not in {f["id"] for f in client_for(None).get("/api/reports/").json()["features"]}
    no_reason = client_for(users["moderator"]).post(f"{LIST}{original.pk}/hide/", {}, format="json")
    assert no_reason.status_code == 400
    hidden = client_for(users["moderator"]).post(
        f"{LIST}{original.pk}/hide/", {"reason": "Datos de terceros"}, format="json"
    )
    assert hidden.json() == {"id": original.pk, "hidden": True}
    assert client_for(None).get(f"/api/reports/{original.pk}/").status_code == 404
    assert Report.objects.get(pk=original.pk).moderation_reason == "Datos de terceros"
