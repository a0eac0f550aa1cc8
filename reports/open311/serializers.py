"""Open311 GeoReport v2 input parsing and output documents (spec field names, public privacy rules).

Output rules for a service request (a public report), the same as the public API's (reports/serializers.py):
- `service_request_id` is the report's public id, never its tracking code: the tracking code is the
  reporter's bearer secret and opens their full view (exact point, history) at /api/reports/<code>/.
  Only the answer to POST requests carries it (`tracking_code` extension), for the submitter.
- `lat`/`long` are the generalised public point (`Report.public_location`, snapped to the public
  grid); a sensitive category has no public point, so both fields are left out, and so is its
  `description` (it may describe victims; it is for the handling staff only).
- Photos are not published (only the reporter and the staff see them), so `media_url` is never set.
- Nothing about the reporter (account, contact, device) is ever part of a document.
- A rejected or duplicate report is not public (no point, no description anywhere public), yet the
  client that filed it must learn what happened: it is served as `closed` with a fixed status note
  (the duplicate's note names the original when that one is public), without description, point or
  the moderation reason. Hidden reports are not served at all.
- `locality` and `upz` ({code, name}) are extensions to the spec.
"""

import re
from datetime import datetime, time, timedelta

from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import exceptions, serializers

from reports import visibility
from reports.models import OPEN_STATUSES, Category, Entity, Report, Status

from .selectors import DEFAULT_WINDOW, MAX_RESULTS, OPEN311_CLOSED_NOT_PUBLIC, RequestFilters

SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"
# Single jurisdiction served here; clients may omit jurisdiction_id or send this value.
JURISDICTION_ID = "bogota.gov.co"
# Last change of the documents' structure (discovery `changeset`).
CHANGESET = "2026-11-28T00:00:00-05:00"
FORMATS = ["text/xml", "application/json"]
STATUS_VALUES = ("open", "closed")

# Attributes every service accepts (service definition). Codes are what clients send as attribute[code].
OCCURRED_AT = "occurred_at"
CONTACT_CONSENT = "contact_consent"


def _w3c(value: datetime | None) -> str | None:
    """ISO 8601 / W3C datetime in Bogotá time with its offset, e.g. 2026-11-28T10:31:00-05:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _english() -> bool:
    return (translation.get_language() or "es").startswith("en")


def category_name(category: Category) -> str:
    """Category name in the request's language (Spanish unless English was asked for)."""
    return category.name_en if _english() and category.name_en else category.name_es


# ---------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------


def parse_w3c_datetime(value: str, *, end_of_day: bool = False) -> datetime:
    """Parse a W3C datetime ('2026-01-31T08:00:00-05:00', '…Z', or a date '2026-01-31').

    A '+' offset that arrived unencoded in a query string (read as a space) is restored. Naive values
    and dates are taken in Bogotá time; a date alone means the start (or end) of that day. Years
    outside FIRST_YEAR..LAST_YEAR raise ValueError (0001-01-01 or 9999-12-31 would overflow
    datetime arithmetic in time-zone conversion and the 90-day window).
    """
    text = value.strip().replace(" ", "+")
    parsed = parse_datetime(text) if "T" in text else None
    if parsed is None:
        day = parse_date(text) if "T" not in text else None
        if day is None:
            raise ValueError(text)
        parsed = datetime.combine(day, time.max if end_of_day else time.min)
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(text)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# Dates accepted from clients: far beyond any report, far within what datetime arithmetic survives.
FIRST_YEAR, LAST_YEAR = 1900, 2100
DATE_HINT = (
    f"Use el formato W3C, p. ej. 2026-01-31T08:00:00-05:00, con un año entre {FIRST_YEAR} y {LAST_YEAR}."
)


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def check_jurisdiction(value) -> None:
    """Refuse a jurisdiction_id other than Bogotá's with 404, as the spec says (the parameter is optional)."""
    if value and str(value).strip() != JURISDICTION_ID:
        raise exceptions.NotFound(
            {"jurisdiction_id": [f"Jurisdicción desconocida. Omita el parámetro o use «{JURISDICTION_ID}»."]}
        )


