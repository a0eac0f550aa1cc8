"""Test settings: real PostGIS (DATABASE_URL or the embedded cluster), fast password hashing."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are found through the finders; no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Replicas (DATABASE_REPLICA_URLS: the standby `make test` starts) are configured but unused unless a
# test turns routing on: other tests write in transactions that a standby never sees.
REPLICA_ROUTING = False
REPLICA_CHECK_SECONDS = 0
# No background worker runs beside the test server (tests run jobs in-process): /readyz reports the
# heartbeat without requiring it; tests/test_production.py turns the requirement on where it checks it.
READYZ_REQUIRE_WORKER = False
# One rollup deferral per filed report, run at once: tests that file and then run the jobs see it
# without waiting; tests/reports/test_ingest_path.py checks the coalesced form.
REPORTS_ROLLUP_DEFER_SECONDS = 0
