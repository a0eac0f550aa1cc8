"""Growth benchmark: how the cost of each map output grows from 100k to 1M to 10M reports.

    .venv/bin/python bench/growth.py [--sizes 100000 1000000 10000000] [--repeat 2]
                                     [--only heatmaps hotspots stats tiles exports]
    .venv/bin/python bench/growth.py --report     # print the tables of the last runs again
    .venv/bin/python bench/growth.py --drop       # delete the demo reports and give the disk back

For each size, smallest first, the dev database ("convive") grows to that many reports by appending
demo reports (`reports.demo.demo_seed`, the distribution of `manage.py seed_demo`, in chunks of
--chunk with a different seed each, never reseeding), then the map rollup is rebuilt (full refresh,
timed), an incremental refresh after 100 of the last day's reports changed is timed (what the
background worker does after writes), ANALYZE runs, and the table and index sizes are read. Then
the cases of bench/maps.py run (imported, not copied), each against raw SQL doing the same work:

- heatmaps: citywide 500 m heatmap over a year, from the rollup, against the raw aggregate over
  the base table and raw SQL over the same rollup; the same for the densest locality;
- blocks: the square heatmaps read from the block rollup (maps_reportblock) against the same output
  from the node rollup (maps_reportcell, fine=True: the path before the block rollup), text compared
  in full, and against the raw aggregate over the base table: citywide (analyst, public), one
  category (public), densest locality, whole months only, and the hot spots' 500 m input;
- hotspots: 500 m hexagons, heat points and the hot spots' input (counts per 500 m square);
- stats: statistics by UPZ, last year against the year before (as /api/maps/stats/ computes them
  today; `--only stats` re-runs this column alone after the stats rollup lands);
- tiles: report tiles at z12 and z14 over the densest spot, the 10,000-feature GeoJSON page;
- exports: GeoJSON export of the last 30 days and of the full year (bytes out, peak Python memory).

Each case compares its whole output with the raw SQL answer (bench/maps.py); any difference at any
size is printed and the script exits with status 1. Results are kept per size in
.local/bench/growth.json (a later `--only` run replaces only its own cases), and printed as one table
per metric with a column per size and the growth factor (largest size / smallest size): rollups and
indexed tiles stay flat, full scans and full-year exports grow with the data. Load average and free
disk are printed with every size: the machine is shared.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, ensure_boundaries, machine, setup_django, timed  # noqa: E402

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402


def _bench_maps():
    """bench/maps.py as a module (named bench_maps: `maps` is the app)."""
    spec = importlib.util.spec_from_file_location("bench_maps", Path(__file__).with_name("maps.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bm = _bench_maps()

GROUPS = ("heatmaps", "blocks", "hotspots", "stats", "tiles", "exports")
RESULTS = ROOT / ".local" / "bench" / "growth.json"
SEED_BASE = 7000  # chunk i is seeded with SEED_BASE + (reports already stored) // chunk + i


def sql_one(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def report_count() -> int:
    return sql_one("SELECT count(*) FROM reports_report")[0]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def disk_free() -> str:
    return f"{shutil.disk_usage('/work').free / 2**30:.1f} GiB libres en /work"


def grow_to(size: int, chunk: int) -> dict:
    """Append demo reports until the database holds `size`; returns what it cost (seconds, counts)."""
    from reports.categories import categories_load
    from reports.demo import demo_seed

    have = report_count()
    figures = {"before": have, "seed_s": 0.0, "seeded": 0}
    if have >= size * 0.99:
        print(f"  ya hay {have:,} reportes: no se siembra", flush=True)
        return figures
    categories_load()
    started = time.perf_counter()
    index = have // max(chunk, 1)
    while (missing := size - report_count()) > size * 0.001:
        n = min(chunk, missing)
        t = time.perf_counter()
        result = demo_seed(n=n, seed=SEED_BASE + index, refresh=False)
        index += 1
        figures["seeded"] += result.created
        print(
            f"  +{result.created:,} en {time.perf_counter() - t:.0f} s (total {report_count():,}; carga {load()})",
            flush=True,
        )
    figures["seed_s"] = time.perf_counter() - started
    return figures


# Columns of reports_report copied as they are (all but id and tracking_code).
COPIED_COLUMNS = (
    "description, location, public_location, occurred_at, created_at, updated_at, channel, status, "
    "referred_to, hidden, moderation_reason, first_response_at, closed_at, support_count, is_demo, "
    "category_id, duplicate_of_id, locality_id, reporter_id, upz_id, description_original, redacted_at"
)


def _copied(column: str) -> str:
    """SQL of one copied column: times moved by the copy's shift `d`, never past now()."""
    if column in ("created_at", "occurred_at"):  # created_at + d stays inside the year by construction
        return f"r.{column} + s.d"
    # updated_at too: one in the future would look changed to every incremental rollup refresh.
    if column in ("updated_at", "first_response_at", "closed_at"):
        return f"least(r.{column} + s.d, now())"
    return f"r.{column}"


