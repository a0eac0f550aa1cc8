"""Maps benchmark: the platform's map outputs against raw SQL doing the same work, on 1,000,000 reports.

    .venv/bin/python bench/maps.py [--reports 1000000] [--repeat 3] [--skip-http | --only-stats]

The dev database ("convive") must hold --reports demo reports; if it has fewer, the script seeds the
missing ones with `seed_demo` and prints how long that took. Cases:

1. citywide heatmap over the last year (500 m squares): maps.selectors.heatmap_cells_json (reads
   the rollup maps_reportcell; the JSON text the endpoint sends), against one raw SQL statement that transforms every
   report point to EPSG:9377, snaps it to its public-grid node, groups the nodes by cell over
   reports_report and builds the same GeoJSON (ST_AsGeoJSON of the cell squares, json_agg), and
   against raw SQL summing the same rollup. For an analyst and in the public form. Goal: within
   1.5× of raw SQL.
2. one locality's heatmap over the last year (the locality with most reports): same pair. Goal: at
   least 5× faster than the raw aggregate over the base table.
   Then, citywide over the last year against raw SQL over the same rollup: 500 m hexagons, the heat
   points (one per public-grid node) and the hot spots' input (counts per 500 m square at or above k).
3. statistics (a period vs the previous one of equal length): maps.selectors.unit_stats (reads the
   statistics rollup maps_unitdaystat, and maps_unitdaycategorystat for a category) against a raw
   SQL query computing the same figures over the base table (RAW_STATS), in every combination the
   stats API and the dashboards ask for (stat_cases: both levels; analyst, public and the staff of
   the densest locality; a year, 90, 30, 7 and 1 days and a calendar month; the most frequent
   category, the most frequent sensitive one and one without reports; a locality, a UPZ, a locality
   with a category), then the endpoint itself through Django's test client. Each row prints its ratio;
   the worst is printed at the end. Goal: at least 5× faster than the raw aggregate in every case.
   Then the uncached public council brief /mapa/localidad/<densest>/informe/ (UPZ and locality
   figures, top categories, weeks, open reports; MAPS_PAGE_CACHE_SECONDS=0), the locality dashboard
   /mapa/localidad/<densest>/ and the public map /mapa/ through Django's test client, each against the
   same page with its statistics read from the base table (unit_stats(from_rollup=False)). Goal for
   the brief: under 300 ms.
4. report vector tiles at zoom 12 and 14 over the densest public-grid node, the 10,000-feature
   GeoJSON page and the full GeoJSON export, anonymous: the platform's HTTP endpoints (maps.api.tiles,
   maps.api.layers, maps.api.exports, through Django's test client) against raw ST_AsMVT / ST_AsGeoJSON SQL, the page also against
   serialising model instances one by one (DRF serializer). Goals: tiles ≤ 500 KB and within 1.5×,
   page ≥ 10× faster than one-by-one, export peak memory (tracemalloc, in separate runs) flat in N;
   the export is timed against a raw COPY of the same Feature SQL. Rows whose
   endpoint does not answer 200 are printed as missing.
All timings are the best of --repeat runs, wall clock, warm cache; every row also shows the 1-minute
load average of the machine when it was measured (it is shared).

Correctness: every case also compares the platform's *whole* output with a raw SQL answer written
independently (every heatmap cell with its count, intensity and polygon; every UPZ figure; every
feature of the page, of the export and of both tiles), for an analyst and for an anonymous caller.
Heatmaps are timed against two baselines: grouping the base table, and grouping the same rollup
table the platform reads (reports per public-grid node). Any difference is printed and the script
exits with status 1.

The raw SQL restates the rule of reports.visibility in one place, `AggregateRule` (`rules()`:
ANALYST, PUBLIC) and `PUBLIC_ROWS` under it, without importing it from the platform, so a platform
change that breaks the rule shows up as a difference. Only the two settings it is written in terms
of (PUBLIC_GRID_METRES, PUBLIC_MIN_COUNT) are read from Django's settings.
"""

import argparse
import json
import math
import os
import sys
import time
import tracemalloc
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ensure_boundaries, machine, setup_django, timed  # noqa: E402

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from maps.filters import MapFilters  # noqa: E402
from maps.selectors import heatmap_cells_json, heatmap_points_json, unit_stats  # noqa: E402
from maps.selectors.grid import cell_query, shown_cells  # noqa: E402
from reports.visibility import ViewerScope  # noqa: E402

FULL = ViewerScope(full=True)
ROWS: list[tuple[str, float | None, float | None, str, str, float]] = []  # … note, 1-minute load average
# case name → other measured figures (bytes out, peak memory), read by bench/growth.py
FIGURES: dict[str, dict] = {}
DIFFS: list[str] = []  # one line per output that differs from its raw SQL; any → exit status 1
SHOW_DIFFS = 5  # first differences printed per case

# Which reports the public may see at all, restated in SQL on reports_report r (not imported from
# the platform, so a platform change that breaks the rule shows up as a difference).
PUBLIC_ROWS = "(NOT r.hidden AND r.status NOT IN ('rejected', 'duplicate'))"


def grid_metres() -> int:
    """g: side in metres (EPSG:9377) of the public grid (the setting, not the platform's helper)."""
    return int(getattr(settings, "PUBLIC_GRID_METRES", 100))


def min_count() -> int:
    """k: public cells and units with fewer reports are absent or withheld (the setting)."""
    return int(getattr(settings, "PUBLIC_MIN_COUNT", 3))


@dataclass(frozen=True)
class AggregateRule:
    """Who counts where, for one kind of caller, restated as raw SQL fragments.

    `point`: SQL of the point (EPSG:4326) whose public-grid node a report counts at in fine outputs
    (heatmap cells, tile clusters) and which point features show; `fine_where`: SQL condition on r
    (joined to reports_category c) for those fine outputs; `rollup_where`: the same condition on the
    rollup maps_reportcell rc; `unit_where`: condition on r for figures per UPZ or locality;
    `min_count`: cells with fewer reports are absent and units' figures withheld (0: none), except
    units whose rows all satisfy `privileged` (condition on r and l: the caller sees them in full).
    """

    name: str
    scope: ViewerScope
    point: str
    fine_where: str
    rollup_where: str
    unit_where: str
    min_count: int
    privileged: str = "FALSE"


def rules() -> tuple[AggregateRule, AggregateRule]:
    """ANALYST (everything, exact points) and PUBLIC (the public form of reports.visibility).

    Analysts count every report at the node of its exact point. The public counts public reports of
    non-sensitive categories at the node of their public point (the stored `public_location`, which
    is already a node), never sensitive ones finer than a UPZ; per UPZ every public report counts,
    sensitive included, and figures of units below k are withheld. Both baselines take the node
    from a different column, so a public point that drifted from its exact point shows up too.
    """
    analyst = AggregateRule("analyst", FULL, "r.location", "TRUE", "TRUE", "TRUE", 0, "TRUE")
    public = AggregateRule(
        "public",
        ViewerScope(),
        "r.public_location",
        f"({PUBLIC_ROWS} AND NOT c.sensitive)",
        "(rc.public AND NOT rc.sensitive)",
        PUBLIC_ROWS,
        min_count(),
    )
    return analyst, public


