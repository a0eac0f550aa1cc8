"""Public and reporter API: create (JSON, form), errors, idempotency, list, nearby, tracking, supports."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import IdempotencyRecord, Report, ReportContact, Support
from reports.services import report_transition

from .conftest import client_for
from .factories import POINT_01, POINT_02, make_report

pytestmark = pytest.mark.django_db
URL = "/api/reports/"


def body(**extra):
    data = {
        "category": "hurto",
        "description": "Robaron un celular en el paradero",
        "location": {"type": "Point", "coordinates": list(POINT_01)},
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "channel": "app",
    }
    data.update(extra)
    return data


def post(api, data, **headers):
    return api.post(URL, data, format="json", headers=headers)


def test_create_json(api, territory, hurto):
    response = post(api, body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "received"
    assert data["locality"] == {"code": "01", "name": "Norte"}
    assert data["upz"] == {"code": "1", "name": "Alfa"}
    assert len(data["tracking_code"]) == 10
    assert data["location"]["coordinates"] == list(POINT_01)
    assert Report.objects.get().reporter is None


def test_create_ignores_client_locality(api, territory, hurto):
    response = post(
        api, body(locality="02", upz="2", location={"type": "Point", "coordinates": list(POINT_01)})
    )
    assert response.json()["locality"]["code"] == "01"


def test_create_multipart_with_lon_lat_and_json_location(api, territory, hurto):
    form = {"category": "hurto", "description": "Riña en el parque", "lon": POINT_02[0], "lat": POINT_02[1]}
    response = api.post(URL, form, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["locality"]["code"] == "02"
    form = {
        "category": "hurto",
        "description": "Otra",
        "location": json.dumps({"type": "Point", "coordinates": list(POINT_01)}),
    }
    assert api.post(URL, form, format="multipart").json()["locality"]["code"] == "01"


def test_create_by_logged_in_citizen_links_account(territory, hurto, users):
    response = post(client_for(users["citizen"]), body())
    assert Report.objects.get(tracking_code=response.json()["tracking_code"]).reporter == users["citizen"]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"location": {"type": "Point", "coordinates": [-74.2, 4.62]}}, "location", "fuera de Bogotá"),
        ({"location": {"type": "Point", "coordinates": [4.6234, -74.0712]}}, "location", "invertidas"),
        ({"location": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}, "location", "punto"),
        ({"location": "no es json"}, "location", "GeoJSON"),
        ({"category": "robo"}, "category", "desconocida"),
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at", "futuro"),
        ({"description": "a" * 4001}, "description", "máximo es 4000"),
        ({"description": ""}, "description", "descripción"),
        ({"contact": {"email": "no-es-correo"}}, "contact", ""),
        ({"channel": "open311"}, "channel", ""),
    ],
)
def test_create_field_errors(api, territory, hurto, change, field, fragment):
    response = post(api, body(**change))
    assert response.status_code == 400, response.content
    data = response.json()
    assert field in data, data
    assert fragment in json.dumps(data[field], ensure_ascii=False)
    assert Report.objects.count() == 0


def test_html_comes_back_as_text(api, territory, hurto):
    text = '<img src=x onerror="alert(1)"> <b>robo</b>'
    response = post(api, body(description=text))
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["description"] == text
    listed = api.get(URL).json()["features"][0]["properties"]["description"]
    assert listed == text


def test_contact_stored_apart_and_not_returned(api, territory, hurto):
    response = post(
        api, body(contact={"email": "vecina@example.com", "phone": "300 123 4567", "consent": True})
    )
    assert response.status_code == 201
    assert ReportContact.objects.get().email == "vecina@example.com"
    assert "vecina@example.com" not in response.content.decode()
    assert response.json()["contact_saved"] is True


# --- idempotency ------------------------------------------------------------------------------------


def test_idempotency_replays_same_response(api, territory, hurto):
    data = body()
    first = post(api, data, **{"Idempotency-Key": "abc-123"})
    second = post(api, data, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1
    other = post(api, body(description="Otro texto"), **{"Idempotency-Key": "abc-123"})
    assert other.status_code == 422
    assert "otro contenido" in other.json()["detail"]
    assert Report.objects.count() == 1
    assert post(api, data, **{"Idempotency-Key": "abc-124"}).status_code == 201
    assert Report.objects.count() == 2


def test_idempotency_scoped_by_caller(territory, hurto, users):
    data = body()
    a = post(client_for(users["citizen"]), data, **{"Idempotency-Key": "k"})
    b = post(client_for(users["other_citizen"]), data, **{"Idempotency-Key": "k"})
    assert a.json()["tracking_code"] != b.json()["tracking_code"]
    assert Report.objects.count() == 2


def test_failed_request_does_not_burn_the_key(api, territory, hurto):
    bad = post(api, body(category="robo"), **{"Idempotency-Key": "k2"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert post(api, body(), **{"Idempotency-Key": "k2"}).status_code == 201


# --- public list ------------------------------------------------------------------------------------


def test_public_list_privacy(api, territory, hurto, extorsion, users):
    normal = make_report(
        category=hurto, reporter=users["citizen"], contact={"email": "x@y.co", "consent": True}
    )
    secret = make_report(category=extorsion, description="Me cobran vacuna en la tienda")
    data = api.get(URL).json()
    assert data["type"] == "FeatureCollection"
    text = json.dumps(data)
    for leak in (normal.tracking_code, secret.tracking_code, "x@y.co", "ciudadana", "Me cobran vacuna"):
        assert leak not in text
    features = {f["id"]: f for f in data["features"]}
    assert features[secret.pk]["geometry"] is None
    assert features[secret.pk]["properties"]["description"] is None
    coords = features[normal.pk]["geometry"]["coordinates"]
    assert coords != list(normal.location.coords)
    assert coords == pytest.approx(list(normal.public_location.coords))
    forbidden = {"reporter", "contact", "tracking_code", "location", "email"}
    assert not forbidden & set(features[normal.pk]["properties"])


def test_public_list_filters(api, territory, hurto, extorsion):
    a = make_report(category=hurto)
    b = make_report(category=hurto, lonlat=POINT_02)
    c = make_report(category=extorsion, lonlat=POINT_02)

    def ids(query):
        response = api.get(URL, query)
        assert response.status_code == 200, response.content
        return {f["id"] for f in response.json()["features"]}

    assert ids({}) == {a.pk, b.pk, c.pk}
    assert ids({"locality": "02"}) == {b.pk, c.pk}
    assert ids({"upz": "1"}) == {a.pk}
    assert ids({"category": "extorsion"}) == {c.pk}
    assert ids({"category": "hurto,extorsion"}) == {a.pk, b.pk, c.pk}
    assert ids({"bbox": "-74.10,4.55,-74.05,4.60"}) == {b.pk}  # sensitive has no point
    assert ids({"status": "in_review"}) == set()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert ids({"created_after": future}) == set()
    assert ids({"created_before": future}) == {a.pk, b.pk, c.pk}
    assert [f["id"] for f in api.get(URL, {"ordering": "created_at"}).json()["features"]] == [
        a.pk,
        b.pk,
        c.pk,
    ]
    assert api.get(URL, {"bbox": "1,2,3"}).status_code == 400


def test_public_list_hides_rejected_and_pages(api, territory, hurto, users):
    reports = [make_report(category=hurto) for _ in range(3)]
    report_transition(report=reports[0], actor=users["staff_01"], to_status="rejected", reason="Spam")
    data = api.get(URL, {"page_size": 1}).json()
    assert data["count"] == 2 and len(data["features"]) == 1 and data["next"]


# --- tracking (reporter's view) ---------------------------------------------------------------------


def test_tracking_view_shows_exact_history_and_public_responses(api, territory, hurto, users):
    from reports.services import report_respond

    report = make_report(category=hurto, contact={"email": "x@y.co", "consent": True})
    report_transition(report=report, actor=users["staff_01"], to_status="in_review", note="Revisando")
    report_respond(report=report, author=users["staff_01"], body="Enviamos patrulla")
    report_respond(report=report, author=users["staff_01"], body="Nota interna", public=False)
    response = api.get(f"{URL}track/{report.tracking_code.lower()}/")
    assert response.status_code == 200
    data = response.json()
    assert data["location"]["coordinates"] == list(report.location.coords)
    assert [s["to_status"] for s in data["history"]] == ["received", "in_review"]
    assert [r["body"] for r in data["responses"]] == ["Enviamos patrulla"]
    assert "x@y.co" not in response.content.decode()
    assert "func01" not in response.content.decode()
    assert api.get(f"{URL}ABCDEFGHJK/").status_code == 404


# --- nearby -----------------------------------------------------------------------------------------


def test_nearby(api, territory, hurto, extorsion, users):
    close = make_report(category=hurto, lonlat=(-74.0712, 4.6234))
    farther = make_report(category=hurto, lonlat=(-74.0712, 4.6250))  # ≈ 180 m north
    far = make_report(category=hurto, lonlat=(-74.0712, 4.6300))  # ≈ 730 m
    old = make_report(category=hurto, lonlat=(-74.0712, 4.6234))
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    make_report(category=extorsion, lonlat=(-74.0712, 4.6234))
    query = {"lat": 4.6234, "lon": -74.0712, "category": "hurto"}
    data = api.get(f"{URL}nearby/", query).json()
    assert data["radius_m"] == 200
    assert [f["id"] for f in data["features"]] == [close.pk, farther.pk]
    assert data["features"][0]["properties"]["distance_m"] <= 71
    wide = api.get(f"{URL}nearby/", {**query, "radius": 50000}).json()
    assert wide["radius_m"] == 1000
    assert [f["id"] for f in wide["features"]] == [close.pk, farther.pk, far.pk]
    secret = api.get(f"{URL}nearby/", {**query, "category": "extorsion"}).json()
    assert secret["features"] == [] and secret["sensitive"] is True
    assert close.tracking_code not in json.dumps(data)
    assert api.get(f"{URL}nearby/", {"lat": 4.6, "category": "hurto"}).status_code == 400
    assert api.get(f"{URL}nearby/", {**query, "category": "robo"}).status_code == 400


# --- supports ---------------------------------------------------------------------------------------


def test_supports_by_device_and_account(api, territory, hurto, users):
    report = make_report(category=hurto)
    url = f"{URL}{report.pk}/supports/"
    first = api.post(url, {}, format="json", headers={"X-Device-Id": "tel-1"})
    assert first.status_code == 201 and first.json()["support_count"] == 1
    again = api.post(url, {}, format="json", headers={"X-Device-Id": "tel-1"})
    assert again.status_code == 200 and again.json()["created"] is False
    assert api.post(url, {"device_id": "tel-2"}, format="json").json()["support_count"] == 2
    assert client_for(users["citizen"]).post(url).status_code == 201
    assert client_for(users["citizen"]).post(url).status_code == 200
    assert api.post(url, {}, format="json").status_code == 400
    report.refresh_from_db()
    assert report.support_count == 3 == Support.objects.count()
    assert api.post(f"{URL}999999/supports/", headers={"X-Device-Id": "t"}).status_code == 404


def test_categories_endpoint(api, hurto, extorsion):
    data = api.get("/api/categories/").json()
    assert {c["code"]: c["sensitive"] for c in data} == {"hurto": False, "extorsion": True}


def test_idempotency_pending_and_expired_records(api, territory, hurto, settings):
    from datetime import timedelta as td

    data = body()
    first = post(api, data, **{"Idempotency-Key": "race"})
    record = IdempotencyRecord.objects.get(key="race")
    # What a concurrent retry meets while the first attempt is still uncommitted: the same row, pending.
    IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=0)
    pending = post(api, data, **{"Idempotency-Key": "race"})
    assert pending.status_code == 409 and pending["Retry-After"]
    # Past IDEMPOTENCY_TTL_HOURS the key is forgotten and the request runs again.
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - td(hours=25))
    again = post(api, data, **{"Idempotency-Key": "race"})
    assert again.status_code == 201
    assert again.json()["tracking_code"] != first.json()["tracking_code"]
    assert IdempotencyRecord.objects.filter(key="race").count() == 1


def test_idempotency_multipart_fingerprint_includes_files(api, territory, hurto):
    import io

    from PIL import Image

    def jpeg(color):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), color).save(buffer, format="JPEG")
        buffer.seek(0)
        buffer.name = "foto.jpg"
        return buffer

    form = {"category": "hurto", "description": "Con foto", "lon": POINT_01[0], "lat": POINT_01[1]}
    first = api.post(
        URL, {**form, "photos": [jpeg("red")]}, format="multipart", headers={"Idempotency-Key": "m"}
    )
    assert first.status_code == 201, first.content
    assert len(first.json()["photos"]) == 1
    same = api.post(
        URL, {**form, "photos": [jpeg("red")]}, format="multipart", headers={"Idempotency-Key": "m"}
    )
    assert same.status_code == 201 and same.json()["tracking_code"] == first.json()["tracking_code"]
    other = api.post(
        URL, {**form, "photos": [jpeg("blue")]}, format="multipart", headers={"Idempotency-Key": "m"}
    )
    assert other.status_code == 422
    assert Report.objects.count() == 1
    four = api.post(URL, {**form, "photos": [jpeg("red") for _ in range(4)]}, format="multipart")
    assert four.status_code == 400 and "photos" in four.json()


def test_my_reports_lists_only_mine(territory, hurto, users):
    mine = make_report(category=hurto, reporter=users["citizen"])
    make_report(category=hurto, reporter=users["other_citizen"])
    make_report(category=hurto)
    data = client_for(users["citizen"]).get(f"{URL}mine/").json()
    assert [r["tracking_code"] for r in data["results"]] == [mine.tracking_code]
    assert data["results"][0]["location"]["coordinates"] == list(POINT_01)


def test_location_with_altitude_is_accepted(api, territory, hurto):
    response = post(api, body(location={"type": "Point", "coordinates": [*POINT_01, 2640]}))
    assert response.status_code == 201
    assert response.json()["location"]["coordinates"] == list(POINT_01)
