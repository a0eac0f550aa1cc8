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
from .models import ProposalStatus, Where


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
        },
        status=400 if errors else 200,
    )


def proposal_detail(request, pk: int):
    proposal = selectors.proposal_public_get(pk=pk)
    if proposal is None:
        raise Http404(_("No existe una propuesta pública con ese número."))
    geometry = (
        json.loads((proposal.area or proposal.point).geojson) if (proposal.area or proposal.point) else None
    )
    return render(
        request,
        "participation/proposal_detail.html",
        {
            "proposal": proposal,
            "history": selectors.proposal_public_history(proposal),
            "evidence": proposal.evidence.order_by("pk"),
            "commitments": proposal.commitments.all(),
            "can_support": proposal.status in (ProposalStatus.OPEN, ProposalStatus.SELECTED),
            "geometry": {"geometry": geometry, "basemap": settings.BASEMAP_URL} if geometry else None,
        },
    )


@require_POST
@login_required(login_url="web-login")
def proposal_support(request, pk: int):
    proposal = selectors.proposal_public_get(pk=pk)
    if proposal is None:
        raise Http404(_("No existe una propuesta pública con ese número."))
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
    upzs = _upz_choices()
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
            return redirect("participation-accountability-locality", code=answer.locality.code)
    return render(
        request,
        "participation/pulse.html",
        {"upzs": upzs, "errors": errors, "question": PULSE_QUESTION, "values": request.POST},
        status=400 if errors else 200,
    )