# Copy k of the sample moves every report by k × 37 days inside the seeded year (wrapping round), so
# the copies fall on other days and the rollup (node × day × …) grows as with new data; points,
# categories and statuses are the sample's.
COPY_SQL = (
    f"INSERT INTO reports_report (tracking_code, {COPIED_COLUMNS}) "  # noqa: S608 (fixed names)
    "SELECT upper(substr(md5(random()::text || clock_timestamp()::text || r.id), 1, 16)), "
    + ", ".join(_copied(c.strip()) for c in COPIED_COLUMNS.split(","))
    + """
    FROM reports_report r, LATERAL (
        SELECT (now() - interval '365 days') + make_interval(secs => mod(
            (extract(epoch FROM r.created_at - (now() - interval '365 days')) + %(shift)s)::numeric, 31536000
        )::float8) - r.created_at AS d
    ) s
    WHERE r.is_demo AND r.id <= %(max)s ORDER BY r.id LIMIT %(n)s"""
)


def grow_by_copy(size: int) -> dict:
    """Reach `size` by copying the demo reports already stored (set-based SQL), for sizes where
    seed_demo is too slow on this machine: each copy keeps its source's point, category and status,
    its times moved by a whole number of days (COPY_SQL), with a new id and tracking code. Secondary
    indexes are dropped first and rebuilt after (what a bulk load does); their definitions wait in
    .local/bench/reports_report_indexes.sql until rebuilt, so a run stopped mid-load resumes."""
    have = report_count()
    figures = {"before": have, "seeded": 0, "method": "copy"}
    backup = RESULTS.parent / "reports_report_indexes.sql"
    if have >= size * 0.99 and not backup.exists():
        print(f"  ya hay {have:,} reportes: no se siembra", flush=True)
        return {**figures, "seed_s": 0.0}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reports_report' AND indexname "
            "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'reports_report'::regclass)"
        )
        indexes = cursor.fetchall()
        if not indexes and backup.exists():  # a copy run stopped mid-load: its indexes are in the file
            indexes = [(None, line.rstrip(";")) for line in backup.read_text().splitlines() if line]
        else:
            backup.parent.mkdir(parents=True, exist_ok=True)
            backup.write_text("".join(f"{definition};\n" for _, definition in indexes))
        for name, _ in indexes:
            if name:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SELECT max(id), count(*) FROM reports_report WHERE is_demo")
        source_max, source_n = cursor.fetchone()
        copy = 0
        while (missing := size - report_count()) > size * 0.001:
            t = time.perf_counter()
            copy += 1
            cursor.execute(
                COPY_SQL, {"max": source_max, "n": min(missing, source_n), "shift": copy * 37 * 86400}
            )
            figures["seeded"] += cursor.rowcount
            print(
                f"  +{cursor.rowcount:,} copiados en {time.perf_counter() - t:.0f} s (carga {load()})",
                flush=True,
            )
        insert_s = time.perf_counter() - started
        t = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        figures["index_rebuild_s"] = time.perf_counter() - t
        backup.unlink()  # every index is back
        print(f"  {len(indexes)} índices reconstruidos en {figures['index_rebuild_s']:.0f} s", flush=True)
    figures["insert_s"] = insert_s
    figures["seed_s"] = time.perf_counter() - started
    return figures


