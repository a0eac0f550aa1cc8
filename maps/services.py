"""Writes of the maps app: keeping the report rollups up to date.

Rollups: maps_reportcell (reports per public-grid node and day, for heatmaps, hot spots and trends),
maps_reportblock (the same per 500 m block and month, built from maps_reportcell, for square cells
of 500 m multiples) and the statistics rollup maps_unitdaystat / maps_unitdaycategorystat (reports, resolved and
first-response delays per day and UPZ, for maps.selectors.stats). All four are rebuilt for the same
days in the same transaction, so they never disagree with each other.

Map reads never write, and no request refreshes the rollup. Report writes call
rollups_refresh_enqueue when they commit, which defers the background job maps.tasks.refresh_rollups
(procrastinate's queueing lock keeps at most one waiting, so a burst of writes collapses into one
refresh); the worker's periodic job runs rollups_refresh_if_due every minute (a refresh when the last
one is older than settings.MAPS_ROLLUP_MAX_AGE_SECONDS), and `manage.py refresh_rollups` refreshes by hand.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from geo.jobs import defer_once
from reports.visibility import NOT_PUBLIC_STATUSES, PUBLIC_REPORT_SQL, aggregate_point_sql, public_grid_metres

from .filters import MapFilters
from .models import BLOCK_NODES, RESPONSE_BOUNDS, RollupState

NOT_PUBLIC = list(NOT_PUBLIC_STATUSES)

STATE_NAME = "reportcell"
WATERMARK_OVERLAP_SECONDS = 120
# Any 64-bit number unique to this lock: only one refresh runs at a time.
_LOCK_KEY = 0x4D415053_524F4C4C  # "MAPSROLL"
# Held while a refresh after a write runs, so concurrent writers skip instead of queueing.
_BUSY_KEY = 0x4D415053_42555359  # "MAPSBUSY"

# Raw SQL: one INSERT … SELECT aggregating the base table in PostGIS (the ORM cannot group by an
# expression on ST_Transform and insert the result in the same statement). Cells are the nodes of
# the public grid (reports.visibility.aggregate_point_sql, snapped to public_grid_metres()), so every
# map aggregate is computed from the public point; `public` is reports.visibility's rule.
_INSERT_SQL = """
INSERT INTO maps_reportcell
    (cell_x, cell_y, day, locality_code, upz_code, category_id, sensitive, public,
     n, resolved, responded, response_secs)
SELECT
    round(ST_X(p) / %(cell)s)::int, round(ST_Y(p) / %(cell)s)::int, day,
    locality_code, upz_code, category_id, sensitive, public,
    count(*), count(*) FILTER (WHERE status = 'resolved'), count(first_response_at),
    coalesce(sum(extract(epoch FROM first_response_at - created_at)), 0)
FROM (
    SELECT ST_Transform(%(point)s, 9377) AS p,
           (r.created_at AT TIME ZONE %(tz)s)::date AS day,
           l.code AS locality_code, coalesce(u.code, '') AS upz_code, r.category_id,
           c.sensitive, %(public)s AS public,
           r.status, r.first_response_at, r.created_at
    FROM reports_report r
    JOIN reports_category c ON c.id = r.category_id
    JOIN localities_locality l ON l.id = r.locality_id
    LEFT JOIN localities_upz u ON u.id = r.upz_id
    WHERE {where}
) s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
""".replace("%(point)s", aggregate_point_sql()).replace("%(public)s", PUBLIC_REPORT_SQL)
# {where} is one of two fixed strings below

# Raw SQL: one pass over the base table feeding both statistics rollups (a writable CTE; the ORM has
# no INSERT … SELECT, nor array_agg … ORDER BY). `public` is reports.visibility's rule; secs is the
# float8 the raw statistics' percentile_cont orders (extract gives numeric, percentile_cont casts it).
_STATS_INSERT_SQL = """
WITH s AS (
    SELECT (r.created_at AT TIME ZONE %(tz)s)::date AS day, l.code AS locality_code,
           coalesce(u.code, '') AS upz_code, r.category_id, %(public)s AS public,
           r.status = 'resolved' AS resolved,
           extract(epoch FROM r.first_response_at - r.created_at)::float8 AS secs
    FROM reports_report r
    JOIN localities_locality l ON l.id = r.locality_id
    LEFT JOIN localities_upz u ON u.id = r.upz_id
    WHERE {where}
), per_category AS (
    INSERT INTO maps_unitdaycategorystat
        (day, monthly, locality_code, upz_code, category_id, public, n, resolved, response_secs, response_below)
    SELECT day, false, locality_code, upz_code, category_id, public, count(*), count(*) FILTER (WHERE resolved),
           coalesce(array_agg(secs ORDER BY secs) FILTER (WHERE secs IS NOT NULL), '{{}}'), %(below)s
    FROM s GROUP BY day, locality_code, upz_code, category_id, public
)
INSERT INTO maps_unitdaystat
    (day, monthly, locality_code, upz_code, public, n, resolved, response_secs, response_below)
