"""Citizen pages: thin views over web.selectors / web.forms and the reports services.

Every page works as plain HTML (forms post, links navigate); each template loads at most one small
module of ours from static/web/js/ that improves it when JavaScript runs.
"""

from __future__ import annotations

import math
import secrets
import uuid
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from justice.procedures import procedure_localized, procedure_search
from reports import access, visibility
from reports import selectors as report_selectors
from reports import services as report_services
from reports.models import AbuseReport
from reports.throttles import (
    AbuseReportThrottle,
    AuthThrottle,
    ReportCreateAnonThrottle,
    SupportThrottle,
    TrackThrottle,
)

from . import selectors, services
from .forms import RegisterForm, ReportForm, TrackingForm

DEVICE_COOKIE = "convive_dispositivo"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
SESSION_KEYS = "web_report_keys"  # form_key -> tracking code, so a resent form does not file twice


def _throttle_wait(request, throttle_class, scope: str | None = None) -> int | None:
    """Seconds to wait when `request` is over the API's rate for the same action (shared counters), else None."""
    throttle = throttle_class()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return math.ceil(throttle.wait() or 1)


class AuthRateLimited:
    """Account views: sign-in, sign-up and password-reset posts share the API's `auth` rate per client IP."""

    def post(self, request, *args, **kwargs):
        wait = _throttle_wait(request, AuthThrottle, scope="auth")
        if wait:
            return _too_many(request, wait)
        return super().post(request, *args, **kwargs)


class LoginView(AuthRateLimited, auth_views.LoginView):
    """Citizen sign-in. Without a `next` (Django keeps it to this host and scheme), citizens land on
    their reports (settings.LOGIN_REDIRECT_URL) and staff on the workbench."""

    template_name = "web/account/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if access.is_staff_role(self.request.user):
            return reverse("workbench-start")
        return super().get_default_redirect_url()


class PasswordResetView(AuthRateLimited, auth_views.PasswordResetView):
    template_name = "web/account/password_reset.html"
    email_template_name = "web/account/password_reset_email.txt"
    subject_template_name = "web/account/password_reset_subject.txt"
    success_url = reverse_lazy("web-password-reset-sent")


