"""Staff workbench pages (/gestion/): thin views over workbench.selectors and reports.services.

Every view states its permission: signed-in staff of a workbench role (reports.access); reports
outside the caller's scope are 404, never 403, so their existence is not revealed. GETs never write.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geo.admin_login import login_count_attempt, login_locked_response
from reports import access
from reports import services as report_services
from reports.models import AbuseReport, Report, Status
from reports.services import ALLOWED_TRANSITIONS
from web.views import AuthRateLimited

from . import selectors, services
from .forms import (
    BulkForm,
    DuplicateForm,
    HideForm,
    QueueFilterForm,
    RedactForm,
    RespondForm,
    SignInForm,
    TransitionForm,
)

SIGN_IN = "workbench-login"


def staff_required(test):
    """Signed-in users passing `test(user)`; others signed in get 404, anonymous go to sign-in."""

    def decorator(view):
        @login_required(login_url=SIGN_IN)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise Http404(_("Esta página es solo para el personal autorizado."))
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


workbench_required = staff_required(selectors.can_use_workbench)
moderation_required = staff_required(access.can_use_moderation_queue)


class SignInView(AuthRateLimited, auth_views.LoginView):
    """Sign-in for staff: CSRF, the API's `auth` rate per IP, and the admin's failure lockout."""

    template_name = "workbench/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        locked = login_locked_response(request)
        if locked is not None:
            return locked
        response = super().post(request, *args, **kwargs)
        login_count_attempt(request)
        if response.status_code == 200:  # the form came back with errors
            response.status_code = 400
        return response

    def get_default_redirect_url(self):
        return reverse("workbench-start")


class SignOutView(auth_views.LogoutView):
    next_page = SIGN_IN


@require_GET
@login_required(login_url=SIGN_IN)
def start(request):
    """Each role's start page: staff and analysts their queue, moderators theirs, admins a choice."""
    role = access.role_of(request.user)
    if role == access.ADMIN:
        return render(request, "workbench/admin_start.html", {"abuse_count": selectors.open_abuse_count()})
    if role == access.MODERATOR:
        return redirect("workbench-moderation")
    if role in (access.LOCALITY_STAFF, access.ANALYST):
        return redirect("workbench-queue")
    raise Http404(_("Esta página es solo para el personal autorizado."))


def _queue_filters(request):
    form = QueueFilterForm(request.GET, upz_queryset=selectors.upz_choices(request.user))
    return form, (form.cleaned_data if form.is_valid() else None)


@require_GET
@workbench_required
def queue(request):
    """The queue of the caller's localities (all for analysts and admins), filtered, with its map."""
    form, filters = _queue_filters(request)
    if filters is None:
        return render(request, "workbench/queue.html", {"form": form}, status=400)
    reports = selectors.queue_reports(user=request.user, filters=filters)
    page = Paginator(reports, 50).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "map_config": {
            "basemap": settings.BASEMAP_URL,
            "reports": selectors.queue_geojson(user=request.user, reports=reports),
        },
        "can_act": selectors.can_act(request.user),
        "bulk_statuses": [(s, Status(s).label) for s in BulkForm.BULK_STATUSES],
        "localities": access.staff_locality_codes(request.user),
    }
    return render(request, "workbench/queue.html", context)


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = [
    "numero",
    "codigo_categoria",
    "categoria",
    "estado",
    "localidad",
    "upz",
    "recibido",
    "plazo",
    "vencido",
    "apoyos",
    "fotos",
    "remitido_a",
    "descripcion",
]