SELECT day, false, locality_code, upz_code, public, count(*), count(*) FILTER (WHERE resolved),
       coalesce(array_agg(secs ORDER BY secs) FILTER (WHERE secs IS NOT NULL), '{{}}'), %(below)s
FROM s GROUP BY day, locality_code, upz_code, public
""".replace("%(public)s", PUBLIC_REPORT_SQL).replace(
    # The cumulative histogram (maps.models.RESPONSE_BOUNDS): one FILTERed count per bound, in the same
    # pass. The bounds are our own floats, written in full (repr round-trips) as float8 literals.
    "%(below)s",
    "ARRAY[" + ", ".join(f"count(*) FILTER (WHERE secs < {b!r}::float8)::int" for b in RESPONSE_BOUNDS) + "]",
)
STATS_TABLES = ("maps_unitdaystat", "maps_unitdaycategorystat")
# Key columns of each statistics table besides day/monthly.
_STATS_KEYS = {
    "maps_unitdaystat": "locality_code, upz_code, public",
    "maps_unitdaycategorystat": "locality_code, upz_code, category_id, public",
}
# Raw SQL: the monthly rows of the months in %(months)s rebuilt from their day rows (sums, the sorted
# union of the delays, the histograms added cell by cell); a grouped insert with array_agg … ORDER BY.
_STATS_MONTHS_SQL = """
WITH d AS (
    SELECT date_trunc('month', day)::date AS month, {keys}, n, resolved, response_secs, response_below
    FROM {table}
    WHERE NOT monthly AND day >= %(first)s AND day < %(after)s AND date_trunc('month', day)::date = ANY(%(months)s)
), c AS (
    SELECT month, {keys}, sum(n)::int AS n, sum(resolved)::int AS resolved, ARRAY[{below}]::int[] AS below
    FROM d GROUP BY month, {keys}
), v AS (
    SELECT month, {keys}, array_agg(secs ORDER BY secs) AS secs
    FROM d CROSS JOIN LATERAL unnest(response_secs) AS secs GROUP BY month, {keys}
)
INSERT INTO {table} (day, monthly, {keys}, n, resolved, response_secs, response_below)
SELECT month, true, {keys}, n, resolved, coalesce(v.secs, '{{}}'), below
FROM c LEFT JOIN v USING (month, {keys})
"""
_MONTH_BELOW = ", ".join(f"sum(response_below[{i}])" for i in range(1, len(RESPONSE_BOUNDS) + 1))


def _stats_months_rebuild(cursor, months: list) -> None:
    """Replace the monthly rows of `months` (first days) in both statistics tables by their day rows' sums."""
    if not months:
        return
    # [first month's 1st, the 1st after the last month): bounds the day index scan.
    params = {
        "months": months,
        "first": min(months),
        "after": (max(months) + timedelta(days=31)).replace(day=1),
    }
    for table in STATS_TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE monthly AND day = ANY(%(months)s)", params)  # noqa: S608
        keys = _STATS_KEYS[table]
        cursor.execute(_STATS_MONTHS_SQL.format(table=table, keys=keys, below=_MONTH_BELOW), params)