def refresh_and_analyze() -> dict:
    """Full rollup rebuild, one incremental refresh after 100 changed reports, ANALYZE (seconds)."""
    from maps.services import rollups_refresh

    t = time.perf_counter()
    rollups_refresh(full=True)
    full_s = time.perf_counter() - t
    # What the background worker does after a write: the last day's reports changed, one refresh.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report SET updated_at = now() WHERE id IN (SELECT id FROM reports_report "
            "WHERE created_at >= now() - interval '1 day' ORDER BY id DESC LIMIT 100)"
        )
    t = time.perf_counter()
    rollups_refresh()
    incremental_s = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_report")
        cursor.execute("ANALYZE maps_reportcell")
        cursor.execute("ANALYZE maps_reportblock")
    return {
        "refresh_full_s": full_s,
        "refresh_incremental_s": incremental_s,
        "analyze_s": time.perf_counter() - t,
    }


def storage() -> dict:
    """Bytes on disk of the reports table (heap, its indexes, TOAST) and of the rollups; rows of the
    rollups and of the coarser grains that were weighed for the block rollup (docs/scaling.md)."""
    heap, indexes, total, rollup, rollup_rows, blocks, block_rows = sql_one(
        "SELECT pg_relation_size('reports_report'), pg_indexes_size('reports_report'), "
        "pg_total_relation_size('reports_report'), pg_total_relation_size('maps_reportcell'), "
        "(SELECT count(*) FROM maps_reportcell), pg_total_relation_size('maps_reportblock'), "
        "(SELECT count(*) FROM maps_reportblock)"
    )
    figures = {
        "reports_heap": heap,
        "reports_indexes": indexes,
        "reports_total": total,
        "rollup_total": rollup,
        "rollup_rows": rollup_rows,
        "blocks_total": blocks,
        "blocks_rows": block_rows,
    }
    figures.update(grain_rows())
    return figures


# Rows each candidate grain of a coarse cell rollup would hold, counted over maps_reportcell (every
# key but the grain's kept: locality, UPZ, sensitivity, visibility, and the category where named).
GRAINS = {
    "node × month × category": "cell_x, cell_y, date_trunc('month', day), category_id",
    "node × month": "cell_x, cell_y, date_trunc('month', day)",
    "500 m × day": "cell_x / 5, cell_y / 5, day",
    "500 m × day × category": "cell_x / 5, cell_y / 5, day, category_id",
    "500 m × ISO week × category": "cell_x / 5, cell_y / 5, date_trunc('week', day), category_id",
    "500 m × month × category": "cell_x / 5, cell_y / 5, date_trunc('month', day), category_id",
    "500 m × month": "cell_x / 5, cell_y / 5, date_trunc('month', day)",
    "1 km × month × category": "cell_x / 10, cell_y / 10, date_trunc('month', day), category_id",
}


def grain_rows() -> dict:
    """{"grain <name>": rows} for GRAINS (block side in nodes of the default 100 m grid)."""
    figures = {}
    for name, keys in GRAINS.items():
        figures[f"grain {name}"] = sql_one(
            f"SELECT count(*) FROM (SELECT 1 FROM maps_reportcell GROUP BY {keys}, "  # noqa: S608 (fixed)
            "locality_code, upz_code, sensitive, public) g"
        )[0]
    return figures