@require_GET
@workbench_required
def queue_csv(request):
    """The queue's current selection as CSV (UTF-8 with BOM so spreadsheets read the accents)."""
    form, filters = _queue_filters(request)
    if filters is None:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    reports = selectors.queue_reports(user=request.user, filters=filters)
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for r in reports.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    r.pk,
                    r.category.code,
                    r.category.name_es,
                    r.status,
                    r.locality.name,
                    r.upz.name if r.upz else "",
                    timezone.localtime(r.created_at).isoformat(timespec="minutes"),
                    r.due_date.isoformat(),
                    "si" if r.overdue else "no",
                    r.support_count,
                    r.photo_count,
                    r.referred_to,
                    _csv_safe(r.description),
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bandeja-{stamp}.csv"'
    return response


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@require_POST
@workbench_required
def queue_bulk(request):
    """The same workflow step for the selected reports of the caller's queue."""
    if not selectors.can_act(request.user):
        raise PermissionDenied(_("Su rol es de solo lectura."))
    scope = Report.objects.staff_scope(request.user)
    ids = [int(v) for v in request.POST.getlist("reportes") if v.isdigit()]
    form = BulkForm(request.POST, ids=list(scope.filter(pk__in=ids).values_list("pk", flat=True)))
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
        return redirect(_back(request))
    result = services.reports_bulk_transition(
        reports=scope.filter(pk__in=form.cleaned_data["reportes"]).select_related("locality"),
        actor=request.user,
        to_status=form.cleaned_data["to_status"],
        note=form.cleaned_data["note"],
    )
    if result.moved:
        messages.success(
            request,
            _("%(n)s reporte(s) pasaron a «%(s)s».")
            % {"n": len(result.moved), "s": Status(form.cleaned_data["to_status"]).label},
        )
    for pk, message in result.refused.items():
        messages.error(request, _("Reporte %(pk)s: %(m)s") % {"pk": pk, "m": message})
    return redirect(_back(request))


def _back(request) -> str:
    """The queue URL the form came from (only a local /gestion/ path is followed)."""
    back = request.POST.get("volver", "")
    return back if back.startswith("/gestion/") and "//" not in back else reverse("workbench-queue")


@require_GET
@workbench_required
def report_detail(request, pk):
    view = selectors.report_page(user=request.user, pk=pk)
    if view is None:
        raise Http404(_("No existe un reporte con ese número en su bandeja."))
    return render(request, "workbench/report.html", _report_context(view))


def _report_context(view, **forms):
    report = view.report
    allowed = sorted(ALLOWED_TRANSITIONS[report.status], key=list(Status.values).index)
    return {
        "view": view,
        "report": report,
        "transition_form": forms.get("transition") or TransitionForm(allowed=allowed),
        "respond_form": forms.get("respond") or RespondForm(),
        "duplicate_form": forms.get("duplicate") or DuplicateForm(),
        "hide_form": forms.get("hide") or HideForm(initial={"hidden": "0" if report.hidden else "1"}),
        "can_duplicate": Status.DUPLICATE in ALLOWED_TRANSITIONS[report.status],
        "map_config": {
            "basemap": settings.BASEMAP_URL,
            "point": view.point,
            "upz": view.upz_boundary,
            "nearby": [
                {"id": n.pk, "lon": n.location.x, "lat": n.location.y} for n in view.nearby if view.can_handle
            ],
        },
    }


