"""Maps benchmark: the platform's map outputs against raw SQL doing the same work, on 1,000,000 reports.

    .venv/bin/python bench/maps.py [--reports 1000000] [--repeat 3] [--skip-http]

The dev database ("convive") must hold --reports demo reports; if it has fewer, the script seeds the
missing ones with `seed_demo` and prints how long that took. Cases:

1. citywide heatmap over the last year (500 m squares): maps.selectors.heatmap_cells (reads the
   rollup maps_reportcell) + JSON encoding, against one raw SQL statement that transforms every
   report point to EPSG:9377, groups by cell over reports_report and builds the same GeoJSON
   (ST_AsGeoJSON of the cell squares, json_agg). Goal: within 1.5× of raw SQL.
2. one locality's heatmap over the last year (the locality with most reports): same pair. Goal: at
   least 5× faster than the raw aggregate over the base table.
3. stats by UPZ (last year vs the year before): maps.selectors.unit_stats against a raw SQL query
   computing the same figures. Goal: within 1.5×.
4. report vector tiles at zoom 12 and 14 over the densest 100 m cell, the 10,000-feature GeoJSON
   page and the full GeoJSON export: the platform's HTTP endpoints (maps/api/tiles.py, maps/api/exports.py,
   through Django's test client) against raw ST_AsMVT / ST_AsGeoJSON SQL, the page also against
   serialising model instances one by one (DRF serializer). Goals: tiles ≤ 500 KB and within 1.5×,
   page ≥ 10× faster than one-by-one, export peak memory (tracemalloc, in separate runs) flat in N;
   the export is timed against a raw COPY of the same Feature SQL. Rows whose
   endpoint does not answer 200 are printed as missing.
All timings are the best of --repeat runs, wall clock, warm cache.
"""

import argparse
import json
import math
import sys
import time
import tracemalloc
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
from maps.selectors import heatmap_cells, unit_stats  # noqa: E402
from reports.visibility import ViewerScope  # noqa: E402

FULL = ViewerScope(full=True)
ROWS: list[tuple[str, float | None, float | None, str, str]] = []


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


def record(name, platform_s, raw_s, goal, note=""):
    ROWS.append((name, platform_s, raw_s, goal, note))


RAW_HEATMAP = """
WITH c AS (
    -- Squares shifted by half a public-grid cell (50 m), as maps.selectors.grid draws them.
    SELECT floor((ST_X(p) + 50) / %(s)s)::int AS i, floor((ST_Y(p) + 50) / %(s)s)::int AS j, count(*) AS n
    FROM (
        SELECT ST_Transform(r.location, 9377) AS p FROM reports_report r
        {join}
        WHERE r.created_at >= %(start)s AND r.created_at < %(end)s {where}
    ) s GROUP BY 1, 2
), m AS (SELECT max(n) AS top FROM c)
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', 'square:' || i || ':' || j,
    'geometry', ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(i * %(s)s - 50, j * %(s)s - 50, (i + 1) * %(s)s - 50,
                                                          (j + 1) * %(s)s - 50, 9377), 4326), 6)::json,
    'properties', json_build_object('count', n, 'intensity', round(n::numeric / m.top, 4))
)), '[]'))::text
FROM c, m
"""

RAW_STATS = """
WITH a AS (
    SELECT u.code AS unit,
           count(*) FILTER (WHERE r.created_at >= %(start)s) AS n,
           count(*) FILTER (WHERE r.created_at < %(start)s) AS prev_n,
           count(*) FILTER (WHERE r.created_at >= %(start)s AND r.status = 'resolved') AS resolved,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.first_response_at - r.created_at))
               FILTER (WHERE r.created_at >= %(start)s AND r.first_response_at IS NOT NULL) AS median_s
    FROM reports_report r JOIN localities_upz u ON u.id = r.upz_id
    WHERE r.created_at >= %(prev)s AND r.created_at < %(end)s
    GROUP BY u.code
)
SELECT json_agg(json_build_object('code', a.unit, 'count', a.n, 'previous', a.prev_n,
       'rate', round(a.n * 10000.0 / nullif(p.population, 0), 3), 'median_h', a.median_s / 3600,
       'share_resolved', round(a.resolved::numeric / nullif(a.n, 0), 4)))::text
FROM a LEFT JOIN localities_population p ON p.level = 'upz' AND p.code = a.unit AND p.year IS NULL
"""