class RequestsQuerySerializer(serializers.Serializer):
    """GET requests parameters (all optional): ids, service codes, date range, status."""

    jurisdiction_id = serializers.CharField(required=False, allow_blank=True)
    service_request_id = serializers.CharField(
        required=False, allow_blank=True, help_text="Uno o varios service_request_id separados por comas."
    )
    service_code = serializers.CharField(
        required=False, allow_blank=True, help_text="Uno o varios service_code separados por comas."
    )
    start_date = serializers.CharField(required=False, allow_blank=True, help_text="Fecha W3C.")
    end_date = serializers.CharField(required=False, allow_blank=True, help_text="Fecha W3C.")
    status = serializers.CharField(required=False, allow_blank=True, help_text="open, closed o ambos.")

    def validate(self, attrs):
        check_jurisdiction(attrs.get("jurisdiction_id"))
        errors = {}
        raw_ids = _split(attrs.get("service_request_id", ""))
        bad_ids = [value for value in raw_ids if not value.isdigit() or len(value) > 18]
        if bad_ids:
            errors["service_request_id"] = [
                f"Identificador inválido «{bad_ids[0]}»: use los números de service_request_id separados por comas."
            ]
        ids = [int(value) for value in raw_ids if value not in bad_ids]
        if len(ids) > MAX_RESULTS:
            errors["service_request_id"] = [f"Pida como máximo {MAX_RESULTS} códigos por consulta."]
        statuses = [s.lower() for s in _split(attrs.get("status", ""))]
        unknown = [s for s in statuses if s not in STATUS_VALUES]
        if unknown:
            errors["status"] = [f"Estado desconocido «{unknown[0]}»: use open, closed o open,closed."]
        bounds = {}
        for field, end_of_day in (("start_date", False), ("end_date", True)):
            raw = attrs.get(field)
            if raw:
                try:
                    bounds[field] = parse_w3c_datetime(raw, end_of_day=end_of_day)
                except ValueError:
                    errors[field] = [f"Fecha inválida «{raw}». {DATE_HINT}"]
        start, end = bounds.get("start_date"), bounds.get("end_date")
        if start and end:
            if start > end:
                errors["start_date"] = ["start_date es posterior a end_date. Inviértalas."]
            elif end - start > DEFAULT_WINDOW + timedelta(days=1):
                errors["end_date"] = [
                    f"El rango de fechas no puede pasar de {DEFAULT_WINDOW.days} días. "
                    "Divida la consulta en varios rangos."
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return RequestFilters(
            ids=tuple(ids),
            service_codes=tuple(_split(attrs.get("service_code", ""))),
            start=start,
            end=end,
            statuses=tuple(dict.fromkeys(statuses)),
        )


ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[\w-]+)\](\[\])?$")


