"""The receiving office's pages of virtual justice requests (/gestion/justicia/), issue 11.

Thin views over justice.selectors and justice.services, the same functions the staff API
(justice/api/staff.py) uses. Who may see a request is justice.access: staff of its locality and admins;
anyone else signed in gets 404, as if it did not exist. Opening a request's page or an attachment
decrypts its content, so each one is recorded (justice.services.justice_request_open): that audit row is
the only write a GET here makes. Nothing of a request is logged.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from justice import access
from justice import selectors as justice_selectors
from justice import services as justice_services
from justice.models import AccessKind
from justice.procedures import procedure_get, procedure_localized

from .justice_forms import ALL, JusticeFilterForm, JusticeNoteForm, JusticeReferForm, JusticeStepForm
from .views import staff_required

justice_required = staff_required(access.can_use_workbench)


def _not_found():
    return Http404(_("No existe una solicitud con ese número entre las de sus localidades."))


@require_GET
@justice_required
def justice_list(request):
    """The requests of the caller's localities: open ones by default, overdue first."""
    form = JusticeFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "workbench/justice/list.html", {"form": form}, status=400)
    chosen = form.cleaned_data["estado"]
    statuses = None if chosen == ALL else [chosen] if chosen else justice_selectors.OPEN_STATUSES
    requests = justice_selectors.justice_requests_for_staff(
        user=request.user, statuses=statuses, now=timezone.now()
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {
        "form": form,
        "page": Paginator(requests, 50).get_page(request.GET.get("pagina")),
        "query": query.urlencode(),
    }
    return render(request, "workbench/justice/list.html", context)


def _detail_context(found, **forms) -> dict:
    offices = justice_selectors.justice_referral_offices()
    situation = procedure_get(found.situation) if found.situation else None
    return {
        "jr": found,
        "situation": procedure_localized(situation) if situation else None,
        "steps": sorted(found.history.all(), key=lambda s: (s.created_at, s.pk)),
        "step_form": forms.get("step") or JusticeStepForm(current=found.status),
        "refer_form": forms.get("refer") or JusticeReferForm(offices=offices),
        "note_form": forms.get("note") or JusticeNoteForm(),
        "can_refer": "remitida" in justice_services.TRANSITIONS.get(found.status, set()),
    }


def _open(request, pk):
    found = justice_selectors.justice_request_for_staff(user=request.user, pk=pk)
    if found is None:
        raise _not_found()
    return justice_services.justice_request_open(request=found, user=request.user, kind=AccessKind.PAGE)


@never_cache  # decrypted content: never kept by a browser or proxy cache
@require_GET
@justice_required
def justice_detail(request, pk):
    """One request in full (decrypted): the access is recorded."""
    found = _open(request, pk)
    return render(request, "workbench/justice/detail.html", _detail_context(found))


def _action(request, pk, form_name, make_form, act):
    """POST handlers of the request page: run `act` on a valid form; otherwise the page again, 400."""
    found = justice_selectors.justice_request_for_staff(user=request.user, pk=pk)
    if found is None:
        raise _not_found()
    form = make_form(found)
    if form.is_valid():
        try:
            message = act(found, form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except PermissionDenied:
            raise _not_found() from None
        else:
            messages.success(request, message)
            return redirect("workbench-justice-detail", pk=pk)
    found = _open(request, pk)
    return render(
        request,
        "workbench/justice/detail.html",
        _detail_context(found, **{form_name: form}),
        status=400,
    )


@require_POST
@justice_required
def justice_step(request, pk):
    """A workflow step (asignada, cita programada with date and place or link, atendida, cerrada)."""

    def act(found, data):
        moved = justice_services.justice_request_transition(
            request=found,
            actor=request.user,
            to_status=data["to_status"],
            note=data["note"],
            appointment_at=data["appointment_at"],
            appointment_place=data["appointment_place"],
            appointment_link=data["appointment_link"],
        )
        return _("Estado cambiado a «%(s)s».") % {"s": moved.get_status_display()}

    return _action(
        request, pk, "step", lambda found: JusticeStepForm(request.POST, current=found.status), act
    )


@require_POST
@justice_required
def justice_refer(request, pk):
    """Refer the request to another office of the directory or to an outside entity (remitida)."""

    def act(found, data):
        office = data["office"]
        moved = justice_services.justice_request_transition(
            request=found,
            actor=request.user,
            to_status="remitida",
            note=data["note"],
            referred_to=data["referred_to"],
            office_id=office.pk if office else None,
        )
        return _("Solicitud remitida a %(o)s.") % {"o": moved.referred_to}

    offices = justice_selectors.justice_referral_offices()
    return _action(request, pk, "refer", lambda found: JusticeReferForm(request.POST, offices=offices), act)


@require_POST
@justice_required
def justice_note(request, pk):
    """An internal note of the office (never shown to the citizen)."""

    def act(found, data):
        justice_services.justice_request_note_add(request=found, author=request.user, body=data["body"])
        return _("Nota interna guardada.")

    return _action(request, pk, "note", lambda found: JusticeNoteForm(request.POST), act)


@require_GET
@justice_required
def justice_attachment(request, pk, attachment_pk):
    """An attachment's bytes (re-encoded image) for the staff of the request's locality; recorded."""
    found = justice_selectors.justice_request_for_staff(user=request.user, pk=pk)
    attachment = found.attachments.filter(pk=attachment_pk).first() if found else None
    if attachment is None:
        raise Http404(_("No existe ese adjunto entre las solicitudes de sus localidades."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("El archivo del adjunto ya no está disponible.")) from None
    justice_services.justice_request_open(request=found, user=request.user, kind=AccessKind.ATTACHMENT)
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
