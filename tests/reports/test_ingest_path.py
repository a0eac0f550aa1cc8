"""The fast path of filing a report (issue 12): one statement locates, snaps and inserts; the reply is
built from what was written; Idempotency-Key claimed with INSERT … ON CONFLICT; categories read from a
per-process copy. Each test states a guarantee the old path gave and the new one must keep."""

import threading
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from geo.spatial import make_point
from localities.selectors import locate_point
from reports.models import Category, IdempotencyRecord, Report, StatusChange
from reports.selectors import category_active_by_code
from reports.services import report_create
from reports.visibility import public_point

from .conftest import client_for
from .factories import POINT_01, make_category, make_user

URL = "/api/reports/"


def body(**extra):
    data = {
        "category": "hurto",
        "description": "Robaron una bicicleta frente al parque",
        "location": {"type": "Point", "coordinates": list(POINT_01)},
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "channel": "app",
    }
    data.update(extra)
    return data


def _file(category, lon, lat):
    return report_create(
        category=category,
        description="Punto de prueba",
        location=make_point(lon, lat),
        occurred_at=timezone.now() - timedelta(minutes=3),
    )


# --- locality, UPZ and public point from the one statement -------------------------------------------


@pytest.mark.django_db
def test_toy_border_and_corners_resolve_like_locate_point(territory, hurto):
    # lat 4.60 is the shared border of 01 and 02 (lowest code wins); corners and outer edges are covered.
    for lon, lat in [(-74.07, 4.60), (-74.10, 4.60), (-74.05, 4.60), (-74.10, 4.65), (-74.05, 4.55)]:
        report = _file(hurto, lon, lat)
        expected = locate_point(make_point(lon, lat))
        assert (report.locality.code, report.upz.code) == (expected.locality.code, expected.upz.code)
        stored = Report.objects.select_related("locality", "upz").get(pk=report.pk)
        assert (stored.locality_id, stored.upz_id) == (expected.locality.pk, expected.upz.pk)
    assert Report.objects.get(location=make_point(-74.07, 4.60)).locality.code == "01"


