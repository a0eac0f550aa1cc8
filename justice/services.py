"""Writes on virtual justice requests: creation (with routing and attachments) and the staff workflow.

Every function is keyword-only, atomic and named `<entity>_<action>`. Points are EPSG:4326. Each step
that the citizen is told about (received, appointment, any other status) puts one row in the outbox
(JusticeNotification) inside the step's transaction; a background job (justice.tasks) sends it after
commit, never twice, and the e-mail carries only the code, the status, the appointment and a link.
Every staff read of a request's decrypted content is recorded (justice_request_open).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from geo.jobs import defer_once
from localities.models import Locality
from localities.selectors import locate_point
from notifications.outbox import outbox_send
from reports.photos import photo_clean

from . import access
from .models import (
    AccessKind,
    Attention,
    ContactChannel,
    Dataset,
    JusticeAttachment,
    JusticeNotification,
    JusticeRequest,
    JusticeRequestAccess,
    JusticeRequestChange,
    JusticeRequestNote,
    NotificationState,
    RequestStatus,
    ServiceKind,
    ServicePoint,
)
from .parsing import parse_phones, parse_schedule
from .procedures import procedure_get

S = RequestStatus
log = logging.getLogger(__name__)
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


def _notify(change: JusticeRequestChange) -> JusticeNotification | None:
    """Put the citizen's e-mail about `change` in the outbox (inside the caller's transaction) and have
    it sent once that transaction commits; nothing when the citizen left no e-mail address."""
    if not change.request.contact_email:
        return None
    notification = JusticeNotification.objects.create(change=change)
    pk = notification.pk
    # robust: a failed deferral is logged, not raised at a caller whose write committed; the periodic
    # sweep (justice.tasks.requeue_pending) defers the row again.
    transaction.on_commit(lambda: justice_notification_enqueue(notification_id=pk), robust=True)
    return notification


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
    received = JusticeRequestChange.objects.create(request=request, from_status="", to_status=S.RECEIVED)
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
    _notify(received)
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
    office_id: int | None = None,
) -> JusticeRequest:
    """Move `request` along recibida → asignada → cita programada → atendida | remitida | cerrada.

    Only staff of the request's locality (or an admin) may do it. A cita programada needs a future
    date and a place or a virtual link; remitida needs the receiving entity (`referred_to`, or the
    current directory office `office_id`, whose name and address are then used). `office_id` on any
    other step reassigns the receiving office. Every step is kept and e-mailed to the citizen.
    """
    office = None
    if office_id is not None:
        office = ServicePoint.objects.current().filter(pk=office_id).first()
        if office is None:
            raise ValidationError({"office": "No existe ese punto de servicio vigente."})
        if to_status == S.REFERRED and not referred_to.strip():
            referred_to = f"{office.name} ({office.address})" if office.address else office.name
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
    if office is not None and to_status != S.REFERRED:
        request.office = office
    if to_status == S.APPOINTMENT:
        request.appointment_at = appointment_at
        request.appointment_place = appointment_place.strip()
        request.appointment_link = appointment_link.strip()
    if to_status == S.REFERRED:
        request.referred_to = referred_to.strip()
    request.save()
    change = JusticeRequestChange.objects.create(
        request=request,
        from_status=current,
        to_status=to_status,
        actor=actor,
        note=_clean(note, 2000, "note"),
    )
    _notify(change)
    return request


def justice_request_open(*, request: JusticeRequest, user, kind: str = AccessKind.PAGE) -> JusticeRequest:
    """Record that `user` read `request`'s decrypted content (narrative, parties, contact or an
    attachment) now. Callers have already checked access (justice.access); refused otherwise."""
    if not access.can_handle_request(user, request):
        raise PermissionDenied("Solo el personal de la localidad de la solicitud puede abrirla.")
    JusticeRequestAccess.objects.create(request=request, user=user, username=user.get_username(), kind=kind)
    return request


@transaction.atomic
def justice_request_note_add(*, request: JusticeRequest, author, body: str) -> JusticeRequestNote:
    """An internal note of the receiving office (encrypted; never shown to the citizen, never e-mailed)."""
    if not access.can_handle_request(author, request):
        raise PermissionDenied("Solo el personal de la localidad de la solicitud puede anotarla.")
    return JusticeRequestNote.objects.create(
        request=request, author=author, body=_clean(body, 2000, "body", required=True)
    )


# ---------------------------------------------------------------------------------------------------
# E-mails to the citizen (outbox, sent by justice.tasks)
# ---------------------------------------------------------------------------------------------------


def justice_notification_enqueue(*, notification_id: int) -> bool:
    """Defer the job that sends the outbox row; False when one is already waiting for it."""
    from .tasks import send_justice_notification

    lock = f"justice-notification-{notification_id}"
    return defer_once(send_justice_notification, lock=lock, notification_id=notification_id)


def justice_notification_send(*, notification_id: int) -> bool:
    """Send one outbox e-mail unless it was already sent (then False: the job is idempotent); skipped
    when the request has no e-mail (notifications.outbox.outbox_send). A failure keeps only the
    exception's type: its text could quote the message, which holds the tracking code."""
    from .emails import justice_message

    def message_for(notification):
        to = notification.change.request.contact_email
        return justice_message(change=notification.change, to=to) if to else None

    return outbox_send(
        model=JusticeNotification,
        pk=notification_id,
        related=("change__request",),
        message_for=message_for,
        error_text=lambda exc: type(exc).__name__,
    )


def justice_notifications_requeue_pending(*, older_than_seconds: int = 600) -> int:
    """Defer again the outbox rows still pending after `older_than_seconds` (a job lost between commit
    and deferral, or a worker that was down); returns how many jobs were deferred."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = JusticeNotification.objects.filter(state=NotificationState.PENDING, created_at__lt=cutoff)
    return sum(justice_notification_enqueue(notification_id=pk) for pk in ids.values_list("pk", flat=True))


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
        (JusticeRequestNote, ["body"]),
    ):
        for row in model.objects.only("pk", *fields).iterator(chunk_size=batch):
            # Reading decrypts with any configured key; saving encrypts with the first one.
            row.save(update_fields=fields)
            rewritten += 1
    return rewritten
