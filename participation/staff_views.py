"""Staff pages of the local security councils (/gestion/consejos/…), in the web app's look.

Locality staff schedule sessions, build the agenda, publish minutes, record commitments (with an
optional point or area drawn on the map) and their progress, for their localities only (another
locality's pages answer 404). Analysts of the Secretaría open every locality's sessions and
commitments read-only (no forms; a POST is refused with 403). Admins do everything. Every form
posts without JavaScript; participation/js/commitment.js adds the drawing map.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from localities.models import Locality
from reports import access
from reports.models import Entity

from . import selectors, services
from .drawing import draw_messages
from .models import CommitmentStatus, Outcome, Proposal


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _gate(request):
    """Sign-in redirect for anonymous callers; 404 for roles without a council page (citizens,
    moderators); 403 for a POST by a role that only reads (analysts)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('web-login')}?next={request.path}")
    if not services.can_read_councils(request.user):
        raise Http404(_("Página solo para el personal de las alcaldías locales y la Secretaría."))
    if request.method == "POST" and not _writes(request.user):
        raise PermissionDenied(_("Las analistas consultan los consejos, pero no los modifican."))
    return None


def _writes(user) -> bool:
    """Locality staff (in their localities, checked by the services) and admins write; analysts read."""
    return access.role_of(user) in (access.LOCALITY_STAFF, access.ADMIN)


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _parse_date(value: str, field: str):
    try:
        return datetime.fromisoformat(value).date()
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Indique la fecha límite (AAAA-MM-DD).")]}) from None


def _map_config(code: str) -> dict:
    """The drawing map starts over the locality (a point on its surface, EPSG:4326 [lon, lat])."""
    inside = Locality.objects.current().filter(code=code).values_list("geom", flat=True).first()
    spot = inside.point_on_surface if inside else None
    return {
        "basemap": settings.BASEMAP_URL,
        "center": [round(spot.x, 5), round(spot.y, 5)] if spot else None,
        "zoom": 13 if spot else None,
    }


def _with_status(rows, limit: int = 200) -> list:
    """Commitments with `status_label`: the derived status (overdue = on track past its due date)."""
    rows = list(rows.order_by("due_date", "id")[:limit])
    for row in rows:
        row.status_label = CommitmentStatus(selectors.commitment_status(row)).label
    return rows


def staff_sessions(request):
    gate = _gate(request)
    if gate:
        return gate
    managed = [
        loc
        for loc in Locality.objects.current().defer("geom").order_by("code")
        if services.can_manage(request.user, loc.code)
    ]
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        try:
            session = services.session_create(
                actor=request.user,
                locality_code=values.get("locality", ""),
                title=values.get("title", ""),
                starts_at=_parse_datetime(values.get("starts_at", "")),
                place_name=values.get("place_name", ""),
                virtual_url=values.get("virtual_url", ""),
                public=values.get("public") == "on",
                capacity=values.get("capacity") or 50,
                period_days=values.get("period_days") or 90,
            )
        except PermissionDenied:
            errors = {"locality": [_("Elija una localidad que usted gestiona.")]}
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Sesión creada. Arme la agenda."))
            return redirect("participation-staff-session", pk=session.pk)
    return render(
        request,
        "participation/staff_sessions.html",
        {
            "sessions": selectors.sessions_visible_to(user=request.user).order_by("-starts_at")[:200],
            "commitments": _with_status(selectors.commitments_visible_to(user=request.user)),
            "read_all": services.can_read_all_councils(request.user),
            "localities": managed,
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )


def _session_action(request, session) -> str:
    """Run the posted action on `session`; returns the success message. Raises ValidationError."""
    action = request.POST.get("action")
    post = request.POST
    if action == "agenda":
        wanted = post.get("proposal", "")
        proposal = Proposal.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        if proposal is None:
            raise ValidationError({"proposal": [_("Elija una propuesta.")]})
        services.agenda_add_proposal(session=session, proposal=proposal, actor=request.user)
        return _("Propuesta añadida a la agenda.")
    if action == "figures":
        services.agenda_add_figures(session=session, actor=request.user)
        return _("Cifras y puntos críticos guardados en la agenda.")
    if action == "minutes":
        outcomes = {
            item.pk: (post.get(f"outcome-{item.pk}", ""), post.get(f"note-{item.pk}", ""))
            for item in session.agenda.all()
        }
        services.session_minutes(
            session=session,
            actor=request.user,
            minutes=post.get("minutes", ""),
            attendance=post.get("attendance", ""),
            outcomes=outcomes,
            attachments=request.FILES.getlist("attachments"),
        )
        return _("Acta publicada.")
    if action == "commitment":
        services.commitment_create(
            session=session,
            actor=request.user,
            text=post.get("text", ""),
            responsible=post.get("responsible", ""),
            due_date=_parse_date(post.get("due_date", ""), "due_date"),
            proposal_ids=post.getlist("proposals"),
            report_ids=[v for v in post.get("reports", "").replace(",", " ").split() if v],
            area=post.get("area") or None,
            lon=post.get("lon") or None,
            lat=post.get("lat") or None,
        )
        return _("Compromiso registrado.")
    raise ValidationError({"action": [_("Acción desconocida.")]})


def staff_session(request, pk: int):
    gate = _gate(request)
    if gate:
        return gate
    session = selectors.session_staff_get(user=request.user, pk=pk)
    if session is None:
        raise Http404(_("No existe una sesión de su localidad con ese número."))
    errors = {}
    if request.method == "POST":
        try:
            done = _session_action(request, session)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, done)
            return redirect("participation-staff-session", pk=pk)
    return render(
        request,
        "participation/staff_session.html",
        {
            "session": session,
            "can_manage": services.can_manage(request.user, session.locality.code),
            "agenda": session.agenda.select_related("proposal"),
            "candidates": selectors.proposals_open_for_agenda(session=session)[:50],
            "commitments": session.commitments.all(),
            "outcomes": [o for o in Outcome.choices if o[0] != Outcome.PENDING],
            "entities": Entity.choices,
            "errors": errors,
            "values": request.POST,
            "map_config": _map_config(session.locality.code),
            "map_messages": draw_messages(
                ready=_("Área lista: se guardará con el compromiso."),
                point=_("Punto listo: se guardará con el compromiso."),
            ),
        },
        status=400 if errors else 200,
    )


def staff_commitment(request, pk: int):
    gate = _gate(request)
    if gate:
        return gate
    commitment = selectors.commitment_staff_get(user=request.user, pk=pk)
    if commitment is None:
        raise Http404(_("No existe un compromiso de su localidad con ese número."))
    errors = {}
    if request.method == "POST":
        try:
            services.commitment_progress(
                commitment=commitment,
                actor=request.user,
                percent=request.POST.get("percent", ""),
                note=request.POST.get("note", ""),
                photo=request.FILES.get("photo"),
                status=request.POST.get("status", ""),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Avance registrado."))
            return redirect("participation-staff-commitment", pk=pk)
    return render(
        request,
        "participation/staff_commitment.html",
        {
            "commitment": commitment,
            "can_manage": services.can_manage(request.user, commitment.locality.code),
            "status": CommitmentStatus(selectors.commitment_status(commitment)).label,
            "updates": commitment.updates.all(),
            "statuses": [
                (CommitmentStatus.DONE, CommitmentStatus.DONE.label),
                (CommitmentStatus.DROPPED, CommitmentStatus.DROPPED.label),
            ],
            "errors": errors,
            "values": request.POST,
        },
        status=400 if errors else 200,
    )
