"""Writes of the planning loop: proposals, supports, sessions and their agenda, minutes, commitments,
progress and the perception pulse. Keyword-only arguments; every function checks who may act.

Geometry from clients is range-checked with geo.spatial before GEOS sees it (EPSG:4326 [lon, lat]);
areas are measured in EPSG:9377 (metres).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.jobs import defer_once
from geo.spatial import BOGOTA_EXTENT, METRIC_SRID, STORAGE_SRID, as_multipolygon, check_geojson_geometry
from localities.models import Locality, Upz
from localities.selectors import locate_point
from notifications.outbox import outbox_send
from reports import access
from reports.models import Entity, Group, Report
from reports.photos import photo_clean
from reports.services import clean_text
from reports.visibility import public_q

from .models import (
    BODY_MAX,
    TITLE_MAX,
    AgendaItem,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    CouncilSession,
    ItemKind,
    MailKind,
    MailState,
    Outcome,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
    ProposalSupport,
    PulseAnswer,
    Registration,
    SessionAttachment,
    SessionMail,
    Where,
)

MAX_AREA_KM2 = 10.0  # a proposal's area: about a large UPZ; a whole locality is not "a place"
MAX_AREA_VERTICES = 500
MAX_EVIDENCE = 20
MAX_ATTACHMENTS = 10
S = ProposalStatus
# Allowed moves of a proposal (the session/commitment services make the staff ones).
TRANSITIONS = {
    S.OPEN: {S.SELECTED, S.WITHDRAWN, S.MERGED},
    S.SELECTED: {S.DISCUSSED, S.OPEN, S.WITHDRAWN},
    S.DISCUSSED: {S.ACCEPTED, S.DECLINED},
    S.ACCEPTED: set(),
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.MERGED: set(),
}


# --- who may act ---------------------------------------------------------------------------------
def can_manage(user, locality_code: str) -> bool:
    """Staff of `locality_code` (locality_staff with that code) and admins manage its council."""
    role = access.role_of(user)
    return role == access.ADMIN or (
        role == access.LOCALITY_STAFF and locality_code in access.staff_locality_codes(user)
    )


def can_read_councils(user) -> bool:
    """Who opens the staff side of the councils: locality staff (their localities), analysts of the
    Secretaría (every locality, read-only) and admins. Moderators and citizens do not."""
    return access.role_of(user) in (access.LOCALITY_STAFF, access.ANALYST, access.ADMIN)


def can_read_all_councils(user) -> bool:
    """Analysts and admins read the sessions and commitments of every locality."""
    return access.role_of(user) in (access.ANALYST, access.ADMIN)


def can_moderate_proposal(user, proposal: Proposal) -> bool:
    """Moderators and admins anywhere; locality staff in their localities (as for reports)."""
    return access.role_of(user) in (access.MODERATOR, access.ADMIN) or can_manage(
        user, proposal.locality.code
    )


def _require_manage(user, locality_code: str) -> None:
    if not can_manage(user, locality_code):
        raise PermissionDenied(_("Solo el personal de esta localidad puede hacerlo."))


# --- place of a proposal or commitment --------------------------------------------------------------
def _text(value, *, field: str, max_length: int, message: str) -> str:
    text = clean_text(value, field=field, max_length=max_length, required=False)
    if not text:
        raise ValidationError({field: [message]})
    return text


def area_from_geojson(data, *, field: str = "area"):
    """A validated MultiPolygon (EPSG:4326) from a client GeoJSON Polygon/MultiPolygon (dict or text).

    Coordinates are range-checked before GEOS; the polygon must be valid, inside Bogotá's extent and
    at most MAX_AREA_KM2 (measured in EPSG:9377).
    """
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise ValidationError(
                {field: [_("El área no es GeoJSON válido. Dibújela de nuevo en el mapa.")]}
            ) from None
    try:
        check_geojson_geometry(
            data, types=("Polygon", "MultiPolygon"), max_vertices=MAX_AREA_VERTICES, extent=BOGOTA_EXTENT
        )
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    try:
        geom = GEOSGeometry(json.dumps({"type": data["type"], "coordinates": data["coordinates"]}))
    except (GEOSException, ValueError, TypeError):
        raise ValidationError({field: [_("El área no es un polígono válido. Dibújela de nuevo.")]}) from None
    geom.srid = STORAGE_SRID
    if geom.empty or not geom.valid:
        raise ValidationError(
            {field: [_("El área se cruza consigo misma o no encierra nada. Dibújela de nuevo sin cruces.")]}
        )
    km2 = geom.transform(METRIC_SRID, clone=True).area / 1e6
    if km2 > MAX_AREA_KM2:
        raise ValidationError(
            {
                field: [
                    _("El área mide %(km2).1f km²; el máximo es %(max)g km². Dibuje una zona más pequeña.")
                    % {"km2": km2, "max": MAX_AREA_KM2}
                ]
            }
        )
    return as_multipolygon(geom)


def _upzs_of_area(area) -> list[Upz]:
    """Every current UPZ the area really overlaps (touching a border does not count)."""
    return list(
        Upz.objects.current()
        .filter(geom__intersects=area)
        .exclude(geom__touches=area)
        .defer("geom")
        .order_by("code")
    )


def _locality_of_area(area) -> Locality | None:
    """The locality holding the area's point on surface, else the one it overlaps most."""
    located = locate_point(area.point_on_surface)
    if located is not None:
        return located.locality
    candidates = list(Locality.objects.current().filter(geom__intersects=area).defer("geom"))
    return candidates[0] if candidates else None