def bench_heatmaps(repeat: int) -> None:
    today = timezone.localdate()
    filters = MapFilters(date_from=today - timedelta(days=364), date_to=today)
    start, end = filters.created_range()
    densest = sql_one(
        "SELECT l.code FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )[0]
    for label, f, join, where in (
        ("heatmap citywide, 1 year, 500 m", filters, "", ""),
        (
            f"heatmap locality {densest}, 1 year, 500 m",
            MapFilters(locality=(densest,), date_from=filters.date_from, date_to=filters.date_to),
            "JOIN localities_locality l ON l.id = r.locality_id",
            "AND l.code = %(loc)s",
        ),
    ):
        platform_s, body = timed(
            lambda f=f: json.dumps(heatmap_cells(filters=f, scope=FULL, cell=500, shape="square")),
            repeat=repeat,
        )
        sql = RAW_HEATMAP.format(join=join, where=where)
        raw_s, raw = timed(
            sql_one, sql, {"s": 500, "start": start, "end": end, "loc": densest}, repeat=repeat
        )
        mine = json.loads(body)
        theirs = json.loads(raw[0])
        same = sum(x["properties"]["count"] for x in mine["features"]) == sum(
            x["properties"]["count"] for x in theirs["features"]
        ) and len(mine["features"]) == len(theirs["features"])
        goal = "≥5× faster" if "locality" in label else "≤1.5× raw"
        record(
            label,
            platform_s,
            raw_s,
            goal,
            f"{len(mine['features'])} cells, same counts: {same}, {raw_s / platform_s:.1f}× faster",
        )


def bench_stats(repeat: int) -> None:
    today = timezone.localdate()
    filters = MapFilters(date_from=today - timedelta(days=364), date_to=today)
    start, end = filters.created_range()
    platform_s, body = timed(
        lambda: json.dumps(unit_stats(level="upz", filters=filters, scope=FULL), default=str), repeat=repeat
    )
    raw_s, raw = timed(
        sql_one, RAW_STATS, {"start": start, "end": end, "prev": start - (end - start)}, repeat=repeat
    )
    units = json.loads(body)["units"]
    same = sorted((u["code"], u["count"]) for u in units) == sorted(
        (u["code"], u["count"]) for u in json.loads(raw[0])
    )
    record(
        "stats by UPZ, 1 year vs previous", platform_s, raw_s, "≤1.5× raw", f"{len(units)} UPZ, same: {same}"
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


def bench_tiles_pages_exports(repeat: int, args) -> None:
    x, y = sql_one("SELECT cell_x, cell_y FROM maps_reportcell GROUP BY 1, 2 ORDER BY sum(n) DESC LIMIT 1")
    lon, lat = sql_one(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 9377), 4326) p) s",
        [x * 100, y * 100],  # rollup cells are public-grid nodes
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
        record(
            f"tile z{z} {tx}/{ty}",
            platform_s,
            raw_s,
            "≤500 KB, ≤1.5×",
            f"{kb:.0f} KB (raw all points {raw_kb:.0f} KB)" + (" OVER 500 KB" if kb > 500 else ""),
        )

    # 10,000-feature GeoJSON page.
    raw_s, _ = timed(
        sql_one,
        """SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
               'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(public_location, 6)::json,
               'properties', json_build_object('category', category_id, 'status', status,
                                               'created_at', created_at))))::text
           FROM (SELECT * FROM reports_report WHERE NOT hidden AND status NOT IN ('rejected', 'duplicate')
                 ORDER BY created_at DESC LIMIT 10000) r""",
        repeat=repeat,
    )
    one_by_one_s = _one_by_one(10000)
    platform_s, response, body = _http(args.page_url, repeat)
    if response.status_code == 200:
        features = len(json.loads(body).get("features", []))
        record(
            "GeoJSON page 10,000 features",
            platform_s,
            raw_s,
            "≥10× one-by-one",
            f"{features} features; one-by-one {one_by_one_s:.2f} s = {one_by_one_s / platform_s:.1f}× platform",
        )
    else:
        record(
            "GeoJSON page 10,000 features",
            None,
            raw_s,
            "≥10× one-by-one",
            f"{args.page_url} → {response.status_code}; one-by-one {one_by_one_s:.2f} s",
        )

    # Full GeoJSON export: time without tracemalloc (it slows every allocation ~3x), against a raw
    # COPY of the same Feature SQL read by psycopg; peak memory measured in separate traced runs.
    today = timezone.localdate()
    sizes = {}
    for days in (91, 365):
        date_from = today - timedelta(days=days - 1)
        url = f"{args.export_url}?date_from={date_from}&date_to={today}"
        status, size, peak = _export_once(url, traced=True)
        if status != 200:
            record("GeoJSON export", None, None, "memory flat", f"{url} → {status}")
            return
        sizes[days] = (url, date_from, size, peak)
    url, date_from, size, _ = sizes[365]
    export_s, _ = timed(_export_once, url, repeat=repeat)
    raw_s, raw_bytes = timed(_raw_copy, date_from, today, repeat=repeat)
    note = "; ".join(
        f"{d} d: {s / 1e6:.0f} MB out, peak {p / 1e6:.1f} MB" for d, (_, _, s, p) in sizes.items()
    )
    note += f"; raw COPY {raw_bytes / 1e6:.0f} MB"
    record("GeoJSON export (full year)", export_s, raw_s, "memory flat", note)


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

    rollups_refresh()
    print(machine())
    bench_heatmaps(args.repeat)
    bench_stats(args.repeat)
    if not args.skip_http:
        bench_tiles_pages_exports(args.repeat, args)
    width = max(len(r[0]) for r in ROWS)
    header = f"{'case':<{width}}  {'platform s':>10}  {'raw SQL s':>9}  {'ratio':>6}  {'goal':<16} note"
    print(header)
    print("-" * len(header))
    for name, p, r, goal, note in ROWS:
        ps = f"{p:10.3f}" if p is not None else f"{'—':>10}"
        ratio = f"{p / r:6.2f}" if p is not None and r else f"{'—':>6}"
        print(f"{name:<{width}}  {ps}  {r:9.3f}  {ratio}  {goal:<16} {note}")
    print("ratio = platform / raw SQL (below 1: the platform is faster).")


if __name__ == "__main__":
    main()
