"""Read replicas (geo/replicas.py) against a real streaming standby of the test cluster.

`make test` starts the standby (scripts/pg.sh standby: pg_basebackup -R, second port) and passes it
as DATABASE_REPLICA_URLS, so the alias replica_0 reads the test database on the standby. Rows the
standby can see must be committed on the primary: the module fixture commits a few reports (and
deletes them afterwards); rows a test writes inside its own transaction stay invisible there, which
is how the tests tell which server answered.
"""

import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from geo import replicas
from geo.spatial import make_point

pytestmark = [pytest.mark.realdata]

REPLICA = "replica_0"
ROOT = Path(__file__).resolve().parent.parent
PLAZA = (-74.07594, 4.59806)  # Plaza de Bolívar, La Candelaria
PARQUE_93 = (-74.05460, 4.66680)  # Chapinero


def _require_standby():
    if REPLICA not in settings.DATABASES:
        message = (
            "Sin réplica: `make test` la arranca (scripts/pg.sh standby) y define DATABASE_REPLICA_URLS."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def committed(real_territory, django_db_blocker):
    """Three public reports committed on the primary (so the standby receives them), removed afterwards."""
    _require_standby()
    from maps.services import rollups_refresh
    from reports.models import Category, Report
    from reports.services import report_create

    with django_db_blocker.unblock():
        category, _ = Category.objects.update_or_create(
            code="replica_prueba",
            defaults={
                "name_es": "Prueba de réplica",
                "name_en": "replica test",
                "group": "seguridad",
                "sensitive": False,
                "responsible": "alcaldia_local",
                "response_days": 10,
            },
        )
        created = [
            report_create(
                category=category,
                description=f"Reporte de réplica {i}",
                location=make_point(*where),
                occurred_at=timezone.now() - timedelta(hours=1),
            )
            for i, where in enumerate((PLAZA, PLAZA, PARQUE_93))
        ]
    yield created
    with django_db_blocker.unblock():
        Report.objects.filter(pk__in=[r.pk for r in created]).delete()
        category.delete()
        rollups_refresh(full=True)


@pytest.fixture
def routing(settings):
    settings.REPLICA_ROUTING = True
    settings.REPLICA_CHECK_SECONDS = 0
    replicas.forget()
    yield settings
    replicas.forget()


def _wait_visible_on_standby(pks, timeout=10.0):
    """The standby replays asynchronously: wait (bounded) until it has the committed rows."""
    from reports.models import Report

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Report.objects.using(REPLICA).filter(pk__in=pks).count() == len(pks):
            return
        time.sleep(0.1)
    pytest.fail("the standby did not receive the committed reports in time")


def _ids(response):
    assert response.status_code == 200, response.content
    return {feature["id"] for feature in response.json()["features"]}


def _category_list(client):
    return client.get("/api/reports/", {"category": "replica_prueba", "page_size": 100})


@pytest.mark.django_db(databases=["default", REPLICA])
def test_the_standby_is_a_streaming_replica(committed):
    status = replicas.check(REPLICA)
    assert status.error is None and status.usable
    assert status.lag_seconds is not None and status.lag_seconds >= 0
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True


@pytest.mark.django_db(databases=["default", REPLICA])
def test_a_report_committed_on_the_primary_is_read_through_the_replica(committed, routing):
    from reports.models import Report

    pks = [r.pk for r in committed]
    _wait_visible_on_standby(pks)
    # Written inside this test's open transaction on the primary: the standby cannot see it.
    unseen = Report.objects.create(
        category=committed[0].category,
        description="Sin confirmar",
        location=make_point(*PLAZA),
        public_location=committed[0].public_location,
        occurred_at=timezone.now(),
        locality=committed[0].locality,
        upz=committed[0].upz,
    )
    client = APIClient()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        ids = _ids(_category_list(client))
    assert set(pks) <= ids
    assert unseen.pk not in ids, "the public list was not read on the standby"
    assert any("reports_report" in q["sql"] for q in on_replica.captured_queries)
    # Raw-SQL outputs (tiles, stats, exports) read there too: the export sees the committed rows only.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        body = b"".join(
            client.get("/api/exports/reports.csv", {"category": "replica_prueba"}).streaming_content
        )
    lines = body.decode().strip().splitlines()
    assert len(lines) == 1 + len(pks)
    # The tracking page is never routed: the reporter reads their own report on the primary.
    tracked = client.get(f"/api/reports/track/{unseen.tracking_code}/")
    assert tracked.status_code == 200