# Raw SQL: the coarse rollup maps_reportblock from the fine one in one grouped pass (GROUPING SETS,
# which the ORM cannot express): day rows for all categories together, month rows per category and
# for all categories together. A block is BLOCK_NODES × BLOCK_NODES nodes; nodes are positive (Bogotá
# is at x ≈ 4.9e6, y ≈ 2.0e6 m in EPSG:9377, maps.selectors.grid), so integer division is the floor.
# {where} bounds the days read (all of them, or the days being refreshed); {sets} picks the rows and
# {day}, {category} say what each set gives: day, monthly and category_id (_BLOCK_SETS).
_BLOCKS_SQL = """
INSERT INTO maps_reportblock
    (block_x, block_y, day, monthly, locality_code, upz_code, category_id, sensitive, public, n)
SELECT block_x, block_y, {day}, locality_code, upz_code, {category}, sensitive, public, sum(n)::int
FROM (
    SELECT cell_x / %(nodes)s AS block_x, cell_y / %(nodes)s AS block_y, day,
           date_trunc('month', day)::date AS month, locality_code, upz_code, category_id, sensitive,
           public, n
    FROM maps_reportcell WHERE {where}
) c
GROUP BY GROUPING SETS ({sets})
"""
_BLOCK_KEYS = "block_x, block_y, locality_code, upz_code, sensitive, public"
_BLOCK_DAY_SET = f"(day, {_BLOCK_KEYS})"
_BLOCK_MONTH_SETS = f"(month, category_id, {_BLOCK_KEYS}), (month, {_BLOCK_KEYS})"
_BLOCK_SETS = {
    "all": {
        "sets": f"{_BLOCK_DAY_SET}, {_BLOCK_MONTH_SETS}",
        "day": "coalesce(day, month), GROUPING(day) = 1",
        "category": "category_id",
    },
    "days": {"sets": _BLOCK_DAY_SET, "day": "day, false", "category": "NULL"},
}


def _blocks_rebuild(cursor) -> None:
    """Rebuild every block row (maps_reportblock) from maps_reportcell."""
    cursor.execute("TRUNCATE maps_reportblock")
    cursor.execute(_BLOCKS_SQL.format(where="true", **_BLOCK_SETS["all"]), {"nodes": BLOCK_NODES})


# Raw SQL: the node rows of the days being refreshed, as block keys, counted negatively before they
# are replaced and positively after (INSERT … SELECT into a temporary table, dropped at commit).
_BLOCK_DELTA_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS maps_block_delta (
    block_x int, block_y int, month date, locality_code varchar(2), upz_code varchar(8),
    category_id bigint, sensitive bool, public bool, n int
) ON COMMIT DROP
"""
_BLOCK_DELTA_SQL = """
INSERT INTO maps_block_delta
SELECT cell_x / %(nodes)s, cell_y / %(nodes)s, date_trunc('month', day)::date, locality_code, upz_code,
       category_id, sensitive, public, {sign}n
FROM maps_reportcell WHERE day = ANY(%(days)s)
"""
# Raw SQL: the block-months whose counts changed (the delta summed, zeros dropped: a refresh
# recomputes whole days, but few of their keys change) lose their month rows, which come back summed
# with the change, per category and for all categories together; a writable CTE (DELETE … RETURNING
# feeding the INSERT), which the ORM lacks.
_BLOCK_MONTHS_APPLY = """
WITH d AS (
    SELECT block_x, block_y, month, locality_code, upz_code, category_id, sensitive, public, sum(n) AS n
    FROM maps_block_delta
    GROUP BY block_x, block_y, month, locality_code, upz_code, category_id, sensitive, public
    HAVING sum(n) <> 0
), gone AS (
    DELETE FROM maps_reportblock b
    USING (SELECT DISTINCT block_x, block_y, month FROM d) k
    WHERE b.monthly AND b.day = k.month AND b.block_x = k.block_x AND b.block_y = k.block_y
    RETURNING b.block_x, b.block_y, b.day AS month, b.locality_code, b.upz_code, b.category_id, b.sensitive,
              b.public, b.n
), parts AS (
    SELECT * FROM gone
    UNION ALL
    SELECT * FROM d
    UNION ALL
    SELECT block_x, block_y, month, locality_code, upz_code, NULL, sensitive, public, n FROM d
)
INSERT INTO maps_reportblock
    (block_x, block_y, day, monthly, locality_code, upz_code, category_id, sensitive, public, n)
