"""gunicorn settings for `make serve` (scripts/platform.sh serve); every value can come from the environment.

WEB_CONCURRENCY workers (default: 2 per core + 1), synchronous by default: each request holds one
worker and at most one database connection, which keeps PostgreSQL's connection count predictable
(workers x threads x nodes <= max_connections). GUNICORN_THREADS > 1 gives each worker that many
threads (gunicorn's gthread worker), each with its own persistent connection; GUNICORN_PRELOAD=1 loads
Django once in the master before forking (faster worker restarts, shared memory). Access lines come from Django (geo.logs), as JSON with the
request id, so gunicorn's own access log is off; its error log goes to stderr.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread" if threads > 1 else "sync")
preload_app = os.environ.get("GUNICORN_PRELOAD", "0").lower() in ("1", "true", "yes")
# Exports of 1M rows stream for a while; a worker stuck longer than this is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound; jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Trusted proxies for X-Forwarded-Proto (TLS termination); the client IP rule is NUM_PROXIES in Django.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two servers on one
# machine (the bench runs 2 and 4 workers side by side) would fight over it, and nothing here uses it.
control_socket_disable = True