@pytest.mark.django_db(databases=["default", REPLICA])
def test_the_export_etag_is_the_version_of_the_data_it_streams(committed, routing):
    """A streamed export's ETag is computed before the body: it must describe the rows the body is
    read from. Here the standby lacks a row the primary has (written in this test's transaction), so
    the export read on the standby must not carry the primary's tag, or a proxy would keep the
    standby's older body under the newer data's tag and answer 304 to it."""
    from reports.models import Report

    pks = [r.pk for r in committed]
    _wait_visible_on_standby(pks)
    unseen = Report.objects.create(
        category=committed[0].category,
        description="Solo en el primario",
        location=make_point(*PLAZA),
        public_location=committed[0].public_location,
        occurred_at=timezone.now(),
        locality=committed[0].locality,
        upz=committed[0].upz,
    )
    path = "/api/exports/reports.csv?category=replica_prueba"

    def export():
        response = APIClient().get(path)
        assert response.status_code == 200
        return response["ETag"], b"".join(response.streaming_content).decode().strip().splitlines()

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        standby_tag, standby_rows = export()
    assert len(standby_rows) == 1 + len(pks), "the export was not read on the standby"
    versions = [q["sql"] for q in on_replica.captured_queries if "localities_boundaryversion" in q["sql"]]
    assert versions, "the data version was not read on the standby the export reads"

    routing.REPLICA_ROUTING = False  # everything on the primary, which has the extra row
    primary_tag, primary_rows = export()
    assert len(primary_rows) == 2 + len(pks) and any(r.startswith(f"{unseen.pk},") for r in primary_rows)
    assert standby_tag != primary_tag
    # A client holding the standby's tag revalidates against the newer data: a full answer, not 304.
    again = APIClient().get(path, HTTP_IF_NONE_MATCH=standby_tag)
    assert again.status_code == 200 and again["ETag"] == primary_tag
    # And the standby's own tag still matches the standby's data.
    routing.REPLICA_ROUTING = True
    assert APIClient().get(path, HTTP_IF_NONE_MATCH=standby_tag).status_code == 304


@pytest.mark.django_db(databases=["default", REPLICA])
def test_after_a_write_the_citizen_reads_the_primary(committed, routing):
    _wait_visible_on_standby([r.pk for r in committed])
    client = APIClient()
    body = {
        "category": "replica_prueba",
        "description": "Recién enviado",
        "location": {"type": "Point", "coordinates": list(PARQUE_93)},
    }
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        created = client.post("/api/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="replica-1")
        assert created.status_code == 201, created.content
        assert settings.REPLICA_STICKY_COOKIE in created.cookies
        ids = _ids(_category_list(client))
    assert created.json()["id"] in ids, "the citizen's own new report must be in the list they read next"
    assert not on_replica.captured_queries, "with the read-primary cookie nothing is read on the standby"
    # Another citizen (no cookie) reads the standby, which has not got this uncommitted row.
    assert created.json()["id"] not in _ids(_category_list(APIClient()))


@pytest.mark.django_db(databases=["default", REPLICA])
def test_the_router_never_writes_to_the_standby(committed, routing):
    from django.apps import apps
    from django.db import router

    for model in apps.get_models():
        assert router.db_for_write(model) == "default"
        assert not router.allow_migrate(REPLICA, model._meta.app_label, model_name=model._meta.model_name)
    client = APIClient()
    report = committed[0]
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        client.get("/api/reports/")
        client.get(f"/api/reports/{report.pk}/")
        client.post(
            "/api/reports/",
            {
                "category": "replica_prueba",
                "description": "Otro",
                "location": {"type": "Point", "coordinates": list(PLAZA)},
            },
            format="json",
        )
        APIClient().post(f"/api/reports/{report.pk}/supports/", {"device_id": "replica-dispositivo-1"})
        client.get("/api/maps/stats/")
    writes = [
        q["sql"] for q in on_replica.captured_queries if q["sql"].lstrip().split()[0].upper() != "SELECT"
    ]
    assert on_replica.captured_queries and not writes


@pytest.mark.django_db(databases=["default", REPLICA])
def test_a_replica_too_far_behind_is_skipped(committed, routing):
    routing.REPLICA_MAX_LAG_SECONDS = -1  # any lag, even 0 s, is too much
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert {r.pk for r in committed} <= _ids(_category_list(APIClient()))
    assert not on_replica.captured_queries
    ready = APIClient().get("/readyz").json()
    assert ready["replicas"][REPLICA]["in_use"] is False and ready["replicas"][REPLICA]["lag_seconds"] >= 0


@pytest.mark.django_db(databases=["default", REPLICA])
def test_a_stopped_standby_degrades_to_the_primary(committed, routing):
    from reports.models import Report

    unseen = Report.objects.create(
        category=committed[0].category,
        description="Solo en el primario",
        location=make_point(*PLAZA),
        public_location=committed[0].public_location,
        occurred_at=timezone.now(),
        locality=committed[0].locality,
        upz=committed[0].upz,
    )
    subprocess.run([str(ROOT / "scripts" / "pg.sh"), "standby-stop"], check=True, timeout=60)  # noqa: S603
    try:
        connections[REPLICA].close()
        client = APIClient()
        ids = _ids(_category_list(client))
        assert unseen.pk in ids, "with the standby down the list is read on the primary"
        assert client.get("/api/maps/tiles/reports/14/4662/7963.mvt").status_code in (200, 204)
        assert client.get("/api/exports/reports.csv").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["replicas"][REPLICA] == {
            "lag_seconds": None,
            "in_use": False,
            "error": "OperationalError",
        }
    finally:
        subprocess.run(  # noqa: S603 (our own script, fixed arguments)
            [str(ROOT / "scripts" / "pg.sh"), "standby"], check=True, timeout=120, capture_output=True
        )
        connections[REPLICA].close()