def staff_rule(own: str) -> AggregateRule:
    """Staff of locality `own` (only for figures per unit): every report of their locality, hidden
    and rejected ones too, with no withholding there; the public rule elsewhere. `own` is a
    parameter (%(own)s) of the statement."""
    return AggregateRule(
        f"staff {own}",
        ViewerScope(locality_codes=(own,)),
        "r.location",
        "FALSE",
        "FALSE",
        f"({PUBLIC_ROWS} OR l.code = %(own)s)",
        min_count(),
        "l.code = %(own)s",
    )


def differ(case: str, problems: list[str]) -> bool:
    """Record the differences of one case (printed at the end); True when there are none."""
    for line in problems[:SHOW_DIFFS]:
        DIFFS.append(f"{case}: {line}")
    if len(problems) > SHOW_DIFFS:
        DIFFS.append(f"{case}: … y {len(problems) - SHOW_DIFFS} diferencias más")
    return not problems


def compare_keyed(mine: dict, theirs: dict, same=lambda a, b: a == b) -> list[str]:
    """Differences between two {key: value} results: missing keys on either side, then unequal values."""
    problems = [f"{k}: solo en la plataforma {mine[k]!r}" for k in sorted(set(mine) - set(theirs), key=str)]
    problems += [f"{k}: solo en SQL {theirs[k]!r}" for k in sorted(set(theirs) - set(mine), key=str)]
    problems += [
        f"{k}: plataforma {mine[k]!r} ≠ SQL {theirs[k]!r}"
        for k in sorted(set(mine) & set(theirs), key=str)
        if not same(mine[k], theirs[k])
    ]
    return problems


