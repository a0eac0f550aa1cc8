"""/admin/login/ with a lockout after repeated failures from one client IP (against password guessing).

The client IP is DRF's (REMOTE_ADDR unless REST_FRAMEWORK["NUM_PROXIES"] trusted proxies), the same
one the API throttles use. After ADMIN_LOGIN_MAX_FAILURES failed POSTs within
ADMIN_LOGIN_LOCKOUT_SECONDS, the login answers 429 with Retry-After until the window passes; a
successful login clears the count. The staff workbench's sign-in (/gestion/entrar/) shares the same
counter through login_locked_response / login_count_attempt, so guesses cannot alternate between them.
"""

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpResponse
from rest_framework.throttling import BaseThrottle


def _key(request) -> str:
    return f"admin-login-failures:{BaseThrottle().get_ident(request)}"


def login_locked_response(request) -> HttpResponse | None:
    """A 429 (with Retry-After) when this client IP is locked out of staff sign-in, else None."""
    window = int(settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
    if cache.get(_key(request), 0) < int(settings.ADMIN_LOGIN_MAX_FAILURES):
        return None
    return HttpResponse(
        "Demasiados intentos fallidos de inicio de sesión desde su conexión. "
        f"Espere {window // 60} minutos e intente de nuevo.",
        status=429,
        content_type="text/plain; charset=utf-8",
        headers={"Retry-After": str(window)},
    )


def login_count_attempt(request) -> None:
    """After a sign-in POST: clear the client IP's failures on success, count one more on failure."""
    key = _key(request)
    if request.user.is_authenticated:
        cache.delete(key)
        return
    window = int(settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def admin_login(request, extra_context=None):
    """admin.site.login behind a per-IP failure counter kept in the default cache."""
    locked = login_locked_response(request)
    if locked is not None:
        return locked
    response = admin.site.login(request, extra_context)
    if request.method == "POST":
        login_count_attempt(request)
    return response
