"""Shared fixtures. Tests run against a real PostGIS database (DATABASE_URL or the embedded cluster)."""

import os
from pathlib import Path

import pytest
from django.conf import settings


def _bogota_data_dir() -> Path | None:
    candidates = [settings.BOGOTA_DATA_DIR, str(settings.DATA_CACHE_DIR / "bogota")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "localidades.geojson").exists():
            return Path(candidate)
    return None


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    # Throttle counters live in the cache; each test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _clear_category_cache():
    # Active categories are kept per process (reports.selectors.category_active_by_code); a test's
    # categories roll back with it, so none may outlive it in that copy.
    from reports.selectors import category_cache_clear

    category_cache_clear()
    yield
    category_cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _jobs_app():
    # Jobs deferred in tests (report writes queue the rollup refresh and e-mails) go to procrastinate's
    # in-memory connector, never to the database, from the start of the session: module fixtures that
    # commit reports through the services run before any function fixture.
    from tests.jobs_support import in_memory_app

    with in_memory_app() as app:
        yield app


@pytest.fixture(autouse=True)
def _jobs_in_memory(_jobs_app):
    # Each test starts with no jobs; tests/jobs_support.py runs them when a test asks.
    _jobs_app.connector.reset()
    yield _jobs_app


@pytest.fixture
def jobs(_jobs_in_memory, monkeypatch):
    """The jobs deferred during the test, and a worker that runs them on the test's thread."""
    from tests.jobs_support import InlineJobs

    return InlineJobs(_jobs_in_memory, _jobs_in_memory.connector, monkeypatch)


@pytest.fixture
def rollback_media(settings, tmp_path):
    """A private media folder on the project's rollback-safe storage (geo.files): tests of what a
    rolled-back or committed transaction leaves on disk. Starts with nothing listed: files an earlier
    test wrote inside its own test transaction (rolled back at its end, with no request finishing to
    clear them) are discarded first, so a test's counts are its own whatever ran before it."""
    from geo.files import discard_rolled_back_files

    discard_rolled_back_files()
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "geo.files.RollbackSafeFileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture(scope="session")
def bogota_data_dir() -> Path:
    """Folder with the official Bogotá files; skips (fails under CI) when it is not available."""
    found = _bogota_data_dir()
    if found is None:
        message = (
            "Faltan los archivos oficiales de Bogotá: defina BOGOTA_DATA_DIR (p. ej. ../shared/data/bogota) "
            "o descárguelos con `.venv/bin/python manage.py fetch_sources`."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def real_territory(django_db_setup, django_db_blocker, bogota_data_dir):
    """The official localities and UPZ/UPR, imported once per test session; the active BoundaryVersion.

    The import is committed to the test database (outside the per-test transactions) and stays for
    the whole session. With a reused test database the import finds the same fingerprint and writes
    nothing, so the fixture is cheap after the first run.
    """
    from localities.importers import import_boundaries
    from localities.models import BoundaryVersion

    upz = bogota_data_dir / "upz" / "UPla.shp"
    if not upz.exists():  # the download cache holds the portal's GeoJSON instead
        upz = bogota_data_dir / "upz" / "upz.geojson"
    with django_db_blocker.unblock():
        result = import_boundaries(
            localities=str(bogota_data_dir / "localidades.geojson"), upz=str(upz), commit=True
        )
        version = BoundaryVersion.objects.get(pk=result.version.pk)
    assert version.active, "the official territory should be the active boundary version"
    return version


def pytest_sessionfinish(session, exitstatus):
    """Under CI a skipped test is a failure: a green run must mean every check ran.

    Skips are for a developer's machine without chromium or the official files; CI installs both,
    so a skip there means a missing install step (or a test that quietly stopped checking).
    """
    if not os.environ.get("CI") or exitstatus != pytest.ExitCode.OK:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CI: {len(skipped)} prueba(s) omitida(s) (skipped); en CI cada prueba debe ejecutarse.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- time of day ----------------------------------------------------------------------------------
# `--bogota-time=HH:MM` runs the session with Python's clock moved to that time of the current Bogotá
# date (time-machine, ticking), so a test that mixes a UTC date with a Bogotá date fails at once
# instead of only at some hours of the day. PostgreSQL's now() is not moved: the only application SQL
# that reads it is ReportQuerySet.with_deadline's `overdue`, which compares it with a midnight; since
# the chosen instant is on the same Bogotá date as the real one, both clocks give the same answer
# (unless the real clock crosses Bogotá midnight during the run). The sweep: 23:30, 00:30, 19:30.


def pytest_addoption(parser):
    parser.addoption(
        "--bogota-time",
        metavar="HH:MM",
        default=None,
        help="run with Python's clock at this time of today's Bogotá date (time-machine; the database's is not moved)",
    )


def pytest_configure(config):
    at = config.getoption("--bogota-time")
    if not at:
        return
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    import time_machine

    bogota = ZoneInfo("America/Bogota")
    hour, minute = (int(part) for part in at.split(":"))
    target = datetime.combine(datetime.now(bogota).date(), time(hour, minute), tzinfo=bogota)
    traveller = time_machine.travel(target, tick=True)
    traveller.start()
    config._bogota_traveller = traveller
    config._bogota_target = target


def pytest_unconfigure(config):
    traveller = getattr(config, "_bogota_traveller", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    target = getattr(config, "_bogota_target", None)
    if target is not None:
        return f"reloj de Python en Bogotá: {target.isoformat()} (PostgreSQL conserva su hora real)"
    return None
