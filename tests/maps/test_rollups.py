"""The rollup (maps_reportcell) agrees with a raw aggregate of reports_report, and is refreshed by a
background job after report writes (and by a periodic one), never by the write itself or by reads."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from maps.models import ReportCell
from maps.services import _seen, rollups_refresh, rollups_refresh_if_due
from reports.models import Report
from tests.factories import make_territory
from tests.reports.factories import make_category, make_report

from .h4a_support import add_reports

pytestmark = pytest.mark.django_db


def _raw():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT round(ST_X(ST_Transform(location, 9377)) / 100)::int,
                   round(ST_Y(ST_Transform(location, 9377)) / 100)::int, count(*)
            FROM reports_report GROUP BY 1, 2 ORDER BY 1, 2
            """
        )
        return cursor.fetchall()


def _rollup():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cell_x, cell_y, sum(n)::int FROM maps_reportcell GROUP BY 1, 2 ORDER BY 1, 2")
        return [tuple(r) for r in cursor.fetchall()]


def test_full_refresh_matches_the_raw_aggregate():
    make_territory()
    hurto = make_category("hurto")
    extorsion = make_category("extorsion", sensitive=True)
    pts = [(-74.095 + (i % 40) * 0.001, 4.56 + (i % 17) * 0.005) for i in range(120)]
    add_reports(pts[:80], hurto, status="resolved", first_response_at=timezone.now())
    add_reports(pts[80:], extorsion, created_at=timezone.now() - timedelta(days=3))
    result = rollups_refresh(full=True)
    assert result.full
    assert _rollup() == [tuple(r) for r in _raw()]
    totals = ReportCell.objects.values_list("sensitive", "resolved", "responded", "n")
    assert sum(t[3] for t in totals if t[0]) == 40
    assert sum(t[1] for t in totals) == 80 and sum(t[2] for t in totals) == 80


def test_incremental_refresh_touches_only_changed_days_and_command_runs(capsys):
    make_territory()
    hurto = make_category("hurto")
    add_reports([(-74.07, 4.62)] * 3, hurto, created_at=timezone.now() - timedelta(days=10))
    # The database's clock, as the updated_at trigger uses: one clock for every updated_at compared.
    Report.objects.update(updated_at=Now() - timedelta(hours=1))
    rollups_refresh(full=True)
    assert rollups_refresh().days == 0
    add_reports([(-74.07, 4.62)] * 2, hurto)
    result = rollups_refresh()
    assert result.days == 1 and not result.full
    assert _rollup() == [tuple(r) for r in _raw()]
    call_command("refresh_rollups", "--full")
    assert "completa" in capsys.readouterr().out


def test_rollup_cells_are_the_nodes_of_the_public_points():
    make_territory()
    hurto = make_category("hurto")
    add_reports([(-74.0712 + i * 0.00037, 4.6213 + i * 0.00029) for i in range(30)], hurto)
    rollups_refresh(full=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT round(ST_X(ST_Transform(public_location, 9377)) / 100)::int,"
            " round(ST_Y(ST_Transform(public_location, 9377)) / 100)::int FROM reports_report ORDER BY 1, 2"
        )
        nodes = cursor.fetchall()
    assert [r[:2] for r in _rollup()] == [tuple(n) for n in nodes]


def test_refresh_if_due_skips_when_recent():
    make_territory()
    rollups_refresh(full=True)
    _seen["refreshed_at"] = None
    assert rollups_refresh_if_due(max_age_seconds=3600) is False
    assert rollups_refresh_if_due(max_age_seconds=0) is True


def test_report_writes_refresh_the_rollup_through_one_background_job(
    jobs, django_capture_on_commit_callbacks, settings
):
    make_territory()
    hurto = make_category("hurto")
    rollups_refresh(full=True)
    settings.MAPS_ROLLUP_MAX_AGE_SECONDS = 0  # a refresh would be due: the write must still not run it
    _seen["refreshed_at"] = None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_report(category=hurto, lonlat=(-74.07, 4.62))
    assert len(callbacks) == 1
    for _ in range(3):  # a burst of writes while the refresh waits: still one job
        with django_capture_on_commit_callbacks(execute=True):
            make_report(category=hurto, lonlat=(-74.0702, 4.6201))
    assert ReportCell.objects.count() == 0, "the write itself never refreshes"
    assert [j["status"] for j in jobs.jobs("maps.refresh_rollups")] == ["todo"]
    jobs.run()
    assert sum(ReportCell.objects.values_list("n", flat=True)) == 4
    assert _rollup() == [tuple(r) for r in _raw()]
    assert [j["status"] for j in jobs.jobs("maps.refresh_rollups")] == ["succeeded"]


def test_the_periodic_job_refreshes_only_when_the_rollup_is_old(jobs, settings):
    from maps.tasks import refresh_rollups_if_due

    make_territory()
    rollups_refresh(full=True)
    make_report(category=make_category("hurto"), lonlat=(-74.07, 4.62))
    _seen["refreshed_at"] = None
    settings.MAPS_ROLLUP_MAX_AGE_SECONDS = 3600
    refresh_rollups_if_due.defer(timestamp=0)
    jobs.run()
    assert ReportCell.objects.count() == 0
    settings.MAPS_ROLLUP_MAX_AGE_SECONDS = 0
    refresh_rollups_if_due.defer(timestamp=60)
    jobs.run()
    assert sum(ReportCell.objects.values_list("n", flat=True)) == 1


def test_incremental_pass_reads_reports_through_the_updated_at_index():
    """EXPLAIN of the refresh's own query: both the watermark and the changed days come from the
    report_updated_at index (seq scans disabled so the toy table's size does not decide the plan;
    a plan without a usable index would still show a Seq Scan)."""
    from django.test.utils import CaptureQueriesContext

    make_territory()
    add_reports([(-74.0751, 4.6251)] * 3, make_category("hurto"))
    rollups_refresh(full=True)
    with CaptureQueriesContext(connection) as queries:
        rollups_refresh()
    (incremental,) = [q["sql"] for q in queries if "updated_at >" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + incremental)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on reports_report" not in plan, plan
    assert plan.count("report_updated_at") == 2, plan
