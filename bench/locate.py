"""Locate benchmark: N random points inside Bogotá resolved to locality AND UPZ, three ways.

    .venv/bin/python bench/locate.py [--points 100000] [--batch 100000] [--seed 7] [--repeat 1]
                                     [--sample 1000]

1. platform: `localities.selectors.locate_many` (the path the report intake and the other
   benchmarks use), in batches of --batch points. From 2,000 points on it puts the points in a
   GiST-indexed temporary table and walks the subdivided parts (ST_Subdivide) once each; below
   that each point probes the parts' index (LATERAL … ORDER BY code LIMIT 1).
2. raw SQL: the same work written directly against the base polygon tables (localities_locality,
   localities_upz: whole MultiPolygons, their GiST index, no subdivided parts), lowest code on a
   tie, as one plain set-based query over the unnested points. This is the baseline of the ratios.
   A second raw SQL row indexes the points the same way as the platform does, still against the
   whole polygons, to show how much of the gain is the query shape and how much the subdivision.
3. geopandas: polygons read from PostGIS once (not timed), then a spatial join (`covered_by`, STRtree)
   of the points with localities and with UPZ, lowest code on a tie (timed).
Optionally (--sample > 0) `locate_point` is called once per point for the first --sample points;
its time is extrapolated to N and labelled so.

The points: ST_GeneratePoints over the union of the active localities (uniform in lon/lat, seeded),
so about half of them fall in rural Sumapaz, as the area does. The dev database ("convive", from
DATABASE_URL or .local/database_url) gets the official boundaries first if it has none.
Every method must give the same (locality, UPZ) for every point; the script exits 1 otherwise.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Row, ensure_boundaries, machine, print_table, setup_django, timed  # noqa: E402

setup_django()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from geo.spatial import make_point  # noqa: E402
from localities.selectors import locate_many, locate_point  # noqa: E402

Pairs = list[tuple[int | None, int | None]]


def random_points(n: int, seed: int) -> list[tuple[float, float]]:
    """N seeded random (lon, lat) points (EPSG:4326), uniform in the union of the active localities.

    Raw SQL: ST_GeneratePoints (seeded) has no ORM counterpart.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(d.geom), ST_Y(d.geom) FROM (
                SELECT (ST_Dump(ST_GeneratePoints(ST_Union(l.geom), %s, %s))).geom AS geom
                FROM localities_locality l
                JOIN localities_boundaryversion v ON v.id = l.version_id AND v.active
            ) d
            """,
            [n, seed],
        )
        return cursor.fetchall()


def platform_path(points, batch: int) -> Pairs:
    """The platform's own bulk path, in batches."""
    result: Pairs = []
    for start in range(0, len(points), batch):
        result.extend(locate_many(points[start : start + batch]))
    return result


RAW_SQL = """
WITH pts AS (
    SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
    FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(lon, lat, ord)
),
loc AS (
    SELECT DISTINCT ON (pts.ord) pts.ord, l.id
    FROM pts
    JOIN localities_locality l ON ST_Covers(l.geom, pts.geom)
    JOIN localities_boundaryversion v ON v.id = l.version_id AND v.active
    ORDER BY pts.ord, l.code
),
upz AS (
    SELECT DISTINCT ON (pts.ord) pts.ord, u.id
    FROM pts
    JOIN localities_upz u ON ST_Covers(u.geom, pts.geom)
    JOIN localities_boundaryversion v ON v.id = u.version_id AND v.active
    ORDER BY pts.ord, u.code
)
SELECT loc.id, upz.id
FROM pts LEFT JOIN loc USING (ord) LEFT JOIN upz USING (ord)
ORDER BY pts.ord
"""


def raw_sql(points) -> Pairs:
    """One set-based query against the whole polygons (the baseline)."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, [lons, lats])
        return [tuple(row) for row in cursor.fetchall()]


RAW_SQL_INDEXED = """
WITH loc AS (
    SELECT DISTINCT ON (t.ord) t.ord, l.id
    FROM localities_locality l
    JOIN localities_boundaryversion v ON v.id = l.version_id AND v.active
    JOIN bench_pts t ON ST_Covers(l.geom, t.geom)
    ORDER BY t.ord, l.code
),
upz AS (
    SELECT DISTINCT ON (t.ord) t.ord, u.id
    FROM localities_upz u
    JOIN localities_boundaryversion v ON v.id = u.version_id AND v.active
    JOIN bench_pts t ON ST_Covers(u.geom, t.geom)
    ORDER BY t.ord, u.code
)
SELECT loc.id, upz.id FROM bench_pts t LEFT JOIN loc USING (ord) LEFT JOIN upz USING (ord) ORDER BY t.ord
"""


def raw_sql_indexed(points) -> Pairs:
    """For comparison: whole polygons again, but the points in a GiST-indexed temporary table."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_pts (ord bigint, geom geometry(Point, 4326))")
        cursor.execute(
            "INSERT INTO bench_pts SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326) "
            "FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(lon, lat, ord)",
            [lons, lats],
        )
        cursor.execute("CREATE INDEX ON bench_pts USING gist (geom)")
        cursor.execute("ANALYZE bench_pts")
        cursor.execute(RAW_SQL_INDEXED)
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.execute("DROP TABLE bench_pts")
    return rows


