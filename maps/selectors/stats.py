"""Statistics per locality or UPZ, read from the statistics rollup (one query), or from reports_report.

For the period [date_from, date_to] (inclusive local dates; default: the last 365 days):
- count: reports received;
- rate_per_10k: count per 10,000 inhabitants (localities: Population of the latest year ≤ the
  period's last year, else the earliest; UPZ: the Laboratorio Urbano table, which has no year);
- previous_count, change, change_pct: against the previous period of equal length;
- median_response_hours: median of first_response_at − created_at (percentile_cont), over the
  reports that got a first response;
- share_resolved: resolved reports / count.
Public callers: public reports only; a unit with count < k has every figure nulled
(`suppressed: true`), and the change is nulled when the previous count is < k.

Source: the rollup maps_unitdaystat (maps_unitdaycategorystat when a category is asked for), kept by
the background refresh (maps.services), which holds per local day, locality, UPZ and visibility the
counts and every first-response delay, so the figures are the ones the raw aggregate over
reports_report gives (the median too: percentile_cont over the same float8 values). The rollup cannot
filter by workflow status (it counts every status together); a `status` filter, which the stats API
does not take but a caller of unit_stats might pass, is answered from reports_report, as is
from_rollup=False. Figures are as fresh as the last refresh (seconds after a write, normally).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from django.utils import timezone

from geo.replicas import read_connection
from reports.models import OPEN_STATUSES, Report
from reports.visibility import ViewerScope, VisibleRows, public_min_count

from ..filters import MapFilters, following_month, report_where, rollup_where, whole_months
from ..models import RESPONSE_BOUNDS

DEFAULT_DAYS = 365
# An open report older than this many days is counted as overdue on the dashboard.
OPEN_OVERDUE_DAYS = 15


def _period(filters: MapFilters) -> MapFilters:
    today = timezone.localdate()
    end = filters.date_to or today
    start = filters.date_from or (end - timedelta(days=DEFAULT_DAYS - 1))
    return filters.with_period(start, end)


def _unit_lookups(level: str) -> tuple[str, str]:
    """SQL of the unit's name and its lateral population join, over a relation `a` with column unit."""
    if level == "locality":
        population = """
            LEFT JOIN LATERAL (
                SELECT p.population FROM localities_population p
                WHERE p.level = 'locality' AND p.code = a.unit
                ORDER BY (p.year <= %(end_year)s) DESC,
                         CASE WHEN p.year <= %(end_year)s THEN -p.year ELSE p.year END
                LIMIT 1
            ) pop ON true"""
        name = "(SELECT name FROM localities_locality WHERE code = a.unit ORDER BY version_id DESC LIMIT 1)"
    else:
        population = """
            LEFT JOIN LATERAL (
                SELECT p.population FROM localities_population p
                WHERE p.level = 'upz' AND p.code = a.unit AND p.year IS NULL LIMIT 1
            ) pop ON true"""
        name = "(SELECT name FROM localities_upz WHERE code = a.unit ORDER BY version_id DESC LIMIT 1)"
    return name, population


