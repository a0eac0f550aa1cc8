"""Probes for a load balancer or orchestrator: /healthz (the process answers) and /readyz (it can serve).

/healthz touches nothing but the process: a failing database must not make the orchestrator kill
healthy web workers. /readyz runs READINESS_CHECKS; each returns (ok, details). The answer is 200
when every check is ok and 503 otherwise, with the details as JSON either way. A replica that is
down or behind does not make the node unready: the router sends its reads to the primary (see
geo.replicas), so the replicas are reported but never fail the probe. The background worker's
heartbeat does (READYZ_REQUIRE_WORKER, on by default; off in the test settings, where no worker runs).

Both answer plain JSON, are never cached and carry no report data (they are exempt in
tests/test_public_outputs.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import replicas


def check_database() -> tuple[bool, dict]:
    """The primary answers a query."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, {"database": "ok"}
    except Exception as exc:  # any driver error means "not reachable" to the probe
        return False, {"database": f"error: {exc.__class__.__name__}"}


def check_migrations() -> tuple[bool, dict]:
    """Every migration on disk is applied on the primary (a deploy that skipped migrate is not ready)."""
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return False, {"migrations": f"error: {exc.__class__.__name__}"}
    if pending:
        return False, {"migrations": [f"{m.app_label}.{m.name}" for m, _ in pending]}
    return True, {"migrations": "ok"}


def check_replicas() -> tuple[bool, dict]:
    """Lag of each configured replica in seconds (null when unreachable); informative, never fails."""
    statuses = replicas.statuses(fresh=True)
    return True, {
        "replicas": {
            alias: {"lag_seconds": s.lag_seconds, "in_use": s.usable, "error": s.error}
            for alias, s in statuses.items()
        }
    }


def check_worker() -> tuple[bool, dict]:
    """Age in seconds of the newest background-worker heartbeat (procrastinate writes one every 10 s).

    Without a recent one, e-mails, digests and map rollups stop: the node is not ready when
    settings.READYZ_REQUIRE_WORKER and the heartbeat is missing or older than
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS; otherwise the age is only reported.
    """
    required = getattr(settings, "READYZ_REQUIRE_WORKER", True)
    max_age = getattr(settings, "WORKER_HEARTBEAT_MAX_AGE_SECONDS", 60)
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM now() - max(last_heartbeat)) FROM procrastinate_workers"
            )
            age = cursor.fetchone()[0]
    except Exception as exc:  # the table missing or the database gone: no heartbeat to show
        return not required, {"worker": f"error: {exc.__class__.__name__}"}
    age = None if age is None else round(float(age), 1)
    fresh = age is not None and age <= max_age
    return fresh or not required, {"worker": {"heartbeat_age_seconds": age, "max_age_seconds": max_age}}


READINESS_CHECKS: list[Callable[[], tuple[bool, dict]]] = [
    check_database,
    check_migrations,
    check_replicas,
    check_worker,
]


@never_cache
@require_safe
def healthz(request):
    """200 while the process can answer; no database access."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when the database is reachable and migrated (and every other readiness check passes), else 503."""
    ready, details = True, {}
    for check in READINESS_CHECKS:
        ok, detail = check()
        ready = ready and ok
        details.update(detail)
    return JsonResponse({"status": "ok" if ready else "unavailable", **details}, status=200 if ready else 503)
