"""Pages of the planning loop, in the citizen web app's look (templates extend web/base.html).

Citizens: proposals (list, new, detail, support), public sessions (register, .ics), accountability
(city and locality) and the perception pulse. The staff pages (/gestion/consejos/…) are in
participation/staff_views.py. Every page works as plain HTML forms; one small ES module improves the
proposal form (drawing the area on the map).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from localities.models import Locality, Upz
from maps.filters import MapFilters
from maps.selectors import stats as stat_selectors
from reports.models import Group
from reports.throttles import SupportThrottle
from reports.visibility import ViewerScope, public_min_count
from web.views import _throttle_wait, _too_many

from . import selectors, services
from .api import PULSE_QUESTION, ProposalCreateThrottle, PulseThrottle
from .drawing import draw_messages
from .models import Proposal, ProposalStatus, Where


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _upz_choices():
    return list(
        Upz.objects.current().defer("geom").select_related("locality").order_by("locality__code", "code")
    )


def _localities():
    return list(Locality.objects.current().defer("geom").order_by("code"))


def _locality_or_404(code: str) -> Locality:
    locality = Locality.objects.current().defer("geom").filter(code=code).first()
    if locality is None:
        raise Http404(_("Localidad desconocida."))
    return locality


# --- proposals -----------------------------------------------------------------------------------------
def proposal_list(request):
    code = request.GET.get("localidad", "")
    localities = _localities()
    if code not in {loc.code for loc in localities}:
        code = ""
    rows = selectors.proposal_public_list(locality_code=code or None)[:100]
    return render(
        request,
        "participation/proposal_list.html",
        {"proposals": rows, "localities": localities, "code": code},
    )


@login_required(login_url="web-login")
def proposal_new(request):
    values, errors = {}, {}
    if request.method == "POST":
        values = request.POST
        wait = _throttle_wait(request, ProposalCreateThrottle)
        if wait:
            return _too_many(request, wait)
        try:
            proposal = services.proposal_create(
                author=request.user,
                title=values.get("title", ""),
                body=values.get("body", ""),
                group=values.get("group", ""),
                where=values.get("where", ""),
                lon=values.get("lon") or None,
                lat=values.get("lat") or None,
                area=values.get("area") or None,
                upz_code=values.get("upz", ""),
                evidence_ids=[v for v in values.get("evidence", "").replace(",", " ").split() if v],
                display_name=values.get("display_name", ""),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Su propuesta quedó publicada. Compártala para sumar apoyos."))
            return redirect("participation-proposal", pk=proposal.pk)
    return render(
        request,
        "participation/proposal_new.html",
        {
            "values": values,
            "errors": errors,
            "groups": Group.choices,
            "wheres": Where.choices,
            "upzs": _upz_choices(),
            "map_config": {"basemap": settings.BASEMAP_URL},
            "map_messages": draw_messages(
                ready=_("Área lista: se enviará con la propuesta."),
                point=_("Punto marcado: latitud %(lat)s, longitud %(lon)s."),
            ),
        },
        status=400 if errors else 200,
    )


def _proposal_for(request, pk: int) -> Proposal:
    """The proposal behind a page: public ones for everyone; hidden ones only for who may moderate them."""
    proposal = Proposal.objects.select_related("locality", "merged_into").filter(pk=pk).first()
    if proposal is None or (
        proposal.hidden
        and not (request.user.is_authenticated and services.can_moderate_proposal(request.user, proposal))
    ):
        raise Http404(_("No existe una propuesta pública con ese número."))
    return proposal


def _detail(request, proposal: Proposal, *, errors=None, values=None, status: int = 200):
    user = request.user
    is_author = user.is_authenticated and proposal.author_id == user.pk
    can_moderate = user.is_authenticated and services.can_moderate_proposal(user, proposal)
    can_merge = user.is_authenticated and services.can_manage(user, proposal.locality.code)
    place = proposal.area or proposal.point
    merged_into = proposal.merged_into
    return render(
        request,
        "participation/proposal_detail.html",
        {
            "proposal": proposal,
            "history": selectors.proposal_public_history(proposal),
            "evidence": proposal.evidence.order_by("pk"),
            "commitments": proposal.commitments.all(),
            "can_support": not proposal.hidden
            and proposal.status in (ProposalStatus.OPEN, ProposalStatus.SELECTED),
            "can_withdraw": is_author and services.can_withdraw(proposal),
            "can_moderate": can_moderate,
            "merge_targets": selectors.proposal_merge_targets(proposal)
            if can_merge and proposal.status == ProposalStatus.OPEN
            else [],
            "merged_into": merged_into if merged_into and not merged_into.hidden else None,
            "geometry": {"geometry": json.loads(place.geojson), "basemap": settings.BASEMAP_URL}
            if place
            else None,
            "errors": errors or {},
            "values": values or {},
        },
        status=status,
    )


def proposal_detail(request, pk: int):
    return _detail(request, _proposal_for(request, pk))


@require_POST
@login_required(login_url="web-login")
def proposal_withdraw(request, pk: int):
    """The author withdraws their proposal; the checkbox is the confirmation (a GET never writes)."""
    proposal = _proposal_for(request, pk)
    if proposal.author_id != request.user.pk:
        raise Http404(_("No existe una propuesta suya con ese número."))
    errors = {}
    if request.POST.get("confirm") != "yes":
        errors = {"confirm": [_("Marque la casilla para confirmar que quiere retirar su propuesta.")]}
    else:
        try:
            services.proposal_withdraw(proposal=proposal, user=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
    if errors:
        return _detail(request, proposal, errors=errors, status=400)
    messages.success(request, _("Retiró su propuesta. Sigue visible con su historia, sin recibir apoyos."))
    return redirect("participation-proposal", pk=pk)


@require_POST
@login_required(login_url="web-login")
def proposal_moderate(request, pk: int):
    """Staff with moderation rights: hide/show with a reason, redact personal data, merge into another."""
    proposal = _proposal_for(request, pk)
    if not services.can_moderate_proposal(request.user, proposal):
        raise Http404(_("No existe una propuesta que usted pueda moderar con ese número."))
    action, post = request.POST.get("action", ""), request.POST
    try:
        if action in ("hide", "show"):
            services.proposal_moderate(
                proposal=proposal, actor=request.user, reason=post.get("reason", ""), hidden=action == "hide"
            )
            done = _("Propuesta oculta al público.") if action == "hide" else _("Propuesta visible de nuevo.")
        elif action == "redact":
            services.proposal_moderate(
                proposal=proposal,
                actor=request.user,
                reason=post.get("reason", ""),
                title=post.get("title", ""),
                body=post.get("body", ""),
            )
            done = _("Texto editado: los datos personales ya no se publican.")
        elif action == "merge":
            into = next(
                (p for p in selectors.proposal_merge_targets(proposal) if str(p.pk) == post.get("into")), None
            )
            if into is None:
                raise ValidationError({"into": [_("Elija otra propuesta abierta de la misma localidad.")]})
            services.proposal_merge(proposal=proposal, into=into, actor=request.user)
            done = _("Propuesta unida a la %(n)s.") % {"n": into.pk}
        else:
            raise ValidationError({"action": [_("Acción de moderación desconocida.")]})
    except PermissionDenied:
        raise Http404(_("No existe una propuesta que usted pueda moderar con ese número.")) from None
    except ValidationError as exc:
        proposal.refresh_from_db()  # the service may have set fields before failing; show what is stored
        return _detail(request, proposal, errors=_errors(exc), values=post, status=400)
    messages.success(request, done)
    return redirect("participation-proposal", pk=pk)


@require_POST
@login_required(login_url="web-login")
def proposal_support(request, pk: int):
    proposal = _proposal_for(request, pk)
    wait = _throttle_wait(request, SupportThrottle)
    if wait:
        return _too_many(request, wait)
    try:
        _support, created = services.proposal_support(proposal=proposal, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in _errors(exc).values() for m in ms))
    else:
        messages.success(
            request,
            _("Gracias: su apoyo quedó registrado.") if created else _("Ya había apoyado esta propuesta."),
        )
    return redirect("participation-proposal", pk=pk)


# --- public sessions -------------------------------------------------------------------------------------
def session_public(request, pk: int):
    session = selectors.session_public_get(pk=pk)
    if session is None:
        raise Http404(_("No existe una sesión pública con ese número."))
    registered = request.user.is_authenticated and session.registrations.filter(user=request.user).exists()
    return render(
        request,
        "participation/session_public.html",
        {
            "session": session,
            "agenda": session.agenda.all(),
            "commitments": session.commitments.all(),
            "registered": registered,
            "seats_left": max(session.capacity - session.registrations.count(), 0),
            "upcoming": session.starts_at > timezone.now(),
        },
    )


@require_POST
@login_required(login_url="web-login")
def session_register(request, pk: int):
    session = selectors.session_public_get(pk=pk)
    if session is None:
        raise Http404(_("No existe una sesión pública con ese número."))
    try:
        services.session_register(session=session, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        text = (
            " ".join(m for ms in _errors(exc).values() for m in ms)
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        messages.error(request, text)
    else:
        messages.success(request, _("Quedó inscrito. Descargue la invitación para su calendario."))
    return redirect("participation-session", pk=pk)


# --- accountability ----------------------------------------------------------------------------------------
def accountability_city(request):
    data = selectors.accountability()
    return render(request, "participation/accountability.html", {"data": data, "locality": None})


def accountability_locality(request, code: str):
    locality = _locality_or_404(code)
    data = selectors.accountability(locality_code=code)
    # Perception beside incidents, per UPZ: where fear and reports diverge (both public, both k-suppressed).
    today = timezone.localdate()
    filters = MapFilters(locality=(code,), date_from=today.replace(year=today.year - 1), date_to=today)
    upz_stats = {
        u["code"]: u
        for u in stat_selectors.unit_stats(level="upz", filters=filters, scope=ViewerScope())["units"]
    }
    pulse = {p["upz"]: p for p in selectors.pulse_by_upz(locality_code=code)}
    upzs = Upz.objects.current().filter(locality__code=code).defer("geom").order_by("code")
    perception = [
        {
            "code": u.code,
            "name": u.name,
            "pulse": pulse.get(u.code),
            "reports": upz_stats.get(u.code, {}).get("count"),
        }
        for u in upzs
    ]
    return render(
        request,
        "participation/accountability.html",
        {
            "data": data,
            "locality": locality,
            "row": data["localities"][0],
            "commitments": selectors.commitment_rows(locality_code=code),
            "proposals": selectors.proposal_public_list(locality_code=code)[:10],
            "sessions": selectors.sessions_public(locality_code=code)[:10],
            "perception": perception,
            "min_count": public_min_count(),
        },
    )


def pulse(request):
    """The one-question survey, then the answers per UPZ on a map beside the incident heatmap.

    The maps are drawn by a small module from /api/pulse/map.geojson and /api/maps/heatmap/ for the
    same area and period; the table under them carries the same figures for keyboards and readers.
    """
    upzs = _upz_choices()
    localities = _localities()
    code = request.GET.get("localidad", "")
    if code not in {loc.code for loc in localities}:
        code = ""
    errors = {}
    if request.method == "POST":
        wait = _throttle_wait(request, PulseThrottle)
        if wait:
            return _too_many(request, wait)
        try:
            answer = services.pulse_record(
                upz_code=request.POST.get("upz", ""), score=request.POST.get("score")
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Gracias: su respuesta es anónima y cuenta para su UPZ."))
            return redirect(f"{reverse('participation-pulse')}?localidad={answer.locality.code}#mapa")
    date_from, date_to = selectors.pulse_period()
    return render(
        request,
        "participation/pulse.html",
        {
            "upzs": upzs,
            "errors": errors,
            "question": PULSE_QUESTION,
            "values": request.POST,
            "localities": localities,
            "code": code,
            "rows": selectors.pulse_table(locality_code=code or None),
            "period": {"date_from": date_from, "date_to": date_to},
            "min_count": public_min_count(),
            "pulse_config": {
                "basemap": settings.BASEMAP_URL,
                "pulse": f"{reverse('pulse-map')}?locality={code}" if code else reverse("pulse-map"),
                "heatmap": reverse("maps-heatmap"),
                "locality": code,
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "cell": 500,
                "noData": _("Sin datos suficientes"),
                "reports": _("%(n)s reportes"),
                "mean": _("Percepción media: %(v)s de 5"),
            },
        },
        status=400 if errors else 200,
    )