def _too_many(request, wait: int):
    message = _("Demasiadas solicitudes desde su conexión. Intente de nuevo en %(s)s segundos.") % {"s": wait}
    response = render(request, "web/too_many.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _device_id(request) -> tuple[str, bool]:
    """The anonymous device id of this browser (cookie), and whether it was just made."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if 20 <= len(value) <= 64:
        return value, False
    return secrets.token_urlsafe(24), True


def _tile_template(name: str) -> str:
    return reverse(name, args=(0, 0, 0)).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")


def _map_config(filters: selectors.ListFilters) -> dict:
    """What static/web/js/home.js needs: tile URL templates, the filters the tiles take, category index."""
    since = filters.date_from()
    return {
        "categories": list(filters.category_codes()),
        "date_from": since.isoformat() if since else "",
        "status": filters.status,
        "index": selectors.category_index(),
        "tiles": _tile_template("tiles-reports"),
        "localities": _tile_template("tiles-localities"),
        "basemap": settings.BASEMAP_URL,
        "zoom_label": _("reportes: acercar"),
    }


def home(request):
    filters = selectors.ListFilters.from_query(request.GET)
    page = Paginator(selectors.report_public_filtered(filters), 20).get_page(request.GET.get("pagina"))
    context = {
        "filters": filters,
        "page": page,
        "groups": selectors.categories_by_group(),
        "statuses": selectors.public_status_choices(),
        "periods": [("7", _("7 días")), ("30", _("30 días")), ("90", _("90 días")), ("365", _("Un año"))],
        "map_config": _map_config(filters),
    }
    return render(request, "web/home.html", context)


def report_new(request):
    nearby = []
    if request.method == "POST":
        wait = _throttle_wait(request, ReportCreateAnonThrottle)
        if wait:
            return _too_many(request, wait)
        form = ReportForm(request.POST, request.FILES)
        # A form sent twice (back button, double tap) leads to the report it already filed.
        done = request.session.get(SESSION_KEYS, {})
        key = request.POST.get("form_key", "")
        if key and key in done:
            return redirect("web-report-done", code=done[key])
        if form.is_valid():
            submission = services.report_submit(form=form, user=request.user)
            nearby = submission.nearby
            if submission.report is not None:
                if key:
                    request.session[SESSION_KEYS] = {**done, key: submission.report.tracking_code}
                return redirect("web-report-done", code=submission.report.tracking_code)
    else:
        form = ReportForm(initial={"form_key": uuid.uuid4().hex})
    context = {
        "form": form,
        "groups": selectors.categories_by_group(),
        "nearby": nearby,
        "page_config": {
            "index": selectors.category_index(),
            "basemap": settings.BASEMAP_URL,
            "upz_points": selectors.upz_points(),
            "messages": _script_messages(),
        },
    }
    return render(request, "web/report.html", context, status=400 if form.errors else 200)


def _script_messages() -> dict[str, str]:
    """Texts of static/web/js/report.js in the page's language."""
    return {
        "check": _("Revise lo siguiente"),
        "where_missing": _("Marque el lugar en el mapa o elija la localidad y la UPZ de la lista."),
        "what_missing": _("Elija qué pasó: una categoría de la lista."),
        "sensitive_ack": _(
            "Lea la información sobre categorías sensibles y marque «Entendido» para continuar."
        ),
        "locating": _("Buscando la localidad…"),
        "place_is": _("Lugar:"),
        "outside": _(
            "Ese punto está fuera de Bogotá. Esta plataforma solo recibe reportes del Distrito Capital."
        ),
        "offline_locate": _("Sin conexión: la localidad se comprobará al enviar."),
        "no_gps": _("Este navegador no puede dar su ubicación. Toque el mapa o elija la UPZ."),
        "gps_wait": _("Buscando su ubicación…"),
        "gps_denied": _(
            "No se obtuvo su ubicación (permiso negado o sin señal). Toque el mapa o elija la UPZ."
        ),
        "accuracy": _("precisión ±"),
        "nearby_found": _(
            "Hay reportes parecidos cerca. Si es el mismo problema, apóyelo: así suma sin duplicar."
        ),
        "nearby_none": _("No encontramos reportes parecidos cerca. Continúe con los detalles."),
        "nearby_offline": _("Sin conexión: no se pudo buscar reportes cercanos. Puede continuar."),
        "nearby_other": _("Es otro problema: continuar"),
        "continue": _("Continuar"),
        "at": _("a"),
        "supports": _("apoyos"),
        "me_too": _("Yo también"),
        "view": _("Ver reporte"),
        "too_many_photos": _("Puede adjuntar como máximo 3 fotos; se usarán las 3 primeras."),
        "photo": _("Foto"),
        "bad_photo": _("no se pudo leer como imagen."),
        "server_error": _("No se pudo enviar el reporte. Intente de nuevo en unos minutos."),
        "pending": _("pendiente: se enviará cuando vuelva la conexión"),
        "sent": _("enviado"),
        "error": _("error"),
        "code": _("código"),
    }


def _track_wait(request) -> int | None:
    """Tracking-code lookups through the pages count against the API's `track` rate (the code is a
    bearer secret: guessing must be as slow here as at /api/reports/track/)."""
    return _throttle_wait(request, TrackThrottle)


def report_done(request, code):
    if wait := _track_wait(request):
        return _too_many(request, wait)
    report = report_selectors.report_by_tracking_code(code=code)
    if report is None:
        raise Http404(_("No existe un reporte con ese código de seguimiento."))
    procedure = next(iter(procedure_search(category=report.category.code)), None)
    procedure = procedure_localized(procedure) if procedure else None
    return render(request, "web/report_done.html", {"report": report, "procedure": procedure})


def follow_search(request):
    form = TrackingForm(request.GET or None)
    if form.is_valid():
        if wait := _track_wait(request):
            return _too_many(request, wait)
        code = form.cleaned_data["code"]
        if report_selectors.report_by_tracking_code(code=code) is not None:
            return redirect("web-follow-detail", code=code)
        form.add_error(
            "code",
            _("No encontramos un reporte con ese código. Revise los 10 caracteres e intente de nuevo."),
        )
    return render(request, "web/follow_search.html", {"form": form}, status=404 if form.errors else 200)


def follow_detail(request, code):
    if wait := _track_wait(request):
        return _too_many(request, wait)
    view = selectors.report_follow(code=code)
    if view is None:
        raise Http404(_("No existe un reporte con ese código de seguimiento."))
    context = {"view": view, "report": view.report, "has_public_page": visibility.is_public(view.report)}
    return render(request, "web/follow.html", context)


def report_public(request, pk):
    report = report_selectors.report_public_get(pk=pk)
    if report is None:
        raise Http404(_("No existe un reporte público con ese número."))
    public_point = visibility.public_point_of(report)
    point = None
    if public_point is not None:
        point = {"lon": public_point.x, "lat": public_point.y, "basemap": settings.BASEMAP_URL}
    context = {
        "report": report,
        "category_name": selectors.category_name(report.category),
        "responses": report.responses.filter(public=True).order_by("created_at", "id"),
        "point": point,
        "support_state": request.GET.get("apoyo", ""),
        "abuse_reasons": AbuseReport.Reason.choices,
        "abuse_sent": request.GET.get("abuso") == "enviado",
    }
    return render(request, "web/report_public.html", context)


@require_POST
def report_abuse(request, pk):
    """A citizen's "reportar abuso" on a public report: no account needed, rate-limited per client IP;
    it goes to the moderators' queue (workbench)."""
    report = report_selectors.report_public_get(pk=pk)
    if report is None:
        raise Http404(_("No existe un reporte público con ese número."))
    wait = _throttle_wait(request, AbuseReportThrottle)
    if wait:
        return _too_many(request, wait)
    try:
        report_services.abuse_report_create(
            report=report, reason=request.POST.get("reason", ""), detail=request.POST.get("detail", "")
        )
    except ValidationError as exc:
        return render(request, "web/abuse_error.html", {"report": report, "errors": exc.messages}, status=400)
    return redirect(f"{reverse('web-report-public', args=(pk,))}?abuso=enviado#abuso")


@require_POST
def report_support(request, pk):
    report = report_selectors.report_public_get(pk=pk)
    if report is None:
        raise Http404(_("No existe un reporte público con ese número."))
    wait = _throttle_wait(request, SupportThrottle)
    if wait:
        return _too_many(request, wait)
    device, new_device = _device_id(request)
    _support, created = report_services.support_add(report=report, user=request.user, device_id=device)
    response = redirect(
        f"{reverse('web-report-public', args=(pk,))}?apoyo={'nuevo' if created else 'repetido'}"
    )
    if new_device:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def register(request):
    if request.user.is_authenticated:
        return redirect("web-my-reports")
    wait = _throttle_wait(request, AuthThrottle, scope="auth") if request.method == "POST" else None
    if wait:
        return _too_many(request, wait)
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Cuenta creada. Los reportes que envíe con la sesión abierta aparecerán aquí.")
        )
        return redirect("web-my-reports")
    return render(request, "web/account/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required(login_url="web-login")
def my_reports(request):
    page = Paginator(report_selectors.report_list_of_reporter(user=request.user), 20).get_page(
        request.GET.get("pagina")
    )
    return render(request, "web/account/my_reports.html", {"page": page})


def service_worker(request):
    """The service worker, served from / so its scope covers every page (static URLs filled in)."""
    response = render(request, "web/sw.js", content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request):
    return render(request, "web/manifest.webmanifest", content_type="application/manifest+json")