SELECT block_x, block_y, month, true, locality_code, upz_code, category_id, sensitive, public, sum(n)::int
FROM parts
GROUP BY block_x, block_y, month, locality_code, upz_code, category_id, sensitive, public
HAVING sum(n) <> 0
"""


def _blocks_before_days(cursor, days: list) -> None:
    """Count the node rows of `days` out of the block delta, before maps_reportcell replaces them."""
    cursor.execute(_BLOCK_DELTA_TABLE)
    cursor.execute("TRUNCATE maps_block_delta")
    cursor.execute(_BLOCK_DELTA_SQL.format(sign="-"), {"nodes": BLOCK_NODES, "days": days})


def _blocks_after_days(cursor, days: list) -> None:
    """Bring the block rows of `days` and of their months up to date, after maps_reportcell has
    replaced the node rows of `days` (and _blocks_before_days counted the old ones out).

    Day rows are rebuilt from the node rows of those days; month rows get the difference between the
    days' new and old node rows, only where it is not zero (a month row is the sum of every day of its
    month, so re-summing it from the node rows would read the whole month: ~800,000 rows at 10M).
    """
    params = {"nodes": BLOCK_NODES, "days": days}
    cursor.execute("DELETE FROM maps_reportblock WHERE NOT monthly AND day = ANY(%(days)s)", params)
    cursor.execute(_BLOCKS_SQL.format(where="day = ANY(%(days)s)", **_BLOCK_SETS["days"]), params)
    cursor.execute(_BLOCK_DELTA_SQL.format(sign=""), params)
    cursor.execute(_BLOCK_MONTHS_APPLY, params)


def rollup_blocks_rebuild() -> None:
    """Rebuild the coarse rollup maps_reportblock from maps_reportcell as it stands (migration maps 0005)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        _blocks_rebuild(cursor)
        cursor.execute("ANALYZE maps_reportblock")


# Incremental pass: only the local days touched, bounded by the created_at index.
_DAYS_WHERE = "r.created_at >= %(start)s AND r.created_at < %(end)s AND (r.created_at AT TIME ZONE %(tz)s)::date = ANY(%(days)s)"


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    days: int
    rows: int
    watermark: datetime | None


