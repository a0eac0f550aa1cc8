"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

RequestIdMiddleware gives every request an id (the client's or proxy's X-Request-ID when it is a
plausible id, else a fresh one), returns it in the X-Request-ID response header, keeps it in a
context variable for every log line written while the request runs, and writes one access line per
request (method, path, status, duration). JsonFormatter turns any log record into one JSON line
that log collectors (journald, Loki, CloudWatch…) can index without parsing free text.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

HEADER = "X-Request-ID"
# A forwarded id is honoured only if it looks like one: letters, digits and . _ - (a UUID, a proxy's
# hex id), 8 to 64 characters. Anything else (newlines, JSON, 10 kB) would let a client forge or
# bloat log lines, so it is replaced by a fresh id.
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("geo.access")

# Attributes every LogRecord has; anything else passed through `extra=` goes into the JSON object.
_RECORD_FIELDS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def incoming_id(value: str | None) -> str:
    """The forwarded request id when valid (see VALID_ID), else a new random hex id."""
    if value and VALID_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time (UTC, ISO 8601), level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Sets the request id (request.request_id, the log context, the response header) and logs access."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_id(request.headers.get(HEADER))
        request.request_id = rid
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)
