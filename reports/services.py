"""Writes on reports: creation, workflow, responses, moderation and supports.

Every function is keyword-only, atomic, and named `<entity>_<action>`. Points are EPSG:4326 [lon, lat];
the public grid is measured in metres in EPSG:9377.

First response (`Report.first_response_at`): the moment an institution first visibly acted on a
report, i.e. the earlier of its first *public* `Response` and its first `StatusChange` made by a staff
member after creation (the automatic `received` step does not count, internal notes do not count,
hiding by moderation does not count). Time to first response = first_response_at - created_at; for
reports without it, the time is still running (or the report was never answered).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.utils import timezone

from geo.spatial import STORAGE_SRID, looks_swapped
from localities.models import Locality, Upz
from localities.selectors import locate_point

from . import access
from .models import (
    CLOSED_STATUSES,
    DESCRIPTION_MAX_LENGTH,
    AbuseReport,
    Category,
    Channel,
    Entity,
    Report,
    ReportContact,
    ReportPhoto,
    Response,
    StatusChange,
    Support,
    filing_language,
    new_tracking_code,
)
from .models import Status as S
from .photos import photo_clean
from .selectors import category_cache_clear
from .text import strip_xml_forbidden
from .visibility import public_point  # noqa: F401 - imported from here by tests and fixtures

MAX_PHOTOS = 3


def _setting(name, default):
    return getattr(settings, name, default)


def _refresh_maps_after_commit() -> None:
    """Once this write commits, queue the background refresh of the map rollups (maps.services: one
    waiting job at most). Neither this request nor any map read refreshes them itself. robust: a
    failed deferral is logged, not raised at a caller whose write is already committed (the worker's
    periodic refresh catches up)."""
    from maps.services import rollups_refresh_enqueue  # maps depends on reports, not the reverse

    transaction.on_commit(rollups_refresh_enqueue, robust=True)


# When this process last deferred the rollup refresh for a filed report (time.monotonic()).
_filing_deferral = {"at": None}


def _refresh_maps_after_filing() -> None:
    """Like _refresh_maps_after_commit, coalesced per process for new reports: at most one deferral
    every REPORTS_ROLLUP_DEFER_SECONDS (0: one per report). The job is scheduled that many seconds
    ahead, so a report whose deferral this process skips (it committed inside the window) is already
    committed when the job runs, and that refresh includes it. When the deferral found another
    process's job waiting (maps keeps one), that job, the next deferral or the periodic refresh
    (maps.tasks.refresh_rollups_if_due, MAPS_ROLLUP_MAX_AGE_SECONDS) includes it. Filing a report
    is the write that comes in bursts; status changes and hiding still defer every time."""
    transaction.on_commit(_filed_defer, robust=True)


def _filed_defer() -> None:
    from maps.services import rollups_refresh_enqueue

    window = _setting("REPORTS_ROLLUP_DEFER_SECONDS", 2)
    now = time.monotonic()
    last = _filing_deferral["at"]
    if window > 0 and last is not None and now - last < window:
        return
    _filing_deferral["at"] = now
    rollups_refresh_enqueue(delay_seconds=window)


def _notify_reporter(*, report: Report, kind: str, event_id: int) -> None:
    """Record the reporter's e-mail about this event in the outbox (sent by a background job after
    commit; only when they left an e-mail and consented)."""
    from notifications.services import notification_record  # notifications depends on reports

    notification_record(report=report, kind=kind, event_id=event_id)


# ---------------------------------------------------------------------------------------------------
# Creation
# ---------------------------------------------------------------------------------------------------


def clean_text(
    value: str | None, *, field: str, max_length: int = DESCRIPTION_MAX_LENGTH, required=True
) -> str:
    """Plain text as typed: stripped, characters XML 1.0 forbids (NUL, other control characters) removed,
    length-checked. HTML is kept verbatim as text (every output escapes it; nothing renders it as markup)."""
    text = strip_xml_forbidden(value or "").strip()
    if required and not text:
        raise ValidationError({field: ["Escriba una descripción de lo que pasó."]})
    if len(text) > max_length:
        raise ValidationError(
            {field: [f"El texto tiene {len(text)} caracteres; el máximo es {max_length}. Acórtelo."]}
        )
    return text


INACTIVE_CATEGORY_MESSAGE = "Elija una categoría válida de la lista (GET /api/categories/)."
OUTSIDE_BOGOTA_MESSAGE = (
    "El punto está fuera de Bogotá. Esta plataforma solo recibe reportes dentro del "
    "Distrito Capital; revise la ubicación en el mapa."
)


def _check_point(location: Point) -> Point:
    """The report's point in EPSG:4326 after the checks that need no database (range, swapped axes)."""
    if location is None:
        raise ValidationError({"location": ["Indique la ubicación del reporte."]})
    if location.srid not in (None, STORAGE_SRID):
        location = location.transform(STORAGE_SRID, clone=True)
    lon, lat = location.x, location.y
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(
            {"location": ["Coordenadas inválidas: use [longitud, latitud] en grados (EPSG:4326)."]}
        )
    if looks_swapped(lon, lat):
        raise ValidationError(
            {
                "location": [
                    "La latitud y la longitud parecen invertidas: en Bogotá la longitud es cercana a -74 y "
                    f"la latitud a 4.6. Envíe [longitud, latitud], es decir [{lat}, {lon}]."
                ]
            }
        )
    return Point(lon, lat, srid=STORAGE_SRID)


