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
