"""Load benchmark: a realistic mix against the production shape (gunicorn, production settings), with faults.

    .venv/bin/python bench/load.py [--workers 2 4] [--seconds 40] [--users 24] [--max-requests 20000]
                                   [--faults [worker gunicorn postgres disk]] [--port 8114]

Everything runs on 127.0.0.1 and stops by itself: each run lasts at most --seconds and
--max-requests, the server is always stopped and the media folder unmounted, also on error.
1. Prepares the dev database: official boundaries, categories, demo reports when empty, and two staff
   accounts with API tokens (a locality officer for every locality, and an analyst who exports), plus
   three locality staff members with an e-mail per run (they get the daily digest).
2. For each worker count, starts gunicorn as `make serve` does (geo/gunicorn.conf.py,
   geo.settings.production, WEB_CONCURRENCY=N) and the background worker (`manage.py procrastinate
   worker`, e-mails to files in the run's folder: Django's file-based backend) with the rate limits
   lifted for this process only (one client IP plays every citizen), and runs locust headless in a
   child process (locust's gevent patching stays out of this one) with this mix per simulated person:
     citizens browsing: home page, report tiles around the city, public list, public report pages;
     citizens filing: a report with a photo (multipart), an Idempotency-Key and X-Device-Id, retried
       with the same key on a network error or 5xx like a phone (up to 6 tries, backing off), and 10 %
       sent twice on purpose, half of them leaving an e-mail and consent to be contacted; then
       following it by tracking code; supporting others' reports;
     staff triaging: their queue, and moving a received report to in_review;
     an officer answering this run's reports: received → in_review → in_progress → resolved, each
       step an e-mail to a reporter who consented (the outbox, sent by the background worker);
     planners exporting: CSV of reports and GeoJSON aggregates.
3. With --faults (on the first worker count only; all four unless some are named): the background worker stopped with SIGTERM at
   8 % and started again at 20 % (the daily digests are queued while it is down), SIGKILL of one
   gunicorn worker at 25 % of the run, PostgreSQL stopped and started again at 45 %
   (`scripts/pg.sh stop` / `start`), the background worker killed with SIGKILL at 52 % (digests
   queued again) and started at 64 %, and from 70 % the media folder (a 2 MB tmpfs mounted for the
   run, when root) filled up.
4. Prints per endpoint: requests, failures, requests/s, p50/p95/p99 (ms); the error rate; what the
   clients saw during faults (status codes and connection errors by second); then checks in the
   database that every acknowledged report (201) exists exactly once, that unacknowledged keys left
   at most one report, that every retry got the original's tracking code and that every photo row
   has its file. Then waits for the outbox to drain (a job cut off by SIGKILL stays `doing` in
   procrastinate; its notification is still pending and the 10-minute sweep `requeue_pending` defers
   it again: the bench runs that sweep itself once, and says how many needed it) and checks that
   every status change of a consenting reporter's report has exactly one notification, sent, and
   exactly one captured e-mail, and that every digest recorded as sent in the run has exactly one
   e-mail. Exit status 1 if anything was lost or duplicated.
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


FAULTS = ("worker", "gunicorn", "postgres", "disk")


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
    # Reports for the officer: filed earlier by consenting reporters, then this run's acknowledged ones.
    answerable: list[dict] = list(config.get("earlier", []))
    transitions: list[dict] = []
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
            contact = rng.random() < 0.5
            if contact:
                form["contact"] = json.dumps({"email": f"carga-{key}@example.org", "consent": True})
            photo = jpeg()
            sends = 2 if rng.random() < 0.1 else 1
            codes, report_id = [], None
            for _ in range(sends):
                sent = self._send_with_retries(key, form, photo)
                if sent:
                    codes.append(sent[0])
                    report_id = sent[1]
            attempts.append({"key": key, "codes": codes})
            if codes:
                acknowledged.append({"key": key, "tracking_code": codes[0], "contact": contact})
                self.mine.append(codes[0])
                answerable.append({"id": report_id, "status": "received"})

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
                        body = r.json()
                        return body["tracking_code"], body["id"]
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

    class Officer(HttpUser):
        """Answers this run's reports one step at a time: each step e-mails a reporter who consented."""

        wait_time = between(0.5, 1.5)
        weight = 2
        path = {"received": "in_review", "in_review": "in_progress", "in_progress": "resolved"}

        @task
        def answer(self):
            open_ = [r for r in answerable if r["status"] in self.path and not r.get("busy")]
            if not open_:
                return
            report = rng.choice(open_)
            report["busy"] = True
            to_status = self.path[report["status"]]
            try:
                with self.client.post(
                    f"/api/staff/reports/{report['id']}/transition/",
                    json={"to_status": to_status, "note": f"Paso a {to_status} en carga"},
                    headers={"Authorization": f"Token {config['staff_token']}"},
                    name="officer answers (transition)",
                    catch_response=True,
                ) as t:
                    note("officer answers (transition)", t)
                    transitions.append({"id": report["id"], "to": to_status, "status": t.status_code})
                    if t.status_code == 200:
                        report["status"] = to_status
                    elif t.status_code == 409:
                        t.success()
            finally:
                report["busy"] = False

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

    env = Environment(user_classes=[Citizen, Staff, Officer, Planner], host=args.host)
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
                "transitions": transitions,
                "timeline": timeline,
            }
        )
    )