def _check_occurred_at(occurred_at):
    if occurred_at is None:
        raise ValidationError({"occurred_at": ["Indique cuándo ocurrió."]})
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    skew = timedelta(seconds=int(_setting("REPORTS_CLOCK_SKEW_SECONDS", 300)))
    if occurred_at > timezone.now() + skew:
        raise ValidationError(
            {"occurred_at": ["La fecha y hora están en el futuro. Indique cuándo ocurrió (ahora o antes)."]}
        )
    return occurred_at


def report_create(
    *,
    category: Category,
    description: str,
    location: Point,
    occurred_at,
    channel: str = Channel.WEB,
    reporter=None,
    contact: dict | None = None,
    photos=(),
    device_id: str | None = None,
) -> Report:
    """File a report at `location` (EPSG:4326). Locality/UPZ come from the point; the public point is
    generalised (or NULL when the category is sensitive). Raises ValidationError with field messages.

    `contact` (optional): {"name", "email", "phone"}; stored apart (ReportContact) with consent time.
    `photos`: up to 3 uploads, each re-encoded without metadata by `reports.photos.photo_clean`.
    `device_id` is accepted so every channel calls the same signature, and deliberately not stored:
    an anonymous report keeps no trace of the phone that sent it.

    The database work is one statement (ReportQuerySet.insert_located: locate, snap, insert the report
    and its history step) plus the contact and photo rows when given. The returned report carries its
    category, locality, UPZ, history, photos and contact, so a reply needs no further query.
    """
    errors: dict[str, list[str]] = {}

    def collect(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            return None

    if category is None or not category.active:
        errors["category"] = [INACTIVE_CATEGORY_MESSAGE]
    text = collect(clean_text, description, field="description")
    point = collect(_check_point, location)
    when = collect(_check_occurred_at, occurred_at)
    if channel not in Channel.values:
        errors["channel"] = [f"Canal desconocido: use uno de {', '.join(Channel.values)}."]
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [f"Se pueden adjuntar como máximo {MAX_PHOTOS} fotos; llegaron {len(photos)}."]
    cleaned_photos = []
    if photos and "photos" not in errors:
        for index, upload in enumerate(photos, start=1):
            try:
                cleaned_photos.append(photo_clean(upload))
            except ValidationError as exc:
                errors.setdefault("photos", []).extend(f"Foto {index}: {m}" for m in exc.messages)
    contact_fields = None
    if contact and any((contact.get(k) or "").strip() for k in ("name", "email", "phone")):
        contact_fields = {k: (contact.get(k) or "").strip() for k in ("name", "email", "phone")}
        if not contact_fields["email"] and not contact_fields["phone"]:
            errors["contact"] = ["Para ser contactado indique un correo o un teléfono."]
        elif not contact.get("consent"):
            errors["contact"] = [
                "Para guardar sus datos de contacto debe autorizarlo (consent=true). "
                "Si prefiere, envíe el reporte sin contacto: es anónimo por defecto."
            ]
    if errors:
        # Every field's message at once: also whether the point is outside Bogotá (the insert below
        # decides that in the same statement when nothing else is wrong).
        if point is not None and locate_point(point) is None:
            errors.setdefault("location", []).append(OUTSIDE_BOGOTA_MESSAGE)
        raise ValidationError(errors)

    reporter = reporter if reporter is not None and reporter.is_authenticated else None
    now = timezone.now()
    tracking_code = new_tracking_code()
    language = filing_language()
    # No savepoint: inside a caller's transaction (the Idempotency-Key record's) a failure here rolls
    # the whole request back anyway, and nothing is written before the point is known to be inside.
    with transaction.atomic(savepoint=False):
        inserted = Report.objects.insert_located(
            point=point,
            tracking_code=tracking_code,
            category_id=category.pk,
            description=text,
            occurred_at=when,
            now=now,
            channel=channel,
            status=S.RECEIVED,
            reporter_id=reporter.pk if reporter is not None else None,
            language=language,
        )
        if inserted is not None:
            if inserted.sensitive != category.sensitive:  # changed since this (cached) copy was read
                category = Category.objects.get(pk=category.pk)
            report = _report_as_inserted(
                inserted,
                tracking_code=tracking_code,
                point=point,
                category=category,
                description=text,
                occurred_at=when,
                now=now,
                channel=channel,
                reporter=reporter,
                language=language,
            )
            contact_row = None
            if contact_fields:
                contact_row = ReportContact.objects.create(report=report, consent_at=now, **contact_fields)
            photo_rows = []
            for clean in cleaned_photos:
                photo = ReportPhoto(report=report, width=clean.width, height=clean.height)
                photo.image.save(clean.content.name, clean.content, save=True)
                photo_rows.append(photo)
            _carry_created_relations(report, inserted=inserted, photos=photo_rows, contact=contact_row)
            _refresh_maps_after_filing()
    if inserted is None:
        # Nothing written: the point is outside, or the category was deactivated since it was read.
        if not Category.objects.filter(pk=category.pk, active=True).exists():
            category_cache_clear()  # the copy was stale: the next report reads the categories afresh
            raise ValidationError({"category": [INACTIVE_CATEGORY_MESSAGE]})
        raise ValidationError({"location": [OUTSIDE_BOGOTA_MESSAGE]})
    return report


def _report_as_inserted(
    inserted, *, tracking_code, point, category, description, occurred_at, now, channel, reporter, language
):
    """The Report instance of the row `insert_located` wrote, as a query would load it (no query)."""
    db = router.db_for_write(Report)
    given = {
        "id": inserted.report_id,
        "tracking_code": tracking_code,
        "category_id": category.pk,
        "description": description,
        "location": point,
        "public_location": inserted.public_location,
        "locality_id": inserted.locality[0],
        "upz_id": inserted.upz[0] if inserted.upz else None,
        "occurred_at": occurred_at,
        "created_at": now,
        "updated_at": now,
        "channel": channel,
        "status": S.RECEIVED,
        "reporter_id": reporter.pk if reporter is not None else None,
        "language": language,
    }
    # Defaults only for the fields not given (the tracking code's default would draw a new code).
    values = {
        f.attname: given[f.attname] if f.attname in given else f.get_default()
        for f in Report._meta.concrete_fields
    }
    report = Report.from_db(db, list(values), list(values.values()))
    report.category = category
    report.locality = Locality.from_db(db, ["id", "code", "name"], list(inserted.locality))
    report.upz = Upz.from_db(db, ["id", "code", "name"], list(inserted.upz)) if inserted.upz else None
    report.reporter = reporter
    return report


def _carry_created_relations(report: Report, *, inserted, photos: list, contact) -> None:
    """Give the new report its history, responses, photos and contact as a prefetch would (Django's
    own prefetch_related_objects fills the same caches), so the reply is built without re-reading
    what this transaction just wrote. Any later write through these managers clears them."""
    step = StatusChange.from_db(
        report._state.db,
        ["id", "report_id", "from_status", "to_status", "actor_id", "note", "created_at"],
        [inserted.step_id, report.pk, "", S.RECEIVED, report.reporter_id, "", report.created_at],
    )
    report._prefetched_objects_cache = {}
    for name, rows in (("history", [step]), ("responses", []), ("photos", photos)):
        queryset = getattr(report, name).get_queryset()
        queryset._result_cache = rows
        queryset._prefetch_done = True
        report._prefetched_objects_cache[name] = queryset
    if contact is None:
        Report.contact.related.set_cached_value(report, None)


# ---------------------------------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------------------------------

# from status -> statuses it may move to. Closed statuses can only be reopened (to in_review, with a note).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset(
        {S.IN_REVIEW, S.REFERRED, S.IN_PROGRESS, S.CLOSED_NO_ACTION, S.REJECTED, S.DUPLICATE}
    ),
    S.IN_REVIEW: frozenset(
        {S.REFERRED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED_NO_ACTION, S.REJECTED, S.DUPLICATE}
    ),
    S.REFERRED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED_NO_ACTION, S.DUPLICATE}),
    S.IN_PROGRESS: frozenset({S.REFERRED, S.RESOLVED, S.CLOSED_NO_ACTION, S.DUPLICATE}),
    S.RESOLVED: frozenset({S.IN_REVIEW}),
    S.CLOSED_NO_ACTION: frozenset({S.IN_REVIEW}),
    S.REJECTED: frozenset({S.IN_REVIEW}),
    S.DUPLICATE: frozenset({S.IN_REVIEW}),
}