def read_polygons() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Active localities and UPZ/UPR (id, code, geometry in EPSG:4326) from PostGIS."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # make sure Django opened its connection
    raw = connection.connection  # the psycopg connection Django already holds
    query = """
        SELECT t.id, t.code, ST_AsBinary(t.geom) AS geom FROM {table} t
        JOIN localities_boundaryversion v ON v.id = t.version_id AND v.active
    """
    frames = []
    for table in ("localities_locality", "localities_upz"):
        with raw.cursor() as cursor:
            cursor.execute(query.format(table=table))
            rows = cursor.fetchall()
        frame = pd.DataFrame(rows, columns=["id", "code", "geom"])
        frames.append(
            gpd.GeoDataFrame(frame[["id", "code"]], geometry=gpd.GeoSeries.from_wkb(frame["geom"]), crs=4326)
        )
    return frames[0], frames[1]


def geopandas_join(points_gdf: gpd.GeoDataFrame, localities, upzs) -> Pairs:
    """Spatial join of the points with both layers; lowest code wins on a shared border."""

    def first_covering(polygons) -> pd.Series:
        joined = gpd.sjoin(points_gdf, polygons, how="inner", predicate="covered_by")
        joined = joined.sort_values("code", kind="stable")
        first = joined[~joined.index.duplicated(keep="first")]
        return first["id"].reindex(points_gdf.index)

    loc = first_covering(localities)
    upz = first_covering(upzs)
    return [
        (None if pd.isna(a) else int(a), None if pd.isna(b) else int(b))
        for a, b in zip(loc.to_numpy(), upz.to_numpy(), strict=True)
    ]


def locate_point_sample(points) -> Pairs:
    out: Pairs = []
    for lon, lat in points:
        found = locate_point(make_point(lon, lat))
        out.append(
            (None, None) if found is None else (found.locality.pk, found.upz.pk if found.upz else None)
        )
    return out


def disagreements(reference: Pairs, other: Pairs) -> int:
    return sum(1 for a, b in zip(reference, other, strict=True) if a != b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=100_000, help="random points (default 100000)")
    parser.add_argument("--batch", type=int, default=100_000, help="points per locate_many call")
    parser.add_argument("--seed", type=int, default=7, help="seed of the random points")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the best time counts")
    parser.add_argument("--sample", type=int, default=1000, help="points for locate_point (0: skip)")
    args = parser.parse_args()

    ensure_boundaries()
    print(f"locate benchmark · {machine()}", flush=True)
    points = random_points(args.points, args.seed)
    n = len(points)
    print(f"{n:,} random points in the union of the localities (seed {args.seed})", flush=True)

    # Warm caches (shared buffers, GEOS, planner) on a small slice so no method pays for the first touch.
    warm = points[: min(n, 2000)]
    platform_path(warm, args.batch)
    raw_sql(warm)

    rows: list[Row] = []
    t, platform_result = timed(platform_path, points, args.batch, repeat=args.repeat)
    rows.append(Row("platform locate_many", t, n, f"subdivided parts, batches of {args.batch:,}"))
    print(f"  platform: {t:.2f} s", flush=True)
    t, raw_result = timed(raw_sql, points, repeat=args.repeat)
    rows.append(Row("raw SQL join", t, n, "whole polygons, one query"))
    print(f"  raw SQL:  {t:.2f} s", flush=True)

    t, raw_indexed_result = timed(raw_sql_indexed, points, repeat=args.repeat)
    rows.append(Row("raw SQL, indexed points", t, n, "whole polygons, points in an indexed temp table"))
    print(f"  raw SQL (indexed points): {t:.2f} s", flush=True)

    localities, upzs = read_polygons()
    xy = np.asarray(points, dtype=float)
    points_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    t, gpd_result = timed(geopandas_join, points_gdf, localities, upzs, repeat=args.repeat)
    rows.append(Row("geopandas sjoin", t, n, "in memory; polygon read from PostGIS not timed"))
    print(f"  geopandas: {t:.2f} s", flush=True)

    sample_result = None
    if args.sample > 0:
        sample = points[: min(args.sample, n)]
        t, sample_result = timed(locate_point_sample, sample)
        rows.append(
            Row(
                "locate_point × N (extrapolated)",
                t * n / len(sample),
                n,
                f"measured {t:.2f} s on {len(sample):,} points, one call each",
            )
        )

    print()
    print_table(rows, baseline="raw SQL join")
    print()

    located = sum(1 for loc, _ in platform_result if loc is not None)
    with_upz = sum(1 for _, upz in platform_result if upz is not None)
    print(f"located in a locality: {located:,} of {n:,}; with a UPZ/UPR: {with_upz:,}")
    problems = {
        "raw SQL": disagreements(platform_result, raw_result),
        "raw SQL indexed": disagreements(platform_result, raw_indexed_result),
        "geopandas": disagreements(platform_result, gpd_result),
    }
    if sample_result is not None:
        problems["locate_point"] = disagreements(platform_result[: len(sample_result)], sample_result)
    for name, count in problems.items():
        print(f"disagreements platform vs {name}: {count}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
