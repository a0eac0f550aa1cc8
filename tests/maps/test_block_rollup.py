"""The block rollup (maps_reportblock): square heatmaps and hot spots of 500 m multiples read from it
give the very cells of the node rollup and of a raw aggregate of the reports, for every viewer, filter
and period (whole months, days cut at either end, Bogotá-time day boundaries), and an incremental
refresh leaves it as a full rebuild would."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from maps.filters import MapFilters, whole_months
from maps.selectors.grid import cell_query, uses_blocks
from maps.selectors.heatmap import heatmap_cells, heatmap_cells_json
from maps.selectors.hotspots import hotspot_cells_json
from maps.services import rollups_refresh
from reports.models import Report
from reports.visibility import ViewerScope, public_grid_metres, public_min_count
from tests.factories import make_territory
from tests.reports.factories import make_category

from .h4a_support import add_reports

pytestmark = pytest.mark.django_db

BOGOTA = ZoneInfo("America/Bogota")
ANONYMOUS = ViewerScope()
ANALYST = ViewerScope(full=True)
STAFF_01 = ViewerScope(locality_codes=("01",))
SCOPES = {"anonymous": ANONYMOUS, "analyst": ANALYST, "staff 01": STAFF_01}

# Periods over the reports of August–November 2026 (local dates, inclusive).
PERIODS = {
    "everything": (None, None),
    "whole months": (date(2026, 9, 1), date(2026, 10, 31)),
    "cut at both ends": (date(2026, 8, 17), date(2026, 11, 9)),
    "cut at the start, open end": (date(2026, 9, 30), None),
    "open start, cut at the end": (None, date(2026, 10, 1)),
    "inside one month": (date(2026, 9, 10), date(2026, 9, 30)),
    "one day on a month boundary": (date(2026, 9, 30), date(2026, 9, 30)),
}
FILTERS = {
    "none": {},
    "category": {"category": ("hurto",)},
    "two categories": {"category": ("hurto", "extorsion")},
    "locality": {"locality": ("01",)},
    "upz": {"upz": ("2",)},
}


def _created_times(rng: random.Random, n: int) -> list[datetime]:
    """Times of receipt over August–November 2026, a quarter of them within 45 minutes of a local
    midnight on the last or first day of a month (the day and month depend on Bogotá time)."""
    times = []
    edges = [date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)]
    for i in range(n):
        if i % 4 == 0:
            edge = rng.choice(edges)
            local = datetime(edge.year, edge.month, edge.day, 23, 59, tzinfo=BOGOTA) + timedelta(
                minutes=rng.randint(-44, 46)
            )
        else:
            start = datetime(2026, 8, 1, tzinfo=BOGOTA)
            local = start + timedelta(minutes=rng.randint(0, 121 * 24 * 60 - 1))
        times.append(local)
    return times


@pytest.fixture
def reports(db):
    """About 400 reports in both toy localities (dense clusters, so some cells pass k and some not),
    three categories (one sensitive), some hidden or rejected, received at varied local times."""
    make_territory()
    categories = [make_category("hurto"), make_category("ruido"), make_category("extorsion", sensitive=True)]
    rng = random.Random(12)
    centres = [
        (-74.0712, 4.6234),
        (-74.0612, 4.6334),
        (-74.0812, 4.6110),
        (-74.0712, 4.5734),
        (-74.0900, 4.5650),
    ]
    lonlats = []
    for i in range(400):
        lon, lat = centres[i % len(centres)]
        spread = 0.004 if i % 3 else 0.012
        # Kept inside the toy localities (lon -74.10..-74.05, lat 4.55..4.65).
        x = min(max(lon + rng.uniform(-spread, spread), -74.099), -74.051)
        y = min(max(lat + rng.uniform(-spread, spread), 4.551), 4.649)
        lonlats.append((x, y))
    created = []
    for index, category in enumerate(categories):
        created += add_reports(lonlats[index::3], category)
    times = _created_times(rng, len(created))
    statuses = ["received"] * 8 + ["resolved", "rejected", "duplicate"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report r SET created_at = t.created_at, status = t.status, hidden = t.hidden "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::bool[]) AS t(id, created_at, status, hidden) "
            "WHERE r.id = t.id",
            [
                [r.pk for r in created],
                times,
                [rng.choice(statuses) for _ in created],
                [rng.random() < 0.05 for _ in created],
            ],
        )
    rollups_refresh(full=True)
    return categories


def _raw_cells(scope: ViewerScope, filters: MapFilters, size: int) -> tuple[dict, int]:
    """Shown cells {(a, b): count} and the number suppressed, computed from reports_report alone."""
    g = public_grid_metres()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT round(ST_X(p) / %(g)s)::int, round(ST_Y(p) / %(g)s)::int, day, loc, upz, cat, sensitive, public
            FROM (
                SELECT ST_Transform(CASE WHEN c.sensitive OR r.public_location IS NULL THEN r.location
                                         ELSE r.public_location END, 9377) AS p,
                       (r.created_at AT TIME ZONE 'America/Bogota')::date AS day, l.code AS loc,
                       coalesce(u.code, '') AS upz, c.code AS cat, c.sensitive,
                       NOT r.hidden AND r.status NOT IN ('rejected', 'duplicate') AS public
                FROM reports_report r
                JOIN reports_category c ON c.id = r.category_id
                JOIN localities_locality l ON l.id = r.locality_id
                LEFT JOIN localities_upz u ON u.id = r.upz_id
            ) s
            """,
            {"g": g},
        )
        rows = cursor.fetchall()
    cells: dict = {}
    for x, y, day, loc, upz, cat, sensitive, public in rows:
        privileged = scope.has_full_detail(loc)
        if not (privileged or (public and not sensitive)):
            continue
        if (
            (filters.locality and loc not in filters.locality)
            or (filters.upz and upz not in filters.upz)
            or (filters.category and cat not in filters.category)
            or (filters.date_from and day < filters.date_from)
            or (filters.date_to and day > filters.date_to)
        ):
            continue
        key = (x * g // size, y * g // size)
        n, all_privileged = cells.get(key, (0, True))
        cells[key] = (n + 1, all_privileged and privileged)
    k = public_min_count()
    shown = {key: n for key, (n, priv) in cells.items() if scope.full or n >= k or priv}
    return shown, len(cells) - len(shown)


def _counts(document: dict) -> dict:
    return {
        tuple(int(v) for v in f["id"].split(":")[1:]): f["properties"]["count"] for f in document["features"]
    }


def _check_all(size: int = 500) -> int:
    """Block path == node path (same JSON text) == raw aggregate, for every scope × filter × period."""
    checked = 0
    for scope_name, scope in SCOPES.items():
        for filter_name, extra in FILTERS.items():
            for period_name, (date_from, date_to) in PERIODS.items():
                filters = MapFilters(date_from=date_from, date_to=date_to, **extra)
                coarse = heatmap_cells_json(filters=filters, scope=scope, cell=size, shape="square")
                fine = heatmap_cells_json(filters=filters, scope=scope, cell=size, shape="square", fine=True)
                where = f"{scope_name}, filter {filter_name}, {period_name}, {size} m"
                assert coarse == fine, where
                document = heatmap_cells(filters=filters, scope=scope, cell=size, shape="square")
                raw, suppressed = _raw_cells(scope, filters, size)
                assert _counts(document) == raw, where
                assert document["meta"]["suppressed_cells"] == suppressed, where
                checked += 1
    return checked


def test_block_cells_equal_node_cells_and_the_raw_aggregate(reports):
    assert _check_all(500) == len(SCOPES) * len(FILTERS) * len(PERIODS)
    # The data exercise what matters: cells below k exist, and so do cells shown to the public.
    public = heatmap_cells(filters=MapFilters(), scope=ANONYMOUS, cell=500, shape="square")
    assert public["meta"]["suppressed_cells"] > 0 and public["features"]


def test_block_cells_at_1000_m_equal_node_cells_and_the_raw_aggregate(reports):
    assert _check_all(1000) > 0


def test_hot_spots_from_blocks_equal_those_from_nodes(reports):
    for scope in SCOPES.values():
        for date_from, date_to in PERIODS.values():
            filters = MapFilters(date_from=date_from, date_to=date_to)
            coarse = hotspot_cells_json(filters=filters, scope=scope, cell=500, shape="square")
            assert coarse == hotspot_cells_json(
                filters=filters, scope=scope, cell=500, shape="square", fine=True
            )


def test_squares_of_block_multiples_read_the_block_rollup(reports):
    """With the node rollup emptied, 500 m squares over whole months still count every report
    (they read the blocks), while 300 m squares and hexagons, which cut blocks, read the nodes."""
    filters = MapFilters(date_from=date(2026, 9, 1), date_to=date(2026, 10, 31))
    before = heatmap_cells(filters=filters, scope=ANALYST, cell=500, shape="square")["meta"]["total"]
    assert before > 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM maps_reportcell")
    assert heatmap_cells(filters=filters, scope=ANALYST, cell=500, shape="square")["meta"]["total"] == before
    assert heatmap_cells(filters=filters, scope=ANALYST, cell=300, shape="square")["meta"]["total"] == 0
    assert heatmap_cells(filters=filters, scope=ANALYST, cell=500, shape="hex")["meta"]["total"] == 0
    assert uses_blocks("square", 1500) and not uses_blocks("square", 700) and not uses_blocks("hex", 500)
    assert "maps_reportblock" in cell_query(filters, ANALYST, "square", 500.0).sql


def test_whole_months_of_a_period():
    assert whole_months(None, None) == (None, None)
    assert whole_months(date(2026, 8, 1), date(2026, 10, 31)) == (date(2026, 8, 1), date(2026, 11, 1))
    assert whole_months(date(2026, 8, 2), date(2026, 10, 30)) == (date(2026, 9, 1), date(2026, 10, 1))
    assert whole_months(date(2026, 12, 15), None) == (date(2027, 1, 1), None)
    assert whole_months(None, date(2026, 2, 28)) == (None, date(2026, 3, 1))
    assert whole_months(date(2026, 9, 2), date(2026, 9, 30)) is None
    assert whole_months(date(2026, 9, 30), date(2026, 10, 30)) is None


def _blocks() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT block_x, block_y, day, monthly, locality_code, upz_code, category_id, sensitive, public, n "
            "FROM maps_reportblock ORDER BY 1, 2, 3, 4, 5, 6, 7 NULLS FIRST, 8, 9"
        )
        return cursor.fetchall()