def _label(status: str) -> str:
    return str(S(status).label)


def _mark_first_response(report: Report, when) -> None:
    if report.first_response_at is None:
        report.first_response_at = when


@transaction.atomic
def report_transition(
    *,
    report: Report,
    actor,
    to_status: str,
    note: str = "",
    referred_to: str = "",
    duplicate_of: Report | None = None,
    reason: str = "",
) -> Report:
    """Move `report` to `to_status` per ALLOWED_TRANSITIONS, recording who, when, from, to and note.

    referred needs `referred_to` (an Entity); rejected needs `reason`; duplicate needs `duplicate_of`
    (another report the actor can see); reopening a closed report needs a `note`.
    """
    if not access.can_handle(actor, report):
        raise PermissionDenied("Solo el personal de la localidad del reporte puede cambiar su estado.")
    report = Report.objects.select_for_update().get(pk=report.pk)
    current = report.status
    if to_status not in S.values:
        raise ValidationError({"to_status": [f"Estado desconocido: {to_status}."]})
    if to_status not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "ninguno"
        raise ValidationError(
            {
                "to_status": [
                    f"No se puede pasar de «{_label(current)}» a «{_label(to_status)}». "
                    f"Estados permitidos desde «{_label(current)}»: {allowed}."
                ]
            }
        )
    note = clean_text(note, field="note", required=False)
    reason = clean_text(reason, field="reason", required=False)
    if to_status == S.REFERRED:
        if referred_to not in Entity.values:
            raise ValidationError({"referred_to": ["Indique a qué entidad se remite (referred_to)."]})
        report.referred_to = referred_to
    if to_status == S.REJECTED:
        if not reason:
            raise ValidationError({"reason": ["Indique el motivo del rechazo (abuso, spam, etc.)."]})
        report.moderation_reason = reason
        note = f"{reason}\n{note}".strip() if note else reason
    if to_status == S.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": ["Indique el código del reporte original."]})
        if duplicate_of.pk == report.pk:
            raise ValidationError({"duplicate_of": ["Un reporte no puede ser duplicado de sí mismo."]})
        if not Report.objects.visible_to(actor).filter(pk=duplicate_of.pk).exists():
            raise ValidationError({"duplicate_of": ["No existe un reporte con ese código."]})
        # Point at the root so duplicates never form chains.
        original = duplicate_of
        seen = {report.pk}
        while original.status == S.DUPLICATE and original.duplicate_of_id and original.pk not in seen:
            seen.add(original.pk)
            original = original.duplicate_of
        if original.pk == report.pk:
            raise ValidationError({"duplicate_of": ["Ese reporte ya es duplicado de este."]})
        report.duplicate_of = original
    if current in CLOSED_STATUSES and not note:
        raise ValidationError({"note": ["Para reabrir un reporte cerrado explique por qué (note)."]})

    # The history row's own timestamp is the one used for closed_at / first_response_at, so the
    # stored values equal what the history derives (ReportQuerySet.with_derived_first_response).
    step = StatusChange.objects.create(
        report=report, from_status=current, to_status=to_status, actor=actor, note=note
    )
    report.status = to_status
    if to_status in CLOSED_STATUSES:
        report.closed_at = step.created_at
    else:
        report.closed_at = None
        if current == S.DUPLICATE:
            report.duplicate_of = None
    _mark_first_response(report, step.created_at)
    report.save()
    _notify_reporter(report=report, kind="status_change", event_id=step.pk)
    _refresh_maps_after_commit()
    return report