@pytest.mark.django_db
def test_real_boundary_vertices_resolve_like_locate_point(real_territory, hurto):
    # Vertices of the official locality and UPZ rings lie exactly on borders (between two localities,
    # two UPZ, or on the edge of the city), where a different tie rule would show.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(pt), ST_Y(pt) FROM (
                SELECT ST_PointN(ST_ExteriorRing((ST_Dump(geom)).geom), 7) AS pt
                FROM localities_locality WHERE version_id = %s
                UNION ALL
                SELECT ST_PointN(ST_ExteriorRing((ST_Dump(geom)).geom), 3)
                FROM localities_upz WHERE version_id = %s AND NOT rural
            ) v WHERE pt IS NOT NULL LIMIT 80
            """,
            [real_territory.pk, real_territory.pk],
        )
        vertices = cursor.fetchall()
    assert len(vertices) >= 40
    compared = 0
    for lon, lat in vertices:
        point = make_point(lon, lat)
        expected = locate_point(point)
        if expected is None:
            continue
        report = _file(hurto, lon, lat)
        assert report.locality.pk == expected.locality.pk, (lon, lat)
        assert report.upz_id == (expected.upz.pk if expected.upz else None), (lon, lat)
        assert Report.objects.filter(pk=report.pk, locality=expected.locality).exists()
        compared += 1
    assert compared >= 40


@pytest.mark.django_db
def test_public_point_in_sql_equals_the_python_rule_to_the_bit(territory, hurto):
    # reports.visibility.public_point is the rule; the statement's SQL form must give the same node.
    # (An SQL form rounding with ST_SnapToGrid(…, 1e-7) differed in the last bit for ~40 % of points.)
    points = [(-74.0712, 4.6234), (-74.09999, 4.64321), (-74.0612345, 4.6000001), (-74.05, 4.6499)]
    points += [(-74.0987 + i * 0.00413, 4.5512 + i * 0.00791) for i in range(12)]
    for lon, lat in points:
        report = _file(hurto, lon, lat)
        expected = public_point(point=Point(lon, lat, srid=4326), sensitive=False)
        stored = Report.objects.get(pk=report.pk).public_location
        assert (stored.x, stored.y) == (expected.x, expected.y)
        assert (report.public_location.x, report.public_location.y) == (expected.x, expected.y)


@pytest.mark.django_db
def test_outside_and_another_error_are_reported_together(api, territory, hurto):
    response = api.post(
        URL, body(description="", location={"type": "Point", "coordinates": [-74.20, 4.62]}), format="json"
    )
    assert response.status_code == 400
    assert "fuera de Bogotá" in response.json()["location"][0]
    assert response.json()["description"]
    assert not Report.objects.exists()


# --- the reply is the reporter's view, without re-reading --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("variant", ["anonymous", "contact", "sensitive", "signed_in"])
def test_creation_reply_equals_the_tracking_view(territory, hurto, extorsion, variant):
    api = client_for(make_user("vecina")) if variant == "signed_in" else APIClient()
    extra = {}
    if variant == "contact":
        extra["contact"] = {"email": "vecina@example.com", "consent": True}
    if variant == "sensitive":
        extra["category"] = "extorsion"
    created = api.post(URL, body(**extra), format="json")
    assert created.status_code == 201, created.content
    code = created.json()["tracking_code"]
    tracked = APIClient().get(f"/api/reports/track/{code}/")
    assert tracked.status_code == 200
    assert created.json() == tracked.json()
    assert created.json()["history"][0]["to_status"] == "received"
    assert created.json()["contact_saved"] is (variant == "contact")
    assert (created.json()["public_location"] is None) is (variant == "sensitive")


# --- the map-rollup deferral, coalesced per process ---------------------------------------------------


@pytest.mark.django_db
def test_filing_defers_the_rollup_once_per_window_and_no_report_is_left_out(
    territory, hurto, jobs, django_capture_on_commit_callbacks, settings, monkeypatch
):
    from maps.models import ReportCell
    from maps.services import _seen, rollups_refresh
    from maps.tasks import refresh_rollups_if_due
    from reports import services

    def in_rollup():
        return sum(ReportCell.objects.values_list("n", flat=True))

    def file(lon, lat):
        with django_capture_on_commit_callbacks(execute=True):
            _file(hurto, lon, lat)

    settings.REPORTS_ROLLUP_DEFER_SECONDS = 30
    monkeypatch.setitem(services._filing_deferral, "at", None)
    rollups_refresh(full=True)
    file(-74.07, 4.62)
    [job] = jobs.jobs("maps.refresh_rollups")
    assert job["status"] == "todo"
    assert job["scheduled_at"] > timezone.now() + timedelta(seconds=25), "runs after the window closes"
    for i in range(3):  # inside the window: no further deferral, no round trip
        file(-74.071 - i * 0.001, 4.621)
    assert len(jobs.jobs("maps.refresh_rollups")) == 1
    jobs.run()
    assert in_rollup() == 0, "not before its time"
    jobs.make_due()
    jobs.run()
    assert in_rollup() == 4, "the one job includes the three reports whose deferral was skipped"

    # Filed inside the window after that job already ran (its deferral found another process's job,
    # say): no job of its own; the periodic refresh brings it in.
    file(-74.08, 4.63)
    assert [j["status"] for j in jobs.jobs("maps.refresh_rollups")] == ["succeeded"]
    settings.MAPS_ROLLUP_MAX_AGE_SECONDS = 0
    _seen["refreshed_at"] = None
    refresh_rollups_if_due.defer(timestamp=0)
    jobs.run()
    assert in_rollup() == 5

    # Once the window has passed, the next report defers again.
    monkeypatch.setitem(services._filing_deferral, "at", services._filing_deferral["at"] - 31)
    file(-74.082, 4.631)
    assert len(jobs.jobs("maps.refresh_rollups")) == 2


# --- Idempotency-Key ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retry_with_the_same_key_gets_the_original(api, territory, hurto):
    headers = {"Idempotency-Key": "telefono-1", "X-Device-Id": "tel-1"}
    data = body()
    first = api.post(URL, data, format="json", headers=headers)
    again = api.post(URL, data, format="json", headers=headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Report.objects.count() == 1
    assert StatusChange.objects.count() == 1
    assert (
        IdempotencyRecord.objects.get(key="telefono-1").response_body["tracking_code"]
        == (first.json()["tracking_code"])
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_get_the_original_not_a_second_row(territory, hurto):
    """Two connections send the same key and body at the same moment: one report, one code for both."""
    data = body(description="Dos envíos simultáneos del mismo teléfono")
    barrier = threading.Barrier(2)
    answers: list = []
    errors: list = []

    def send():
        try:
            barrier.wait(timeout=10)
            response = APIClient().post(
                URL, data, format="json", headers={"Idempotency-Key": "carrera", "X-Device-Id": "tel-c"}
            )
            answers.append((response.status_code, response.json(), response.get("Idempotent-Replayed")))
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(status for status, _, _ in answers) == [201, 201]
    assert answers[0][1]["tracking_code"] == answers[1][1]["tracking_code"]
    assert sorted(str(replayed) for _, _, replayed in answers) == ["None", "true"]
    assert Report.objects.filter(description=data["description"]).count() == 1
    assert IdempotencyRecord.objects.filter(key="carrera").count() == 1


@pytest.mark.django_db
def test_the_key_is_claimed_with_the_answer_in_one_statement(api, territory, hurto):
    """First filing: the insert and one statement for the key (claim and answer together); the record
    never exists without its answer; a retry writes nothing that survives and gets the same answer."""
    from django.test.utils import CaptureQueriesContext

    headers = {"Idempotency-Key": "una-vez", "X-Device-Id": "tel-u"}
    data = body()
    with CaptureQueriesContext(connection) as queries:
        first = api.post(URL, data, format="json", headers=headers)
    assert first.status_code == 201
    idempotency = [q["sql"] for q in queries.captured_queries if "reports_idempotencyrecord" in q["sql"]]
    assert len(idempotency) == 1 and idempotency[0].lstrip().startswith("INSERT")
    record = IdempotencyRecord.objects.get(key="una-vez")
    assert record.response_status == 201
    assert record.response_body == first.json()
    again = api.post(URL, data, format="json", headers=headers)
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert again["Content-Type"] == first["Content-Type"]
    assert Report.objects.count() == 1 and StatusChange.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_report_leaves_its_key_free_for_the_corrected_one(api, territory, hurto):
    headers = {"Idempotency-Key": "corrige", "X-Device-Id": "tel-x"}
    outside = api.post(
        URL, body(location={"type": "Point", "coordinates": [-74.20, 4.62]}), format="json", headers=headers
    )
    assert outside.status_code == 400
    assert "fuera de Bogotá" in outside.json()["location"][0]
    assert not IdempotencyRecord.objects.exists()
    corrected = api.post(URL, body(), format="json", headers=headers)
    assert corrected.status_code == 201 and corrected.get("Idempotent-Replayed") is None
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_concurrent_first_attempt_still_running_is_a_409(api, territory, hurto):
    # A pending record (written by earlier versions before the answer existed; this one claims the key
    # with its answer) is never replayed as empty.
    headers = {"Idempotency-Key": "pendiente", "X-Device-Id": "tel-p"}
    data = body()
    first = api.post(URL, data, format="json", headers=headers)
    IdempotencyRecord.objects.filter(key="pendiente").update(response_status=0)
    second = api.post(URL, data, format="json", headers=headers)
    assert first.status_code == 201
    assert second.status_code == 409
    assert second["Retry-After"]
    assert Report.objects.count() == 1


# --- categories from the per-process copy --------------------------------------------------------


@pytest.mark.django_db
def test_category_deactivated_behind_the_cache_files_nothing(api, territory, hurto):
    assert category_active_by_code("hurto") == hurto  # now in this process's copy
    Category.objects.filter(pk=hurto.pk).update(active=False)  # no signal: the copy is stale
    response = api.post(URL, body(), format="json")
    assert response.status_code == 400
    assert "categoría" in response.json()["category"][0]
    assert not Report.objects.exists()
    assert category_active_by_code("hurto") is None  # the stale copy was dropped


@pytest.mark.django_db
def test_category_made_sensitive_behind_the_cache_gets_no_public_point(api, territory, hurto):
    category_active_by_code("hurto")
    Category.objects.filter(pk=hurto.pk).update(sensitive=True)
    response = api.post(URL, body(), format="json")
    assert response.status_code == 201
    assert response.json()["public_location"] is None
    assert response.json()["category"]["sensitive"] is True
    assert Report.objects.get().public_location is None


@pytest.mark.django_db
def test_saving_a_category_refreshes_the_copy(api, territory, hurto):
    category_active_by_code("hurto")
    hurto.active = False
    hurto.save()
    response = api.post(URL, body(), format="json")
    assert response.status_code == 400
    assert "Categoría desconocida" in response.json()["category"][0]
    make_category("hurto", active=True)  # active again
    assert api.post(URL, body(), format="json").status_code == 201
