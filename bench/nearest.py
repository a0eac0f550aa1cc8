"""Nearest-services benchmark: the 5 nearest services of N random points in Bogotá, KNN vs a full sort.

    .venv/bin/python bench/nearest.py [--points 10000] [--limit 5] [--seed 5] [--sample 1000] [--kind cai]

1. KNN (SQL): one set-based query; per point a LATERAL subquery takes candidates with the `<->`
   operator on the GiST index of justice_servicepoint.location (4 × limit of them), then re-sorts
   them by exact metres (ST_DistanceSpheroid, WGS 84) and keeps `limit`.
2. full sort (SQL): the same query shape, but every service's exact distance is computed and sorted
   for every point (no index). This is the baseline of the ratios.
3. platform: `justice.selectors.service_nearest`, one call per point (what /api/services/nearest/
   runs; candidates by `<->`, exact metres, and a proof that no left-out service is closer), on the
   first --sample points; its time is extrapolated to N and labelled so.

The points: ST_GeneratePoints over the urban localities of the active boundary version (seeded). The
dev database ("convive") gets the boundaries and the official service files first if it has none
(BOGOTA_DATA_DIR). Every method must give the same services in the same order for every point; the
script exits 1 otherwise.
"""

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Row, ensure_boundaries, machine, print_table, setup_django, timed  # noqa: E402

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from geo.spatial import make_point  # noqa: E402
from justice.models import ServiceKind, ServicePoint  # noqa: E402
from justice.selectors import service_nearest  # noqa: E402

SPHEROID = 'SPHEROID["WGS 84",6378137,298.257223563]'


def ensure_directory() -> None:
    if ServicePoint.objects.current().exists():
        return
    print("Importando el directorio de servicios en la base de desarrollo…", flush=True)
    call_command("import_services", commit=True, stdout=io.StringIO())
    if not ServicePoint.objects.current().exists():
        sys.exit("No hay servicios: defina BOGOTA_DATA_DIR y ejecute `manage.py import_services --commit`.")


def random_points(n: int, seed: int) -> list[tuple[float, float]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0)])
        cursor.execute(
            """
            SELECT ST_X(g), ST_Y(g) FROM (
                SELECT (ST_Dump(ST_GeneratePoints(ST_Union(geom), %s, %s))).geom AS g
                FROM localities_locality l JOIN localities_boundaryversion v ON v.id = l.version_id
                WHERE v.active AND l.code <> '20'
            ) AS points
            """,
            [n, seed],
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _sql(order: str, candidates: str) -> str:
    # Raw SQL on purpose: a benchmark of query shapes over unnested points (LATERAL per point).
    return f"""
        WITH pts AS (
            SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
            FROM unnest(%(lons)s::float8[], %(lats)s::float8[]) WITH ORDINALITY AS t(lon, lat, ord)
        )
        SELECT pts.ord, best.ids
        FROM pts
        CROSS JOIN LATERAL (
            SELECT array_agg(id ORDER BY metres, id) AS ids FROM (
                SELECT id, metres FROM (
                    SELECT s.id, ST_DistanceSpheroid(s.location, pts.geom, '{SPHEROID}') AS metres
                    FROM justice_servicepoint s
                    WHERE s.active AND (%(kind)s::text IS NULL OR s.kind = %(kind)s)
                    ORDER BY {order}
                    {candidates}
                ) AS c ORDER BY metres, id LIMIT %(limit)s
            ) AS k
        ) AS best
        ORDER BY pts.ord
    """


def knn_sql(lons, lats, kind, limit):
    with connection.cursor() as cursor:
        cursor.execute(
            _sql("s.location <-> pts.geom", "LIMIT %(candidates)s"),
            {"lons": lons, "lats": lats, "kind": kind, "limit": limit, "candidates": 4 * limit},
        )
        return [list(row[1] or []) for row in cursor.fetchall()]


def full_sort_sql(lons, lats, kind, limit):
    with connection.cursor() as cursor:
        cursor.execute(_sql("metres, s.id", ""), {"lons": lons, "lats": lats, "kind": kind, "limit": limit})
        return [list(row[1] or []) for row in cursor.fetchall()]


def platform(points, kind, limit):
    return [
        [s.pk for s in service_nearest(point=make_point(lon, lat), kind=kind, limit=limit)]
        for lon, lat in points
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--sample", type=int, default=1000, help="points for the per-call platform path")
    parser.add_argument("--kind", choices=ServiceKind.values, default=None)
    args = parser.parse_args()

    ensure_boundaries()
    ensure_directory()
    points = random_points(args.points, args.seed)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    services = ServicePoint.objects.current().of_kind(args.kind).count()
    print(
        f"Nearest {args.limit} of {services} services ({args.kind or 'all kinds'}) for {len(points):,} points"
    )
    print(machine())

    knn_s, knn = timed(knn_sql, lons, lats, args.kind, args.limit)
    full_s, full = timed(full_sort_sql, lons, lats, args.kind, args.limit)
    sample = points[: args.sample]
    platform_s, via_platform = timed(platform, sample, args.kind, args.limit)
    rows = [
        Row("full sort (SQL)", full_s, len(points), "exact metres for every service, sorted"),
        Row("KNN (SQL)", knn_s, len(points), f"<-> candidates ({4 * args.limit}), then metres"),
    ]
    if sample:
        rows.append(
            Row(
                "platform service_nearest",
                platform_s * len(points) / len(sample),
                len(points),
                f"one call per point; measured on {len(sample):,}, extrapolated",
            )
        )
    print_table(rows, baseline="full sort (SQL)")
    print(f"\nratio full sort / KNN: {full_s / knn_s:.1f}×")

    same = knn == full and via_platform == full[: len(sample)]
    differing = sum(a != b for a, b in zip(knn, full, strict=True)) + sum(
        a != b for a, b in zip(via_platform, full, strict=False)
    )
    print(f"same answers: {same} ({differing} points differ)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