def test_incremental_refresh_leaves_the_blocks_as_a_full_rebuild(reports):
    hurto, ruido, _ = reports
    now = timezone.now()
    first, *others = Report.objects.order_by("pk")
    # A report's day of receipt never changes in the platform (created_at is set on filing), and the
    # incremental pass recomputes the days of the changed reports as they are now; so the report
    # moved here to another day and month (across a Bogotá midnight) has a neighbour on its old day
    # that changes too (hidden), as a moderation would. Another changes category.
    old_day = first.created_at.astimezone(BOGOTA).date()
    neighbour = next(r for r in others if r.created_at.astimezone(BOGOTA).date() == old_day)
    Report.objects.filter(pk=first.pk).update(
        created_at=datetime(2026, 10, 31, 23, 50, tzinfo=BOGOTA), updated_at=now
    )
    Report.objects.filter(pk=neighbour.pk).update(hidden=True, updated_at=now)
    recategorised = next(r for r in others if r.category_id == hurto.pk and r.pk != neighbour.pk)
    Report.objects.filter(pk=recategorised.pk).update(category=ruido, updated_at=now)
    new = add_reports([(-74.0712, 4.6234)], hurto, created_at=datetime(2026, 7, 20, 12, tzinfo=BOGOTA))
    Report.objects.filter(pk=new[0].pk).update(updated_at=now)
    result = rollups_refresh()
    assert not result.full and result.days >= 3
    incremental = _blocks()
    _check_all(500)
    rollups_refresh(full=True)
    assert incremental == _blocks()
