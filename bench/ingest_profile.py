"""Where one report creation spends its time: the create view profiled in-process (no network).

    .venv/bin/python bench/ingest_profile.py [--n 300]

Runs N anonymous JSON POSTs to /api/reports/ (each with its own Idempotency-Key and X-Device-Id, as
bench/ingest.py sends them) through Django's test client against the dev database, under cProfile,
with every SQL statement captured. Prints the SQL statements and round trips per report, and the
milliseconds per report spent in each stage of the request (cumulative time of the function that
owns the stage). The stages overlap where one calls another (the view includes validation, the
service and serialization); "rest" is the request total minus the named stages below the view.
The reports it creates are removed afterwards.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the project: bench/maps.py must not shadow the maps app
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings.dev")
os.environ.setdefault("DEBUG", "0")
os.environ["THROTTLE_REPORT_CREATE_ANON"] = "100000000/hour"

from _common import machine, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reports.models import Category, IdempotencyRecord, Report  # noqa: E402

# (stage, function name as cProfile lists it: file suffix, function). First match wins.
STAGES = [
    ("request total (WSGI handler)", "django/core/handlers/base.py", "get_response"),
    ("view (DRF dispatch)", "rest_framework/views.py", "dispatch"),
    ("authentication + throttle", "rest_framework/views.py", "initial"),
    ("idempotency (whole wrapper)", "reports/idempotency.py", "idempotent"),
    ("idempotency fingerprint", "reports/idempotency.py", "request_fingerprint"),
    ("idempotency claim with the answer (INSERT … ON CONFLICT)", "reports/querysets.py", "claim"),
    ("input validation (serializer)", "rest_framework/serializers.py", "is_valid"),
    ("service report_create", "reports/services.py", "report_create"),
    ("locate in Python (before this work)", "localities/selectors.py", "locate_point"),
    ("public point in Python (before this work)", "reports/visibility.py", "public_point"),
    ("one-statement insert (locate+snap+report+history)", "reports/querysets.py", "insert_located"),
    ("re-read for the reply (before this work)", "reports/selectors.py", "report_by_tracking_code"),
    ("output serialization (DRF, before this work)", "rest_framework/serializers.py", "data"),
    ("reply built from the filed values", "reports/serializers.py", "report_created_data"),
    ("rollup deferral after commit (coalesced)", "reports/services.py", "_filed_defer"),
    ("  of which procrastinate defer", "maps/services.py", "rollups_refresh_enqueue"),
    ("SQL execution (all statements)", "psycopg/cursor.py", "execute"),
    ("COMMIT", "psycopg/connection.py", "commit"),
]


def points(n: int) -> list[tuple[float, float]]:
    from ingest import prepare_database, random_points  # the same points and data as the HTTP bench

    prepare_database()
    return random_points(n, 1234)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    pts = points(args.n + 20)
    codes = list(Category.objects.filter(active=True, sensitive=False).values_list("code", flat=True))
    if not codes:
        sys.exit("No hay categorías: ejecute bench/ingest.py una vez o `manage.py load_categories`.")
    run = uuid.uuid4().hex[:8]
    marker = f"[bench-profile {run}]"
    rng = random.Random(7)
    now = datetime.now(UTC)
    bodies = [
        json.dumps(
            {
                "category": rng.choice(codes),
                "description": f"{marker} #{i}",
                "location": {"type": "Point", "coordinates": [lon, lat]},
                "occurred_at": (now - timedelta(minutes=rng.randint(5, 9000))).isoformat(),
            }
        )
        for i, (lon, lat) in enumerate(pts)
    ]
    client = Client(HTTP_HOST="127.0.0.1")

    def post(i: int) -> None:
        response = client.post(
            "/api/reports/",
            bodies[i],
            content_type="application/json",
            headers={"Idempotency-Key": f"profile-{run}-{i}", "X-Device-Id": f"profile-{run}-{i % 50}"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code} {response.content[:300]!r}")

    try:
        for i in range(args.n, args.n + 20):  # warm up: imports, connection, caches
            post(i)
        with CaptureQueriesContext(connection) as queries:
            post(0)
        captured = list(queries.captured_queries)  # the next request resets Django's query log
        statements = Counter(q["sql"].split()[0].upper() if q["sql"].split() else "?" for q in captured)
        half = (args.n - 1) // 2
        plain = time.perf_counter()
        for i in range(1, half + 1):
            post(i)
        plain = (time.perf_counter() - plain) / half
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(half + 1, args.n):
            post(i)
        profiler.disable()
        elapsed = time.perf_counter() - started
        stats = pstats.Stats(profiler)
        profiled = args.n - 1 - half
        per = profiled / 1000.0
        print(f"bench/ingest_profile.py — {machine()} — load average {os.getloadavg()[0]:.2f}")
        print(f"{half} reports in-process without the profiler: {plain * 1000:.2f} ms each (one at a time)")
        print(f"{profiled} reports in-process under cProfile: {elapsed / profiled * 1000:.2f} ms each")
        print(
            f"SQL per report: {len(captured)} statements "
            f"({', '.join(f'{k} {v}' for k, v in statements.most_common())})"
        )
        for q in captured:
            print(f"    {q['time']:>6}s  {' '.join(q['sql'].split())[:150]}")
        print()
        print(f"{'stage':<52} {'ms/report':>10}  {'calls/report':>12}")
        for name, path, func in STAGES:
            found = [
                (cc, nc, tt, ct)
                for (file, _, fn), (cc, nc, tt, ct, _) in stats.stats.items()
                if fn == func and file.endswith(path)
            ]
            if not found:
                print(f"{name:<52} {'—':>10}")
                continue
            calls = sum(f[1] for f in found)
            cumulative = max(f[3] for f in found)
            print(f"{name:<52} {cumulative / per:>10.2f}  {calls / profiled:>12.2f}")
        print()
        stats.sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
            int(os.environ.get("PROFILE_LINES", "25"))
        )
    finally:
        Report.objects.filter(description__startswith=marker).delete()
        IdempotencyRecord.objects.filter(key__startswith=f"profile-{run}-").delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