def _raw_sql(level: str, scope: ViewerScope, filters: MapFilters, previous_from: date) -> tuple[str, dict]:
    """(sql, params) over reports_report, reading the previous period (from `previous_from`) and
    `filters`' own period."""
    unit = "l.code" if level == "locality" else "u.code"
    unit_locality = "l.code"
    rows = report_where(filters.with_period(previous_from, filters.date_to), scope, points=False)
    if level == "upz":
        rows = rows.and_where("u.code IS NOT NULL")
    where, privileged = rows.where, rows.privileged
    name, population = _unit_lookups(level)
    # Raw SQL: percentile_cont, FILTERed aggregates over two periods and a lateral population lookup
    # in one pass over the table; the ORM would need one query per figure. Fragments are fixed
    # strings chosen above; values are parameters.
    sql = f"""
        WITH a AS (
            SELECT {unit} AS unit, min({unit_locality}) AS unit_locality,
                   count(*) FILTER (WHERE r.created_at >= %(start)s) AS n,
                   count(*) FILTER (WHERE r.created_at < %(start)s) AS prev_n,
                   count(*) FILTER (WHERE r.created_at >= %(start)s AND r.status = 'resolved') AS resolved,
                   percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY extract(epoch FROM r.first_response_at - r.created_at)
                   ) FILTER (WHERE r.created_at >= %(start)s AND r.first_response_at IS NOT NULL) AS median_s,
                   bool_and({privileged}) AS privileged
            FROM reports_report r
            JOIN localities_locality l ON l.id = r.locality_id
            LEFT JOIN localities_upz u ON u.id = r.upz_id
            JOIN reports_category c ON c.id = r.category_id
            WHERE {where}
            GROUP BY {unit}
        )
        SELECT a.unit, {name}, a.n, a.prev_n, a.resolved, a.median_s, a.privileged, pop.population
        FROM a {population}
        ORDER BY a.unit
    """  # noqa: S608
    return sql, rows.query_params()


def _rollup_sql(level: str, scope: ViewerScope, filters: MapFilters, previous_from: date) -> tuple[str, dict]:
    """(sql, params) over the statistics rollup giving the columns of _raw_sql, in one statement.

    `s`: the rows covering the previous and the current period once (_rollup_source), read from the
    read index alone. `a`: the figures per unit. `ranks`: for the current period, the number of
    delays N and the summed cumulative histogram. The median, exactly percentile_cont(0.5)'s: the
    middle ranks lo = ⌊(N−1)/2⌋ and hi = ⌈(N−1)/2⌉ (0-based) fall in buckets j_lo ≤ j_hi of that
    histogram (`buckets`, `pick`); each row of the current period gives the slice of its sorted delays inside those
    buckets (`need`, still from the index: rows with an empty slice are not fetched), only those rows
    are fetched from the table (`fetched`), the slices of a unit are put together and the two delays
    at the ranks taken from them (`med`); the result is lo + (hi − lo) · 0.5 in float8, as
    PostgreSQL's own interpolation (float8_lerp), or lo when N is odd.
    """
    unit = "locality_code" if level == "locality" else "upz_code"
    rows = _rollup_rows(level, scope, filters)
    table = _rollup_table(filters)
    source, params = _rollup_source(
        rows,
        table,
        f"id, {unit}::text AS unit, day, n, resolved, responded, response_below, {rows.privileged} AS privileged",
        _period_parts(previous_from, filters.date_from - timedelta(days=1)),
        _period_parts(filters.date_from, filters.date_to),
    )
    name, population = _unit_lookups(level)
    below = ", ".join(f"sum(response_below[{i}])" for i in range(1, len(RESPONSE_BOUNDS) + 1))
    # Raw SQL: FILTERed sums over two periods, sums of the histogram's cells, array slices chosen by
    # the histogram, a positional pick from the sorted union and the same lateral population lookup
    # as _raw_sql; the ORM can express none of it. response_below[0] and [B + 1] are NULL (out of
    # range): the first bucket starts at 0 and the last ends at the array's length. `fetched` reads
    # the table in one pass over the primary key (joined row by row, the planner looked each id up
    # separately). Fragments are fixed strings (the table is one of two names); values are parameters.
    sql = f"""
        WITH s AS MATERIALIZED (
            SELECT * FROM {source} src
        ), a AS (
            SELECT unit,
                   coalesce(sum(n) FILTER (WHERE day >= %(start_day)s), 0) AS n,
                   coalesce(sum(n) FILTER (WHERE day < %(start_day)s), 0) AS prev_n,
                   coalesce(sum(resolved) FILTER (WHERE day >= %(start_day)s), 0) AS resolved,
                   bool_and(privileged) AS privileged
            FROM s GROUP BY unit
        ), ranks AS (
            -- the current period's delays: how many, and how many below each bound
            SELECT unit, ARRAY[{below}] || sum(responded) AS cumulative,
                   (sum(responded) - 1) / 2 AS lo, sum(responded) / 2 AS hi
            FROM s WHERE day >= %(start_day)s
            GROUP BY unit HAVING sum(responded) > 0
        ), buckets AS (
            -- width_bucket: how many cells of the (non-decreasing) cumulative histogram are ≤ the rank
            SELECT unit, cumulative, lo, hi,
                   width_bucket(lo, cumulative) + 1 AS j_lo, width_bucket(hi, cumulative) + 1 AS j_hi
            FROM ranks
        ), pick AS MATERIALIZED (
            SELECT unit, j_lo, j_hi, lo - coalesce(cumulative[j_lo - 1], 0) + 1 AS a,
                   hi - coalesce(cumulative[j_lo - 1], 0) + 1 AS b
            FROM buckets
        ), edge AS (
            SELECT s.id, p.unit, p.a, p.b,
                   coalesce(s.response_below[p.j_lo - 1], 0) + 1 AS first,
                   coalesce(s.response_below[p.j_hi], s.responded) AS last
            FROM s JOIN pick p ON p.unit = s.unit
            WHERE s.day >= %(start_day)s
        ), need AS MATERIALIZED (
            SELECT * FROM edge WHERE last >= first
        ), fetched AS MATERIALIZED (
            SELECT t.id, t.response_secs FROM {table} t WHERE t.id = ANY(ARRAY(SELECT id FROM need))
        ), part AS (
            SELECT need.unit, min(need.a) AS a, min(need.b) AS b, array_agg(v) AS secs
            FROM need JOIN fetched f ON f.id = need.id
            CROSS JOIN LATERAL unnest(f.response_secs[need.first : need.last]) AS v
            GROUP BY need.unit
        ), med AS (
            SELECT unit, CASE WHEN m.low = m.high THEN m.low ELSE m.low + (m.high - m.low) * 0.5::float8 END AS median_s
            FROM part CROSS JOIN LATERAL (
                SELECT min(v) AS low, max(v) AS high FROM (
                    SELECT v FROM unnest(part.secs) AS v ORDER BY v OFFSET part.a - 1 LIMIT part.b - part.a + 1
                ) o
            ) m
        )
        SELECT a.unit, {name}, a.n, a.prev_n, a.resolved, med.median_s, a.privileged, pop.population
        FROM a LEFT JOIN med USING (unit) {population}
        ORDER BY a.unit
    """  # noqa: S608
    return sql, {**params, "start_day": filters.date_from}