@transaction.atomic
def report_respond(*, report: Report, author, body: str, public: bool = True) -> Response:
    """Add an official response (public by default, or an internal note); a public one may set the
    report's first_response_at."""
    if not access.can_handle(author, report):
        raise PermissionDenied("Solo el personal de la localidad del reporte puede responderlo.")
    text = clean_text(body, field="body")
    response = Response.objects.create(report=report, author=author, body=text, public=public)
    if public:
        # updated_at too: update() skips auto_now, and the map rollups find changed reports by it.
        Report.objects.filter(pk=report.pk, first_response_at__isnull=True).update(
            first_response_at=response.created_at, updated_at=timezone.now()
        )
        report.refresh_from_db(fields=["first_response_at", "updated_at"])
        _notify_reporter(report=report, kind="public_response", event_id=response.pk)
    _refresh_maps_after_commit()
    return response


@transaction.atomic
def report_hide(*, report: Report, actor, reason: str, hidden: bool = True) -> Report:
    """Hide `report` from every public output (or show it again with hidden=False); reason required."""
    if not access.can_moderate(actor, report):
        raise PermissionDenied("No tiene permiso para moderar este reporte.")
    reason = clean_text(reason, field="reason", required=False)
    if not reason:
        raise ValidationError({"reason": ["Indique el motivo de la moderación."]})
    report = Report.objects.select_for_update().get(pk=report.pk)
    report.hidden = hidden
    report.moderation_reason = reason
    report.save(update_fields=["hidden", "moderation_reason", "updated_at"])
    prefix = "Ocultado por moderación" if hidden else "Visible de nuevo tras moderación"
    StatusChange.objects.create(
        report=report,
        from_status=report.status,
        to_status=report.status,
        actor=actor,
        note=f"{prefix}: {reason}",
    )
    _refresh_maps_after_commit()
    return report