def _point_from(lon, lat, *, field: str = "point") -> Point:
    from geo.spatial import check_lonlat

    try:
        lon, lat = check_lonlat(lon, lat, lon_field=None, lat_field=None)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return Point(lon, lat, srid=STORAGE_SRID)


def initials_of(user) -> str:
    """'M. P.' from the account's first and last name, else the first letter of the username."""
    parts = [p for p in (user.first_name, user.last_name) if p] or [user.get_username()]
    return " ".join(f"{p.strip()[0].upper()}." for p in parts if p.strip()) or "—"


# --- proposals ---------------------------------------------------------------------------------------
def _history(proposal: Proposal, to: str, *, actor=None, note: str = "", from_status: str | None = None):
    ProposalStatusChange.objects.create(
        proposal=proposal,
        from_status=proposal.status if from_status is None else from_status,
        to_status=to,
        note=note,
        actor=actor,
    )


@transaction.atomic
def proposal_create(
    *,
    author,
    title: str,
    body: str,
    group: str,
    where: str,
    lon=None,
    lat=None,
    area=None,
    upz_code: str | None = None,
    evidence_ids=(),
    display_name: str = "",
    is_demo: bool = False,
) -> Proposal:
    """A signed-in citizen proposes a topic; locality and UPZ come from the point, area or UPZ."""
    if author is None or not author.is_authenticated:
        raise PermissionDenied(_("Inicie sesión para proponer un tema."))
    errors = {}
    title = clean_text(title, field="title", max_length=TITLE_MAX, required=False)
    if not title:
        errors["title"] = [_("Escriba un título corto para su propuesta.")]
    body = clean_text(body, field="body", max_length=BODY_MAX, required=False)
    if not body:
        errors["body"] = [_("Explique la propuesta: qué pasa y qué le pide al consejo.")]
    if group not in Group.values:
        errors["group"] = [_("Elija un grupo: seguridad o convivencia.")]
    if where not in Where.values:
        errors["where"] = [_("Indique dónde aplica: un punto, un área dibujada o una UPZ.")]
    display_name = clean_text(display_name, field="display_name", max_length=40, required=False)
    if errors:
        raise ValidationError(errors)
    point = geom = None
    upzs: list[Upz] = []
    if where == Where.POINT:
        if lon in (None, "") or lat in (None, ""):
            raise ValidationError({"point": [_("Marque el punto en el mapa.")]})
        point = _point_from(lon, lat)
        located = locate_point(point)
        if located is None:
            raise ValidationError(
                {"point": [_("El punto está fuera de Bogotá. Márquelo dentro de la ciudad.")]}
            )
        locality, upzs = located.locality, [located.upz] if located.upz else []
    elif where == Where.AREA:
        if not area:
            raise ValidationError({"area": [_("Dibuje el área en el mapa o elija una UPZ.")]})
        geom = area_from_geojson(area)
        locality = _locality_of_area(geom)
        upzs = _upzs_of_area(geom)
        if locality is None or not upzs:
            raise ValidationError(
                {"area": [_("El área está fuera de Bogotá. Dibújela dentro de la ciudad.")]}
            )
    else:
        upz = Upz.objects.current().filter(code=(upz_code or "").strip()).defer("geom").first()
        if upz is None:
            raise ValidationError({"upz": [_("Elija una UPZ de la lista.")]})
        locality, upzs = upz.locality, [upz]
    evidence = _evidence(evidence_ids)
    proposal = Proposal.objects.create(
        title=title,
        body=body,
        group=group,
        where=where,
        point=point,
        area=geom,
        locality=locality,
        author=author,
        author_name=display_name or initials_of(author),
        is_demo=is_demo,
    )
    proposal.upzs.set(upzs)
    proposal.evidence.set(evidence)
    _history(proposal, S.OPEN, actor=author, from_status="")
    return proposal


