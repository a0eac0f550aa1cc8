"""Exports: streamed GeoJSON (RFC 7946) and CSV, GeoPackage readable by pyogrio, privacy by role, k."""

import csv
import io
import json

import pyogrio
import pytest
from django.http import FileResponse, StreamingHttpResponse

from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for

pytestmark = pytest.mark.django_db

A = (-74.0712345, 4.6234567)
C = (-74.0712345, 4.5734567)  # locality 02


@pytest.fixture
def setup(db):
    make_territory()
    return make_category("hurto"), make_category("extorsion", sensitive=True)


def body(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_geojson_streams_rfc7946_public_form(setup):
    hurto, extorsion = setup
    normal = add_reports([A], hurto)[0]
    secret = add_reports([A], extorsion)[0]
    add_reports([A], hurto, status="rejected")
    response = client_for().get("/api/exports/reports.geojson")
    assert isinstance(response, StreamingHttpResponse)
    assert "reportes-" in response["Content-Disposition"] and ".geojson" in response["Content-Disposition"]
    text = body(response).decode()
    data = json.loads(text)
    assert "crs" not in data and data["type"] == "FeatureCollection"
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == {normal.pk}  # sensitive reports are absent from public point exports
    assert secret.pk not in features
    lon, lat = features[normal.pk]["geometry"]["coordinates"]
    assert lon == round(normal.public_location.x, 6) and lat == round(normal.public_location.y, 6)
    assert "tracking_code" not in text and normal.tracking_code not in text


def test_csv_header_and_roles(setup):
    hurto, extorsion = setup
    in01 = add_reports([A], extorsion)[0]
    in02 = add_reports([C], hurto)[0]
    staff = make_user("s", role="locality_staff", localities=["01"])
    response = client_for(staff).get("/api/exports/reports.csv")
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert list(rows[0]) == [
        "id",
        "category",
        "status",
        "created_at",
        "locality",
        "upz",
        "sensitive",
        "exact",
        "lon",
        "lat",
    ]
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[in01.pk]["exact"] == "True" and by_id[in01.pk]["lon"] == f"{A[0]:.6f}"
    assert by_id[in02.pk]["exact"] == "False" and by_id[in02.pk]["lon"] != f"{C[0]:.6f}"
    public = list(csv.DictReader(io.StringIO(body(client_for().get("/api/exports/reports.csv")).decode())))
    public_by_id = {int(r["id"]): r for r in public}
    assert in01.pk not in public_by_id and public_by_id[in02.pk]["exact"] == "False"


def test_gpkg_readable_by_pyogrio(setup, tmp_path):
    hurto, _ = setup
    add_reports([A, C], hurto)
    response = client_for(make_user("a", role="analyst")).get("/api/exports/reports.gpkg")
    assert isinstance(response, FileResponse)
    assert ".gpkg" in response["Content-Disposition"]
    path = tmp_path / "out.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 2 and set(frame["category"]) == {"hurto"}
    assert round(frame.geometry.x.min(), 6) == round(A[0], 6)
    assert "tracking_code" not in frame.columns


def test_aggregates_k_suppression_and_levels(setup):
    hurto, _ = setup
    add_reports([A] * 4, hurto)
    add_reports([C] * 2, hurto)
    data = json.loads(body(client_for().get("/api/exports/aggregates.geojson", {"level": "locality"})))
    props = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    assert props["01"]["count"] == 4 and not props["01"]["suppressed"]
    assert props["02"]["count"] is None and props["02"]["suppressed"]
    analyst = client_for(make_user("a", role="analyst"))
    rows = list(
        csv.DictReader(io.StringIO(body(analyst.get("/api/exports/aggregates.csv?level=upz")).decode()))
    )
    assert {r["code"]: r["count"] for r in rows} == {"1": "4", "2": "2"}
    grid = json.loads(
        body(client_for().get("/api/exports/aggregates.geojson", {"level": "grid", "cell": 200}))
    )
    assert [f["properties"]["count"] for f in grid["features"]] == [4]
    response = client_for().get("/api/exports/aggregates.gpkg", {"level": "locality"})
    assert isinstance(response, FileResponse)
    assert client_for().get("/api/exports/aggregates.csv", {"level": "barrio"}).status_code == 400
    assert client_for().get("/api/exports/reports.xlsx").status_code == 404


def test_copy_stream_returns_text_exactly_even_with_escaped_characters(db):
    from maps.selectors.exports import copy_text_batches

    text = 'a\\b\t"c"\nd\re' + "ñ"
    batches = list(copy_text_batches("SELECT %(t)s::text FROM generate_series(1, 5)", {"t": text}, size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert all(row.decode() == text for batch in batches for row in batch)


def test_anonymous_exports_are_rate_limited_but_signed_in_planners_are_not(setup):
    from rest_framework.throttling import SimpleRateThrottle

    hurto, _ = setup
    add_reports([A], hurto)
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "export_anon": "2/hour"}
    try:
        anonymous = client_for()
        assert anonymous.get("/api/exports/reports.csv").status_code == 200
        assert anonymous.get("/api/exports/aggregates.csv").status_code == 200
        refused = anonymous.get("/api/exports/reports.geojson")
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert "Intente de nuevo" in refused.json()["detail"]
        analyst = client_for(make_user("planeadora", role="analyst"))
        for _ in range(3):
            assert analyst.get("/api/exports/reports.csv").status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