class RequestCreateSerializer(serializers.Serializer):
    """POST requests parameters (application/x-www-form-urlencoded, as the spec says; JSON accepted)."""

    # Checked (in the body or the query string) by the view's permission before this runs.
    api_key = serializers.CharField(
        required=False, help_text="Clave emitida por el administrador (issue_open311_key); o en la URL."
    )
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True)
    service_code = serializers.CharField()
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    long = serializers.FloatField(required=False, min_value=-180, max_value=180)
    address_string = serializers.CharField(required=False, allow_blank=True)
    address_id = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    email = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True)
    last_name = serializers.CharField(required=False, allow_blank=True)
    device_id = serializers.CharField(required=False, allow_blank=True)
    account_id = serializers.CharField(required=False, allow_blank=True)
    media_url = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        check_jurisdiction(attrs.get("jurisdiction_id"))
        category = open311_category(attrs["service_code"])
        if category is None:
            # The spec: an unknown service_code is a 404, like an unknown jurisdiction_id.
            raise exceptions.NotFound(
                {
                    "service_code": [
                        f"No existe el servicio «{attrs['service_code']}». Consulte GET services.json."
                    ]
                }
            )
        if attrs.get("lat") is None or attrs.get("long") is None:
            message = "Envíe lat y long (grados decimales, EPSG:4326) del lugar."
            if attrs.get("address_string") or attrs.get("address_id"):
                message += " Este servicio no geocodifica direcciones (address_string/address_id)."
            raise serializers.ValidationError({"lat": [message]})
        attrs["category"] = category
        attrs["attributes"] = self._attributes()
        return attrs

    def _attributes(self) -> dict:
        """attribute[code] values from the raw body, validated against the service definition."""
        raw = {}
        data = self.initial_data
        for key in data:
            match = ATTRIBUTE_KEY.match(key)
            if match:
                raw[match["code"]] = data.get(key)
        errors = {}
        attributes = {}
        when = raw.get(OCCURRED_AT)
        if when:
            try:
                attributes[OCCURRED_AT] = parse_w3c_datetime(str(when))
            except ValueError:
                errors[f"attribute[{OCCURRED_AT}]"] = [f"Fecha inválida. {DATE_HINT}"]
        consent = raw.get(CONTACT_CONSENT)
        if consent not in (None, ""):
            if str(consent).lower() not in ("true", "false"):
                errors[f"attribute[{CONTACT_CONSENT}]"] = ["Use true o false."]
            attributes[CONTACT_CONSENT] = str(consent).lower() == "true"
        unknown = sorted(set(raw) - {OCCURRED_AT, CONTACT_CONSENT})
        if unknown:
            errors[f"attribute[{unknown[0]}]"] = [
                "Atributo desconocido. Consulte la definición del servicio (GET services/<código>.json)."
            ]
        if errors:
            raise serializers.ValidationError(errors)
        return attributes


# Fields of `report_create` errors, renamed to the Open311 parameters the client sent.
SERVICE_FIELD_NAMES = {
    "location": "lat/long",
    "category": "service_code",
    "occurred_at": f"attribute[{OCCURRED_AT}]",
    "contact": "email/phone",
}


def open311_validation_error(exc) -> serializers.ValidationError:
    """A Django ValidationError from the report services, keyed by Open311 parameter names."""
    if hasattr(exc, "message_dict"):
        return serializers.ValidationError(
            {SERVICE_FIELD_NAMES.get(field, field): messages for field, messages in exc.message_dict.items()}
        )
    return serializers.ValidationError(exc.messages)


def open311_category(code: str) -> Category | None:
    """The active category behind a service_code (None when unknown or inactive)."""
    return Category.objects.filter(code=code, active=True).first()


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------


def discovery_document(*, endpoint_url: str, production: bool) -> dict:
    """The service discovery document for this single GeoReport v2 endpoint."""
    contact = (
        "Plataforma Convive Bogotá. Soporte y claves de API: solicítelas al administrador de la "
        "plataforma, que las emite con `manage.py issue_open311_key`."
    )
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": contact,
        "endpoints": [
            {
                "specification": SPECIFICATION_URL,
                "url": endpoint_url,
                "changeset": CHANGESET,
                "type": "production" if production else "test",
                "formats": list(FORMATS),
            }
        ],
    }


def service_document(category: Category) -> dict:
    """One entry of GET services: a category as an Open311 service."""
    keywords = [category.get_group_display(), category.code.replace("_", " ")]
    if category.sensitive:
        keywords.append("sensible")
    return {
        "service_code": category.code,
        "service_name": category_name(category),
        "description": (category.description_en if _english() else category.description_es)
        or category_name(category),
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(str(k) for k in keywords),
        "group": str(category.get_group_display()),
    }


