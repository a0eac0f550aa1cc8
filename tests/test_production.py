"""Production shape (issue 12): probes, request ids in JSON logs, compression, public caching headers."""

import gzip
import json
import logging

import pytest
from django.db import OperationalError, connections
from rest_framework.test import APIClient

from geo.logs import JsonFormatter
from tests.factories import make_territory
from tests.reports.factories import make_category, make_report, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(db):
    make_territory()
    hurto = make_category("hurto")
    return [make_report(category=hurto) for _ in range(3)]


def test_healthz_answers_without_the_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("database down")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["migrations"] == "ok"
    assert "replicas" in body


def test_readyz_is_503_when_the_database_cannot_be_reached(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("database down")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"].startswith("error")


def test_readyz_is_503_when_a_migration_is_not_applied(client, monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    # Forget one applied migration inside the test's transaction: the plan then has it pending.
    MigrationRecorder.Migration.objects.filter(app="reports").order_by("-id").first().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert any(name.startswith("reports.") for name in response.json()["migrations"])


def test_readyz_needs_a_recent_worker_heartbeat_where_required(client, settings):
    from django.db import connection

    settings.READYZ_REQUIRE_WORKER = True
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS = 60
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_workers")
    none = client.get("/readyz")
    assert none.status_code == 503 and none.json()["worker"]["heartbeat_age_seconds"] is None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '5 minutes')"
        )
    stale = client.get("/readyz")
    assert stale.status_code == 503 and stale.json()["worker"]["heartbeat_age_seconds"] >= 299
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    fresh = client.get("/readyz")
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["worker"]["heartbeat_age_seconds"] < 60
    settings.READYZ_REQUIRE_WORKER = False
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_workers")
    assert client.get("/readyz").status_code == 200  # reported, not required


def test_request_id_is_honoured_only_when_valid(client):
    good = "3f2b9c1e-77aa-4c1b-9d1e-0a1b2c3d4e5f"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=good)["X-Request-ID"] == good
    for bad in ("corto", "con espacios y\nsaltos de línea", "x" * 200, '{"json": 1}'):
        issued = client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert issued != bad and len(issued) == 32
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_access_log_is_json_with_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="geo.access")
    client.get("/api/categories/", HTTP_X_REQUEST_ID="abcdef0123456789")
    records = [r for r in caplog.records if r.name == "geo.access"]
    assert records, "one access line per request"
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "abcdef0123456789"
    assert line["status"] == 200 and line["path"] == "/api/categories/" and line["method"] == "GET"
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"


def test_json_and_html_are_gzipped_tiles_and_exports_are_not(client, reports):
    listing = client.get("/api/reports/", HTTP_ACCEPT_ENCODING="gzip")
    assert listing["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(listing.content))["count"] == 3
    page = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert page["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(page.content)
    tile = client.get("/api/maps/tiles/localities/10/301/507.mvt", HTTP_ACCEPT_ENCODING="gzip")
    assert tile.status_code in (200, 204) and not tile.has_header("Content-Encoding")
    export = client.get("/api/exports/reports.csv", HTTP_ACCEPT_ENCODING="gzip")
    assert export.status_code == 200 and not export.has_header("Content-Encoding")


def test_public_outputs_carry_cache_control_and_etag_and_answer_304(client, reports):
    first = client.get("/api/reports/")
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("public, max-age=")
    assert "Cookie" in first["Vary"] and first["ETag"].startswith('"')
    again = client.get("/api/reports/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not again.content
    make_report(category=reports[0].category)
    changed = client.get("/api/reports/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    page = client.get(f"/reportes/{reports[0].pk}/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("public") and page.has_header("ETag")


def test_streamed_exports_get_a_data_version_etag_checked_before_the_export(client, reports):
    first = client.get("/api/exports/reports.geojson")
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    assert first["Cache-Control"].startswith("public")
    b"".join(first.streaming_content)
    same = client.get("/api/exports/reports.geojson", HTTP_IF_NONE_MATCH=first["ETag"])
    assert same.status_code == 304
    other_format = client.get("/api/exports/reports.csv", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other_format.status_code == 200
    make_report(category=reports[0].category)
    after_write = client.get("/api/exports/reports.geojson", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after_write.status_code == 200


def test_signed_in_and_staff_answers_are_private(reports):
    analyst = APIClient()
    analyst.force_authenticate(make_user("analista", role="analyst"))
    response = analyst.get("/api/exports/reports.geojson")
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
    token = APIClient(HTTP_AUTHORIZATION="Token nada")
    assert not token.get("/api/categories/").get("Cache-Control", "").startswith("public")
    citizen = APIClient()
    citizen.force_login(make_user("ciudadana"))
    assert citizen.get("/api/reports/")["Cache-Control"] == "private, no-cache"


def test_private_pages_are_not_marked_public(client, reports):
    response = client.get("/seguimiento/")
    assert "public" not in response.get("Cache-Control", "")


def test_a_full_media_disk_is_a_507_and_leaves_no_half_written_report(monkeypatch):
    import errno
    import io

    from django.core.files.storage import default_storage
    from PIL import Image

    from reports.models import IdempotencyRecord, Report, ReportPhoto, StatusChange
    from tests.reports.factories import POINT_01

    make_territory()
    make_category("hurto")

    def photo():
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
        buffer.seek(0)
        buffer.name = "foto.jpg"
        return buffer

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(default_storage, "save", disk_full)
    form = {"category": "hurto", "description": "Con foto", "lon": POINT_01[0], "lat": POINT_01[1]}
    response = APIClient().post(
        "/api/reports/",
        {**form, "photos": [photo()]},
        format="multipart",
        headers={"Idempotency-Key": "lleno"},
    )
    assert response.status_code == 507
    assert response["Retry-After"] == "300"
    assert "NO quedó registrado" in response.json()["detail"]
    assert not Report.objects.exists() and not StatusChange.objects.exists()
    assert not ReportPhoto.objects.exists() and not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    retried = APIClient().post(
        "/api/reports/",
        {**form, "photos": [photo()]},
        format="multipart",
        headers={"Idempotency-Key": "lleno"},
    )
    assert retried.status_code == 201 and Report.objects.count() == 1


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    api = client.get("/api/reports/")
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api.json()["code"] == "database_unavailable"
    page = client.get("/reportes/1/")
    assert page.status_code == 503 and "Reintente" in page.content.decode()