def rollups_refresh(*, full: bool = False, stats: bool = True, blocks: bool = True) -> RefreshResult:
    """Bring maps_reportcell, its coarse companion maps_reportblock and the statistics rollup up to
    date with reports_report.

    Incremental (default): recompute only the local days (America/Bogota) of reports updated since
    the last refresh (Report.updated_at > watermark). `full=True` rebuilds everything (needed after
    hard deletes, which leave no updated_at behind). Serialised with an advisory lock. stats=False
    leaves the statistics rollup alone and blocks=False the block rollup (only the migrations that
    run before their tables exist: 0002, 0003).
    """
    tz = settings.TIME_ZONE
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        state = RollupState.objects.select_for_update().filter(name=STATE_NAME).first()
        if full or state is None:
            cursor.execute("SELECT max(updated_at) FROM reports_report")
            new_watermark = cursor.fetchone()[0]
            cursor.execute("TRUNCATE maps_reportcell")
            cursor.execute(
                _INSERT_SQL.format(where="true"),
                {"tz": tz, "cell": public_grid_metres(), "not_public": NOT_PUBLIC},
            )
            rows, days = cursor.rowcount, -1
            if blocks:
                _blocks_rebuild(cursor)
            if stats:
                cursor.execute(f"TRUNCATE {', '.join(STATS_TABLES)}")
                cursor.execute(_STATS_INSERT_SQL.format(where="true"), {"tz": tz, "not_public": NOT_PUBLIC})
                cursor.execute(
                    "SELECT array_agg(DISTINCT date_trunc('month', day)::date) FROM maps_unitdaystat"
                )
                _stats_months_rebuild(cursor, cursor.fetchone()[0] or [])
            full = True
        else:
            # One pass: the new watermark and the local days touched since the old one. Rows saved in
            # the last WATERMARK_OVERLAP_SECONDS before the previous refresh are read again, in case
            # their transaction committed after it (their updated_at may be below the watermark).
            # Two sub-selects so both ends are read through the report_updated_at index (a FILTER
            # over the whole table would scan it all).
            cursor.execute(
                "SELECT (SELECT max(updated_at) FROM reports_report), "
                "(SELECT array_agg(DISTINCT (created_at AT TIME ZONE %(tz)s)::date) "
                "FROM reports_report WHERE updated_at > %(wm)s)",
                {
                    "tz": tz,
                    "wm": min(
                        state.watermark, state.refreshed_at - timedelta(seconds=WATERMARK_OVERLAP_SECONDS)
                    ),
                },
            )
            new_watermark, changed = cursor.fetchone()
            changed = sorted(changed or [])
            rows = 0
            if changed:
                # [first 00:00, last+1 00:00) local, so the created_at index bounds the scan.
                start, end = MapFilters(date_from=changed[0], date_to=changed[-1]).created_range()
                params = {
                    "tz": tz,
                    "days": changed,
                    "cell": public_grid_metres(),
                    "start": start,
                    "end": end,
                    "not_public": NOT_PUBLIC,
                }
                if blocks:
                    _blocks_before_days(cursor, changed)
                cursor.execute("DELETE FROM maps_reportcell WHERE day = ANY(%(days)s)", params)
                cursor.execute(_INSERT_SQL.format(where=_DAYS_WHERE), params)
                rows = cursor.rowcount
                if blocks:
                    _blocks_after_days(cursor, changed)
                if stats:
                    for table in STATS_TABLES:
                        cursor.execute(
                            f"DELETE FROM {table} WHERE NOT monthly AND day = ANY(%(days)s)",  # noqa: S608
                            params,
                        )
                    cursor.execute(_STATS_INSERT_SQL.format(where=_DAYS_WHERE), params)
                    _stats_months_rebuild(cursor, sorted({d.replace(day=1) for d in changed}))
            days = len(changed)
        now = timezone.now()
        RollupState.objects.update_or_create(
            name=STATE_NAME,
            defaults={"refreshed_at": now, "watermark": new_watermark or (state.watermark if state else now)},
        )
    if full:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE maps_reportcell")
            if blocks:
                cursor.execute("ANALYZE maps_reportblock")
            if stats:
                for table in STATS_TABLES:
                    cursor.execute(f"ANALYZE {table}")
    return RefreshResult(full=full, days=days, rows=rows, watermark=new_watermark)


def rollups_refresh_enqueue(*, delay_seconds: int = 0) -> bool:
    """Defer one background refresh of the rollup (after a report write commits), to run no sooner
    than `delay_seconds` from now. False when a refresh is already waiting in the queue: that one
    will include this write."""
    from .tasks import ROLLUP_LOCK, refresh_rollups

    schedule_in = {"seconds": delay_seconds} if delay_seconds > 0 else None
    return defer_once(refresh_rollups, lock=ROLLUP_LOCK, schedule_in=schedule_in)


# The refreshed_at this process last saw, so most periodic checks decide without a query.
_seen = {"refreshed_at": None}


def rollups_refresh_if_due(*, max_age_seconds: int | None = None) -> bool:
    """Refresh incrementally when the last refresh is older than settings.MAPS_ROLLUP_MAX_AGE_SECONDS.

    Run by the worker's periodic job (maps.tasks). Returns True when it refreshed. Costs nothing while this
    process knows the rollup is younger than the limit, one single-row read otherwise; skipped
    (False) when another process holds the refresh lock, since that refresh covers this write.
    """
    if max_age_seconds is None:
        max_age_seconds = settings.MAPS_ROLLUP_MAX_AGE_SECONDS
    now = timezone.now()
    seen = _seen["refreshed_at"]
    if seen is not None and (now - seen).total_seconds() < max_age_seconds:
        return False
    state = RollupState.objects.filter(name=STATE_NAME).first()
    if state is not None and (now - state.refreshed_at).total_seconds() < max_age_seconds:
        _seen["refreshed_at"] = state.refreshed_at
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_BUSY_KEY])
        if not cursor.fetchone()[0]:
            return False
        try:
            rollups_refresh()
            _seen["refreshed_at"] = now
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_BUSY_KEY])
    return True
