"""Load benchmark: a realistic mix against the production shape (gunicorn, production settings), with faults.

    .venv/bin/python bench/load.py [--workers 2 4] [--seconds 40] [--users 24] [--max-requests 20000]
                                   [--faults] [--port 8114]

Everything runs on 127.0.0.1 and stops by itself: each run lasts at most --seconds and
--max-requests, the server is always stopped and the media folder unmounted, also on error.
1. Prepares the dev database: official boundaries, categories, demo reports when empty, and two staff
   accounts with API tokens (a locality officer for every locality, and an analyst who exports).
2. For each worker count, starts gunicorn as `make serve` does (geo/gunicorn.conf.py,
   geo.settings.production, WEB_CONCURRENCY=N) with the rate limits lifted for this process only (one
   client IP plays every citizen), and runs locust headless in a child process (locust's gevent
   patching stays out of this one) with this mix per simulated person:
     citizens browsing: home page, report tiles around the city, public list, public report pages;
     citizens filing: a report with a photo (multipart), an Idempotency-Key and X-Device-Id, retried
       with the same key on a network error or 5xx like a phone (up to 6 tries, backing off), and 10 %
       sent twice on purpose; then following it by tracking code; supporting others' reports;
     staff triaging: their queue, and moving a received report to in_review;
     planners exporting: CSV of reports and GeoJSON aggregates.
3. With --faults (on the first worker count only): SIGKILL of one gunicorn worker at 25 % of the
   run, PostgreSQL stopped and started again at 45 % (`scripts/pg.sh stop` / `start`), and from 70 %
   the media folder (a 2 MB tmpfs mounted for the run, when root) filled up.
4. Prints per endpoint: requests, failures, requests/s, p50/p95/p99 (ms); the error rate; what the
   clients saw during faults (status codes and connection errors by second); then checks in the
   database that every acknowledged report (201) exists exactly once, that unacknowledged keys left
   at most one report, that every retry got the original's tracking code and that every photo row
   has its file. Exit status 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench/ itself goes last on the path: bench/maps.py must not shadow the maps app.
sys.path.append(str(ROOT / "bench"))

# Bogotá's urban area, for tile coordinates and report points (lon, lat).
CITY = (-74.20, 4.50, -74.02, 4.78)
FILING_POINTS = [
    (-74.07594, 4.59806),
    (-74.05460, 4.66680),
    (-74.14090, 4.62780),
    (-74.08300, 4.63500),
    (-74.10500, 4.69000),
    (-74.06500, 4.70500),
    (-74.15500, 4.60500),
    (-74.11500, 4.57500),
]


# --- the locust side (child process) ---------------------------------------------------------------
def locust_main(args) -> None:
    """Run the mix headless for args.seconds or args.max_requests, then write stats and acknowledgements."""
    import random

    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment

    config = json.loads(Path(args.config).read_text())
    marker = config["marker"]
    rng = random.Random(7)
    acknowledged: list[dict] = []
    attempts: list[dict] = []
    timeline: list[tuple[float, str, str]] = []  # (wall-clock time, name, outcome)
    started = time.monotonic()

    def jpeg() -> bytes:
        from PIL import Image

        buffer = io.BytesIO()
        colour = tuple(rng.randrange(256) for _ in range(3))
        Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG", quality=90)
        return buffer.getvalue()

    def tile_xyz(z: int) -> tuple[int, int, int]:
        import math

        lon = rng.uniform(CITY[0], CITY[2])
        lat = rng.uniform(CITY[1], CITY[3])
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return z, x, y

    def note(name: str, response) -> None:
        outcome = str(response.status_code) if response.status_code else "connection error"
        timeline.append((time.time(), name, outcome))  # wall clock: the orchestrator's faults use it too

    class Citizen(HttpUser):
        wait_time = between(0.2, 1.0)
        weight = 10

        def on_start(self):
            self.device = uuid.uuid4().hex
            self.mine: list[str] = []

        @task(6)
        def browse_tiles(self):
            for z in (12, 13, 14, 15):
                z, x, y = tile_xyz(z)
                with self.client.get(
                    f"/api/maps/tiles/reports/{z}/{x}/{y}.mvt", name="tile reports", catch_response=True
                ) as r:
                    note("tile reports", r)
                    if r.status_code in (200, 204):
                        r.success()

        @task(2)
        def home(self):
            with self.client.get("/", name="home page", catch_response=True) as r:
                note("home page", r)

        @task(3)
        def public_list(self):
            with self.client.get(
                "/api/reports/", params={"page": rng.randint(1, 5)}, name="public list", catch_response=True
            ) as r:
                note("public list", r)
                if r.status_code == 200:
                    ids = [f["id"] for f in r.json().get("features", [])]
                    if ids:
                        pk = rng.choice(ids)
                        with self.client.get(
                            f"/reportes/{pk}/", name="public report page", catch_response=True
                        ) as p:
                            note("public report page", p)
                        if rng.random() < 0.3:
                            with self.client.post(
                                f"/api/reports/{pk}/supports/",
                                json={"device_id": self.device},
                                name="support",
                                catch_response=True,
                            ) as s:
                                note("support", s)
                                if s.status_code in (200, 201, 409):
                                    s.success()

        @task(2)
        def file_report(self):
            key = uuid.uuid4().hex
            lon, lat = rng.choice(FILING_POINTS)
            lon += rng.uniform(-0.004, 0.004)
            lat += rng.uniform(-0.004, 0.004)
            form = {
                "category": rng.choice(config["categories"]),
                "description": f"Carga {marker} {key}",
                "lon": f"{lon:.6f}",
                "lat": f"{lat:.6f}",
            }
            photo = jpeg()
            sends = 2 if rng.random() < 0.1 else 1
            codes = []
            for _ in range(sends):
                code = self._send_with_retries(key, form, photo)
                if code:
                    codes.append(code)
            attempts.append({"key": key, "codes": codes})
            if codes:
                acknowledged.append({"key": key, "tracking_code": codes[0]})
                self.mine.append(codes[0])

        def _send_with_retries(self, key, form, photo):
            for attempt in range(6):
                with self.client.post(
                    "/api/reports/",
                    data=form,
                    files={"photos": ("foto.jpg", photo, "image/jpeg")},
                    headers={"Idempotency-Key": key, "X-Device-Id": self.device},
                    name="file report" if attempt == 0 else "file report (retry)",
                    catch_response=True,
                ) as r:
                    note("file report", r)
                    if r.status_code == 201:
                        return r.json()["tracking_code"]
                    if r.status_code and r.status_code < 500 and r.status_code != 429:
                        r.failure(f"refused {r.status_code}")
                        return None
                gevent.sleep(min(8.0, 0.5 * 2**attempt))
            return None

        @task(1)
        def follow(self):
            if self.mine:
                code = rng.choice(self.mine)
                with self.client.get(
                    f"/api/reports/track/{code}/", name="follow (track)", catch_response=True
                ) as r:
                    note("follow (track)", r)

    class Staff(HttpUser):
        wait_time = between(1, 3)
        weight = 1

        @task
        def triage(self):
            headers = {"Authorization": f"Token {config['staff_token']}"}
            with self.client.get(
                "/api/staff/reports/",
                params={"status": "received"},
                headers=headers,
                name="staff queue",
                catch_response=True,
            ) as r:
                note("staff queue", r)
                rows = r.json().get("features", []) if r.status_code == 200 else []
            if rows:
                pk = rng.choice(rows)["id"]
                with self.client.post(
                    f"/api/staff/reports/{pk}/transition/",
                    json={"to_status": "in_review", "note": "Revisión en carga"},
                    headers=headers,
                    name="staff transition",
                    catch_response=True,
                ) as t:
                    note("staff transition", t)
                    if t.status_code in (200, 409, 400):
                        t.success()

    class Planner(HttpUser):
        wait_time = between(3, 6)
        weight = 1

        @task
        def export(self):
            headers = {"Authorization": f"Token {config['planner_token']}"}
            if rng.random() < 0.5:
                url, name = "/api/exports/reports.csv", "export reports.csv"
            else:
                url, name = "/api/exports/aggregates.geojson", "export aggregates.geojson"
            with self.client.get(url, headers=headers, name=name, catch_response=True, stream=False) as r:
                note(name, r)

    env = Environment(user_classes=[Citizen, Staff, Planner], host=args.host)
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)

    def stopper():
        while time.monotonic() - started < args.seconds:
            if env.stats.total.num_requests >= args.max_requests:
                break
            gevent.sleep(0.5)
        runner.quit()

    gevent.spawn(stopper).join()
    elapsed = time.monotonic() - started
    rows = []
    for (name, method), entry in sorted(env.stats.entries.items()):
        rows.append(
            {
                "name": name,
                "method": method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rps": entry.num_requests / elapsed,
                "p50": entry.get_response_time_percentile(0.5),
                "p95": entry.get_response_time_percentile(0.95),
                "p99": entry.get_response_time_percentile(0.99),
            }
        )
    total = env.stats.total
    Path(args.out).write_text(
        json.dumps(
            {
                "elapsed": elapsed,
                "rows": rows,
                "total": {
                    "requests": total.num_requests,
                    "failures": total.num_failures,
                    "rps": total.num_requests / elapsed,
                },
                "acknowledged": acknowledged,
                "attempts": attempts,
                "timeline": timeline,
            }
        )
    )


# --- the orchestrator ------------------------------------------------------------------------------
def prepare() -> dict:
    """Boundaries, categories, demo data and the two staff tokens in the dev database."""
    from _common import ensure_boundaries, setup_django

    setup_django()
    from django.core.management import call_command

    ensure_boundaries()
    call_command("load_categories", stdout=io.StringIO())
    call_command("seed_demo", reports=3000, if_empty=True, stdout=io.StringIO())
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from localities.models import Locality
    from reports.models import Category, Role, StaffProfile

    User = get_user_model()
    codes = sorted(set(Locality.objects.filter(version__active=True).values_list("code", flat=True)))

    def staff(username, role, localities):
        user, _ = User.objects.get_or_create(username=username)
        StaffProfile.objects.update_or_create(
            user=user, defaults={"role": role, "locality_codes": localities}
        )
        return Token.objects.get_or_create(user=user)[0].key

    categories = list(
        Category.objects.filter(sensitive=False, active=True).values_list("code", flat=True)[:6]
    )
    return {
        "staff_token": staff("carga_funcionaria", Role.LOCALITY_STAFF, codes),
        "planner_token": staff("carga_analista", Role.ANALYST, []),
        "categories": categories,
    }


def server_env(workers: int, port: int, media_root: Path) -> dict:
    env = dict(os.environ)
    secret = ROOT / ".local" / "secret_key"
    env.update(
        DJANGO_SETTINGS_MODULE="geo.settings.production",
        SECRET_KEY=secret.read_text().strip() if secret.exists() else uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        WEB_CONCURRENCY=str(workers),
        HOST="127.0.0.1",
        PORT=str(port),
        MEDIA_ROOT=str(media_root),
        CONN_MAX_AGE="60",
        THROTTLE_REPORT_CREATE_ANON="1000000/hour",
        THROTTLE_SUPPORT="1000000/hour",
        THROTTLE_EXPORT_ANON="1000000/hour",
        THROTTLE_SUPPORT_ANON_REPORT="1000000/day",
        THROTTLE_TRACK="1000000/hour",
    )
    if "DATABASE_URL" not in env:
        env["DATABASE_URL"] = (ROOT / ".local" / "database_url").read_text().strip()
    return env


def wait_ready(port: int, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("el servidor no quedó listo a tiempo (/readyz)")


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def run_faults(master: int, seconds: float, media_root: Path | None, events: list, t0: float) -> None:
    """SIGKILL a worker at 25 %, restart PostgreSQL at 45 %, fill the media folder at 70 % of the run.

    Times are wall-clock seconds since t0, the moment the load started (as in the clients' timeline).
    """

    def at(share):
        time.sleep(max(0.0, t0 + share * seconds - time.time()))
        return round(time.time() - t0, 1)

    t = at(0.25)
    victims = worker_pids(master)
    if victims:
        os.kill(victims[0], signal.SIGKILL)
        events.append((t, f"SIGKILL gunicorn worker {victims[0]}"))
    t = at(0.45)
    subprocess.run([str(ROOT / "scripts" / "pg.sh"), "stop"], capture_output=True, check=False)
    events.append((t, "PostgreSQL stopped (pg.sh stop, fast)"))
    subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start"], capture_output=True, check=False)
    events.append((round(time.time() - t0, 1), "PostgreSQL started again"))
    if media_root is not None:
        t = at(0.70)
        filler = media_root / "relleno.bin"
        try:
            with filler.open("wb") as handle:
                while True:
                    handle.write(b"\0" * 65536)
        except OSError:
            pass
        events.append((t, "media folder full (tmpfs)"))


def verify(marker: str, result: dict, media_root: Path) -> list[str]:
    """Problems found in the database after the run (empty: nothing lost or duplicated)."""
    from django.db import connections

    connections.close_all()  # the run may have restarted PostgreSQL under this process's connection
    from reports.models import Report, ReportPhoto

    problems = []
    rows = Report.objects.filter(description__startswith=f"Carga {marker} ").values_list(
        "description", "tracking_code"
    )
    by_key: dict[str, list[str]] = {}
    for description, code in rows:
        by_key.setdefault(description.rsplit(" ", 1)[1], []).append(code)
    for ack in result["acknowledged"]:
        found = by_key.get(ack["key"], [])
        if len(found) != 1:
            problems.append(f"clave {ack['key']}: {len(found)} reportes (se esperaba 1)")
        elif found[0] != ack["tracking_code"]:
            problems.append(
                f"clave {ack['key']}: código {found[0]} distinto del acusado {ack['tracking_code']}"
            )
    for attempt in result["attempts"]:
        if len(set(attempt["codes"])) > 1:
            problems.append(f"clave {attempt['key']}: reintentos con códigos distintos {attempt['codes']}")
        if not attempt["codes"] and len(by_key.get(attempt["key"], [])) > 1:
            problems.append(f"clave {attempt['key']}: sin acuse y duplicado")
    # Also keys the clients never recorded (a request cut off by the end of the run): at most one each.
    problems += [f"clave {key}: {len(codes)} reportes" for key, codes in by_key.items() if len(codes) > 1]
    unacked = [a["key"] for a in result["attempts"] if not a["codes"]]
    stored = sum(1 for key in unacked if by_key.get(key))
    print(
        f"claves sin acuse (el cliente se rindió tras sus reintentos): {len(unacked)}; "
        f"de ellas guardadas igualmente (una vez): {stored}; reportes de la corrida en la base: {len(rows)}"
    )
    for photo in ReportPhoto.objects.filter(report__description__startswith=f"Carga {marker} "):
        if not (media_root / photo.image.name).exists():
            problems.append(f"foto {photo.pk} sin archivo")
    return problems


def print_run(label: str, result: dict) -> None:
    print(f"\n### {label}: {result['elapsed']:.0f} s, {result['total']['requests']} solicitudes")
    print(f"{'endpoint':32} {'req':>6} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in result["rows"]:
        print(
            f"{row['method'] + ' ' + row['name']:32} {row['requests']:>6} {row['failures']:>5} {row['rps']:>7.1f} "
            f"{row['p50']:>7.0f} {row['p95']:>7.0f} {row['p99']:>7.0f}"
        )
    total = result["total"]
    rate = total["failures"] / total["requests"] if total["requests"] else 0
    print(
        f"{'total':32} {total['requests']:>6} {total['failures']:>5} {total['rps']:>7.1f}   error rate {rate:.2%}"
    )
    print(f"reportes acusados (201): {len(result['acknowledged'])}")


def fault_window(result: dict, events: list, t0: float) -> None:
    """What clients saw, per second, from the first fault on (non-2xx outcomes only)."""
    print("\nfallas inyectadas:")
    for t, what in events:
        print(f"  t={t:>5}s  {what}")
    first = events[0][0] - 1 if events else 0
    seen: dict[int, dict[str, int]] = {}
    for wall, name, outcome in result["timeline"]:
        t = wall - t0
        if t >= first and not outcome.startswith("2") and outcome != "304":
            seen.setdefault(int(t), {}).setdefault(f"{name} {outcome}", 0)
            seen[int(t)][f"{name} {outcome}"] += 1
    print("lo que vieron los clientes (respuestas no 2xx por segundo):")
    for second in sorted(seen):
        print(f"  t={second:>3}s  " + ", ".join(f"{k} ×{v}" for k, v in sorted(seen[second].items())))
    if not seen:
        print("  (ninguna)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--port", type=int, default=8114)
    parser.add_argument("--locust", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.locust:
        locust_main(args)
        return 0

    import platform
    from datetime import UTC, datetime

    print(
        f"bench/load.py {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPU, {platform.platform()}"
    )
    print("preparando la base de desarrollo…", flush=True)
    config = prepare()
    marker = uuid.uuid4().hex[:8]
    config["marker"] = marker
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # hashed names, as `make serve` builds them
        print("collectstatic…", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=server_env(2, args.port, ROOT / "media"),
            check=True,
        )
    all_problems = []
    for index, workers in enumerate(args.workers):
        faults = args.faults and index == 0
        work = Path(tempfile.mkdtemp(prefix="convive-load-"))
        media_root = work / "media"
        media_root.mkdir()
        mounted = False
        if faults and os.geteuid() == 0:
            mounted = (
                subprocess.run(
                    ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(media_root)], check=False
                ).returncode
                == 0
            )
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "geo/gunicorn.conf.py", "geo.wsgi"],
            cwd=ROOT,
            env=server_env(workers, args.port, media_root),
            stdout=(work / "server.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        events: list = []
        try:
            print(f"gunicorn con {workers} workers en :{args.port}…", flush=True)
            wait_ready(args.port)
            print("carga…", flush=True)
            cfg = work / "config.json"
            # One marker per run: each run's reports (and photos, in that run's media folder) are checked apart.
            run_config = {**config, "marker": f"{marker}{workers}"}
            cfg.write_text(json.dumps(run_config))
            out = work / "result.json"
            t0 = time.time()
            child = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--locust",
                    f"--host=http://127.0.0.1:{args.port}",
                    f"--config={cfg}",
                    f"--out={out}",
                    f"--seconds={args.seconds}",
                    f"--users={args.users}",
                    f"--max-requests={args.max_requests}",
                ],
                cwd=ROOT,
            )
            if faults:
                run_faults(server.pid, args.seconds, media_root if mounted else None, events, t0)
            child.wait(timeout=args.seconds + 120)
            result = json.loads(out.read_text())
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        label = f"{workers} workers" + (" con fallas" if faults else "")
        print_run(label, result)
        if faults:
            fault_window(result, events, t0)
            if not mounted:
                print("  (medio lleno no probado: hace falta root para montar un tmpfs)")
        problems = verify(f"{marker}{workers}", result, media_root)
        if mounted:
            subprocess.run(["umount", str(media_root)], check=False)
        print(
            "verificación: "
            + (
                "cada reporte acusado existe exactamente una vez"
                if not problems
                else f"{len(problems)} problemas"
            )
        )
        for problem in problems[:20]:
            print("  " + problem)
        all_problems += problems
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
