"""Writes on virtual justice requests: creation (with routing and attachments) and the staff workflow.

Every function is keyword-only, atomic and named `<entity>_<action>`. Points are EPSG:4326. The
citizen is e-mailed through Django's mail API after the transaction commits (never for a rolled-back
write); a mail failure is logged and does not undo the request.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from localities.models import Locality
from localities.selectors import locate_point
from reports.photos import photo_clean

from . import access
from .models import (
    FINAL_STATUSES,
    Attention,
    ContactChannel,
    Dataset,
    JusticeAttachment,
    JusticeRequest,
    JusticeRequestChange,
    RequestStatus,
    ServiceKind,
    ServicePoint,
)
from .parsing import parse_phones, parse_schedule
from .procedures import procedure_get

S = RequestStatus
MAX_ATTACHMENTS = 3
NARRATIVE_MAX = 4000
PARTIES_MAX = 2000

# The competent office for each kind of attention, in order of preference, inside the citizen's locality.
# Inspecciones and comisarías answer to the alcaldía local, which receives what no office of its kind can.
ROUTING = {
    Attention.PROTECTION: [ServiceKind.FAMILY_COMMISSARY],
    Attention.COMPLAINT: [ServiceKind.POLICE_INSPECTION, ServiceKind.LOCAL_MAYOR],
    Attention.CONCILIATION: [ServiceKind.JUSTICE_HOUSE, ServiceKind.MEDIATION_UNIT, ServiceKind.LOCAL_MAYOR],
    Attention.LEGAL_GUIDANCE: [ServiceKind.JUSTICE_HOUSE, ServiceKind.LOCAL_MAYOR],
}

TRANSITIONS = {
    S.RECEIVED: {S.ASSIGNED, S.REFERRED, S.CLOSED},
    S.ASSIGNED: {S.APPOINTMENT, S.ATTENDED, S.REFERRED, S.CLOSED},
    S.APPOINTMENT: {S.APPOINTMENT, S.ATTENDED, S.REFERRED, S.CLOSED},
    S.ATTENDED: set(),
    S.REFERRED: set(),
    S.CLOSED: set(),
}


def request_office(*, locality: Locality, attention: str, point=None) -> ServicePoint | None:
    """The office of `locality` that receives a request for `attention` (see ROUTING), nearest to
    `point` (EPSG:4326) when given, else the first by name; None when the locality has none of them."""
    for kind in ROUTING[attention]:
        offices = ServicePoint.objects.current().of_kind(kind).in_locality(locality.code)
        if point is not None:
            office = min(
                offices.knn_candidates(point, 10), key=lambda o: (o.distance_m.m, o.pk), default=None
            )
        else:
            office = offices.order_by("name", "pk").first()
        if office is not None:
            return office
    return None


def _clean(text: str, limit: int, field: str, *, required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: "Este campo es obligatorio."})
    if len(text) > limit:
        raise ValidationError({field: f"Máximo {limit} caracteres (tiene {len(text)})."})
    return text


def _notify(request: JusticeRequest, subject: str, lines: list[str]) -> None:
    """E-mail the citizen after commit, when they gave an address (logged, never raised, on failure)."""
    address = request.contact_email
    if not address:
        return
    body = "\n".join(
        [
            *lines,
            "",
            f"Código de seguimiento: {request.tracking_code}",
            "Consulte el estado con este código en Convive Bogotá. No responda a este correo.",
            "Si su vida corre peligro, llame a la Línea 123.",
        ]
    )
    transaction.on_commit(
        lambda: send_mail(f"[Convive Bogotá] {subject}", body, None, [address], fail_silently=False),
        robust=True,
    )


@transaction.atomic
def justice_request_create(
    *,
    attention: str,
    narrative: str,
    locality: Locality,
    preferred_channel: str,
    consent: bool,
    situation: str = "",
    parties: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    preferred_times: str = "",
    point=None,
    requester=None,
    attachments=(),
) -> JusticeRequest:
    """Create a private justice request in `locality`, routed to its competent office (nearest to
    `point`, EPSG:4326, when given). Attachments are re-encoded without metadata (reports.photos)."""
    errors = {}
    if not consent:
        errors["consent"] = "Debe aceptar el tratamiento de sus datos para enviar la solicitud."
    if attention not in Attention.values:
        errors["attention"] = f"Atención desconocida; use una de: {', '.join(Attention.values)}."
    if situation and procedure_get(situation) is None:
        errors["situation"] = f"La situación «{situation}» no está en la guía (/api/procedures/)."
    if preferred_channel == ContactChannel.EMAIL and not contact_email:
        errors["contact_email"] = "Indique un correo: eligió ser contactado por correo."
    if preferred_channel in (ContactChannel.PHONE, ContactChannel.WHATSAPP) and not contact_phone:
        errors["contact_phone"] = "Indique un teléfono: eligió ser contactado por teléfono o WhatsApp."
    if len(attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = f"Máximo {MAX_ATTACHMENTS} imágenes adjuntas."
    if errors:
        raise ValidationError(errors)
    request = JusticeRequest.objects.create(
        attention=attention,
        situation=situation,
        narrative=_clean(narrative, NARRATIVE_MAX, "narrative", required=True),
        parties=_clean(parties, PARTIES_MAX, "parties"),
        contact_name=_clean(contact_name, 120, "contact_name"),
        contact_email=_clean(contact_email, 254, "contact_email"),
        contact_phone=_clean(contact_phone, 30, "contact_phone"),
        preferred_channel=preferred_channel,
        preferred_times=_clean(preferred_times, 200, "preferred_times"),
        locality=locality,
        office=request_office(locality=locality, attention=attention, point=point),
        requester=requester if requester is not None and requester.is_authenticated else None,
        consent_at=timezone.now(),
    )
    JusticeRequestChange.objects.create(request=request, from_status="", to_status=S.RECEIVED)
    for upload in attachments:
        try:
            clean = photo_clean(upload)
        except ValidationError as exc:
            raise ValidationError({"attachments": exc.messages}) from exc
        attachment = JusticeAttachment(
            request=request, content_type=clean.content_type, width=clean.width, height=clean.height
        )
        attachment.file.save(clean.content.name, clean.content, save=False)
        attachment.save()
    office = request.office.name if request.office else f"la Alcaldía Local de {locality.name}"
    _notify(
        request,
        "Recibimos su solicitud",
        [
            f"Recibimos su solicitud de {request.get_attention_display().lower()}.",
            f"La atenderá {office}. Le contactaremos por {request.get_preferred_channel_display().lower()}.",
        ],
    )
    return request


def _label(status: str) -> str:
    return RequestStatus(status).label


@transaction.atomic
def justice_request_transition(
    *,
    request: JusticeRequest,
    actor,
    to_status: str,
    note: str = "",
    appointment_at: datetime | None = None,
    appointment_place: str = "",
    appointment_link: str = "",
    referred_to: str = "",
    office: ServicePoint | None = None,
) -> JusticeRequest:
    """Move `request` along recibida → asignada → cita programada → atendida | remitida | cerrada.

    Only staff of the request's locality (or an admin) may do it. A cita programada needs a future
    date and a place or a virtual link; remitida needs the receiving entity. Every step is kept.
    """
    if not access.can_handle_request(actor, request):
        raise PermissionDenied("Solo el personal de la localidad de la solicitud puede cambiar su estado.")
    request = JusticeRequest.objects.select_for_update().get(pk=request.pk)
    current = request.status
    if to_status not in TRANSITIONS.get(current, set()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, set()))) or "ninguno (la solicitud está cerrada)"
        raise ValidationError(
            {"status": f"No se puede pasar de «{_label(current)}» a «{to_status}». Permitidos: {allowed}."}
        )
    errors = {}
    if to_status == S.APPOINTMENT:
        if appointment_at is None or appointment_at <= timezone.now():
            errors["appointment_at"] = "Indique la fecha y hora de la cita, en el futuro."
        if not appointment_place.strip() and not appointment_link.strip():
            errors["appointment_place"] = "Indique el lugar de la cita o el enlace de la cita virtual."
    if to_status == S.REFERRED and not referred_to.strip():
        errors["referred_to"] = "Indique la entidad a la que se remite la solicitud."
    if errors:
        raise ValidationError(errors)
    request.status = to_status
    if office is not None:
        request.office = office
    if to_status == S.APPOINTMENT:
        request.appointment_at = appointment_at
        request.appointment_place = appointment_place.strip()
        request.appointment_link = appointment_link.strip()
    if to_status == S.REFERRED:
        request.referred_to = referred_to.strip()
    request.save()
    JusticeRequestChange.objects.create(
        request=request,
        from_status=current,
        to_status=to_status,
        actor=actor,
        note=_clean(note, 2000, "note"),
    )
    lines = [f"Su solicitud pasó a: {_label(to_status)}."]
    if to_status == S.APPOINTMENT:
        local = timezone.localtime(appointment_at)
        lines.append(f"Cita: {local:%Y-%m-%d a las %H:%M} (hora de Bogotá).")
        if request.appointment_place:
            lines.append(f"Lugar: {request.appointment_place}.")
        if request.appointment_link:
            lines.append(f"Enlace de la cita virtual: {request.appointment_link}")
    if to_status == S.REFERRED:
        lines.append(f"Fue remitida a: {request.referred_to}.")
    if to_status in FINAL_STATUSES:
        lines.append("Si necesita algo más, puede iniciar una nueva solicitud.")
    _notify(request, f"Su solicitud: {_label(to_status)}", lines)
    return request


# ---------------------------------------------------------------------------------------------------
# Directory (admin form)
# ---------------------------------------------------------------------------------------------------


@transaction.atomic
def service_point_save(*, point: ServicePoint) -> ServicePoint:
    """Save a service point edited by hand: locality and UPZ from its location (EPSG:4326) in the active
    boundaries, phones and schedule parsed from their text, `manual` dataset for new points."""
    location = locate_point(point.location)
    point.locality = location.locality if location else None
    point.upz = location.upz if location else None
    point.phones = parse_phones(point.phone_text)
    point.schedule = parse_schedule(point.schedule_text)
    if not point.dataset:
        point.dataset = Dataset.MANUAL
    point.save()
    return point


def rotate_encryption(*, batch: int = 500) -> int:
    """Re-encrypt every encrypted value of justice requests with the newest key; returns the rows rewritten."""
    rewritten = 0
    for model, fields in (
        (JusticeRequest, ["narrative", "parties", "contact_name", "contact_email", "contact_phone"]),
        (JusticeRequestChange, ["note"]),
    ):
        for row in model.objects.only("pk", *fields).iterator(chunk_size=batch):
            # Reading decrypts with any configured key; saving encrypts with the first one.
            row.save(update_fields=fields)
            rewritten += 1
    return rewritten