def _report_action(request, pk, form_name, form, act):
    """POST handlers of the report page: on a valid form run `act`, on errors show the page with 400."""
    view = selectors.report_page(user=request.user, pk=pk)
    if view is None:
        raise Http404(_("No existe un reporte con ese número en su bandeja."))
    if form.is_valid():
        try:
            message = act(view.report, form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
        except PermissionDenied:
            raise Http404(_("No existe un reporte con ese número en su bandeja.")) from None
        else:
            messages.success(request, message)
            return redirect("workbench-report", pk=pk)
    view = selectors.report_page(user=request.user, pk=pk)
    return render(request, "workbench/report.html", _report_context(view, **{form_name: form}), status=400)


@require_POST
@workbench_required
def report_transition(request, pk):
    current = Report.objects.staff_scope(request.user).filter(pk=pk).values_list("status", flat=True).first()
    if current is None:
        raise Http404(_("No existe un reporte con ese número en su bandeja."))
    allowed = sorted(ALLOWED_TRANSITIONS[current], key=list(Status.values).index)
    form = TransitionForm(request.POST, allowed=allowed)

    def act(report, data):
        report = report_services.report_transition(
            report=report,
            actor=request.user,
            to_status=data["to_status"],
            note=data["note"],
            referred_to=data["referred_to"],
            reason=data["reason"],
        )
        return _("Estado cambiado a «%(s)s».") % {"s": report.get_status_display()}

    return _report_action(request, pk, "transition", form, act)


@require_POST
@workbench_required
def report_respond(request, pk):
    def act(report, data):
        report_services.report_respond(
            report=report, author=request.user, body=data["body"], public=data["public"]
        )
        return _("Respuesta pública publicada.") if data["public"] else _("Nota interna guardada.")

    return _report_action(request, pk, "respond", RespondForm(request.POST), act)


@require_POST
@workbench_required
def report_duplicate(request, pk):
    def act(report, data):
        original = services.duplicate_target(actor=request.user, pk=data["original"])
        if original is None:
            raise ValidationError({"original": [_("No existe un reporte con ese número.")]})
        report_services.report_transition(
            report=report,
            actor=request.user,
            to_status=Status.DUPLICATE,
            duplicate_of=original,
            note=data["note"],
        )
        return _("Marcado como duplicado del reporte %(pk)s.") % {"pk": original.pk}

    return _report_action(request, pk, "duplicate", DuplicateForm(request.POST), act)


@require_POST
@workbench_required
def report_hide(request, pk):
    def act(report, data):
        report_services.report_hide(
            report=report, actor=request.user, reason=data["reason"], hidden=data["hidden"]
        )
        return (
            _("Reporte ocultado de las salidas públicas.")
            if data["hidden"]
            else _("Reporte visible de nuevo.")
        )

    return _report_action(request, pk, "hide", HideForm(request.POST), act)


@require_GET
@workbench_required
def report_photo(request, pk, photo_pk):
    """A report's photo for staff who may open the report (never a public media URL)."""
    photo = selectors.report_photo(user=request.user, pk=pk, photo_pk=photo_pk)
    if photo is None:
        raise Http404(_("No existe esa foto en su bandeja."))
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404(_("El archivo de la foto ya no está disponible.")) from None
    content_type = "image/png" if photo.image.name.endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@moderation_required
def moderation(request):
    """Reports with citizens' abuse notices first, then the newest public reports."""
    notices = Paginator(selectors.moderation_queue(), 20).get_page(request.GET.get("pagina"))
    context = {
        "notices": notices,
        "recent": selectors.moderation_recent(),
        "reasons": dict(AbuseReport.Reason.choices),
    }
    return render(request, "workbench/moderation.html", context)


@require_GET
@moderation_required
def moderation_report(request, pk):
    report = Report.objects.select_related("category", "locality").filter(pk=pk).first()
    if report is None:
        raise Http404(_("No existe un reporte con ese número."))
    return render(request, "workbench/moderation_report.html", _moderation_context(request, report))


def _moderation_context(request, report, **forms):
    return {
        "report": report,
        "original_text": report.description_original if access.can_see_original_text(request.user) else "",
        "notices": report.abuse_reports.filter(resolved_at__isnull=True),
        "redact_form": forms.get("redact") or RedactForm(initial={"description": report.description}),
        "hide_form": forms.get("hide") or HideForm(initial={"hidden": "0" if report.hidden else "1"}),
    }


def _moderation_action(request, pk, form_name, form, act):
    report = Report.objects.select_related("category", "locality").filter(pk=pk).first()
    if report is None:
        raise Http404(_("No existe un reporte con ese número."))
    if form.is_valid():
        try:
            message = act(report, form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            report_services.abuse_reports_resolve(report=report, actor=request.user)
            messages.success(request, message)
            return redirect("workbench-moderation")
    context = _moderation_context(request, report, **{form_name: form})
    return render(request, "workbench/moderation_report.html", context, status=400)


@require_POST
@moderation_required
def moderation_redact(request, pk):
    def act(report, data):
        report_services.report_redact(
            report=report, actor=request.user, description=data["description"], reason=data["reason"]
        )
        return _("Descripción editada: las salidas públicas muestran el texto sin datos personales.")

    return _moderation_action(request, pk, "redact", RedactForm(request.POST), act)


@require_POST
@moderation_required
def moderation_hide(request, pk):
    def act(report, data):
        report_services.report_hide(
            report=report, actor=request.user, reason=data["reason"], hidden=data["hidden"]
        )
        return (
            _("Reporte ocultado de las salidas públicas.")
            if data["hidden"]
            else _("Reporte visible de nuevo.")
        )

    return _moderation_action(request, pk, "hide", HideForm(request.POST), act)


@require_POST
@moderation_required
def moderation_dismiss(request, pk):
    """Close the abuse notices of a report without changing it (nothing wrong found)."""
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise Http404(_("No existe un reporte con ese número."))
    count = report_services.abuse_reports_resolve(report=report, actor=request.user)
    messages.success(request, _("%(n)s aviso(s) cerrados sin cambios.") % {"n": count})
    return redirect("workbench-moderation")