def bench_blocks(repeat: int) -> None:
    """Square heatmaps from the block rollup against the node rollup and the base table (see the
    module docstring); any difference goes to bm.DIFFS."""
    from django.utils import timezone

    from maps.filters import MapFilters
    from maps.selectors.grid import cell_query, shown_cells
    from maps.selectors.heatmap import heatmap_cells_json

    today = timezone.localdate()
    year = MapFilters(date_from=today - timedelta(days=364), date_to=today)
    start, end = year.created_range()
    densest, top_category = sql_one(
        "SELECT (SELECT l.code FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1), (SELECT c.code FROM reports_report r JOIN "
        "reports_category c ON c.id = r.category_id WHERE NOT c.sensitive GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)"
    )
    # The months wholly inside the year: month rows only, no day cut at either end.
    months = MapFilters(
        date_from=(year.date_from.replace(day=1) + timedelta(days=32)).replace(day=1),
        date_to=today.replace(day=1) - timedelta(days=1),
    )
    analyst, public = bm.rules()
    loc_join = "JOIN localities_locality l ON l.id = r.locality_id"
    cases = [
        ("citywide, 1 year, 500 m, analyst", analyst, year, "", ""),
        ("citywide, 1 year, 500 m, public", public, year, "", ""),
        (
            f"one category ({top_category}), 1 year, 500 m, public",
            public,
            replace(year, category=(top_category,)),
            "",
            "AND c.code = %(cat)s",
        ),
        (
            f"locality {densest}, 1 year, 500 m, analyst",
            analyst,
            replace(year, locality=(densest,)),
            loc_join,
            "AND l.code = %(loc)s",
        ),
        ("citywide, whole months, 1,000 m, public", public, months, "", ""),
    ]
    for label, rule, filters, join, where in cases:
        size = 1000 if "1,000 m" in label else 500
        blocks_s, body = timed(
            lambda f=filters, rule=rule, size=size: heatmap_cells_json(
                filters=f, scope=rule.scope, cell=size, shape="square"
            ),
            repeat=repeat,
        )
        nodes_s, fine = timed(
            lambda f=filters, rule=rule, size=size: heatmap_cells_json(
                filters=f, scope=rule.scope, cell=size, shape="square", fine=True
            ),
            repeat=repeat,
        )
        f_start, f_end = filters.created_range()
        params = {
            "s": size,
            "g": bm.grid_metres(),
            "half": bm.grid_metres() / 2,
            "start": f_start,
            "end": f_end,
            "loc": densest,
            "cat": top_category,
            "k": rule.min_count,
        }
        raw_s, raw = timed(
            lambda params=params, rule=rule, join=join, where=where: sql_one(
                bm.RAW_HEATMAP.format(point=rule.point, rule=rule.fine_where, join=join, where=where), params
            ),
            repeat=repeat,
        )
        mine = bm.heatmap_by_cell(json.loads(body))
        same_fine = body == fine
        if not same_fine:
            bm.DIFFS.append(f"blocks: {label}: block rollup ≠ node rollup")
        same_raw = bm.differ(
            f"blocks: {label} vs base table",
            bm.compare_keyed(mine, bm.heatmap_by_cell(json.loads(raw[0])), bm.same_cell),
        )
        name = f"blocks: heatmap {label}"
        bm.record(
            name, blocks_s, raw_s, "flat", f"{len(mine)} cells; = node rollup: {same_fine}; = raw: {same_raw}"
        )
        bm.record("  same, node rollup (before)", blocks_s, nodes_s, "", "")
    # The hot spots' input (counts per 500 m square, k applied), public, from both rollups.
    query = cell_query(year, public.scope, "square", 500.0)
    blocks_s, (a, b, n) = timed(shown_cells, query, repeat=repeat)
    nodes_s, (fa, fb, fn) = timed(
        shown_cells, cell_query(year, public.scope, "square", 500.0, fine=True), repeat=repeat
    )
    same = bool((a == fa).all() and (b == fb).all() and (n == fn).all()) if len(a) == len(fa) else False
    if not same:
        bm.DIFFS.append("blocks: hot-spot input: block rollup ≠ node rollup")
    bm.record(
        "blocks: hot-spot input (500 m squares), public",
        blocks_s,
        nodes_s,
        "flat",
        f"{len(a)} cells; = node rollup: {same}",
    )


def case_key(name: str) -> str:
    """One name per case across sizes (the densest locality and tile may move as data grows)."""
    name = re.sub(r"^tile z(\d+) \d+/\d+", r"tile z\1 (densest spot)", name)
    return re.sub(r"^heatmap locality \w+", "heatmap densest locality", name)


