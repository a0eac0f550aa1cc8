"""What every real-browser test shares: Debian's Chromium and its flags, the CI-aware skip, and the
project's WSGI app served from the test process.

`serving` runs Django's threaded WSGI server (what pytest-django's `live_server` runs) on the test
database; `live_server` itself is not used because its transactional teardown flushes every table,
including the official territory a session fixture committed for the tests that follow.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless, and nothing that phones home: this machine's network is closed, and every page request
# must stay on 127.0.0.1.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need(condition: bool, message: str) -> None:
    """Skip on a developer's machine that lacks a browser piece; fail under CI, which installs them all."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(django_db_blocker):
    """The project's WSGI app on 127.0.0.1:<free port>, one thread per request, test database."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    httpd.set_app(get_wsgi_application())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            httpd.server_close()


@contextmanager
def browser_and_server(django_db_blocker, *, shots: Path, axe: Path):
    """(Chromium, base URL) for a module of page tests: Playwright's Chromium and `serving`.

    The basemap setting is emptied (nothing may leave 127.0.0.1), and Django's async-unsafe guard is
    lifted: Playwright's sync API keeps an event loop on this thread, and the tests' ORM calls are
    ordinary blocking calls between browser steps (Playwright's documented setting for Django).
    """
    from django.conf import settings

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Falta playwright: .venv/bin/pip install -e '.[dev]'")
    need(Path(CHROMIUM).exists(), f"Falta Chromium en {CHROMIUM}: apt-get install chromium")
    need(axe.exists(), "Falta axe-core: npm ci")
    shots.mkdir(parents=True, exist_ok=True)
    old_async = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    old_basemap = settings.BASEMAP_URL
    settings.BASEMAP_URL = ""
    with serving(django_db_blocker) as base, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium, base
        finally:
            chromium.close()
            settings.BASEMAP_URL = old_basemap
            if old_async is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old_async