def sql_one(sql: str, params: dict | list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchone()


def ensure_reports(n: int) -> None:
    from django.core.management import call_command

    from reports.categories import categories_load

    have = sql_one("SELECT count(*) FROM reports_report")[0]
    if have >= n * 0.99:
        print(f"Reportes en la base de desarrollo: {have:,}")
        return
    categories_load()
    missing = n - have
    print(f"Sembrando {missing:,} reportes de demostración (hay {have:,})…", flush=True)
    start = time.perf_counter()
    call_command("seed_demo", reports=missing, seed=7)
    print(f"Siembra: {time.perf_counter() - start:.1f} s para {missing:,} reportes", flush=True)


def record(name, platform_s, raw_s, goal, note="", **figures):
    ROWS.append((name, platform_s, raw_s, goal, note, os.getloadavg()[0]))
    if figures:
        FIGURES[name] = figures


# The GeoJSON both baselines build from their cells (i, j, n): the same document as the platform's.
# Square (i, j) of side s holds the public-grid nodes (x, y) (metres, EPSG:9377) with floor(x / s) = i;
# it is drawn shifted by half a public cell (g / 2) so it is the union of those nodes' public cells.
HEATMAP_DOCUMENT = """
, m AS (SELECT max(n) AS top FROM c)
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', 'square:' || i || ':' || j,
    'geometry', ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(
        i * %(s)s - %(half)s, j * %(s)s - %(half)s, (i + 1) * %(s)s - %(half)s, (j + 1) * %(s)s - %(half)s,
        9377), 4326), 6)::json,
    'properties', json_build_object('count', n, 'intensity', round(n::numeric / m.top, 4))
)), '[]'))::text
FROM c, m
"""

# Baseline 1: every report of the base table, its point snapped to its public-grid node (nearest
# multiple of g in EPSG:9377), grouped by the square holding that node.
RAW_HEATMAP = (
    """
WITH c AS (
    SELECT floor(round(ST_X(p) / %(g)s) * %(g)s / %(s)s)::int AS i,
           floor(round(ST_Y(p) / %(g)s) * %(g)s / %(s)s)::int AS j, count(*) AS n
    FROM (
        SELECT ST_Transform({point}, 9377) AS p FROM reports_report r
        JOIN reports_category c ON c.id = r.category_id
        {join}
        WHERE r.created_at >= %(start)s AND r.created_at < %(end)s AND {rule} {where}
    ) s GROUP BY 1, 2 HAVING count(*) >= %(k)s
)"""
    + HEATMAP_DOCUMENT
)

# Baseline 2: what a competent engineer writes against the same rollup the platform reads (reports
# per public-grid node (cell_x, cell_y) and local day): sum the nodes into the square holding them.
# Integer division is floor here: EPSG:9377 coordinates of Bogotá are positive.
RAW_HEATMAP_ROLLUP = (
    """
WITH c AS (
    SELECT rc.cell_x * %(g)s / %(s)s AS i, rc.cell_y * %(g)s / %(s)s AS j, sum(rc.n)::int AS n
    FROM maps_reportcell rc
    WHERE rc.day >= %(date_from)s AND rc.day <= %(date_to)s AND {rule} {where}
    GROUP BY 1, 2 HAVING sum(rc.n) >= %(k)s
)"""
    + HEATMAP_DOCUMENT
)


def heatmap_by_cell(document: dict) -> dict:
    """{cell id: (count, intensity, sorted distinct ring vertices)} of a heatmap FeatureCollection."""
    cells = {}
    for feature in document["features"]:
        ring = feature["geometry"]["coordinates"][0]
        vertices = tuple(sorted({(round(x, 6), round(y, 6)) for x, y in ring}))
        props = feature["properties"]
        cells[feature["id"]] = (props["count"], props["intensity"], vertices)
    return cells


def same_cell(a, b) -> bool:
    """Counts equal; intensities equal to their 4 decimals; vertices within 2e-6° (two PROJ builds)."""
    if a[0] != b[0] or abs(a[1] - b[1]) > 1e-4 + 1e-9 or len(a[2]) != len(b[2]):
        return False
    return all(abs(p[0] - q[0]) <= 2e-6 and abs(p[1] - q[1]) <= 2e-6 for p, q in zip(a[2], b[2], strict=True))


# Figures per UPZ or locality over the rows of a rule (sensitive categories count here for the
# public); a unit is `privileged` when every row of it is one the caller sees in full (analysts: all;
# locality staff: their own locality's). For a unit that is not privileged and is below k every
# figure is withheld, and the previous count when that is below k. {unit}, {join}, {population},
# {privileged}, {rule} and {extra} are fixed fragments chosen by raw_stats_sql; values are parameters.
RAW_STATS = """
WITH a AS (
    SELECT {unit} AS unit, bool_and({privileged}) AS privileged,
           count(*) FILTER (WHERE r.created_at >= %(start)s) AS n,
           count(*) FILTER (WHERE r.created_at < %(start)s) AS prev_n,
           count(*) FILTER (WHERE r.created_at >= %(start)s AND r.status = 'resolved') AS resolved,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.first_response_at - r.created_at))
               FILTER (WHERE r.created_at >= %(start)s AND r.first_response_at IS NOT NULL) AS median_s
    FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id {join}
    JOIN reports_category c ON c.id = r.category_id
    WHERE r.created_at >= %(prev)s AND r.created_at < %(end)s AND {rule} {extra}
    GROUP BY {unit}
)
SELECT json_agg(json_build_object('code', a.unit,
       'count', CASE WHEN shown THEN a.n END,
       'previous_count', CASE WHEN shown AND (a.privileged OR a.prev_n >= %(k)s) THEN a.prev_n END,
       'rate_per_10k', CASE WHEN shown THEN round(a.n * 10000.0 / nullif(p.population, 0), 3) END,
       'median_response_hours', CASE WHEN shown THEN round((a.median_s / 3600)::numeric, 2) END,
       'share_resolved', CASE WHEN shown THEN round(a.resolved::numeric / nullif(a.n, 0), 4) END,
       'suppressed', NOT shown))::text
FROM a CROSS JOIN LATERAL (SELECT a.privileged OR a.n >= %(k)s AS shown) s
LEFT JOIN LATERAL ({population}) p ON true
"""
# Population of a unit: a UPZ's one figure (no year); a locality's of the latest year not after the
# period's last year, or its earliest when all are later.
RAW_POPULATION = {
    "upz": "SELECT population FROM localities_population WHERE level = 'upz' AND code = a.unit AND year IS NULL",
    "locality": """SELECT coalesce(
        (SELECT population FROM localities_population
         WHERE level = 'locality' AND code = a.unit AND year <= %(end_year)s ORDER BY year DESC LIMIT 1),
        (SELECT population FROM localities_population
         WHERE level = 'locality' AND code = a.unit ORDER BY year LIMIT 1)) AS population""",
}


def raw_stats_sql(level: str, rule: AggregateRule, filters: MapFilters) -> str:
    """RAW_STATS for a level, a caller's rule and the code filters of `filters` (dates are params)."""
    extra = ""
    if filters.locality:
        extra += " AND l.code = ANY(%(locality)s)"
    if filters.upz:
        extra += (
            " AND EXISTS (SELECT 1 FROM localities_upz fu WHERE fu.id = r.upz_id AND fu.code = ANY(%(upz)s))"
        )
    if filters.category:
        extra += " AND c.code = ANY(%(category)s)"
    return RAW_STATS.format(
        unit="u.code" if level == "upz" else "l.code",
        join="JOIN localities_upz u ON u.id = r.upz_id" if level == "upz" else "",
        population=RAW_POPULATION[level],
        privileged=rule.privileged,
        rule=rule.unit_where,
        extra=extra,
    )


STAT_FIGURES = (
    "count",
    "previous_count",
    "rate_per_10k",
    "median_response_hours",
    "share_resolved",
    "suppressed",
)
# Largest difference allowed per figure: counts exact, the rest one unit of their last printed decimal
# (Python rounds floats, PostgreSQL rounds numerics: a tie may go either way).
STAT_TOLERANCE = (0, 0, 0.0011, 0.011, 0.00011, 0)


def same_figures(a: tuple, b: tuple) -> bool:
    """Every figure of a unit equal within STAT_TOLERANCE (None only matches None)."""
    return all(
        (x is None and y is None) or (x is not None and y is not None and abs(float(x) - float(y)) <= tol)
        for x, y, tol in zip(a, b, STAT_TOLERANCE, strict=True)
    )


# Public points that are not the node of their exact point (the public rule reads `public_location`,
# the analyst rule the exact point: this ties the two). 1e-6° (≈ 0.1 m) absorbs the 7-decimal storage.
DRIFTED_PUBLIC_POINTS = """
SELECT count(*), (array_agg(r.id ORDER BY r.id))[1:5]
FROM reports_report r JOIN reports_category c ON c.id = r.category_id
WHERE NOT c.sensitive AND (r.public_location IS NULL OR NOT ST_DWithin(
    r.public_location, ST_Transform(ST_SnapToGrid(ST_Transform(r.location, 9377), %(g)s), 4326), 1e-6))
"""


def check_public_points() -> bool:
    """Every non-sensitive report's public point is its exact point snapped to the public grid."""
    drifted, ids = sql_one(DRIFTED_PUBLIC_POINTS, {"g": grid_metres()})
    problems = [f"{drifted} reportes con punto público fuera de su nodo, p. ej. ids {ids}"] if drifted else []
    return differ("public points", problems)


def bench_heatmaps(repeat: int) -> None:
    today = timezone.localdate()
    filters = MapFilters(date_from=today - timedelta(days=364), date_to=today)
    start, end = filters.created_range()
    densest = sql_one(
        "SELECT l.code FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )[0]
    analyst, public = rules()
    cases = [
        ("heatmap citywide, 1 year, 500 m, analyst", analyst, filters, "", ""),
        (
            f"heatmap locality {densest}, 1 year, 500 m, analyst",
            analyst,
            MapFilters(locality=(densest,), date_from=filters.date_from, date_to=filters.date_to),
            "JOIN localities_locality l ON l.id = r.locality_id",
            "AND l.code = %(loc)s",
        ),
        ("heatmap citywide, 1 year, 500 m, public", public, filters, "", ""),
    ]
    for label, rule, f, join, where in cases:
        platform_s, body = timed(
            lambda f=f, rule=rule: heatmap_cells_json(filters=f, scope=rule.scope, cell=500, shape="square"),
            repeat=repeat,
        )
        params = {
            "s": 500,
            "g": grid_metres(),
            "half": grid_metres() / 2,
            "start": start,
            "end": end,
            "loc": densest,
            "k": rule.min_count,
            "date_from": f.date_from,
            "date_to": f.date_to,
        }
        sql = RAW_HEATMAP.format(point=rule.point, rule=rule.fine_where, join=join, where=where)
        raw_s, raw = timed(sql_one, sql, params, repeat=repeat)
        rollup_sql = RAW_HEATMAP_ROLLUP.format(
            rule=rule.rollup_where, where="AND rc.locality_code = %(loc)s" if where else ""
        )
        rollup_s, rollup_raw = timed(sql_one, rollup_sql, params, repeat=repeat)
        mine = heatmap_by_cell(json.loads(body))
        same = differ(
            f"{label} vs base table", compare_keyed(mine, heatmap_by_cell(json.loads(raw[0])), same_cell)
        )
        same_rollup = differ(
            f"{label} vs rollup", compare_keyed(mine, heatmap_by_cell(json.loads(rollup_raw[0])), same_cell)
        )
        locality = "locality" in label
        record(
            label,
            platform_s,
            raw_s,
            "≥5× faster" if locality else "≤1.5× raw",
            f"{len(mine)} cells, every cell same: {same}"
            + (f", {raw_s / platform_s:.1f}× faster" if locality else ""),
        )
        record(
            "  same, raw SQL on the rollup",
            platform_s,
            rollup_s,
            "≤1.5× raw",
            f"every cell same: {same_rollup}",
        )


# Pointy-top hexagons of the same area as the s-metre square (edge e = s·√(2/(3√3))), axial keys (q, r)
# of each public-grid node by cube rounding, drawn around (e·√3·(q + r/2), e·1.5·r); raw SQL over the
# same rollup, written apart from the platform (its own hexagon from cosd/sind, moved to each cell).
RAW_HEX_ROLLUP = """
WITH nodes AS (
    SELECT rc.cell_x * %(g)s::float8 AS x, rc.cell_y * %(g)s::float8 AS y, sum(rc.n)::int AS n
    FROM maps_reportcell rc
    WHERE rc.day >= %(date_from)s AND rc.day <= %(date_to)s AND {rule}
    GROUP BY rc.cell_x, rc.cell_y
),
frac AS (SELECT (sqrt(3) / 3 * x - y / 3) / %(e)s AS q, (2::float8 / 3 * y) / %(e)s AS r, n FROM nodes OFFSET 0),
cube AS (SELECT q, r, -q - r AS s, round(q) AS rq, round(r) AS rr, round(-q - r) AS rs, n FROM frac OFFSET 0),
c AS (
    SELECT CASE WHEN abs(rq - q) > abs(rr - r) AND abs(rq - q) > abs(rs - s) THEN -rr - rs ELSE rq END::int AS i,
           CASE WHEN abs(rq - q) > abs(rr - r) AND abs(rq - q) > abs(rs - s) THEN rr
                WHEN abs(rr - r) > abs(rs - s) THEN -rq - rs ELSE rr END::int AS j,
           sum(n)::int AS n
    FROM cube GROUP BY 1, 2 HAVING sum(n) >= %(k)s
),
hexagon AS (
    SELECT ST_MakePolygon(ST_MakeLine(array_agg(ST_MakePoint(%(e)s * cosd(d), %(e)s * sind(d)) ORDER BY o))) AS h
    FROM unnest(ARRAY[30, 90, 150, 210, 270, 330, 30]) WITH ORDINALITY AS t(d, o)
),
m AS (SELECT max(n) AS top FROM c)
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', 'hex:' || i || ':' || j,
    'geometry', ST_AsGeoJSON(ST_Transform(ST_SetSRID(
        ST_Translate(h, %(e)s * sqrt(3) * (i + j / 2.0), %(e)s * 1.5 * j), 9377), 4326), 6)::json,
    'properties', json_build_object('count', n, 'intensity', round(n::numeric / m.top, 4))
)), '[]'))::text
FROM c, m, hexagon
"""

# Heat points: [lat, lon, weight] per public-grid node with at least k reports (weight = n / max).
RAW_POINTS_ROLLUP = """
WITH c AS (
    SELECT rc.cell_x, rc.cell_y, sum(rc.n)::int AS n FROM maps_reportcell rc
    WHERE rc.day >= %(date_from)s AND rc.day <= %(date_to)s AND {rule}
    GROUP BY 1, 2 HAVING sum(rc.n) >= greatest(%(k)s, 1)
),
m AS (SELECT max(n) AS top FROM c)
SELECT coalesce(json_agg(json_build_array(
    round(ST_Y(p)::numeric, 6), round(ST_X(p)::numeric, 6), round(n::numeric / top, 4))), '[]')::text
FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(cell_x * %(g)s, cell_y * %(g)s), 9377), 4326) AS p, n FROM c) s, m
"""

# The input of the hot spots: counts per s-metre square of the rollup, cells below k left out.
RAW_CELL_COUNTS_ROLLUP = """
SELECT rc.cell_x * %(g)s / %(s)s, rc.cell_y * %(g)s / %(s)s, sum(rc.n)::int
FROM maps_reportcell rc
WHERE rc.day >= %(date_from)s AND rc.day <= %(date_to)s AND {rule}
GROUP BY 1, 2 HAVING sum(rc.n) >= %(k)s ORDER BY 1, 2
"""


def same_points(mine: list, theirs: list) -> list[str]:
    """Differences between two heat-point lists, each sorted by (lat, lon): positions within 2e-6°,
    weights within 1e-4 (PostgreSQL and Python round their last digit apart on ties)."""
    if len(mine) != len(theirs):
        return [f"{len(mine)} puntos en la plataforma, {len(theirs)} en SQL"]
    return [
        f"plataforma {p} ≠ SQL {q}"
        for p, q in zip(sorted(mine), sorted(theirs), strict=True)
        if abs(p[0] - q[0]) > 2e-6 or abs(p[1] - q[1]) > 2e-6 or abs(p[2] - q[2]) > 1e-4 + 1e-9
    ]


def sql_all(sql: str, params: dict) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def bench_rollup_outputs(repeat: int) -> None:
    """Hexagons, heat points and the hot spots' input, citywide over a year, each against raw SQL over
    the same rollup (no base-table baseline: the work is the same as for the squares)."""
    today = timezone.localdate()
    filters = MapFilters(date_from=today - timedelta(days=364), date_to=today)
    for rule in rules():
        params = {
            "g": grid_metres(),
            "s": 500,
            "e": 500 * math.sqrt(2 / (3 * math.sqrt(3))),
            "k": rule.min_count,
            "date_from": filters.date_from,
            "date_to": filters.date_to,
        }
        where = rule.rollup_where
        platform_s, body = timed(
            lambda rule=rule: heatmap_cells_json(filters=filters, scope=rule.scope, cell=500, shape="hex"),
            repeat=repeat,
        )
        raw_s, raw = timed(sql_one, RAW_HEX_ROLLUP.format(rule=where), params, repeat=repeat)
        mine = heatmap_by_cell(json.loads(body))
        same = differ(
            f"hexagons, {rule.name}", compare_keyed(mine, heatmap_by_cell(json.loads(raw[0])), same_cell)
        )
        record(
            f"heatmap citywide, 1 year, 500 m hexagons, {rule.name}",
            platform_s,
            raw_s,
            "≤1.5× raw",
            f"raw SQL on the rollup; {len(mine)} cells, every cell same: {same}",
        )

        platform_s, body = timed(
            lambda rule=rule: heatmap_points_json(filters=filters, scope=rule.scope), repeat=repeat
        )
        raw_s, raw = timed(sql_one, RAW_POINTS_ROLLUP.format(rule=where), params, repeat=repeat)
        points = json.loads(body)["points"]
        same = differ(f"heat points, {rule.name}", same_points(points, json.loads(raw[0])))
        record(
            f"heat points citywide, 1 year, {rule.name}",
            platform_s,
            raw_s,
            "≤1.5× raw",
            f"raw SQL on the rollup; {len(points)} points, every point same: {same}",
        )

        query = cell_query(filters, rule.scope, "square", 500.0)
        platform_s, (a, b, n) = timed(shown_cells, query, repeat=repeat)
        raw_s, raw = timed(sql_all, RAW_CELL_COUNTS_ROLLUP.format(rule=where), params, repeat=repeat)
        mine = {(int(i), int(j)): int(c) for i, j, c in zip(a, b, n, strict=True)}
        same = differ(f"hot-spot input, {rule.name}", compare_keyed(mine, {(i, j): c for i, j, c in raw}))
        record(
            f"hot-spot input (500 m squares), {rule.name}",
            platform_s,
            raw_s,
            "≤1.5× raw",
            f"raw SQL on the rollup; {len(mine)} cells, every count same: {same}",
        )


def _stat_subjects() -> dict:
    """The data the statistics cases are drawn from: the densest locality and its densest UPZ, the
    most frequent category, the most frequent sensitive one, and a category without reports."""
    locality, upz = sql_one(
        "SELECT l.code, (SELECT u.code FROM reports_report r2 JOIN localities_upz u ON u.id = r2.upz_id "
        "  WHERE r2.locality_id = min(r.locality_id) GROUP BY u.code ORDER BY count(*) DESC LIMIT 1) "
        "FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id "
        "GROUP BY l.code ORDER BY count(*) DESC LIMIT 1"
    )
    top = sql_one(
        "SELECT c.code FROM reports_report r JOIN reports_category c ON c.id = r.category_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )[0]
    sensitive = sql_one(
        "SELECT c.code FROM reports_report r JOIN reports_category c ON c.id = r.category_id "
        "WHERE c.sensitive GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    # A category nobody reported under (or a code no category has: the filter then matches nothing).
    empty = sql_one(
        "SELECT c.code FROM reports_category c "
        "WHERE NOT EXISTS (SELECT 1 FROM reports_report r WHERE r.category_id = c.id) ORDER BY c.code LIMIT 1"
    )
    return {
        "locality": locality,
        "upz": upz,
        "top": top,
        "sensitive": sensitive[0] if sensitive else top,
        "empty": empty[0] if empty else "sin-reportes",
    }


def stat_cases(every_case: bool) -> list[tuple[str, str, AggregateRule, MapFilters]]:
    """(name, level, rule, filters) of the statistics cases. The three of bench/growth.py (by UPZ over
    a year: analyst, public, public for the most frequent category), then with every_case every
    combination the stats API and the dashboards ask for: both levels; analyst, public and locality
    staff (who see their locality's hidden and sensitive reports in full); the dashboards' periods (a
    year, the brief's 30 days, 90, 7, one day, a calendar month); a category (the most frequent, a
    sensitive one, one without reports), a locality, a UPZ, and a locality with a category."""
    subject = _stat_subjects()
    today = timezone.localdate()
    analyst, public = rules()
    staff = staff_rule(subject["locality"])
    last_month_end = today.replace(day=1) - timedelta(days=1)

    def days(n: int, **codes) -> MapFilters:
        return MapFilters(date_from=today - timedelta(days=n - 1), date_to=today, **codes)

    def case(level: str, period: str, rule: AggregateRule, filters: MapFilters, extra: str = "") -> tuple:
        unit = "UPZ" if level == "upz" else "locality"
        return (f"stats by {unit}, {period}, {rule.name}{extra}", level, rule, filters)

    year, y = days(365), "1 year vs previous"
    top, sensitive, empty = (subject["top"],), (subject["sensitive"],), (subject["empty"],)
    own, upz = (subject["locality"],), (subject["upz"],)
    on_top = f", category {top[0]}"
    cases = [
        case("upz", y, analyst, year),
        case("upz", y, public, year),
        case("upz", y, public, replace(year, category=top), on_top),
    ]
    if not every_case:
        return cases
    for rule in (analyst, public, staff):
        for level in ("upz", "locality"):
            if (level, rule.name) not in {("upz", "analyst"), ("upz", "public")}:  # listed above
                cases.append(case(level, y, rule, year))
            if (level, rule.name) != ("upz", "public"):
                cases.append(case(level, y, rule, replace(year, category=top), on_top))
        cases.append(
            case("upz", y, rule, replace(year, category=sensitive), f", sensitive category {sensitive[0]}")
        )
        cases.append(
            case("upz", "30 days", rule, days(30, locality=own, category=top), f", locality {own[0]}{on_top}")
        )
    cases += [
        case("upz", y, public, replace(year, category=empty), f", category without reports ({empty[0]})"),
        case("upz", y, public, replace(year, locality=own), f", locality {own[0]}"),
        case("upz", y, public, replace(year, upz=upz), f", UPZ {upz[0]}"),
        case("upz", "90 days", public, days(90)),
        case("upz", "30 days", public, days(30)),
        case("locality", "30 days", public, days(30, locality=own), f", locality {own[0]}"),
        case("upz", "7 days", public, days(7)),
        case("upz", "1 day (today)", public, days(1)),
        case(
            "upz",
            f"calendar month {last_month_end:%Y-%m}",
            public,
            MapFilters(date_from=last_month_end.replace(day=1), date_to=last_month_end),
        ),
        case("upz", "7 days", public, days(7, category=top), on_top),
    ]
    return cases


def raw_stats_params(rule: AggregateRule, f: MapFilters) -> dict:
    """Parameters of raw_stats_sql: [start, end) in local time, the previous period of equal length
    before it, k, the period's last year (population), the staff's locality and the code filters."""
    start, end = f.created_range()
    return {
        "start": start,
        "end": end,
        "prev": start - (end - start),
        "k": rule.min_count,
        "end_year": f.date_to.year,
        "own": rule.scope.locality_codes[0] if rule.scope.locality_codes else "",
        "locality": list(f.locality),
        "upz": list(f.upz),
        "category": list(f.category),
    }


def compare_stats(units: list[dict], raw_text: str | None) -> list[str]:
    """Differences between the platform's units and RAW_STATS' JSON, figure by figure."""
    mine = {u["code"]: tuple(u[k] for k in STAT_FIGURES) for u in units}
    theirs = {u["code"]: tuple(u[k] for k in STAT_FIGURES) for u in json.loads(raw_text or "[]")}
    return compare_keyed(mine, theirs, same_figures)


STAT_RATIOS: list[tuple[str, float, float]] = []  # (case, platform / raw, raw s) of every statistics case
# Below this the raw aggregate does no real work (e.g. a category nobody reported under: both sides
# answer from an index in a millisecond or two), so its ratio compares round trips and planning.
STAT_TRIVIAL_RAW_S = 0.005


def print_worst_stat_ratio() -> None:
    """The worst statistics ratio, over the cases where the raw aggregate takes STAT_TRIVIAL_RAW_S or
    more, and the trivial cases listed apart with their own ratios."""
    timed_cases = [c for c in STAT_RATIOS if c[2] >= STAT_TRIVIAL_RAW_S]
    if timed_cases:
        name, worst, _ = max(timed_cases, key=lambda item: item[1])
        verdict = "meets" if worst <= 0.20 else "MISSES"
        print(
            f"Statistics: worst ratio {worst:.3f} ({1 / worst:.1f}× faster than the raw aggregate) in "
            f"'{name}'; {verdict} the goal of ≥5× (≤0.20) over {len(timed_cases)} cases."
        )
    for name, ratio, raw_s in STAT_RATIOS:
        if raw_s < STAT_TRIVIAL_RAW_S:
            print(
                f"  not counted (raw aggregate {raw_s * 1000:.1f} ms, no work to save): '{name}', ratio {ratio:.2f}"
            )


def bench_stats(repeat: int, *, every_case: bool = False) -> None:
    """unit_stats (from the statistics rollup) against RAW_STATS over the base table, the cases of
    stat_cases(every_case), every figure of every unit compared."""
    for name, level, rule, f in stat_cases(every_case):
        platform_s, body = timed(
            lambda level=level, rule=rule, f=f: json.dumps(
                unit_stats(level=level, filters=f, scope=rule.scope), default=str
            ),
            repeat=repeat,
        )
        raw_s, raw = timed(sql_one, raw_stats_sql(level, rule, f), raw_stats_params(rule, f), repeat=repeat)
        units = json.loads(body)["units"]
        same = differ(name, compare_stats(units, raw[0]))
        withheld = sum(1 for u in units if u["suppressed"])
        STAT_RATIOS.append((name, platform_s / raw_s, raw_s))
        record(
            name,
            platform_s,
            raw_s,
            "≥5× faster (≤0.20)",
            f"{len(units)} units ({withheld} withheld), every figure same: {same}",
        )


def bench_stats_api(repeat: int) -> None:
    """The stats endpoint itself (DRF view through Django's test client, anonymous), one category by
    UPZ over a year: what the selector costs plus parsing, rendering and the response."""
    subject = _stat_subjects()
    today = timezone.localdate()
    f = MapFilters(category=(subject["top"],), date_from=today - timedelta(days=364), date_to=today)
    url = f"/api/maps/stats/?level=upz&category={subject['top']}&date_from={f.date_from}&date_to={f.date_to}"
    platform_s, response, body = _http(url, repeat)
    _, public = rules()
    raw_s, raw = timed(sql_one, raw_stats_sql("upz", public, f), raw_stats_params(public, f), repeat=repeat)
    units = json.loads(body)["units"] if response.status_code == 200 else []
    name = f"GET /api/maps/stats/ by upz, 1 year, category {subject['top']}, public"
    same = differ(name, compare_stats(units, raw[0]))
    STAT_RATIOS.append((name, platform_s / raw_s, raw_s))
    record(
        name,
        platform_s,
        raw_s,
        "≥5× faster (≤0.20)",
        f"HTTP {response.status_code}, every figure same: {same}",
    )


def bench_stat_pages(repeat: int) -> None:
    """Uncached public pages built on the statistics: from the rollup, and with unit_stats reading the
    base table instead (the same page before the rollup), through Django's test client."""
    from functools import partial

    import maps.selectors

    densest = sql_one(
        "SELECT l.code FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )[0]
    settings.MAPS_PAGE_CACHE_SECONDS = 0  # uncached: every request builds the page
    rollup_stats = maps.selectors.unit_stats
    pages = [
        (f"/mapa/localidad/{densest}/informe/", "council brief", "<0.3 s"),
        (f"/mapa/localidad/{densest}/", "locality dashboard", "—"),
        ("/mapa/", "public map", "—"),
    ]
    for url, name, goal in pages:
        platform_s, response, body = _http(url, repeat)
        maps.selectors.unit_stats = partial(rollup_stats, from_rollup=False)
        try:
            raw_s, raw_response, _ = _http(url, repeat)
        finally:
            maps.selectors.unit_stats = rollup_stats
        ok = response.status_code == 200 and raw_response.status_code == 200
        record(
            f"page {url} ({name}), anonymous, uncached",
            platform_s if ok else None,
            raw_s,
            goal,
            f"raw = same page with unit_stats over reports_report; {len(body) // 1024} KB, HTTP {response.status_code}",
        )


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _client() -> Client:
    return Client(HTTP_HOST="localhost")


def _http(url: str, repeat: int):
    client = _client()
    best, response = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        best = min(best, time.perf_counter() - start)
    return best, response, body


RAW_TILE = """
WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env)
SELECT ST_AsMVT(t, 'reports') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(r.public_location, 3857), b.env) AS geom, r.id, c.code AS category
    FROM reports_report r JOIN reports_category c ON c.id = r.category_id, b
    WHERE r.public_location && ST_Transform(b.env, 4326)
      AND NOT r.hidden AND r.status NOT IN ('rejected', 'duplicate')
) t
"""


# The tiles an anonymous caller gets, restated: below z14 one point per cell of 1/64 of the tile
# (EPSG:3857) counting the public rule's fine rows at their public point, cells below k absent; from
# z14 public points of non-sensitive categories, one feature per spot and category with its count.
RAW_CLUSTER_TILE = """
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g),
pts AS (
    SELECT ST_Transform({point}, 3857) AS p
    FROM reports_report r JOIN reports_category c ON c.id = r.category_id, env
    WHERE {point} && ST_Transform(env.g, 4326) AND {rule}
),
cells AS (
    SELECT floor(ST_X(p) / %(cell)s) AS a, floor(ST_Y(p) / %(cell)s) AS b, count(*)::int AS count
    FROM pts GROUP BY 1, 2 HAVING count(*) >= %(k)s
)
SELECT ST_AsMVT(t, 'reports', 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint((a + 0.5) * %(cell)s, (b + 0.5) * %(cell)s), 3857), env.g)
           AS geom, count
    FROM cells, env
) t WHERE geom IS NOT NULL
"""
RAW_POINT_TILE = """
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g)
SELECT ST_AsMVT(t, 'reports', 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform({point}, 3857), env.g) AS geom, c.code AS category,
           count(*)::int AS count
    FROM reports_report r JOIN reports_category c ON c.id = r.category_id, env
    WHERE {point} && ST_Transform(env.g, 4326) AND {rule}
    GROUP BY {point}, c.code, env.g
) t WHERE geom IS NOT NULL
"""


def tile_features(data: bytes) -> dict:
    """{(x, y, category): count} of the `reports` layer of an MVT (tile pixel coordinates)."""
    import mapbox_vector_tile

    layer = mapbox_vector_tile.decode(bytes(data or b"")).get("reports", {"features": []})
    found: dict = {}
    for feature in layer["features"]:
        x, y = feature["geometry"]["coordinates"]
        key = (x, y, feature["properties"].get("category"))
        found[key] = found.get(key, 0) + feature["properties"]["count"]
    return found


def check_tile(z: int, tx: int, ty: int, body: bytes) -> bool:
    """Compare the platform's anonymous tile with the raw SQL tile of the same rule, feature by feature."""
    _, public = rules()
    params = {"z": z, "x": tx, "y": ty, "k": public.min_count}
    if z < 14:
        params["cell"] = 40075016.68557849 / 2**z / 64
        sql = RAW_CLUSTER_TILE.format(point=public.point, rule=public.fine_where)
    else:
        sql = RAW_POINT_TILE.format(point=public.point, rule=public.fine_where)
    theirs = tile_features(sql_one(sql, params)[0])
    return differ(f"tile z{z} {tx}/{ty}", compare_keyed(tile_features(body), theirs))


def bench_tiles_pages_exports(repeat: int, args) -> None:
    bench_tiles_and_page(repeat, args)
    bench_exports(repeat, args, export_days=(91, 365))


def bench_tiles_and_page(repeat: int, args, *, one_by_one: bool = True) -> None:
    """Tiles z12/z14 at the densest spot and the 10,000-feature page against raw SQL; `one_by_one`
    also times serialising model instances one by one (DRF serializer)."""
    # The densest public-grid node of the rollup (cell_x, cell_y are node indices: metres / g).
    x, y = sql_one("SELECT cell_x, cell_y FROM maps_reportcell GROUP BY 1, 2 ORDER BY sum(n) DESC LIMIT 1")
    lon, lat = sql_one(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 9377), 4326) p) s",
        [x * grid_metres(), y * grid_metres()],
    )
    for z in (12, 14):
        tx, ty = _tile_of(lon, lat, z)
        url = args.tile_url.format(z=z, x=tx, y=ty)
        raw_s, raw = timed(sql_one, RAW_TILE, {"z": z, "x": tx, "y": ty}, repeat=repeat)
        raw_kb = len(bytes(raw[0] or b"")) / 1024
        platform_s, response, body = _http(url, repeat)
        if response.status_code != 200:
            record(f"tile z{z} {tx}/{ty}", None, raw_s, "≤500 KB, ≤1.5×", f"{url} → {response.status_code}")
            continue
        kb = len(body) / 1024
        same = check_tile(z, tx, ty, body)
        record(
            f"tile z{z} {tx}/{ty}",
            platform_s,
            raw_s,
            "≤500 KB, ≤1.5×",
            f"{kb:.0f} KB (raw all points {raw_kb:.0f} KB), every feature same: {same}"
            + (" OVER 500 KB" if kb > 500 else ""),
            bytes=len(body),
        )

    # 10,000-feature GeoJSON page (the first page: lowest ids), public form.
    raw_s, raw_page = timed(sql_one, raw_features_sql(limit="LIMIT 10000"), repeat=repeat)
    one_by_one_s = _one_by_one(10000) if one_by_one else None
    serial = f"; one-by-one {one_by_one_s:.2f} s" if one_by_one_s else ""
    platform_s, response, body = _http(args.page_url, repeat)
    if response.status_code == 200:
        page = json.loads(body).get("features", [])
        same = differ(
            "GeoJSON page", compare_keyed(features_by_id(page), features_by_id(json.loads(raw_page[0])))
        )
        record(
            "GeoJSON page 10,000 features",
            platform_s,
            raw_s,
            "≥10× one-by-one",
            f"{len(page)} features, every feature same: {same}"
            + (f"{serial} = {one_by_one_s / platform_s:.1f}× platform" if one_by_one_s else ""),
            bytes=len(body),
        )
    else:
        record(
            "GeoJSON page 10,000 features",
            None,
            raw_s,
            "≥10× one-by-one",
            f"{args.page_url} → {response.status_code}{serial}",
        )


def bench_exports(repeat: int, args, *, export_days: tuple[int, ...]) -> None:
    """The anonymous GeoJSON export of each of the last N days in `export_days` against raw COPY."""
    # GeoJSON export of the last N days: time without tracemalloc (it slows every allocation ~3x),
    # against a raw COPY of the same Feature SQL read by psycopg; peak memory in a separate traced run.
    today = timezone.localdate()
    for days in export_days:
        date_from = today - timedelta(days=days - 1)
        url = f"{args.export_url}?date_from={date_from}&date_to={today}"
        name = f"GeoJSON export ({days} days)"
        status, size, peak = _export_once(url, traced=True)
        if status != 200:
            record(name, None, None, "memory flat", f"{url} → {status}")
            continue
        export_s, _ = timed(_export_once, url, repeat=repeat)
        raw_s, raw_bytes = timed(_raw_copy, date_from, today, repeat=repeat)
        same = check_export(url, date_from, today)
        record(
            name,
            export_s,
            raw_s,
            "memory flat",
            f"{size / 1e6:.0f} MB out, peak {peak / 1e6:.1f} MB; raw COPY {raw_bytes / 1e6:.0f} MB; "
            f"every feature same: {same}",
            bytes=size,
            peak=peak,
        )


# Public features, restated: the public rule's fine rows (no sensitive categories), at their point.
RAW_FEATURES = """
SELECT coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', f.id,
    'geometry', ST_AsGeoJSON(f.p, 6)::json,
    'properties', json_build_object('category', f.code, 'status', f.status, 'created_at', f.created_at)
) ORDER BY f.id), '[]')::text
FROM (
    SELECT r.id, {point} AS p, c.code, r.status, r.created_at
    FROM reports_report r JOIN reports_category c ON c.id = r.category_id
    WHERE {rule} {where} ORDER BY r.id {limit}
) f
"""


def raw_features_sql(where: str = "", limit: str = "") -> str:
    """RAW_FEATURES for an anonymous caller, narrowed by `where` (AND …) and `limit` (LIMIT n)."""
    _, public = rules()
    return RAW_FEATURES.format(point=public.point, rule=public.fine_where, where=where, limit=limit)


def features_by_id(features: list) -> dict:
    """{id: (coordinates or None, category, status)} of GeoJSON report features."""
    return {
        f["id"]: (
            tuple(f["geometry"]["coordinates"]) if f["geometry"] else None,
            f["properties"]["category"],
            f["properties"]["status"],
        )
        for f in features
    }


def export_features(chunks):
    """Yield the Features of a streamed FeatureCollection one by one (memory bounded by one chunk):
    an export of millions of features never sits in memory as one document."""
    decoder = json.JSONDecoder()
    buffer, started = "", False
    for chunk in chunks:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        if not started:
            head = buffer.find("[")
            if head < 0:
                continue
            buffer, started = buffer[head + 1 :], True
        pos = 0
        while True:
            while pos < len(buffer) and buffer[pos] in ", \n":
                pos += 1
            if pos >= len(buffer) or buffer[pos] == "]":
                break
            try:
                feature, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError:
                break  # the feature continues in the next chunk
            yield feature
            pos = end
        buffer = buffer[pos:]


# The public features of RAW_FEATURES one row at a time (the export's comparison, memory flat in N).
RAW_FEATURE_ROWS = """
SELECT r.id, ST_AsGeoJSON({point}, 6), c.code, r.status
FROM reports_report r JOIN reports_category c ON c.id = r.category_id
WHERE {rule} AND r.created_at >= %(start)s AND r.created_at < %(end)s ORDER BY r.id
"""


def check_export(url: str, date_from, date_to) -> bool:
    """Every feature of the anonymous export against the raw SQL of the public rule over the same days,
    both streamed in id order and compared feature by feature (memory flat in N)."""
    response = _client().get(url)
    chunks = response.streaming_content if response.streaming else [response.content]
    start, end = MapFilters(date_from=date_from, date_to=date_to).created_range()
    _, public = rules()
    sql = RAW_FEATURE_ROWS.format(point=public.point, rule=public.fine_where)
    problems: list[str] = []
    mine_iter = (next(iter(features_by_id([f]).items())) for f in export_features(chunks))
    # A connection of its own: the export streams a COPY on Django's connection meanwhile.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor(name="export_check") as cursor:
            cursor.execute(sql, {"start": start, "end": end})

            def theirs_rows():
                while rows := cursor.fetchmany(20000):
                    for pk, geometry, code, status in rows:
                        coordinates = tuple(json.loads(geometry)["coordinates"]) if geometry else None
                        yield pk, (coordinates, code, status)

            theirs_iter = theirs_rows()
            mine, theirs = next(mine_iter, None), next(theirs_iter, None)
            while (mine or theirs) and len(problems) <= SHOW_DIFFS:
                if theirs is None or (mine is not None and mine[0] < theirs[0]):
                    problems.append(f"{mine[0]}: solo en la plataforma {mine[1]!r}")
                    mine = next(mine_iter, None)
                elif mine is None or theirs[0] < mine[0]:
                    problems.append(f"{theirs[0]}: solo en SQL {theirs[1]!r}")
                    theirs = next(theirs_iter, None)
                else:
                    if mine[1] != theirs[1]:
                        problems.append(f"{mine[0]}: plataforma {mine[1]!r} ≠ SQL {theirs[1]!r}")
                    mine, theirs = next(mine_iter, None), next(theirs_iter, None)
    finally:
        raw.close()
    return differ("GeoJSON export", problems)


def _export_once(url: str, traced: bool = False) -> tuple[int, int, int]:
    """(status, bytes streamed, peak traced bytes) of one export through the test client."""
    client = _client()
    if traced:
        tracemalloc.start()
    response = client.get(url)
    size = 0
    if response.status_code == 200:
        for chunk in response.streaming_content if response.streaming else [response.content]:
            size += len(chunk)
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return response.status_code, size, peak


def _raw_copy(date_from, date_to) -> int:
    """Bytes of COPY (the export's public Feature SQL) TO STDOUT, read by psycopg."""
    from maps.selectors.layers import report_feature_rows

    sql, params = report_feature_rows(
        filters=MapFilters(date_from=date_from, date_to=date_to), scope=ViewerScope(), columns="feature"
    )
    size = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        for block in copy:
            size += len(block)
    return size


def _one_by_one(n: int) -> float:
    from reports.models import Report
    from reports.serializers import PublicReportSerializer

    qs = list(
        Report.objects.public().select_related("category", "locality", "upz").order_by("-created_at")[:n]
    )
    start = time.perf_counter()
    data = [PublicReportSerializer(r).data for r in qs]
    json.dumps(data, default=str)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--skip-http", action="store_true", help="Only heatmaps and stats (this module's own)."
    )
    parser.add_argument(
        "--only-stats", action="store_true", help="Only the statistics and the pages built on them (case 3)."
    )
    parser.add_argument("--tile-url", default="/api/maps/tiles/reports/{z}/{x}/{y}.mvt")
    parser.add_argument("--page-url", default="/api/maps/reports.geojson?page_size=10000")
    parser.add_argument("--export-url", default="/api/exports/reports.geojson")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # Endpoints not built yet answer 404; the table says so, the request log need not.
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    ensure_boundaries()
    ensure_reports(args.reports)
    from maps.services import rollups_refresh

    # Map reads never refresh the rollup; bring it up to date once (incremental: the days touched).
    rollups_refresh()
    print(f"{machine()} · carga {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.only_stats:
        print(f"Puntos públicos = punto exacto ajustado a la malla pública: {check_public_points()}")
        bench_heatmaps(args.repeat)
        bench_rollup_outputs(args.repeat)
    bench_stats(args.repeat, every_case=True)
    bench_stats_api(args.repeat)
    bench_stat_pages(args.repeat)
    if not args.skip_http and not args.only_stats:
        bench_tiles_pages_exports(args.repeat, args)
    width = max(len(r[0]) for r in ROWS)
    header = f"{'case':<{width}}  {'platform s':>10}  {'raw SQL s':>9}  {'ratio':>6}  {'load':>5}  {'goal':<18} note"
    print(header)
    print("-" * len(header))
    for name, p, r, goal, note, load in ROWS:
        ps = f"{p:10.3f}" if p is not None else f"{'—':>10}"
        ratio = f"{p / r:6.2f}" if p is not None and r else f"{'—':>6}"
        print(f"{name:<{width}}  {ps}  {r:9.3f}  {ratio}  {load:5.2f}  {goal:<18} {note}")
    print("ratio = platform / raw SQL (below 1: the platform is faster).")
    if STAT_RATIOS:
        print_worst_stat_ratio()
    if DIFFS:
        print(f"\nDIFERENCIAS entre la plataforma y el SQL ({len(DIFFS)} líneas):")
        for line in DIFFS:
            print(f"  {line}")
        sys.exit(1)
    print("Todas las salidas comparadas son iguales a las del SQL.")


if __name__ == "__main__":
    main()