def _evidence(ids) -> list[Report]:
    """Public reports by public id; unknown or non-public ids are a field error."""
    try:
        wanted = sorted({int(i) for i in ids if str(i).strip()})
    except (TypeError, ValueError):
        raise ValidationError({"evidence": [_("Escriba números de reporte separados por comas.")]}) from None
    if len(wanted) > MAX_EVIDENCE:
        raise ValidationError({"evidence": [_("Enlace como máximo %(n)s reportes.") % {"n": MAX_EVIDENCE}]})
    found = list(Report.objects.filter(public_q(), pk__in=wanted))
    missing = sorted(set(wanted) - {r.pk for r in found})
    if missing:
        raise ValidationError(
            {
                "evidence": [
                    _("No hay reportes públicos con número %(ids)s.") % {"ids": ", ".join(map(str, missing))}
                ]
            }
        )
    return found


@transaction.atomic
def proposal_support(*, proposal: Proposal, user) -> tuple[ProposalSupport, bool]:
    """One support per account; repeats return the existing one. Only open or selected proposals."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Inicie sesión para apoyar una propuesta."))
    if proposal.hidden or proposal.status not in (S.OPEN, S.SELECTED):
        raise ValidationError({"proposal": [_("Esta propuesta ya no recibe apoyos.")]})
    existing = ProposalSupport.objects.filter(proposal=proposal, user=user).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            support = ProposalSupport.objects.create(proposal=proposal, user=user)
    except IntegrityError:
        return ProposalSupport.objects.get(proposal=proposal, user=user), False
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    proposal.refresh_from_db(fields=["support_count"])
    return support, True


def _move(proposal: Proposal, to: str, *, actor, note: str = "") -> Proposal:
    if to not in TRANSITIONS[ProposalStatus(proposal.status)]:
        raise ValidationError(
            {
                "status": [
                    _("Una propuesta «%(from)s» no puede pasar a «%(to)s».")
                    % {"from": proposal.get_status_display(), "to": S(to).label}
                ]
            }
        )
    _history(proposal, to, actor=actor, note=note)
    proposal.status = to
    proposal.save(update_fields=["status", "public_reason", "merged_into", "updated_at"])
    return proposal


def can_withdraw(proposal: Proposal) -> bool:
    """True while the proposal's status still allows the author to withdraw it (open or on an agenda)."""
    return S.WITHDRAWN in TRANSITIONS[ProposalStatus(proposal.status)]


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, user) -> Proposal:
    """The author withdraws their proposal while it is open or on an agenda."""
    if user is None or proposal.author_id != user.pk:
        raise PermissionDenied(_("Solo quien la propuso puede retirarla."))
    return _move(proposal, S.WITHDRAWN, actor=user)


@transaction.atomic
def proposal_merge(*, proposal: Proposal, into: Proposal, actor) -> Proposal:
    """Staff of the locality fold a proposal into another of the same locality (supports stay)."""
    _require_manage(actor, proposal.locality.code)
    if into.pk == proposal.pk or into.locality_id != proposal.locality_id:
        raise ValidationError({"into": [_("Elija otra propuesta de la misma localidad.")]})
    proposal.merged_into = into
    return _move(proposal, S.MERGED, actor=actor, note=f"Unida a la propuesta {into.pk}.")


@transaction.atomic
def proposal_moderate(
    *, proposal: Proposal, actor, reason: str, hidden: bool | None = None, title=None, body=None
) -> Proposal:
    """Hide/show with a reason, or redact personal data from the title or text (as for reports)."""
    if not can_moderate_proposal(actor, proposal):
        raise PermissionDenied(_("No puede moderar esta propuesta."))
    reason = _text(reason, field="reason", max_length=1000, message=_("Escriba el motivo de la moderación."))
    fields = ["moderation_reason", "updated_at"]
    if hidden is not None:
        proposal.hidden = hidden
        fields.append("hidden")
    if title is not None:
        proposal.title = _text(
            title, field="title", max_length=TITLE_MAX, message=_("El título no puede quedar vacío.")
        )
        fields.append("title")
    if body is not None:
        proposal.body = _text(
            body, field="body", max_length=BODY_MAX, message=_("El texto no puede quedar vacío.")
        )
        fields.append("body")
    proposal.moderation_reason = reason
    proposal.save(update_fields=fields)
    return proposal


