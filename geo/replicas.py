"""Read replicas on PostgreSQL streaming replication: which reads may go to a standby, and which standby.

Configuration (geo/settings/base.py): DATABASE_REPLICA_URLS (comma-separated URLs) adds the aliases
replica_0, replica_1, … and installs ReplicaRouter. Nothing changes without it.

Which reads: only the public outputs named in settings.REPLICA_READ_VIEWS (tiles, heatmaps,
statistics, exports, public lists, Open311 GET), for GET/HEAD, and only for the models of
settings.REPLICA_READ_APPS (sessions, users and tokens are always read on the primary, so a
sign-in is never lost to lag). ReplicaReadMiddleware marks such a request in a context variable;
the router and read_connection() (for selectors that run SQL themselves) consult it. Everything
else, and every write, goes to the primary.

Reading one's own writes: after a successful unsafe request (POST, PUT, PATCH, DELETE) the
middleware sets a short cookie (REPLICA_STICKY_COOKIE, REPLICA_STICKY_SECONDS, longer than the lag
tolerated) and requests carrying it read the primary. Pages that show a citizen their own report
(tracking page, done page) are not in REPLICA_READ_VIEWS at all, so they read the primary even for
clients that drop cookies.

Which replica: the first in order whose lag is known and at most REPLICA_MAX_LAG_SECONDS. Each
process checks a replica at most every REPLICA_CHECK_SECONDS (a short separate connection with a
1 s timeout); a replica that is down or too far behind is skipped until a later check finds it
back, so a stopped standby only means reads on the primary.
"""

from __future__ import annotations

import contextvars
import threading
import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PREFIX = "replica_"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)
# The alias a routed request chose on its first read, kept for the rest of it: an export's ETag (the
# data version, geo/caching.py) and its rows must come from the same server, even if a replica's
# status changes between the two reads.
_pinned_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("pinned_alias", default=None)
# On the standby: 0 when everything received is replayed, else the age of the last replayed commit.
LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


@dataclass(frozen=True)
class ReplicaStatus:
    """What the last check found: lag in seconds (None: unreachable or not a standby) and whether it is used."""

    lag_seconds: float | None
    usable: bool
    error: str | None
    checked_at: float


_statuses: dict[str, ReplicaStatus] = {}
_lock = threading.Lock()


def aliases() -> list[str]:
    """The configured replica aliases, in order of preference."""
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


def _conninfo(alias: str) -> dict:
    db = connections[alias].settings_dict  # NAME is the test database's under the test runner
    return {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": db.get("NAME"),
        "connect_timeout": 1,
    }


def check(alias: str) -> ReplicaStatus:
    """Connect to the replica once and measure its lag (never raises)."""
    try:
        with psycopg.connect(**_conninfo(alias), autocommit=True) as conn:
            in_recovery, lag = conn.execute(LAG_SQL).fetchone()
    except psycopg.Error as exc:
        return ReplicaStatus(None, False, exc.__class__.__name__, time.monotonic())
    if not in_recovery:
        # A promoted standby is a second primary: reading there would miss the real primary's writes.
        return ReplicaStatus(None, False, "not in recovery", time.monotonic())
    lag = float(lag)
    return ReplicaStatus(lag, lag <= settings.REPLICA_MAX_LAG_SECONDS, None, time.monotonic())


def statuses(*, fresh: bool = False) -> dict[str, ReplicaStatus]:
    """Status of every replica, re-checked when older than REPLICA_CHECK_SECONDS (or always if fresh)."""
    now = time.monotonic()
    result = {}
    for alias in aliases():
        with _lock:
            current = _statuses.get(alias)
        if fresh or current is None or now - current.checked_at >= settings.REPLICA_CHECK_SECONDS:
            current = check(alias)
            with _lock:
                _statuses[alias] = current
        result[alias] = current
    return result


def forget() -> None:
    """Drop the remembered statuses (tests, or after reconfiguring)."""
    with _lock:
        _statuses.clear()


def read_alias() -> str:
    """The alias this request's public reads use: a usable replica when the request may, else default.

    Chosen on the request's first read and kept until it ends (see _pinned_alias)."""
    if not _use_replica.get() or not settings.REPLICA_ROUTING:
        return DEFAULT_DB_ALIAS
    pinned = _pinned_alias.get()
    if pinned is not None:
        return pinned
    chosen = next((alias for alias, status in statuses().items() if status.usable), DEFAULT_DB_ALIAS)
    _pinned_alias.set(chosen)
    return chosen


def read_connection():
    """The connection for a selector's own SQL on public data: read_alias()'s connection."""
    return connections[read_alias()]


class ReplicaRouter:
    """Public reads of REPLICA_READ_APPS to a replica when the request allows it; all writes to the primary."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in settings.REPLICA_READ_APPS:
            return read_alias()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ReplicaReadMiddleware:
    """Marks GETs of REPLICA_READ_VIEWS for a replica (unless the caller just wrote); sets the sticky cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Set at the start of every request rather than reset at its end: a streamed export reads
        # its rows after this method has returned, and must still read where its request was sent.
        _use_replica.set(False)
        _pinned_alias.set(None)
        response = self.get_response(request)
        if (
            request.method in UNSAFE
            and response.status_code < 400
            and aliases()
            and settings.REPLICA_STICKY_SECONDS > 0
        ):
            response.set_cookie(
                settings.REPLICA_STICKY_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in settings.REPLICA_READ_VIEWS
            and settings.REPLICA_STICKY_COOKIE not in request.COOKIES
        ):
            _use_replica.set(True)
        return None
