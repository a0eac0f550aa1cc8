"""Rate limits on anonymous report creation, supports, tracking-code lookups and login (rates in
REST_FRAMEWORK settings).

A refused request gets 429, a `Retry-After` header (seconds) and a Spanish message with the wait.
The client IP is REMOTE_ADDR unless REST_FRAMEWORK["NUM_PROXIES"] (env NUM_PROXIES) trusted proxies
sit in front: a made-up X-Forwarded-For never opens a new counter.
"""

import math

from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle


class SpanishThrottled(Throttled):
    default_detail = "Demasiadas solicitudes desde su conexión."
    extra_detail_singular = "Intente de nuevo en {wait} segundo."
    extra_detail_plural = "Intente de nuevo en {wait} segundos."


class ThrottleMessageMixin:
    """Views mixin: 429 responses in Spanish, with the wait in seconds (and Retry-After)."""

    def throttled(self, request, wait):
        raise SpanishThrottled(wait=math.ceil(wait) if wait is not None else None)


class ReportCreateAnonThrottle(AnonRateThrottle):
    """Anonymous report creation, per client IP (scope `report_create_anon`)."""

    scope = "report_create_anon"

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class SupportThrottle(SimpleRateThrottle):
    """Supports, per account or (anonymous) per client IP (scope `support`)."""

    scope = "support"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SupportAnonPerReportThrottle(SimpleRateThrottle):
    """Anonymous supports of one report from one client IP (scope `support_anon_report`).

    Anonymous supports are deduplicated by device id, which the client invents; this bounds how many
    a single connection can add to one report however many device ids it makes up.
    """

    scope = "support_anon_report"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None  # one per account already (services.support_add)
        report = view.kwargs.get("pk")
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}-{report}"}


class TrackThrottle(SimpleRateThrottle):
    """Tracking-code lookups per client IP (scope `track`): the code is a bearer secret, so guessing
    it must be slow. Counted whether the code exists or not."""

    scope = "track"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AbuseReportThrottle(SimpleRateThrottle):
    """Citizens' "reportar abuso" notices per client IP (scope `abuse_report`): no account is needed,
    so this bounds how fast one connection can fill the moderation queue."""

    scope = "abuse_report"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(ScopedRateThrottle):
    """Login, token and registration attempts per client IP (scope `auth`), against password guessing."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