# --- sessions ----------------------------------------------------------------------------------------
def _session_place(*, place_name, lon, lat, virtual_url) -> tuple[str, Point | None, str]:
    """Place name, optional point (EPSG:4326, range-checked) and virtual link; at least a name or a link."""
    place_name = clean_text(place_name, field="place_name", max_length=200, required=False)
    virtual_url = (virtual_url or "").strip()
    if virtual_url:
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["http", "https"])(virtual_url)
        except ValidationError:
            raise ValidationError(
                {"virtual_url": ["El enlace de la sesión virtual debe empezar por https:// o http://."]}
            ) from None
        if len(virtual_url) > 200:
            raise ValidationError({"virtual_url": ["El enlace es demasiado largo (máximo 200 caracteres)."]})
    if not place_name and not virtual_url:
        raise ValidationError({"place_name": ["Indique el lugar o el enlace de la sesión virtual."]})
    given = [v not in (None, "") for v in (lon, lat)]
    if any(given) and not all(given):
        raise ValidationError({"place": ["Indique longitud y latitud del lugar, o ninguna de las dos."]})
    point = _point_from(lon, lat, field="place") if all(given) else None
    return place_name, point, virtual_url


def _session_numbers(*, capacity, period_days=None) -> tuple[int, int | None]:
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        raise ValidationError({"capacity": ["Escriba el cupo como un número de personas."]}) from None
    if not 1 <= capacity <= 5000:
        raise ValidationError({"capacity": ["El cupo va de 1 a 5000 personas."]})
    if period_days is not None:
        try:
            period_days = int(period_days)
        except (TypeError, ValueError):
            raise ValidationError({"period_days": ["Escriba el periodo en días."]}) from None
        if not 7 <= period_days <= 730:
            raise ValidationError({"period_days": ["El periodo analizado va de 7 a 730 días."]})
    return capacity, period_days


def _session_times(starts_at, ends_at) -> tuple[datetime, datetime]:
    if not isinstance(starts_at, datetime):
        raise ValidationError({"starts_at": ["Indique la fecha y hora de inicio."]})
    ends_at = ends_at or starts_at + timedelta(hours=2)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ["El fin debe ser posterior al inicio."]})
    if ends_at - starts_at > timedelta(hours=12):
        raise ValidationError({"ends_at": ["Una sesión dura como máximo 12 horas."]})
    return starts_at, ends_at


@transaction.atomic
def session_create(
    *,
    actor,
    locality_code: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    place_name: str = "",
    lon=None,
    lat=None,
    virtual_url: str = "",
    public: bool = True,
    capacity: int = 50,
    period_days: int = 90,
    is_demo: bool = False,
) -> CouncilSession:
    """Staff of the locality schedule a session; a place (name, optional point) or a virtual link."""
    _require_manage(actor, locality_code)
    locality = Locality.objects.current().filter(code=locality_code).defer("geom").first()
    if locality is None:
        raise ValidationError({"locality": ["Localidad desconocida."]})
    title = _text(title, field="title", max_length=TITLE_MAX, message="Escriba el título de la sesión.")
    starts_at, ends_at = _session_times(starts_at, ends_at)
    place_name, point, virtual_url = _session_place(
        place_name=place_name, lon=lon, lat=lat, virtual_url=virtual_url
    )
    capacity, period_days = _session_numbers(capacity=capacity, period_days=period_days)
    today = timezone.localdate()
    return CouncilSession.objects.create(
        locality=locality,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place_name=place_name,
        place_point=point,
        virtual_url=virtual_url,
        public=public,
        capacity=capacity,
        period_from=today - timedelta(days=period_days - 1),
        period_to=today,
        created_by=actor,
        is_demo=is_demo,
    )


SESSION_EDITABLE = (
    "title",
    "starts_at",
    "ends_at",
    "place_name",
    "lon",
    "lat",
    "virtual_url",
    "public",
    "capacity",
)


@transaction.atomic
def session_update(*, session: CouncilSession, actor, **changes) -> CouncilSession:
    """Change the schedule, place, visibility or capacity of a session whose minutes are not published.

    Keys of `changes` are SESSION_EDITABLE; a key not given keeps its value (lon and lat go together:
    both None removes the point). The capacity cannot drop below the people already registered.
    """
    _require_manage(actor, session.locality.code)
    unknown = set(changes) - set(SESSION_EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: ["Este dato de la sesión no se puede cambiar."]})
    if session.minutes_published_at:
        raise ValidationError({"session": ["El acta ya se publicó: la sesión ya no se puede cambiar."]})
    if "title" in changes:
        session.title = _text(
            changes["title"], field="title", max_length=TITLE_MAX, message="Escriba el título de la sesión."
        )
    if "starts_at" in changes or "ends_at" in changes:
        starts_at = changes.get("starts_at", session.starts_at)
        duration = session.ends_at - session.starts_at
        ends_at = changes.get("ends_at") or (
            starts_at + duration if "starts_at" in changes else session.ends_at
        )
        session.starts_at, session.ends_at = _session_times(starts_at, ends_at)
    if {"place_name", "virtual_url", "lon", "lat"} & set(changes):
        if "lon" in changes or "lat" in changes:
            lon, lat = changes.get("lon"), changes.get("lat")
        else:
            lon, lat = (session.place_point.x, session.place_point.y) if session.place_point else (None, None)
        session.place_name, session.place_point, session.virtual_url = _session_place(
            place_name=changes.get("place_name", session.place_name),
            lon=lon,
            lat=lat,
            virtual_url=changes.get("virtual_url", session.virtual_url),
        )
    if "public" in changes:
        session.public = bool(changes["public"])
    if "capacity" in changes:
        session.capacity, _ = _session_numbers(capacity=changes["capacity"])
        registered = session.registrations.count()
        if session.capacity < registered:
            raise ValidationError(
                {"capacity": [f"Ya hay {registered} personas inscritas: el cupo no puede ser menor."]}
            )
    session.save()
    return session