@transaction.atomic
def report_redact(*, report: Report, actor, description: str, reason: str) -> Report:
    """Replace the description every output shows with `description` (personal data such as names,
    phone numbers or addresses removed), keeping the first text as typed in `description_original`
    for moderators and admins. A later redaction keeps that first original. Reason required."""
    if not access.can_moderate(actor, report):
        raise PermissionDenied("No tiene permiso para moderar este reporte.")
    text = clean_text(description, field="description")
    reason = clean_text(reason, field="reason", required=False)
    if not reason:
        raise ValidationError({"reason": ["Indique qué datos personales se quitaron y por qué."]})
    report = Report.objects.select_for_update().get(pk=report.pk)
    if text == report.description:
        raise ValidationError(
            {"description": ["El texto no cambió: quite los datos personales antes de guardar."]}
        )
    if not report.description_original:
        report.description_original = report.description
    report.description = text
    report.redacted_at = timezone.now()
    report.save(update_fields=["description", "description_original", "redacted_at", "updated_at"])
    StatusChange.objects.create(
        report=report,
        from_status=report.status,
        to_status=report.status,
        actor=actor,
        note=f"Datos personales editados por moderación: {reason}",
    )
    return report


ABUSE_DETAIL_MAX_LENGTH = 500


@transaction.atomic
def abuse_report_create(*, report: Report, reason: str, detail: str = "") -> AbuseReport:
    """A citizen's abuse notice on a public report, for the moderation queue (nothing about the sender
    is stored). Raises ValidationError with field messages for an unknown reason or a long detail."""
    if reason not in AbuseReport.Reason.values:
        raise ValidationError({"reason": ["Elija el motivo del aviso de la lista."]})
    detail = clean_text(detail, field="detail", max_length=ABUSE_DETAIL_MAX_LENGTH, required=False)
    return AbuseReport.objects.create(report=report, reason=reason, detail=detail)


@transaction.atomic
def abuse_reports_resolve(*, report: Report, actor) -> int:
    """Mark every open abuse notice of `report` as handled by `actor`; returns how many."""
    if not access.can_use_moderation_queue(actor):
        raise PermissionDenied("Solo moderación puede atender avisos de abuso.")
    return AbuseReport.objects.filter(report=report, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )


# ---------------------------------------------------------------------------------------------------
# Supports
# ---------------------------------------------------------------------------------------------------


def device_hash(device_id: str) -> str:
    """HMAC-SHA256 of a device id keyed with SECRET_KEY: the raw id is never stored."""
    return hmac.new(settings.SECRET_KEY.encode(), device_id.strip().encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def support_add(*, report: Report, user=None, device_id: str | None = None) -> tuple[Support, bool]:
    """Add a 'me too' by an account (preferred) or a device; repeats return the existing one.

    Returns (support, created). `Report.support_count` is incremented in SQL only when created.
    """
    if user is not None and user.is_authenticated:
        lookup = {"report": report, "user": user}
    else:
        device_id = (device_id or "").strip()
        if not device_id:
            raise ValidationError(
                {"device_id": ["Inicie sesión o envíe el identificador del dispositivo (X-Device-Id)."]}
            )
        if len(device_id) > 200:
            raise ValidationError({"device_id": ["El identificador del dispositivo es demasiado largo."]})
        lookup = {"report": report, "device_hash": device_hash(device_id)}
    existing = Support.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            support = Support.objects.create(**lookup)
    except IntegrityError:  # a concurrent identical request won the race
        return Support.objects.get(**lookup), False
    Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
    report.refresh_from_db(fields=["support_count"])
    return support, True