def service_definition_document(category: Category) -> dict:
    """GET services/<code>: the attributes a client may send as attribute[code] when posting."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": OCCURRED_AT,
                "datatype": "datetime",
                "required": False,
                "datatype_description": "Fecha y hora W3C, p. ej. 2026-01-31T21:30:00-05:00. "
                "Si se omite, se usa el momento del envío. No puede estar en el futuro.",
                "order": 1,
                "description": "¿Cuándo ocurrió?",
            },
            {
                "variable": True,
                "code": CONTACT_CONSENT,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "true para que se guarden email/phone/first_name/last_name y el "
                "personal de la alcaldía local pueda contactar a quien reporta. Sin true, el reporte "
                "es anónimo y esos datos se descartan.",
                "order": 2,
                "description": "¿Autoriza que la alcaldía local le contacte?",
                "values": [{"key": "true", "name": "Sí"}, {"key": "false", "name": "No"}],
            },
        ],
    }


def _agency(report: Report) -> str:
    entity = report.referred_to or report.category.responsible
    if entity == Entity.ALCALDIA_LOCAL:
        return f"Alcaldía Local de {report.locality.name}"
    return str(Entity(entity).label) if entity in Entity.values else ""


def _status_notes(report: Report) -> str:
    if report.status == Status.REJECTED:
        return "Cerrada: rechazada por no cumplir las condiciones de uso de la plataforma."
    if report.status == Status.DUPLICATE:
        original = report.duplicate_of
        if original is not None and not original.hidden and original.status not in OPEN311_CLOSED_NOT_PUBLIC:
            return f"Cerrada: duplicada de la solicitud {original.pk}, que sigue su trámite."
        return "Cerrada: duplicada de otra solicitud."
    responses = getattr(report, "public_responses", None)
    if responses is None:
        responses = list(report.responses.filter(public=True).order_by("-created_at", "-id")[:1])
    if responses:
        return responses[0].body
    label = str(Status(report.status).label)
    if report.status == Status.REFERRED and report.referred_to:
        return f"{label} a {Entity(report.referred_to).label}"
    return label


def _unit(code: str, name: str) -> dict:
    return {"code": code, "name": name}


def request_document(report: Report) -> dict:
    """One service request (a public report) with the spec's field names and the privacy rules above."""
    category = report.category
    # Rejected and duplicate reports are listed as closed, without their text or place.
    withheld = report.status in OPEN311_CLOSED_NOT_PUBLIC
    address = f"Localidad {report.locality.name}"
    if report.upz is not None:
        address += f", {report.upz}"
    document = {
        "service_request_id": str(report.pk),
        "status": "open" if report.status in OPEN_STATUSES else "closed",
        "status_notes": _status_notes(report),
        "service_name": category_name(category),
        "service_code": category.code,
        "description": None if withheld else visibility.public_description_of(report),
        "agency_responsible": _agency(report),
        "service_notice": None,
        "requested_datetime": _w3c(report.created_at),
        "updated_datetime": _w3c(report.updated_at),
        # The end of the Bogotá due date (ReportQuerySet.with_deadline, annotated by the selectors):
        # the same deadline the follow page and the workbench show, not created_at + N × 24 h.
        "expected_datetime": _w3c(report.deadline),
        "address": address,
    }
    public_point = None if withheld else visibility.public_point_of(report)
    if public_point is not None:
        document["lat"] = round(public_point.y, 6)
        document["long"] = round(public_point.x, 6)
    document["locality"] = _unit(report.locality.code, report.locality.name)
    document["upz"] = _unit(report.upz.code, report.upz.name) if report.upz is not None else None
    return document


def created_document(report: Report, *, notice: str) -> dict:
    """POST requests answer: the public service_request_id, a notice, and (extension) the tracking code.

    `token` is the service_request_id itself: every service is real-time, so there is nothing to wait
    for, and clients that always follow tokens still work. The tracking code goes to the submitting client only, as it would to a citizen filing on the web,
    so the person can follow their report in full at /api/reports/<tracking_code>/.
    """
    return {
        "service_request_id": str(report.pk),
        "token": str(report.pk),
        "service_notice": notice,
        "account_id": None,
        "tracking_code": report.tracking_code,
    }


def token_document(report: Report) -> dict:
    """GET tokens/<token>: the request id behind a token (the same number, every service is real-time)."""
    return {"service_request_id": str(report.pk), "token": str(report.pk)}