# --- the orchestrator ------------------------------------------------------------------------------
def prepare(marker: str) -> dict:
    """Boundaries, categories, demo data, the two staff tokens and this run's digest recipients."""
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

    def staff(username, role, localities, email=""):
        user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
        StaffProfile.objects.update_or_create(
            user=user, defaults={"role": role, "locality_codes": localities}
        )
        return Token.objects.get_or_create(user=user)[0].key

    # Fresh digest recipients for this run (a digest goes once per person and local day).
    for i in range(3):
        staff(
            f"carga_resumen_{marker}_{i}",
            Role.LOCALITY_STAFF,
            codes[i::3],
            f"resumen-{marker}-{i}@example.org",
        )

    categories = list(
        Category.objects.filter(sensitive=False, active=True).values_list("code", flat=True)[:6]
    )
    return {
        "earlier": {},  # filled per run by earlier_reports()
        "staff_token": staff("carga_funcionaria", Role.LOCALITY_STAFF, codes),
        "planner_token": staff("carga_analista", Role.ANALYST, []),
        "categories": categories,
    }


def earlier_reports(marker: str, n: int = 40) -> list[dict]:
    """n reports filed earlier in the evening by reporters who left an e-mail and consented, for the
    officer to answer during the run (each answer an e-mail through the outbox), whatever happens to
    the filing path under faults. Created with the platform's own service."""
    from django.utils import timezone

    from geo.spatial import make_point
    from reports.models import Category
    from reports.services import report_create

    category = Category.objects.filter(sensitive=False, active=True).order_by("code").first()
    made = []
    for i in range(n):
        lon, lat = FILING_POINTS[i % len(FILING_POINTS)]
        report = report_create(
            category=category,
            description=f"Carga {marker} previa{i:03d}",
            location=make_point(lon + 0.0005 * (i // 8), lat),
            occurred_at=timezone.now(),
            contact={"email": f"previa-{marker}-{i}@example.org", "consent": True},
        )
        made.append({"id": report.pk, "status": "received"})
    return made


def server_env(workers: int, port: int, media_root: Path, mail_dir: Path | None = None) -> dict:
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
    if mail_dir is not None:  # every e-mail of the run lands in a file there: counted afterwards
        env.update(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir)
        )
        env.pop("EMAIL_URL", None)
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


class BackgroundWorker:
    """`manage.py procrastinate worker` with the server's environment; stopped and started by faults."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def signal(self, sig: int) -> str:
        """Send sig; for SIGTERM wait for the graceful stop (running jobs finish) and say how long."""
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            return f"(el worker ya había terminado, código {code})"
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return "no terminó en 30 s: SIGKILL"
        return f"terminó en {time.monotonic() - started:.1f} s (código {self.process.returncode})"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGTERM)


def queue_digests() -> int:
    """Defer the daily digest for every recipient now (what the 07:00 periodic job does)."""
    from datetime import UTC, datetime

    from django.db import connections

    from notifications.services import digests_enqueue

    connections.close_all()  # PostgreSQL may have restarted under this process's connection
    return digests_enqueue(now=datetime.now(UTC))


def run_faults(
    master: int,
    seconds: float,
    media_root: Path | None,
    events: list,
    t0: float,
    worker: BackgroundWorker,
    chosen: set[str],
) -> None:
    """Worker SIGTERM at 8 % (restart 20 %), gunicorn worker SIGKILL at 25 %, PostgreSQL restart at 45 %,
    worker SIGKILL at 52 % (restart 64 %), media folder filled at 70 % of the run.

    Times are wall-clock seconds since t0, the moment the load started (as in the clients' timeline).
    """

    def at(share):
        time.sleep(max(0.0, t0 + share * seconds - time.time()))
        return round(time.time() - t0, 1)

    if "worker" in chosen:
        t = at(0.08)
        events.append((t, f"background worker SIGTERM: {worker.signal(signal.SIGTERM)}"))
        queued = queue_digests()
        events.append(
            (round(time.time() - t0, 1), f"daily digests queued with the worker down: {queued} jobs")
        )
        t = at(0.20)
        worker.start()
        events.append((t, "background worker started again"))
    if "gunicorn" in chosen:
        t = at(0.25)
        victims = worker_pids(master)
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            events.append((t, f"SIGKILL gunicorn worker {victims[0]}"))
    if "postgres" in chosen:
        t = at(0.45)
        subprocess.run([str(ROOT / "scripts" / "pg.sh"), "stop"], capture_output=True, check=False)
        events.append((t, "PostgreSQL stopped (pg.sh stop, fast)"))
        subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start"], capture_output=True, check=False)
        events.append((round(time.time() - t0, 1), "PostgreSQL started again"))
    if "worker" in chosen:
        t = at(0.52)
        events.append((t, f"background worker SIGKILL: {worker.signal(signal.SIGKILL)}"))
        queued = queue_digests()
        events.append((round(time.time() - t0, 1), f"daily digests queued again, worker down: {queued} jobs"))
        t = at(0.64)
        worker.start()
        events.append((t, "background worker started again"))
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


def outbox_pending(marker: str) -> list[int]:
    """Ids of this run's notifications not sent yet."""
    from notifications.models import Notification, State

    return list(
        Notification.objects.filter(
            report__description__startswith=f"Carga {marker} ", state=State.PENDING
        ).values_list("pk", flat=True)
    )


def outbox_drain(marker: str, timeout: float = 60) -> dict:
    """Wait for the worker to send this run's outbox; run the 10-minute sweep once if some are stuck
    behind a job that SIGKILL left `doing`. Returns what happened."""
    from django.db import connections

    from notifications.services import notifications_requeue_pending

    connections.close_all()
    started = time.monotonic()

    def wait() -> list[int]:
        deadline = time.monotonic() + timeout
        while (pending := outbox_pending(marker)) and time.monotonic() < deadline:
            time.sleep(1)
        return pending

    pending = wait()
    info = {"stuck": len(pending), "requeued": 0, "left": len(pending)}
    if pending:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT status, count(*) FROM procrastinate_jobs WHERE task_name = 'notifications.send_notification' "
                "AND (args->>'notification_id')::bigint = ANY(%s) GROUP BY 1",
                [pending],
            )
            info["jobs"] = dict(cursor.fetchall())
        info["requeued"] = notifications_requeue_pending(older_than_seconds=0)
        info["left"] = len(wait())
    info["seconds"] = time.monotonic() - started
    return info


def captured_emails(mail_dir: Path) -> list[tuple[str, str]]:
    """(to, subject) of every message the file-based backend wrote (one file per connection, messages
    separated by a line of 79 dashes)."""
    import email
    from email import policy

    found = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not part.strip():
                continue
            message = email.message_from_bytes(part, policy=policy.default)
            found.append((str(message["To"]), str(message["Subject"])))
    return found


def verify_notifications(marker: str, mail_dir: Path, since, digest_users: list[str]) -> list[str]:
    """Every notification due in this run sent exactly once: one outbox row per status change of a
    consenting reporter's report, each sent, each with exactly one captured e-mail; every digest
    recorded as sent since `since` with exactly one e-mail, and no other e-mail at all."""
    from collections import Counter

    from django.db import connections

    from notifications.models import Kind, Notification, StaffDigest, State
    from reports.models import StatusChange

    connections.close_all()
    problems = []
    run = f"Carga {marker} "
    due = StatusChange.objects.filter(
        report__description__startswith=run, report__contact__consent_at__isnull=False
    ).exclude(from_status="")
    due_ids = set(due.values_list("pk", flat=True))
    notes = Notification.objects.filter(report__description__startswith=run, kind=Kind.STATUS_CHANGE)
    noted = set(notes.values_list("event_id", flat=True))
    problems += [f"cambio de estado {pk}: sin notificación en la bandeja" for pk in sorted(due_ids - noted)]
    problems += [
        f"notificación del evento {pk}: sin cambio de estado debido" for pk in sorted(noted - due_ids)
    ]
    states = Counter(notes.values_list("state", flat=True))
    problems += [
        f"notificación {pk} sin enviar" for pk in notes.exclude(state=State.SENT).values_list("pk", flat=True)
    ]

    mails = captured_emails(mail_dir)
    per_pair = Counter(mails)
    problems += [f"correo repetido ×{n}: {to} «{subject}»" for (to, subject), n in per_pair.items() if n > 1]
    per_to = Counter(to for to, _ in mails)
    sent_per_report = Counter(notes.filter(state=State.SENT).values_list("report__contact__email", flat=True))
    for address, n in sent_per_report.items():
        if per_to.get(address, 0) != n:
            problems.append(
                f"{address}: {n} notificaciones enviadas, {per_to.get(address, 0)} correos capturados"
            )
    digests = StaffDigest.objects.filter(sent_at__gte=since).select_related("user")
    digest_to = Counter(d.user.email for d in digests)
    for address, n in digest_to.items():
        if per_to.get(address, 0) != n:
            problems.append(
                f"resumen a {address}: {n} registrados como enviados, {per_to.get(address, 0)} correos"
            )
    for username in digest_users:
        record = StaffDigest.objects.filter(user__username=username).order_by("-day").first()
        if record is None or (record.sent_at is None and (record.new_count or record.overdue_count)):
            problems.append(f"resumen de {username}: no enviado")
    known = set(sent_per_report) | set(digest_to)
    problems += [f"correo inesperado a {to} «{subject}»" for to, subject in mails if to not in known]
    print(
        f"bandeja: {len(due_ids)} cambios de estado debidos, {len(noted)} notificaciones "
        f"({dict(states)}); resúmenes enviados en la corrida: {sum(digest_to.values())}; "
        f"correos capturados: {len(mails)} ({sum(1 for n in per_pair.values() if n > 1)} repetidos)"
    )
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
    parser.add_argument(
        "--faults",
        nargs="*",
        choices=FAULTS,
        default=None,
        help="inject faults in the first run: all of them without a value, or only those named",
    )
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
    marker = uuid.uuid4().hex[:8]
    config = prepare(marker)
    config["marker"] = marker
    digest_users = [f"carga_resumen_{marker}_{i}" for i in range(3)]
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
        chosen = set(args.faults or FAULTS) if args.faults is not None else set()
        faults = bool(chosen) and index == 0
        work = Path(tempfile.mkdtemp(prefix="convive-load-"))
        media_root = work / "media"
        media_root.mkdir()
        mounted = False
        if faults and "disk" in chosen and os.geteuid() == 0:
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
        mail_dir = work / "mail"
        worker = BackgroundWorker(server_env(workers, args.port, media_root, mail_dir), work / "worker.log")
        worker.start()
        from django.utils import timezone

        since = timezone.now()
        events: list = []
        try:
            print(f"gunicorn con {workers} workers y el worker de tareas en :{args.port}…", flush=True)
            wait_ready(args.port)
            print("carga…", flush=True)
            cfg = work / "config.json"
            # One marker per run: each run's reports (and photos, in that run's media folder) are checked apart.
            run_config = {
                **config,
                "marker": f"{marker}{workers}",
                "earlier": earlier_reports(f"{marker}{workers}"),
            }
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
                run_faults(
                    server.pid, args.seconds, media_root if mounted else None, events, t0, worker, chosen
                )
            child.wait(timeout=args.seconds + 120)
            result = json.loads(out.read_text())
            drained = outbox_drain(f"{marker}{workers}")
        finally:
            worker.stop()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        label = f"{workers} workers" + (" con fallas" if faults else "")
        print_run(label, result)
        if faults:
            fault_window(result, events, t0)
            if "disk" in chosen and not mounted:
                print("  (medio lleno no probado: hace falta root para montar un tmpfs)")
        problems = verify(f"{marker}{workers}", result, media_root)
        print(
            f"bandeja tras la carga: {drained['stuck']} notificaciones seguían pendientes tras 60 s"
            + (
                f" (trabajos {drained.get('jobs')}); barrido requeue_pending: {drained['requeued']} "
                f"reencoladas, quedan {drained['left']}"
                if drained["stuck"]
                else ""
            )
            + f"; vaciada en {drained['seconds']:.0f} s"
        )
        problems += verify_notifications(f"{marker}{workers}", mail_dir, since, digest_users)
        if mounted:
            subprocess.run(["umount", str(media_root)], check=False)
        print(
            "verificación: "
            + (
                "cada reporte acusado existe exactamente una vez; cada notificación y resumen debido, "
                "enviado exactamente una vez"
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
