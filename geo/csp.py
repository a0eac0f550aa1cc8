"""Content-Security-Policy on every response (no CDN: scripts, styles and fonts come from this site).

Scripts run only from our own static files or from an inline `<script nonce="{{ csp_nonce }}">`
(the nonce is fresh per request; the `csp_nonce` context processor hands it to templates). Pages
under settings.CSP_INLINE_SCRIPT_PATHS are the exception: the folium map pages and the admin
(django-leaflet's widget) emit inline scripts without a nonce, so there scripts may be inline too,
still only from this site. Images may also come from the basemap's tile server (BASEMAP_URL).
"""

import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.functional import SimpleLazyObject

HEADER = "Content-Security-Policy"


def basemap_source() -> str:
    """The CSP source of the basemap tiles (BASEMAP_URL), e.g. https://tile.openstreetmap.org; '' if none."""
    url = getattr(settings, "BASEMAP_URL", "") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    # Leaflet subdomain templates ({s}.tile.example.org) become a wildcard source.
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def policy(*, nonce: str | None, inline_scripts: bool) -> str:
    """The policy text: strict (nonce) by default, inline scripts allowed for the legacy pages."""
    scripts = "'self' 'unsafe-inline'" if inline_scripts else f"'self' 'nonce-{nonce}'"
    images = " ".join(filter(None, ["'self'", "data:", "blob:", basemap_source()]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Leaflet, folium and Swagger UI position elements with inline styles.
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Adds Content-Security-Policy to every response that has none yet; sets request.csp_nonce."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(16))
        response = self.get_response(request)
        if HEADER not in response:
            inline = any(request.path.startswith(p) for p in getattr(settings, "CSP_INLINE_SCRIPT_PATHS", ()))
            response[HEADER] = policy(nonce=None if inline else str(request.csp_nonce), inline_scripts=inline)
        return response


def nonce(request) -> dict:
    """Template context processor: `csp_nonce` for inline `<script nonce="…">` elements."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
