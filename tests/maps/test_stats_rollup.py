"""Statistics from the rollup (maps_unitdaystat, maps_unitdaycategorystat) are the raw aggregate's.

unit_stats reads the statistics rollup; unit_stats(from_rollup=False) the same figures from
reports_report. Both are compared, figure by figure (the median to the last bit), for an anonymous
caller, an analyst and locality staff, at both levels, over periods whose edges fall at local
midnight in Bogotá, with sensitive categories, hidden/rejected/duplicate reports, reports without a
UPZ and ties among response times; then the rollup follows each kind of change through the
background refresh (the `jobs` fixture), never by the write or the read itself.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maps.filters import MapFilters
from maps.selectors import unit_stats
from maps.services import _seen, rollups_refresh
from reports.models import Report
from reports.services import report_hide, report_respond, report_transition
from reports.visibility import ViewerScope
from tests.factories import make_territory
from tests.reports.factories import make_category, make_report, make_user

from .h4a_support import add_reports, client_for, local_dt

pytestmark = pytest.mark.django_db

NORTE = (-74.0712, 4.6234)  # locality 01, UPZ 1
SUR = (-74.0712, 4.5734)  # locality 02, UPZ 2
SCOPES = {
    "anonymous": ViewerScope(),
    "analyst": ViewerScope(full=True),
    "staff 02": ViewerScope(locality_codes=("02",)),
}
MARCH = MapFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))


def _seed():
    make_territory()
    hurto = make_category("hurto")
    rina = make_category("rina")
    extorsion = make_category("extorsion", sensitive=True)
    make_category("vandalismo")  # a category nobody reports under
    t0 = local_dt(2026, 3, 10, 8)
    # Locality 01, March: response times with a tie and an odd/even count per category.
    for hours, status in ((2, "resolved"), (4, "resolved"), (4, "in_progress"), (9.5, "closed_no_action")):
        add_reports(
            [NORTE], hurto, created_at=t0, first_response_at=t0 + timedelta(hours=hours), status=status
        )
    add_reports([NORTE] * 2, hurto, created_at=t0)  # never answered
    add_reports([NORTE], hurto, created_at=t0, status="rejected", first_response_at=t0 + timedelta(hours=1))
    add_reports([NORTE], hurto, created_at=t0, status="duplicate")
    add_reports([NORTE], rina, created_at=t0, hidden=True, first_response_at=t0 + timedelta(minutes=7))
    add_reports(
        [NORTE] * 3, rina, created_at=local_dt(2026, 3, 20, 22), first_response_at=t0 + timedelta(days=11)
    )
    # Period edges in local time (UTC−5): the first and last instants of March count, the next do not.
    add_reports([NORTE], hurto, created_at=local_dt(2026, 3, 1, 0))
    add_reports(
        [NORTE],
        hurto,
        created_at=local_dt(2026, 3, 31, 23) + timedelta(minutes=59),
        first_response_at=local_dt(2026, 4, 1, 3),
    )
    add_reports([NORTE], hurto, created_at=local_dt(2026, 4, 1, 0))
    add_reports([NORTE], hurto, created_at=local_dt(2026, 2, 28, 23) + timedelta(minutes=59))
    # Previous period (February, same length as March): 01 has 4, 02 has 2.
    add_reports([NORTE] * 4, hurto, created_at=local_dt(2026, 2, 12))
    add_reports([SUR] * 2, hurto, created_at=local_dt(2026, 2, 12))
    # Locality 02, March: sensitive reports (counted per UPZ/locality only), a small public count.
    add_reports([SUR] * 2, extorsion, created_at=t0, first_response_at=t0 + timedelta(hours=30))
    add_reports([SUR] * 2, hurto, created_at=local_dt(2026, 3, 15, 12), status="resolved")
    add_reports([SUR], hurto, created_at=t0, hidden=True, first_response_at=t0 + timedelta(hours=3))
    # Reports without a UPZ: in their locality's figures, in no UPZ's.
    no_upz = add_reports([SUR] * 3, rina, created_at=t0, first_response_at=t0 + timedelta(hours=5))
    Report.objects.filter(pk__in=[r.pk for r in no_upz]).update(upz=None)
    rollups_refresh(full=True)


def _same(filters: MapFilters, *, level: str, scope: ViewerScope) -> dict:
    rollup = unit_stats(level=level, filters=filters, scope=scope)
    raw = unit_stats(level=level, filters=filters, scope=scope, from_rollup=False)
    assert rollup == raw
    return rollup


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
@pytest.mark.parametrize("level", ["locality", "upz"])
@pytest.mark.parametrize(
    "filters",
    [
        MARCH,
        MapFilters(date_from=date(2026, 2, 1), date_to=date(2026, 4, 30)),
        MapFilters(date_from=date(2026, 3, 31), date_to=date(2026, 3, 31)),
        MapFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)),
        MapFilters(),  # the last 365 days
        MapFilters(category=("hurto",), date_from=MARCH.date_from, date_to=MARCH.date_to),
        MapFilters(category=("extorsion", "rina"), date_from=MARCH.date_from, date_to=MARCH.date_to),
        MapFilters(locality=("02",), date_from=MARCH.date_from, date_to=MARCH.date_to),
        MapFilters(upz=("1",), category=("hurto",), date_from=MARCH.date_from, date_to=MARCH.date_to),
        # The per-category rollup over the same edges: local midnights, whole months (monthly rows)
        # beside cut ones (day rows), in both the period and the previous one.
        MapFilters(category=("hurto",), date_from=date(2026, 3, 31), date_to=date(2026, 3, 31)),
        MapFilters(category=("hurto",), date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)),
        MapFilters(category=("hurto",), date_from=date(2026, 2, 1), date_to=date(2026, 4, 30)),
        MapFilters(category=("hurto", "rina"), date_from=date(2026, 2, 15), date_to=date(2026, 4, 10)),
        MapFilters(category=("hurto",)),  # the last 365 days
        # Only sensitive reports, fewer than k: withheld from the public, in full for staff of 02.
        MapFilters(category=("extorsion",), date_from=MARCH.date_from, date_to=MARCH.date_to),
        MapFilters(category=("vandalismo",), date_from=MARCH.date_from, date_to=MARCH.date_to),
        MapFilters(category=("no-existe",), date_from=MARCH.date_from, date_to=MARCH.date_to),
        MapFilters(locality=("02",), category=("hurto",), date_from=MARCH.date_from, date_to=MARCH.date_to),
    ],
    ids=[
        "march",
        "feb-apr",
        "last-day",
        "first-day",
        "default",
        "hurto",
        "two-categories",
        "loc02",
        "upz1",
        "hurto-last-day",
        "hurto-first-day",
        "hurto-feb-apr",
        "two-categories-cut-months",
        "hurto-default",
        "extorsion-below-k",
        "category-without-reports",
        "unknown-category",
        "loc02-hurto",
    ],
)
def test_rollup_figures_equal_the_raw_aggregate(filters, level, scope):
    _seed()
    _same(filters, level=level, scope=scope)


def test_the_seeded_figures_are_the_expected_ones():
    """The comparison above is not between two empty answers: March by locality, for an analyst and
    in the public form."""
    _seed()
    analyst = {u["code"]: u for u in _same(MARCH, level="locality", scope=SCOPES["analyst"])["units"]}
    # 01: 4 answered + 2 not + rejected + duplicate + hidden rina + 3 rina + 1 at 00:00 + 1 at 23:59.
    assert analyst["01"]["count"] == 14 and analyst["01"]["previous_count"] == 5
    assert analyst["02"]["count"] == 8 and analyst["02"]["share_resolved"] == 0.25
    public = {u["code"]: u for u in _same(MARCH, level="locality", scope=SCOPES["anonymous"])["units"]}
    assert public["01"]["count"] == 11  # not the rejected, duplicate or hidden ones
    assert public["02"]["count"] == 7 and public["02"]["previous_count"] is None  # 2 < k before
    upz = {u["code"]: u for u in _same(MARCH, level="upz", scope=SCOPES["anonymous"])["units"]}
    assert upz["2"]["count"] == 4  # the three reports without a UPZ are not in it
    edge = _same(
        MapFilters(date_from=date(2026, 3, 31), date_to=date(2026, 3, 31)),
        level="upz",
        scope=SCOPES["analyst"],
    )
    assert edge["units"][0]["count"] == 1 and edge["units"][0]["median_response_hours"] == 3.02


def test_the_seeded_category_figures_are_the_expected_ones():
    """Nor are the per-category comparisons: the cut-month period, the sensitive category below k
    (withheld from the public, in full for staff of 02) and the categories without reports."""
    _seed()
    cut = MapFilters(category=("hurto", "rina"), date_from=date(2026, 2, 15), date_to=date(2026, 4, 10))
    both = {u["code"]: u for u in _same(cut, level="locality", scope=SCOPES["analyst"])["units"]}
    # 01: 8 hurto on 10 March, the hidden rina, 3 rina on 20 March, hurto at 28 Feb 23:59, 1 March
    # 00:00, 31 March 23:59 and 1 April 00:00; before 15 February, the 4 of the 12th. 02: 2 hurto on
    # 15 March, the hidden one and 3 rina without UPZ on the 10th; 2 on 12 February.
    assert both["01"]["count"] == 16 and both["01"]["previous_count"] == 4
    assert both["02"]["count"] == 6 and both["02"]["previous_count"] == 2
    extorsion = MapFilters(category=("extorsion",), date_from=MARCH.date_from, date_to=MARCH.date_to)
    public = _same(extorsion, level="upz", scope=SCOPES["anonymous"])["units"]
    assert [(u["code"], u["count"], u["suppressed"]) for u in public] == [("2", None, True)]
    staff = _same(extorsion, level="upz", scope=SCOPES["staff 02"])["units"]
    assert [(u["code"], u["count"], u["median_response_hours"]) for u in staff] == [("2", 2, 30.0)]
    for code in ("vandalismo", "no-existe"):
        empty = MapFilters(category=(code,), date_from=MARCH.date_from, date_to=MARCH.date_to)
        assert _same(empty, level="upz", scope=SCOPES["analyst"])["units"] == []


def test_the_api_serves_the_rollup_in_the_same_shape():
    _seed()
    body = (
        client_for(make_user("ana", role="analyst"))
        .get("/api/maps/stats/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
        .json()
    )
    assert set(body) == {"level", "period", "previous_period", "min_count", "units"}
    assert {u["code"]: u["count"] for u in body["units"]} == {"01": 14, "02": 8}
    # A report added after the last refresh is not in the figures until the background refresh runs.
    add_reports([NORTE], make_category("ruido"), created_at=local_dt(2026, 3, 5))
    again = (
        client_for(make_user("ana2", role="analyst"))
        .get("/api/maps/stats/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
        .json()
    )
    assert {u["code"]: u["count"] for u in again["units"]}["01"] == 14
    rollups_refresh()
    again = (
        client_for(make_user("ana3", role="analyst"))
        .get("/api/maps/stats/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
        .json()
    )
    assert {u["code"]: u["count"] for u in again["units"]}["01"] == 15


def test_a_status_filter_is_answered_from_the_base_table():
    _seed()
    resolved = MapFilters(status=("resolved",), date_from=MARCH.date_from, date_to=MARCH.date_to)
    units = {
        u["code"]: u for u in unit_stats(level="locality", filters=resolved, scope=SCOPES["analyst"])["units"]
    }
    assert units["01"]["count"] == 2 and units["02"]["count"] == 2


def _week() -> MapFilters:
    today = timezone.localdate()
    return MapFilters(date_from=today - timedelta(days=6), date_to=today)


def _all_same():
    for filters in (MapFilters(), _week()):
        for scope in SCOPES.values():
            for level in ("locality", "upz"):
                _same(filters, level=level, scope=scope)


def _today(level="locality", scope=SCOPES["analyst"]) -> dict:
    """Figures of the last 7 days by unit code."""
    return {u["code"]: u for u in unit_stats(level=level, filters=_week(), scope=scope)["units"]}


def test_each_kind_of_change_reaches_the_stats_through_the_background_refresh(
    jobs, django_capture_on_commit_callbacks, settings
):
    make_territory()
    hurto = make_category("hurto")
    staff = make_user("alcaldia01", role="locality_staff", localities=["01"])
    moderator = make_user("moderadora", role="moderator")
    rollups_refresh(full=True)

    def write(action):
        """Run a service write as a request would (on-commit callbacks), then the worker."""
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        assert jobs.jobs("maps.refresh_rollups"), "the write queued a background refresh"
        jobs.run()
        _all_same()
        return result

    # Created: four reports in 01 today.
    reports = [write(lambda: make_report(category=hurto, lonlat=NORTE)) for _ in range(4)]
    assert _today()["01"]["count"] == 4 and _today()["01"]["median_response_hours"] is None
    # Received 5, 10, 15 and 20 hours ago, so response times differ; and saved before the refresh's
    # overlap window, so a later change must be found by its own updated_at.
    for i, report in enumerate(reports):
        Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(hours=5 * (i + 1)))
    Report.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    rollups_refresh(full=True)

    # Status change: one resolved.
    write(lambda: report_transition(report=reports[0], actor=staff, to_status="in_progress"))
    write(lambda: report_transition(report=reports[0], actor=staff, to_status="resolved"))
    assert _today()["01"]["share_resolved"] == 0.25
    assert _today()["01"]["median_response_hours"] == pytest.approx(5, abs=0.02)  # the transition answered

    # Public response: first_response_at set on another report.
    Report.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    rollups_refresh(full=True)
    write(lambda: report_respond(report=reports[1], author=staff, body="Vamos en camino."))
    assert Report.objects.filter(first_response_at__isnull=False).count() == 2
    assert _today()["01"]["median_response_hours"] == pytest.approx(7.5, abs=0.02)  # of about 5 and 10

    # Moderation: hidden from the public figures (3 public reports: still ≥ k), kept for analysts.
    Report.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    rollups_refresh(full=True)
    write(lambda: report_hide(report=reports[2], actor=moderator, reason="Datos personales"))
    assert _today(scope=SCOPES["anonymous"])["01"]["count"] == 3
    assert _today()["01"]["count"] == 4

    # Moved to another UPZ and locality (a correction outside the services, e.g. in the admin): the
    # periodic job picks it up.
    from localities.models import Locality, Upz
    from maps.tasks import refresh_rollups_if_due

    Report.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    rollups_refresh(full=True)
    moved = Report.objects.get(pk=reports[3].pk)
    moved.locality = Locality.objects.get(code="02", version__active=True)
    moved.upz = Upz.objects.get(code="2", version__active=True)
    moved.save()
    assert _today()["01"]["count"] == 4, "no read refreshes the rollup"
    settings.MAPS_ROLLUP_MAX_AGE_SECONDS = 0
    _seen["refreshed_at"] = None
    refresh_rollups_if_due.defer(timestamp=0)
    jobs.run()
    _all_same()
    assert _today()["01"]["count"] == 3 and _today()["02"]["count"] == 1
    assert _today("upz")["2"]["count"] == 1


def test_full_rebuild_command_fills_the_statistics_rollup():
    from django.core.management import call_command

    from maps.models import UnitDayCategoryStat, UnitDayStat

    _seed()
    UnitDayStat.objects.all().delete()
    UnitDayCategoryStat.objects.all().delete()
    call_command("refresh_rollups", "--full")
    for model in (UnitDayStat, UnitDayCategoryStat):
        for monthly in (False, True):
            rows = model.objects.filter(monthly=monthly)
            assert sum(rows.values_list("n", flat=True)) == Report.objects.count()
            assert sum(len(r) for r in rows.values_list("response_secs", flat=True)) == 16
    assert UnitDayStat.objects.filter(monthly=True).values_list("day", flat=True).distinct().count() == 3
    _same(MARCH, level="upz", scope=SCOPES["staff 02"])


@pytest.mark.parametrize("size", [1, 2, 3, 4, 57, 200])
def test_the_median_is_percentile_cont_to_the_last_bit(size):
    """Delays spread over many histogram buckets, with ties, values exactly on a bucket bound, a
    negative one and some beyond the last bound: the median from the rollup is the very float
    percentile_cont gives over reports_report, for odd and even counts."""
    import random

    from django.db import connection

    from maps.models import RESPONSE_BOUNDS

    make_territory()
    hurto = make_category("hurto")
    rng = random.Random(size)
    t0 = local_dt(2026, 3, 10, 8)
    specials = [RESPONSE_BOUNDS[3], RESPONSE_BOUNDS[3], -30.0, 40 * 86400.0, 0.0]
    for k in range(size):
        created = t0 + timedelta(days=k % 20, minutes=rng.randrange(600))
        delay = specials[k] if k < len(specials) and size > 10 else rng.lognormvariate(10, 2)
        add_reports([NORTE], hurto, created_at=created, first_response_at=created + timedelta(seconds=delay))
    rollups_refresh(full=True)
    from maps.selectors.stats import _rollup_sql

    # March whole (its monthly row) and from the 12th (day rows only), each against the base table.
    for first in (date(2026, 3, 1), date(2026, 3, 12)):
        period = MapFilters(date_from=first, date_to=date(2026, 3, 31))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), percentile_cont(0.5) WITHIN GROUP"
                " (ORDER BY extract(epoch FROM first_response_at - created_at))"
                " FROM reports_report WHERE created_at >= %s",
                [period.created_range()[0]],
            )
            count, raw = cursor.fetchone()
            # The rollup's statement itself (unit_stats rounds the median to hours).
            sql, params = _rollup_sql("locality", SCOPES["analyst"], period, date(2026, 2, 1))
            cursor.execute(sql, {**params, "end_year": 2026})
            rows = cursor.fetchall()
        assert [(row[0], row[2]) for row in rows] == [("01", count)]
        assert rows[0][5] == raw  # equal floats, not approximately (None when nothing was answered)


def test_the_council_brief_reads_the_rollup(client):
    """The public brief (and the dashboard it shares figures with) shows the rollup's figures: a report
    not yet refreshed is not in them, and is once the refresh has run."""
    _seed()
    period = {"desde": "2026-03-01", "hasta": "2026-03-31"}
    response = client.get("/mapa/localidad/01/informe/", period)
    assert response.status_code == 200
    assert response.context["summary"]["count"] == 11
    upz = {row["code"]: row["count"] for row in response.context["upz_rows"]}
    assert upz["1"] == 11
    add_reports([NORTE] * 2, make_category("ruido"), created_at=local_dt(2026, 3, 6))
    assert client.get("/mapa/localidad/01/informe/", period).context["summary"]["count"] == 11
    rollups_refresh()
    assert client.get("/mapa/localidad/01/informe/", period).context["summary"]["count"] == 13


@pytest.mark.parametrize(
    "first, last",
    [
        (date(2026, 3, 1), date(2026, 3, 31)),  # one whole month
        (date(2026, 3, 2), date(2026, 3, 30)),  # one cut month
        (date(2025, 12, 2), date(2026, 12, 1)),  # a year, cut at both ends
        (date(2024, 1, 15), date(2024, 3, 14)),  # February of a leap year whole
        (date(2026, 2, 28), date(2026, 3, 1)),  # two days, two months
        (date(2026, 3, 31), date(2026, 3, 31)),
    ],
)
def test_a_period_is_read_as_whole_months_and_the_other_days_once(first, last):
    """The rows a period reads: monthly rows for the months inside it, day rows for every other day,
    each day of the period once."""
    from maps.filters import following_month
    from maps.selectors.stats import _period_parts

    months, days = _period_parts(first, last)
    covered = list(days)
    for month in months:
        assert first <= month and following_month(month) - timedelta(days=1) <= last
        covered += [month + timedelta(days=i) for i in range((following_month(month) - month).days)]
    assert sorted(covered) == [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert not any(day.replace(day=1) in months for day in days)