def run_cases(groups: tuple[str, ...], repeat: int, export_days: tuple[int, ...] = (30, 365)) -> dict:
    """Run bench/maps.py's cases of `groups` once; {case: {platform, raw, note, figures…}}."""
    bm.ROWS.clear()
    bm.FIGURES.clear()
    args = SimpleNamespace(
        tile_url="/api/maps/tiles/reports/{z}/{x}/{y}.mvt",
        page_url="/api/maps/reports.geojson?page_size=10000",
        export_url="/api/exports/reports.geojson",
    )
    steps = {
        "heatmaps": lambda: bm.bench_heatmaps(repeat),
        "blocks": lambda: bench_blocks(repeat),
        "hotspots": lambda: bm.bench_rollup_outputs(repeat),
        "stats": lambda: bm.bench_stats(repeat),
        "tiles": lambda: bm.bench_tiles_and_page(repeat, args, one_by_one=False),
        "exports": lambda: bm.bench_exports(repeat, args, export_days=export_days),
    }
    cases = {}
    previous = ""
    for group in groups:
        started = time.perf_counter()
        steps[group]()
        print(f"  {group}: {time.perf_counter() - started:.0f} s (carga {load()})", flush=True)
    for name, platform_s, raw_s, _goal, note, _load in bm.ROWS:
        key = case_key(name)
        if name.startswith("  "):  # "  same, raw SQL on the rollup": belongs to the case above
            key = f"{previous} — platform vs {name.strip().removeprefix('same, ')}"
        else:
            previous = key
        cases[key] = {"platform": platform_s, "raw": raw_s, "note": note, **bm.FIGURES.get(name, {})}
    return cases


def read_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def write_results(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))


def _fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if kind == "x":
        return f"{value:.2f}"
    if kind == "MB":
        return f"{value / 1e6:,.1f} MB" if value >= 1e6 else f"{value / 1e3:,.0f} KB"
    if kind == "n":
        return f"{value:,}"
    return str(value)


def print_metric(title: str, sizes: list[str], rows: list[tuple[str, list]], kind: str) -> None:
    """One table: a row per case, a column per size, then the growth factor (last / first size)."""
    print(f"\n{title}")
    width = max([len(r[0]) for r in rows] + [20])
    header = f"{'case':<{width}}" + "".join(f"{int(s):>14,}" for s in sizes) + f"{'growth':>9}"
    print(header)
    print("-" * len(header))
    for name, values in rows:
        cells = "".join(f"{_fmt(v, kind):>14}" for v in values)
        first, last = values[0], values[-1]
        growth = f"{last / first:8.1f}×" if first and last is not None and len(values) > 1 else f"{'—':>9}"
        print(f"{name:<{width}}{cells}{growth}")


def print_tables(results: dict) -> None:
    sizes = sorted(results, key=int)
    if not sizes:
        print("Sin resultados todavía.")
        return
    print(f"\nTamaños: {', '.join(f'{int(s):,}' for s in sizes)} reportes; crecimiento = último / primero.")
    for size in sizes:
        r = results[size]
        print(
            f"  {int(size):>10,}: medido {r.get('measured', '?')}, carga {r.get('load', '?')}, "
            f"{r.get('disk', '')}"
        )
    names: list[str] = []
    for size in sizes:
        names += [n for n in results[size].get("cases", {}) if n not in names]

    def column(name, field):
        return [results[s].get("cases", {}).get(name, {}).get(field) for s in sizes]

    def ratio(name):
        return [
            (c["platform"] / c["raw"]) if c.get("platform") is not None and c.get("raw") else None
            for c in (results[s].get("cases", {}).get(name, {}) for s in sizes)
        ]

    print_metric(
        "Tiempo de la plataforma (mejor de --repeat)", sizes, [(n, column(n, "platform")) for n in names], "s"
    )
    print_metric(
        "Tiempo del SQL crudo que hace el mismo trabajo", sizes, [(n, column(n, "raw")) for n in names], "s"
    )
    print_metric("Razón plataforma / SQL crudo", sizes, [(n, ratio(n)) for n in names], "x")
    sized = [n for n in names if any(v is not None for v in column(n, "bytes"))]
    print_metric("Bytes enviados", sizes, [(n, column(n, "bytes")) for n in sized], "MB")
    peaked = [n for n in names if any(v is not None for v in column(n, "peak"))]
    print_metric(
        "Pico de memoria de Python (tracemalloc)", sizes, [(n, column(n, "peak")) for n in peaked], "MB"
    )
    print_metric(
        "Almacenamiento",
        sizes,
        [
            (k, [results[s].get("storage", {}).get(k) for s in sizes])
            for k in ("reports_heap", "reports_indexes", "reports_total", "rollup_total", "blocks_total")
        ],
        "MB",
    )
    print_metric(
        "Filas del rollup (nodo de la malla × día × categoría…)",
        sizes,
        [("maps_reportcell rows", [results[s].get("storage", {}).get("rollup_rows") for s in sizes])]
        + [("maps_reportblock rows", [results[s].get("storage", {}).get("blocks_rows") for s in sizes])]
        + [(f"  {g}", [results[s].get("storage", {}).get(f"grain {g}") for s in sizes]) for g in GRAINS],
        "n",
    )
    print_metric(
        "Siembra y mantenimiento",
        sizes,
        [
            (label, [results[s].get("setup", {}).get(k) for s in sizes])
            for label, k in (
                ("seed (appending to reach the size)", "seed_s"),
                ("rollup full rebuild", "refresh_full_s"),
                ("rollup incremental refresh (100 changed)", "refresh_incremental_s"),
                ("ANALYZE", "analyze_s"),
            )
        ],
        "s",
    )


