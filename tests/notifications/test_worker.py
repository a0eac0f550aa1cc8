"""A real procrastinate worker, on its own connections to the PostGIS test database, delivers a job.

The other job tests use the in-memory connector (tests/jobs_support.py); this one goes through the
database as `make run`'s worker does: the job row is committed by the Django connector, fetched by
the worker's psycopg pool, run in a worker thread and marked succeeded. Not a transactional test
(its flush would also empty the session's committed territory): it commits what it needs and puts
back what it changed.
"""

from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from maps.models import RollupState
from maps.services import STATE_NAME, rollups_refresh_enqueue
from maps.tasks import ROLLUP_LOCK, refresh_rollups


def _job(job_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, attempts FROM procrastinate_jobs WHERE id = %s", [job_id])
        return cursor.fetchone()


def test_a_worker_on_the_database_delivers_a_deferred_job(django_db_setup, django_db_blocker, monkeypatch):
    monkeypatch.setattr(app.periodic_registry, "periodic_tasks", {})  # only this test's job runs
    with django_db_blocker.unblock():
        before = RollupState.objects.filter(name=STATE_NAME).first()
        job_id = None
        try:
            with app.replace_connector(DjangoConnector(alias="default")):
                job_id = refresh_rollups.configure(queueing_lock=ROLLUP_LOCK).defer()
                assert _job(job_id) == ("todo", 0)
                assert rollups_refresh_enqueue() is False, "a refresh already waits: no second job"
                with app.replace_connector(app.connector.get_worker_connector()):
                    app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
            assert _job(job_id) == ("succeeded", 1), "run once, successfully"
            after = RollupState.objects.get(name=STATE_NAME)
            assert before is None or after.refreshed_at > before.refreshed_at
        finally:
            with connection.cursor() as cursor:
                if job_id is not None:
                    cursor.execute("DELETE FROM procrastinate_jobs WHERE id = %s", [job_id])
            if before is None:
                RollupState.objects.filter(name=STATE_NAME).delete()
            else:
                before.save()