def _proposal_snapshot(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "body": proposal.body,
        "group": proposal.group,
        "supports": proposal.support_count,
        "upz": [u.name for u in proposal.upzs.all()],
        "evidence": sorted(proposal.evidence.values_list("pk", flat=True)),
        "taken_at": timezone.now().isoformat(),
    }


@transaction.atomic
def agenda_add_proposal(*, session: CouncilSession, proposal: Proposal, actor) -> AgendaItem:
    """Put an open proposal of the session's locality on its agenda (snapshotted); it becomes selected."""
    _require_manage(actor, session.locality.code)
    if proposal.locality_id != session.locality_id or proposal.hidden:
        raise ValidationError({"proposal": ["La propuesta no es de esta localidad."]})
    if session.minutes_published_at:
        raise ValidationError({"proposal": ["El acta ya se publicó: la agenda está cerrada."]})
    if proposal.status != S.OPEN:
        raise ValidationError(
            {
                "proposal": [
                    f"Solo una propuesta abierta entra en la agenda; esta está «{proposal.get_status_display()}»."
                ]
            }
        )
    _move(proposal, S.SELECTED, actor=actor, note=f"En la agenda de «{session.title}».")
    return AgendaItem.objects.create(
        session=session,
        kind=ItemKind.PROPOSAL,
        proposal=proposal,
        snapshot=_proposal_snapshot(proposal),
        order=session.agenda.count() + 1,
    )


@transaction.atomic
def agenda_add_figures(*, session: CouncilSession, actor) -> list[AgendaItem]:
    """Snapshot the locality's public statistics and hot spots for the session's period onto the agenda."""
    from . import selectors

    _require_manage(actor, session.locality.code)
    if session.minutes_published_at:
        raise ValidationError({"session": ["El acta ya se publicó: la agenda está cerrada."]})
    figures = selectors.locality_figures(
        locality_code=session.locality.code, date_from=session.period_from, date_to=session.period_to
    )
    taken = timezone.now().isoformat()
    session.agenda.filter(kind__in=(ItemKind.STATS, ItemKind.HOTSPOTS)).delete()
    start = session.agenda.count()
    return [
        AgendaItem.objects.create(
            session=session,
            kind=ItemKind.STATS,
            snapshot={**figures["stats"], "taken_at": taken},
            order=start + 1,
        ),
        AgendaItem.objects.create(
            session=session,
            kind=ItemKind.HOTSPOTS,
            snapshot={
                "hotspots": figures["hotspots"],
                "cell_metres": figures["cell_metres"],
                "taken_at": taken,
            },
            order=start + 2,
        ),
    ]