def drop() -> None:
    """Delete every demo report (what the bench added) and give the space back."""
    from maps.services import rollups_refresh
    from reports.demo import demo_remove

    print(f"Antes: {disk_free()}; {report_count():,} reportes", flush=True)
    t = time.perf_counter()
    removed = demo_remove()
    rollups_refresh(full=True)
    connection.cursor().execute("VACUUM FULL reports_report")
    connection.cursor().execute("VACUUM FULL maps_reportcell")
    connection.cursor().execute("VACUUM FULL maps_reportblock")
    print(f"Borrados {removed:,} reportes de demostración en {time.perf_counter() - t:.0f} s; {disk_free()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--export-days", type=int, nargs="+", default=[30, 365], help="export windows (days)")
    parser.add_argument("--chunk", type=int, default=1_000_000, help="reports per seed_demo call")
    parser.add_argument(
        "--copy-above",
        type=int,
        default=1_000_000,
        help="sizes above this are reached by copying the stored demo reports in SQL (seed_demo is too slow)",
    )
    parser.add_argument("--report", action="store_true", help="print the stored tables and stop")
    parser.add_argument("--drop", action="store_true", help="delete the demo reports and stop")
    args = parser.parse_args()
    if args.report:
        print_tables(read_results())
        return 0
    if args.drop:
        drop()
        return 0
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    ensure_boundaries()
    print(machine(), flush=True)
    results = read_results()
    groups = tuple(g for g in GROUPS if g in args.only)
    for size in sorted(args.sizes):
        print(f"\n== {size:,} reportes (carga {load()}; {disk_free()})", flush=True)
        have = report_count()
        if have > size * 1.01:
            print(f"  la base ya tiene {have:,} (> {size:,}): tamaño omitido (crece, nunca se recorta)")
            continue
        entry = results.get(str(size), {})
        setup = grow_by_copy(size) if size > args.copy_above else grow_to(size, args.chunk)
        setup.update(refresh_and_analyze())
        if setup["seeded"] or "setup" not in entry:
            entry["setup"] = setup
        else:  # nothing seeded now: keep the seeding figures of the run that grew the data
            entry["setup"] = {**setup, "seed_s": entry["setup"].get("seed_s")}
        entry["storage"] = storage()
        entry["reports"] = report_count()
        print(
            f"  {entry['reports']:,} reportes; rollup completo {setup['refresh_full_s']:.1f} s, "
            f"incremental {setup['refresh_incremental_s']:.2f} s, ANALYZE {setup['analyze_s']:.1f} s; "
            f"reports_report {entry['storage']['reports_total'] / 2**30:.2f} GiB",
            flush=True,
        )
        print(f"  puntos públicos = punto exacto ajustado a la malla: {bm.check_public_points()}", flush=True)
        loads = [load()]
        cases = run_cases(groups, args.repeat, tuple(args.export_days))
        loads.append(load())
        entry["cases"] = {**entry.get("cases", {}), **cases}
        entry["measured"] = machine()
        entry["load"] = " → ".join(loads)
        entry["disk"] = disk_free()
        entry["differences"] = list(bm.DIFFS)  # so far in this run; empty: every output equal to raw SQL
        results[str(size)] = entry
        write_results(results)
    print_tables(results)
    if bm.DIFFS:
        print(f"\nDIFERENCIAS entre la plataforma y el SQL ({len(bm.DIFFS)} líneas):")
        for line in bm.DIFFS:
            print(f"  {line}")
        return 1
    print("\nTodas las salidas comparadas son iguales a las del SQL.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