def _rollup_table(filters: MapFilters) -> str:
    return "maps_unitdaycategorystat" if filters.category else "maps_unitdaystat"


def _whole_months(first: date, last: date) -> list[date]:
    """First days of the calendar months lying entirely within [first, last] (inclusive dates)."""
    span = whole_months(first, last)
    if span is None:
        return []
    months, month = [], span[0]
    while month < span[1]:
        months.append(month)
        month = following_month(month)
    return months


def _days(first: date, last: date) -> list[date]:
    """Every date of [first, last] (none when last < first)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _period_parts(first: date, last: date) -> tuple[list[date], list[date]]:
    """(whole months, other days) of [first, last]: the first days of the calendar months inside it,
    read as monthly rows, and the days of the months it cuts, read as day rows. Together they cover
    every day of the period once."""
    months = _whole_months(first, last)
    if not months:
        return [], _days(first, last)
    after = following_month(months[-1])
    return months, _days(first, months[0] - timedelta(days=1)) + _days(after, last)


def _rollup_rows(level: str, scope: ViewerScope, filters: MapFilters) -> VisibleRows:
    """Rows of the statistics rollup `scope` may see under `filters`' codes (the period is chosen by
    _rollup_source); at UPZ level, only rows with a UPZ."""
    rows = rollup_where(replace(filters, date_from=None, date_to=None), scope, points=False)
    return rows.and_where("upz_code <> ''") if level == "upz" else rows


def _rollup_source(
    rows: VisibleRows, table: str, columns: str, *parts: tuple[list[date], list[date]]
) -> tuple[str, dict]:
    """(SQL of a parenthesised relation, params): `columns` of the rows of `table` matching `rows` that
    cover the periods given as _period_parts exactly once: the monthly row of each whole month, day rows
    for the other days.

    Two branches, each an equality on the leading keys of the read index (unitdaystat_read,
    unitdaycatstat_read: [category,] monthly, day, then locality and UPZ) with the columns read
    carried in it, so each is an index-only scan touching only the period's rows; one condition with
    OR, or with a day range minus the whole months, made PostgreSQL read every row of the category
    (or of the range) in the heap and discard most of them."""
    months = [month for whole, _ in parts for month in whole]
    days = [day for _, other in parts for day in other]
    # Raw SQL: a UNION ALL of two index conditions (see above); fragments are fixed strings.
    sql = f"""(
        SELECT {columns} FROM {table} WHERE monthly AND day = ANY(%(s_months)s::date[]) AND {rows.where}
        UNION ALL
        SELECT {columns} FROM {table} WHERE NOT monthly AND day = ANY(%(s_days)s::date[]) AND {rows.where}
    )"""  # noqa: S608
    return sql, rows.query_params(s_months=months, s_days=days)


def unit_stats(*, level: str, filters: MapFilters, scope: ViewerScope, from_rollup: bool = True) -> dict:
    """Figures per locality or UPZ (see module docstring) with the period used and k.

    From the statistics rollup unless `filters` has a status (or from_rollup=False): then from
    reports_report, with the same figures.
    """
    filters = _period(filters)
    start, _ = filters.created_range()
    previous_from = filters.date_from - (filters.date_to - filters.date_from) - timedelta(days=1)
    if from_rollup and not filters.status:
        sql, params = _rollup_sql(level, scope, filters, previous_from)
    else:
        sql, params = _raw_sql(level, scope, filters, previous_from)
        params.update(start=start)
    params.update(end_year=filters.date_to.year)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    k = public_min_count()
    units = []
    for code, name, n, prev_n, resolved, median_s, privileged, population in fetched:
        suppress = not scope.full and not privileged and n < k
        hide_change = suppress or (not scope.full and not privileged and prev_n < k)
        row = {
            "code": code,
            "name": name,
            "count": None if suppress else n,
            "population": population,
            "rate_per_10k": (None if suppress or not population else round(n * 10000 / population, 3)),
            "previous_count": None if hide_change else prev_n,
            "change": None if hide_change else n - prev_n,
            "change_pct": (None if hide_change or prev_n == 0 else round((n - prev_n) * 100 / prev_n, 2)),
            "median_response_hours": (
                None if suppress or median_s is None else round(float(median_s) / 3600, 2)
            ),
            "share_resolved": None if suppress or n == 0 else round(resolved / n, 4),
            "suppressed": suppress,
        }
        units.append(row)
    return {
        "level": level,
        "period": {"date_from": filters.date_from, "date_to": filters.date_to},
        "previous_period": {
            "date_from": previous_from,
            "date_to": filters.date_from - timedelta(days=1),
        },
        "min_count": None if scope.full else k,
        "units": units,
    }


def category_counts(*, filters: MapFilters, scope: ViewerScope, limit: int = 10) -> list[dict]:
    """Top categories by reports received (from the rollup), most frequent first.

    [{code, name_es, name_en, count, suppressed}]; counts below k are nulled for callers without full
    detail (the category stays listed so the order is still informative).
    """
    rows = rollup_where(filters, scope, points=False)
    where, privileged, params = rows.where, rows.privileged, rows.query_params(limit=int(limit))
    # Raw SQL: grouped read of the rollup with the same visibility fragment as the heatmap.
    sql = f"""
        SELECT c.code, c.name_es, c.name_en, sum(rc.n)::int AS n, bool_and({privileged})
        FROM maps_reportcell rc JOIN reports_category c ON c.id = rc.category_id
        WHERE {where}
        GROUP BY c.code, c.name_es, c.name_en
        ORDER BY n DESC, c.code
        LIMIT %(limit)s
    """  # noqa: S608
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    k = public_min_count()
    out = []
    for code, name_es, name_en, n, priv in rows:
        hide = not scope.full and not priv and n < k
        out.append(
            {
                "code": code,
                "name_es": name_es,
                "name_en": name_en,
                "count": None if hide else n,
                "suppressed": hide,
            }
        )
    return out


def weekly_counts(*, filters: MapFilters, scope: ViewerScope) -> list[dict]:
    """Reports received per ISO week (Monday start, local dates) from the rollup, oldest first.

    [{week_start, count, suppressed}]; weeks without reports are included as 0 between the first and
    last week of the period (or of the data when no dates are given); the first and last weeks count
    only the days inside the period. Counts below k are nulled for
    callers without full detail.
    """
    rows = rollup_where(filters, scope, points=False)
    where, privileged, params = rows.where, rows.privileged, rows.query_params()
    # Raw SQL: generate_series fills empty weeks; the ORM cannot left-join a series.
    sql = f"""
        WITH w AS (
            SELECT date_trunc('week', day)::date AS week, sum(n)::int AS n, bool_and({privileged}) AS priv
            FROM maps_reportcell WHERE {where} GROUP BY 1
        ), span AS (
            SELECT coalesce(date_trunc('week', %(date_from)s::date)::date, min(week)) AS lo,
                   coalesce(date_trunc('week', %(date_to)s::date)::date, max(week)) AS hi
            FROM w
        )
        SELECT s.week::date, coalesce(w.n, 0), coalesce(w.priv, true)
        FROM span, generate_series(span.lo, span.hi, interval '7 days') AS s(week)
        LEFT JOIN w ON w.week = s.week::date
        ORDER BY 1
    """  # noqa: S608
    params.setdefault("date_from", filters.date_from)
    params.setdefault("date_to", filters.date_to)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    k = public_min_count()
    out = []
    for week, n, priv in rows:
        hide = not scope.full and not priv and 0 < n < k
        out.append({"week_start": week, "count": None if hide else n, "suppressed": hide})
    return out


def open_reports_summary(*, locality_code: str, filters: MapFilters, scope: ViewerScope) -> dict:
    """Reports of one locality still open now, among those received in the filtered period.

    {open, overdue (open for more than OPEN_OVERDUE_DAYS days), median_open_days, suppressed}.
    Public callers: public reports only; figures below k are nulled.
    """
    privileged = scope.has_full_detail(locality_code)
    reports = Report.objects.filter(locality__code=locality_code)
    if not privileged:
        reports = reports.public()
    reports = filters.apply(reports).filter(status__in=OPEN_STATUSES)
    sql, params = reports.values("created_at").query.sql_with_params()
    now = timezone.now()
    # Raw SQL: the median age needs percentile_cont, which the ORM has no aggregate for; the inner
    # query is the ORM's own (filters and visibility written once).
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*),
                   count(*) FILTER (WHERE s.created_at < %s),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM %s - s.created_at))
            FROM ({sql}) s
            """,  # noqa: S608
            [now - timedelta(days=OPEN_OVERDUE_DAYS), now, *params],
        )
        total, overdue, median_s = cursor.fetchone()
    k = public_min_count()
    hide = not privileged and total < k
    return {
        "open": None if hide else total,
        "overdue": None if hide or (not privileged and overdue < k) else overdue,
        "median_open_days": None if hide or median_s is None else round(float(median_s) / 86400, 1),
        "overdue_days": OPEN_OVERDUE_DAYS,
        "suppressed": hide,
    }
