"""HTTP caching and compression of responses, so a reverse proxy or CDN can serve most public traffic.

PublicCacheMiddleware: the outputs listed in settings.PUBLIC_CACHE_SECONDS (URL name -> seconds)
are the same for every anonymous caller (the privacy rule gives anonymous, signed-in citizens and
moderators the same public form, but staff and analysts may get more, so only anonymous answers
are marked shared). For an anonymous GET/HEAD answered 200 without setting a cookie it sets
`Cache-Control: public, max-age=N, stale-while-revalidate=N` and `Vary: Cookie, Authorization`;
every other answer of those views gets `private, no-cache`. Each gets an ETag: the SHA-256 of the
body, or for streamed bodies (exports) a weak ETag of the data version (see data_version), checked
against If-None-Match before the export runs, so a revalidation costs one small query.

CompressMiddleware: Django's GZipMiddleware for HTML, JSON, GeoJSON, XML and CSV bodies only.
Not for vector tiles (protobuf, already compact and cached by ETag at the proxy; gzip in the worker
would cost CPU on the most frequent request for little gain), not for streamed exports (large
attachments downloaded once: compressing them in Python holds a worker and a database cursor
longer; the proxy may compress them), and not for static files (WhiteNoise serves the
pre-compressed .gz/.br built by collectstatic).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

from geo.replicas import read_connection

COMPRESSIBLE = (
    "text/html",
    "application/json",
    "application/geo+json",
    "application/xml",
    "text/xml",
    "text/csv",
)


def data_version() -> str:
    """A token that changes whenever what the exports show may change: a report added, deleted or
    updated by any path (count and max(updated_at), which a trigger moves on every UPDATE, reports
    migration 0006; read through the report_updated_at index), a category's sensitivity or
    activity, or the active boundary version (its polygons and names are in the aggregate export).

    Read on the connection the export itself reads (geo.replicas.read_connection, pinned for the
    request), before the export: a standby only moves forward, so the body is at least as new as its
    tag. Read on the primary, a lagging standby's older body would go out under the newer data's tag
    and a proxy would keep answering 304 to it."""
    with read_connection().cursor() as cursor:
        # One statement over three tables: the ORM would need three queries.
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM reports_report),
                   (SELECT max(updated_at) FROM reports_report),
                   (SELECT md5(coalesce(string_agg(id || ':' || sensitive || ':' || active, ','
                                                   ORDER BY id), ''))
                      FROM reports_category),
                   (SELECT max(id) FROM localities_boundaryversion WHERE active)
            """
        )
        count, latest, categories, boundaries = cursor.fetchone()
    return f"{count}-{latest.timestamp() if latest else 0}-{categories}-{boundaries}"


def _matches(request, etag: str) -> bool:
    wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",") if t.strip()]
    return etag in wanted or "*" in wanted


def _url_name(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else None


def _anonymous(request) -> bool:
    user = getattr(request, "user", None)
    return not request.headers.get("Authorization") and not (user and user.is_authenticated)


class PublicCacheMiddleware(MiddlewareMixin):
    """Cache-Control and ETag for the public outputs of settings.PUBLIC_CACHE_SECONDS (see module doc)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        seconds = settings.PUBLIC_CACHE_SECONDS.get(_url_name(request))
        if seconds is None or request.method not in ("GET", "HEAD"):
            return None
        request._public_cache_seconds = seconds
        if _url_name(request) in settings.PUBLIC_CACHE_STREAMED:
            # Streamed outputs: the ETag is known before the body, so a match skips the export.
            etag = (
                'W/"'
                + hashlib.sha256(f"{request.get_full_path()}|{data_version()}".encode()).hexdigest()[:32]
                + '"'
            )
            request._public_cache_etag = etag
            if _matches(request, etag):
                response = HttpResponseNotModified()
                response["ETag"] = etag
                return response
        return None

    def process_response(self, request, response):
        seconds = getattr(request, "_public_cache_seconds", None)
        if seconds is None or response.status_code not in (200, 204, 304):
            return response
        shared = _anonymous(request) and not response.cookies
        if shared:
            response["Cache-Control"] = f"public, max-age={seconds}, stale-while-revalidate={seconds}"
        elif not response.has_header("Cache-Control") or "public" in response["Cache-Control"]:
            response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Cookie", "Authorization"))
        if response.status_code != 200 or response.has_header("ETag"):
            return response
        if response.streaming:
            etag = getattr(request, "_public_cache_etag", None)
            if etag:
                response["ETag"] = etag
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        if _matches(request, etag):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response


class CompressMiddleware(GZipMiddleware):
    """GZipMiddleware limited to COMPRESSIBLE, non-streamed bodies (see the module doc for why)."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if response.streaming or content_type not in COMPRESSIBLE:
            return response
        return super().process_response(request, response)