@transaction.atomic
def session_register(*, session: CouncilSession, user) -> tuple[Registration, bool]:
    """A signed-in citizen registers to attend a public session with room left; sends the invitation."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Inicie sesión para inscribirse.")
    if not session.public:
        raise PermissionDenied("Esta sesión es reservada.")
    if session.starts_at <= timezone.now():
        raise ValidationError({"session": ["La sesión ya empezó; no recibe inscripciones."]})
    existing = Registration.objects.filter(session=session, user=user).first()
    if existing:
        return existing, False
    # Lock the session row so two last-seat registrations cannot both pass the capacity check.
    CouncilSession.objects.select_for_update().filter(pk=session.pk).first()
    if session.registrations.count() >= session.capacity:
        raise ValidationError({"session": ["No quedan cupos en esta sesión."]})
    registration = Registration.objects.create(session=session, user=user)
    send_session_mail(registration=registration, kind=MailKind.INVITATION)
    return registration, True


def session_ical(session: CouncilSession) -> bytes:
    """The session as an iCalendar (RFC 5545) file built with the `icalendar` library."""
    from icalendar import Calendar, Event, vGeo

    cal = Calendar()
    cal.add("prodid", "-//Convive Bogotá//Consejos locales//ES")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"sesion-{session.pk}@convive.bogota")
    # The session row's creation time, not now: the same session always gives the same file.
    event.add("dtstamp", session.created_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", f"Consejo local de seguridad: {session.title}")
    event.add("location", session.place_name or session.virtual_url)
    if session.virtual_url:
        event.add("url", session.virtual_url)
    if session.place_point:
        event.add("geo", vGeo((session.place_point.y, session.place_point.x)))
    topics = [
        item.snapshot.get("title", "") for item in session.agenda.all() if item.kind == ItemKind.PROPOSAL
    ]
    event.add("description", "Agenda:\n" + "\n".join(f"- {t}" for t in topics) if topics else session.title)
    cal.add_component(event)
    return cal.to_ical()


REMINDER_WINDOW_HOURS = 24


def send_session_mail(*, registration: Registration, kind: str) -> SessionMail | None:
    """Put the e-mail about a session (kind 'invitation' or 'reminder') of one registration in the
    outbox, inside the caller's transaction, and have a job send it once that transaction commits.

    At most one mail per registration and kind, ever: a repeated call (a periodic run that runs twice,
    a retried job) returns the existing row and defers nothing. None when the person has no e-mail.
    """
    if kind not in MailKind.values:
        raise ValueError(f"unknown session mail kind {kind!r}")
    email = registration.user.email if registration.user_id else ""
    if not email:
        return None
    try:
        with transaction.atomic():
            mail, created = SessionMail.objects.get_or_create(registration=registration, kind=kind)
    except IntegrityError:  # a concurrent run recorded it first
        return SessionMail.objects.get(registration=registration, kind=kind)
    if created:
        pk = mail.pk
        # robust: a failed deferral must not fail the committed registration; the hourly job requeues it.
        transaction.on_commit(lambda: session_mail_enqueue(mail_id=pk), robust=True)
    return mail


def session_mail_enqueue(*, mail_id: int) -> bool:
    """Defer the job that sends one session mail; False when a job for it is already waiting."""
    from .tasks import send_session_mail_job

    return defer_once(send_session_mail_job, lock=f"session-mail-{mail_id}", mail_id=mail_id)


def session_mail_message(*, mail: SessionMail) -> EmailMessage:
    """The e-mail of one outbox row, addressed to the registered person only, with the .ics attached."""
    session = mail.registration.session
    subject = {
        MailKind.INVITATION: f"Inscripción: {session.title}",
        MailKind.REMINDER: f"Recordatorio: {session.title}",
    }[MailKind(mail.kind)]
    local = timezone.localtime(session.starts_at)
    body = (
        f"Consejo local de seguridad de {session.locality.name}.\n"
        f"{session.title}\n{local:%Y-%m-%d %H:%M} · {session.place_name or session.virtual_url}\n"
        "Adjuntamos la invitación para su calendario."
    )
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to=[mail.registration.user.email])
    message.attach(f"sesion-{session.pk}.ics", session_ical(session), "text/calendar")
    return message


def session_mail_send(*, mail_id: int, now: datetime | None = None) -> bool:
    """Send one outbox row unless it was already sent or skipped (then False: the job is idempotent).
    A reminder whose session has started, or a mail whose person has no e-mail any more, is skipped
    (notifications.outbox.outbox_send: row locked while sending, failures counted and raised)."""
    now = now or timezone.now()

    def message_for(mail):
        started = mail.registration.session.starts_at <= now
        if not mail.registration.user.email or (mail.kind == MailKind.REMINDER and started):
            return None
        return session_mail_message(mail=mail)

    return outbox_send(
        model=SessionMail,
        pk=mail_id,
        related=("registration__session__locality", "registration__user"),
        message_for=message_for,
    )


def session_reminders_due(*, now: datetime | None = None, within_hours: int = REMINDER_WINDOW_HOURS) -> int:
    """Record (and defer) the reminder of every registration of a session starting within
    `within_hours`; returns how many reminders were recorded now (0 on a repeated run).

    People who registered after the session entered that window are not reminded: their invitation
    is only hours old. Pending mails whose job was lost (older than 10 minutes) are deferred again.
    """
    now = now or timezone.now()
    recorded = 0
    registrations = Registration.objects.filter(
        session__starts_at__gt=now,
        session__starts_at__lte=now + timedelta(hours=within_hours),
        created_at__lt=F("session__starts_at") - timedelta(hours=within_hours),
    ).exclude(mails__kind=MailKind.REMINDER)
    for registration in registrations.select_related("user", "session"):
        with transaction.atomic():
            mail = send_session_mail(registration=registration, kind=MailKind.REMINDER)
        recorded += mail is not None
    cutoff = now - timedelta(minutes=10)
    for pk in SessionMail.objects.filter(state=MailState.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        session_mail_enqueue(mail_id=pk)
    return recorded


@transaction.atomic
def session_minutes(
    *,
    session: CouncilSession,
    actor,
    minutes: str,
    attendance: int,
    outcomes: dict[int, tuple[str, str]],
    attachments=(),
) -> CouncilSession:
    """Publish the minutes: text, attendance, images (re-encoded) and the outcome of every agenda item.

    Proposals on the agenda become discussed, then declined (with the outcome note as public reason)
    when so decided; accepted ones wait for the commitment that answers them.
    """
    _require_manage(actor, session.locality.code)
    if session.minutes_published_at:
        raise ValidationError({"minutes": ["El acta de esta sesión ya se publicó."]})
    minutes = _text(minutes, field="minutes", max_length=20000, message="Escriba el acta de la sesión.")
    try:
        attendance = int(attendance)
    except (TypeError, ValueError):
        raise ValidationError({"attendance": ["Escriba el número de asistentes."]}) from None
    if not 0 <= attendance <= 100000:
        raise ValidationError({"attendance": ["Número de asistentes fuera de rango."]})
    items = list(session.agenda.select_related("proposal"))
    missing = [
        i.order
        for i in items
        if outcomes.get(i.pk, ("",))[0] not in Outcome.values or outcomes[i.pk][0] == Outcome.PENDING
    ]
    if missing:
        raise ValidationError(
            {"outcomes": [f"Indique el resultado de cada punto de la agenda (faltan: {missing})."]}
        )
    for item in items:
        outcome, note = outcomes[item.pk]
        note = clean_text(note, field="outcomes", max_length=2000, required=False)
        if item.proposal and outcome == Outcome.DECLINED and not note:
            raise ValidationError(
                {"outcomes": ["Explique públicamente por qué no se aceptó cada propuesta."]}
            )
        item.outcome, item.outcome_note = outcome, note
        item.save(update_fields=["outcome", "outcome_note"])
        proposal = item.proposal
        if proposal and proposal.status == S.SELECTED:
            _move(proposal, S.DISCUSSED, actor=actor, note=f"Discutida en «{session.title}».")
            if outcome == Outcome.DECLINED:
                proposal.public_reason = note
                _move(proposal, S.DECLINED, actor=actor, note=note)
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [f"Adjunte como máximo {MAX_ATTACHMENTS} fotos al acta."]})
    for upload in attachments:
        clean = _photo(upload, field="attachments")
        attachment = SessionAttachment(session=session, width=clean.width, height=clean.height)
        attachment.image.save(clean.content.name, clean.content, save=True)
    session.minutes, session.attendance = minutes, attendance
    session.minutes_published_at = timezone.now()
    session.save(update_fields=["minutes", "attendance", "minutes_published_at"])
    return session


def _photo(upload, *, field: str):
    """photo_clean (decoded, downscaled, re-encoded without metadata) with its error under `field`."""
    try:
        return photo_clean(upload)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


# --- commitments -------------------------------------------------------------------------------------
@transaction.atomic
def commitment_create(
    *,
    session: CouncilSession,
    actor,
    text: str,
    responsible: str,
    due_date: date,
    proposal_ids=(),
    report_ids=(),
    area=None,
    lon=None,
    lat=None,
    is_demo: bool = False,
) -> Commitment:
    """A commitment from a session; the proposals it answers (on that session's agenda) become accepted."""
    _require_manage(actor, session.locality.code)
    text = _text(text, field="text", max_length=BODY_MAX, message="Escriba el compromiso.")
    if responsible not in Entity.values:
        raise ValidationError({"responsible": ["Elija la entidad responsable."]})
    if not isinstance(due_date, date):
        raise ValidationError({"due_date": ["Indique la fecha límite (AAAA-MM-DD)."]})
    on_agenda = {i.proposal_id: i for i in session.agenda.exclude(proposal=None)}
    try:
        wanted = {int(p) for p in proposal_ids}
    except (TypeError, ValueError):
        raise ValidationError({"proposals": ["Propuestas inválidas."]}) from None
    if wanted - set(on_agenda):
        raise ValidationError({"proposals": ["Solo propuestas de la agenda de esta sesión."]})
    try:
        reports = _evidence(report_ids)
    except ValidationError as exc:
        raise ValidationError({"reports": exc.message_dict["evidence"]}) from None
    point, geom = _commitment_place(session.locality, lon=lon, lat=lat, area=area)
    commitment = Commitment.objects.create(
        session=session,
        locality=session.locality,
        text=text,
        responsible=responsible,
        due_date=due_date,
        area=geom,
        point=point,
        is_demo=is_demo,
    )
    commitment.reports.set(reports)
    proposals = list(Proposal.objects.filter(pk__in=wanted))
    commitment.proposals.set(proposals)
    for proposal in proposals:
        if proposal.status == S.SELECTED:
            _move(proposal, S.DISCUSSED, actor=actor, note=f"Discutida en «{session.title}».")
        if proposal.status == S.DISCUSSED:
            _move(proposal, S.ACCEPTED, actor=actor, note=f"Compromiso {commitment.pk}: {text[:120]}")
        item = on_agenda[proposal.pk]
        if item.outcome == Outcome.PENDING:
            item.outcome = Outcome.ACCEPTED
            item.save(update_fields=["outcome"])
    return commitment


def _commitment_place(locality: Locality, *, lon, lat, area) -> tuple[Point | None, object]:
    """The optional place of a commitment: a point or an area (validated like a proposal's), not both,
    inside the session's locality (an area must overlap it). EPSG:4326."""
    given = [v not in (None, "") for v in (lon, lat)]
    if any(given) and not all(given):
        raise ValidationError({"point": ["Indique longitud y latitud del punto, o ninguna de las dos."]})
    if all(given) and area:
        raise ValidationError({"area": ["Indique un punto o un área, no ambos."]})
    if all(given):
        point = _point_from(lon, lat)
        located = locate_point(point)
        if located is None or located.locality.code != locality.code:
            raise ValidationError(
                {"point": [f"El punto no está en {locality.name}. Márquelo dentro de la localidad."]}
            )
        return point, None
    if area:
        geom = area_from_geojson(area)
        inside = Locality.objects.current().filter(code=locality.code, geom__intersects=geom)
        if not inside.exclude(geom__touches=geom).exists():
            raise ValidationError(
                {"area": [f"El área no está en {locality.name}. Dibújela dentro de la localidad."]}
            )
        return None, geom
    return None, None


@transaction.atomic
def commitment_progress(
    *, commitment: Commitment, actor, percent, note: str, photo=None, status: str = "", reason: str = ""
) -> CommitmentUpdate:
    """A progress update; percent 100 or status 'done' closes it, 'dropped' needs a public reason."""
    _require_manage(actor, commitment.locality.code)
    if commitment.status in (CommitmentStatus.DONE, CommitmentStatus.DROPPED):
        raise ValidationError({"status": ["El compromiso ya está cerrado."]})
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise ValidationError({"percent": ["Escriba el avance en porcentaje (0 a 100)."]}) from None
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": ["El avance va de 0 a 100 %."]})
    note = _text(note, field="note", max_length=BODY_MAX, message="Describa el avance.")
    if status and status not in (CommitmentStatus.DONE, CommitmentStatus.DROPPED, CommitmentStatus.ON_TRACK):
        raise ValidationError({"status": ["Estado inválido."]})
    update = CommitmentUpdate(commitment=commitment, percent=percent, note=note, actor=actor)
    if photo:
        clean = _photo(photo, field="photo")
        update.photo.save(clean.content.name, clean.content, save=False)
    update.save()
    commitment.progress = percent
    if status == CommitmentStatus.DROPPED:
        commitment.drop_reason = _text(
            reason, field="reason", max_length=2000, message="Explique públicamente por qué se abandona."
        )
        commitment.status = CommitmentStatus.DROPPED
    elif status == CommitmentStatus.DONE or percent == 100:
        commitment.status, commitment.progress = CommitmentStatus.DONE, 100
        commitment.done_at = timezone.now()
    commitment.save(update_fields=["progress", "status", "drop_reason", "done_at"])
    return update


# --- perception pulse ----------------------------------------------------------------------------------
def pulse_record(*, upz_code: str, score, is_demo: bool = False, on: date | None = None) -> PulseAnswer:
    """Store one anonymous answer (1–5) for a current UPZ. Nothing about who answered is kept."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError({"score": [_("Elija un valor de 1 (nada seguro) a 5 (muy seguro).")]}) from None
    if not 1 <= score <= 5:
        raise ValidationError({"score": [_("Elija un valor de 1 (nada seguro) a 5 (muy seguro).")]})
    upz = Upz.objects.current().filter(code=str(upz_code or "").strip()).defer("geom").first()
    if upz is None:
        raise ValidationError({"upz": [_("Elija su UPZ de la lista.")]})
    return PulseAnswer.objects.create(
        upz=upz,
        locality_id=upz.locality_id,
        score=score,
        answered_on=on or timezone.localdate(),
        is_demo=is_demo,
    )
