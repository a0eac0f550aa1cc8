"""Background jobs in tests: procrastinate's in-memory connector, and a worker run inside the test.

Every test gets the in-memory connector (tests/conftest.py), so nothing a test defers lands in the
database's job table. `InlineJobs.run()` runs procrastinate's own worker over those jobs (fetching,
retry decisions, backoff, locks are procrastinate's), with one change for tests: a sync task runs on
the test's thread instead of a pool thread, on the test's database connection (Django would give
code inside the event loop a connection of its own), so it sees the test's uncommitted transaction;
Django's connection clean-up around tasks is left out (it would close the test's connection).
"""

from __future__ import annotations

from datetime import UTC, datetime

import procrastinate.utils
from django.db import DEFAULT_DB_ALIAS, connections
from procrastinate import testing
from procrastinate.contrib.django import procrastinate_app


class InlineJobs:
    def __init__(self, app, connector: testing.InMemoryConnector, monkeypatch):
        self.app = app
        self.connector = connector
        self._monkeypatch = monkeypatch

    def jobs(self, task_name: str | None = None) -> list[dict]:
        """Job rows (dicts as the in-memory connector keeps them), optionally of one task."""
        rows = list(self.connector.jobs.values())
        return [j for j in rows if task_name is None or j["task_name"] == task_name]

    def run(self) -> None:
        """Run the worker until no job is due now (jobs scheduled in the future stay waiting)."""
        test_connection = connections[DEFAULT_DB_ALIAS]

        async def on_test_connection(func, *args, **kwargs):
            connections[DEFAULT_DB_ALIAS] = test_connection
            return func(*args, **kwargs)

        with self._monkeypatch.context() as patch:
            # Periodic jobs are deferred by a running worker on its schedule; a test runs only its own.
            patch.setattr(self.app.periodic_registry, "periodic_tasks", {})
            patch.setattr(procrastinate.utils, "sync_to_async", on_test_connection)
            # The task runs on the event loop's thread: allow the ORM there (tests only).
            patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            self.app.run_worker(
                wait=False, install_signal_handlers=False, listen_notify=False, task_middleware=[]
            )

    def make_due(self) -> int:
        """Move every waiting job's scheduled time to now (as if its backoff had elapsed)."""
        count = 0
        for job in self.connector.jobs.values():
            if job["status"] == "todo" and job["scheduled_at"] is not None:
                job["scheduled_at"] = datetime.now(UTC)
                count += 1
        return count


def in_memory_app():
    """Context manager: the Django procrastinate app with an in-memory connector."""
    return procrastinate_app.current_app.replace_connector(testing.InMemoryConnector())
