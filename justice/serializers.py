"""Input and output serializers of the justice API. GeoJSON per RFC 7946: [lon, lat], EPSG:4326."""

import re
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo.spatial import check_lonlat
from localities.serializers import COORDINATE_PRECISION, LocateQuerySerializer, UnitRefSerializer

from .models import Attention, ContactChannel, JusticeRequest, RequestStatus, ServiceKind, ServicePoint
from .parsing import is_open
from .selectors import NEAREST_MAX
from .services import MAX_ATTACHMENTS, NARRATIVE_MAX, PARTIES_MAX

BOGOTA = ZoneInfo("America/Bogota")


class PhoneSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="Número para marcar: +57… (E.164) o línea nacional 01 8000.")
    display = serializers.CharField(help_text="Número como se lee, p. ej. 601 380 8330.")
    extension = serializers.CharField(help_text="Extensión u opción del menú, si la hay.", allow_blank=True)


class ScheduleSerializer(serializers.Serializer):
    days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), help_text="0 = lunes."
    )
    opens = serializers.CharField(help_text="HH:MM, hora de Bogotá.")
    closes = serializers.CharField(help_text="HH:MM; 24:00 es medianoche.")


class ServicePointSerializer(GeoFeatureModelSerializer):
    """A service point as a GeoJSON Feature (Point, EPSG:4326, 6 decimals)."""

    location = GeometryField(precision=COORDINATE_PRECISION, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    phones = PhoneSerializer(many=True, read_only=True)
    schedule = ScheduleSerializer(many=True, read_only=True)
    open_now = serializers.SerializerMethodField(
        help_text="Abierto ahora según el horario semanal (hora de Bogotá; en festivos solo los horarios de los "
        "siete días); null si el horario no se pudo interpretar."
    )
    locality = UnitRefSerializer(read_only=True, allow_null=True)
    upz = UnitRefSerializer(read_only=True, allow_null=True)
    source_locality_code = serializers.CharField(
        read_only=True, help_text="Localidad que escribe la fuente (puede diferir del polígono)."
    )
    locality_disagrees = serializers.BooleanField(read_only=True)

    class Meta:
        model = ServicePoint
        geo_field = "location"
        fields = [
            "id",
            "kind",
            "kind_label",
            "name",
            "address",
            "phones",
            "phone_text",
            "schedule",
            "schedule_text",
            "open_now",
            "email",
            "website",
            "locality",
            "upz",
            "source_locality_code",
            "locality_disagrees",
            "data_year",
            "data_note",
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_open_now(self, obj) -> bool | None:
        now = self.context.get("now") or timezone.now()
        return is_open(obj.schedule, now.astimezone(BOGOTA))


class NearestServiceSerializer(ServicePointSerializer):
    """A service point with its distance from the query point."""

    distance_m = serializers.SerializerMethodField(help_text="Distancia en metros (elipsoide WGS 84).")

    class Meta(ServicePointSerializer.Meta):
        fields = ["distance_m", *ServicePointSerializer.Meta.fields]

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_distance_m(self, obj) -> float:
        return round(obj.distance_m.m, 1)


def _kind_field(help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=ServiceKind.choices,
        required=False,
        help_text=help_text,
        error_messages={
            "invalid_choice": f"kind «{{input}}» no existe; use uno de: {', '.join(ServiceKind.values)}."
        },
    )


class NearestQuerySerializer(LocateQuerySerializer):
    """`?lat&lon&kind=&limit=` of /api/services/nearest/ (same coordinate rules as /api/locate/)."""

    kind = _kind_field("Tipo de servicio; sin él, todos los tipos.")
    limit = serializers.IntegerField(
        required=False,
        default=5,
        min_value=1,
        max_value=NEAREST_MAX,
        help_text=f"Cuántos servicios (1 a {NEAREST_MAX}, 5 por omisión).",
        error_messages={
            "invalid": "limit debe ser un número entero.",
            "min_value": f"limit debe estar entre 1 y {NEAREST_MAX}.",
            "max_value": f"limit debe estar entre 1 y {NEAREST_MAX}.",
        },
    )


class ServiceListQuerySerializer(serializers.Serializer):
    """`?locality=&kind=` of /api/services/."""

    locality = serializers.CharField(required=False, help_text="Código de localidad de dos dígitos, 01 a 20.")
    kind = _kind_field("Tipo de servicio.")

    def validate_locality(self, value: str) -> str:
        if not re.fullmatch(r"\d{2}", value) or not 1 <= int(value) <= 20:
            raise serializers.ValidationError(
                f"locality «{value}» no es un código de localidad: use 01 a 20."
            )
        return value


class ServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    phones = PhoneSerializer(many=True)


class QuadrantSerializer(serializers.Serializer):
    """The police quadrant of a point: its code, patrol phone, station and CAI."""

    code = serializers.CharField(help_text="Código del cuadrante (PCUCODIGO), p. ej. E19C03011.")
    number = serializers.CharField(help_text="Identificador corto, p. ej. E19-011.")
    phone = serializers.CharField(help_text="Celular de la patrulla del cuadrante.")
    station_name = serializers.CharField(help_text="Estación, como la escribe la fuente.")
    cai_name = serializers.CharField(help_text="CAI, como lo escribe la fuente.")
    station = ServiceRefSerializer(allow_null=True, help_text="La estación en el directorio, si se enlazó.")
    cai = ServiceRefSerializer(allow_null=True, help_text="El CAI en el directorio, si se enlazó.")
    data_year = serializers.IntegerField(allow_null=True)


# --- procedures guide ---------------------------------------------------------------------------------


class EmergencyNumberSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField(help_text="Nombre en el idioma de la respuesta (`language`).")
    name_es = serializers.CharField()


class InstitutionSerializer(serializers.Serializer):
    entity = serializers.CharField(
        help_text="Tipo de entidad (reports Entity) o tipo de servicio del directorio."
    )
    role = serializers.CharField(help_text="Papel en el idioma de la respuesta (`language`).")
    role_es = serializers.CharField()
    service_kind = serializers.CharField(
        required=False, help_text="Tipo para buscar la oficina más cercana en /api/services/nearest/?kind=…"
    )


class SourceSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.URLField()


class ProcedureSerializer(serializers.Serializer):
    """One situation of the guide: emergency numbers first where life is at risk, who handles it, steps.

    `title`, `summary`, `steps`, `bring`, `online_how` (and `name`, `role` inside) are in `language`: the
    request's language (Accept-Language or the site's language switch), English or Spanish (the default).
    The Spanish texts stay in the `*_es` fields whatever the language."""

    code = serializers.CharField()
    language = serializers.ChoiceField(choices=["es", "en"], help_text="Idioma de los textos sin sufijo.")
    title = serializers.CharField()
    summary = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())
    bring = serializers.ListField(child=serializers.CharField())
    online_how = serializers.CharField(allow_blank=True)
    title_es = serializers.CharField()
    title_en = serializers.CharField()
    summary_es = serializers.CharField()
    life_risk = serializers.BooleanField(help_text="Si es true, muestre `emergency` antes que todo lo demás.")
    emergency = EmergencyNumberSerializer(many=True)
    institutions = InstitutionSerializer(many=True)
    steps_es = serializers.ListField(child=serializers.CharField())
    bring_es = serializers.ListField(child=serializers.CharField())
    online = serializers.BooleanField()
    online_how_es = serializers.CharField(required=False)
    attention = serializers.CharField(
        required=False,
        help_text="Atención de la solicitud de justicia virtual que puede iniciarse desde aquí.",
    )
    keywords = serializers.ListField(child=serializers.CharField(), required=False)
    sources = SourceSerializer(many=True)
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="Categorías de reporte que enlazan a este trámite."
    )


class ProcedureQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Palabras a buscar (sin tildes también)."
    )
    category = serializers.SlugField(required=False, help_text="Código de categoría de reporte.")


# --- virtual justice requests ---------------------------------------------------------------------------


class JusticeRequestInputSerializer(serializers.Serializer):
    """A citizen's request (JSON or multipart with up to 3 images under `attachments`)."""

    attention = serializers.ChoiceField(choices=Attention.choices, help_text="Atención solicitada.")
    situation = serializers.SlugField(
        required=False, allow_blank=True, help_text="Código de la guía de trámites."
    )
    narrative = serializers.CharField(max_length=NARRATIVE_MAX, help_text="Qué pasó (se guarda cifrado).")
    parties = serializers.CharField(
        required=False, allow_blank=True, max_length=PARTIES_MAX, help_text="Personas involucradas (cifrado)."
    )
    locality = serializers.CharField(
        required=False, help_text="Código de su localidad (01 a 20); no hace falta si envía lat y lon."
    )
    lat = serializers.FloatField(
        required=False, min_value=-90, max_value=90, help_text="Opcional: su ubicación."
    )
    lon = serializers.FloatField(
        required=False, min_value=-180, max_value=180, help_text="Opcional: su ubicación."
    )
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.RegexField(
        r"^\+?[\d\s-]{7,20}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Teléfono inválido: use solo dígitos, p. ej. 3001234567."},
    )
    preferred_channel = serializers.ChoiceField(choices=ContactChannel.choices)
    preferred_times = serializers.CharField(required=False, allow_blank=True, max_length=200)
    consent = serializers.BooleanField(help_text="Acepta el tratamiento de sus datos (Ley 1581 de 2012).")
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_ATTACHMENTS,
        help_text="Hasta 3 imágenes.",
    )

    def validate(self, attrs):
        has_lat, has_lon = "lat" in attrs, "lon" in attrs
        if has_lat != has_lon:
            raise serializers.ValidationError({"lat": "Envíe lat y lon juntas, o ninguna."})
        if has_lat:
            # Range, finiteness and swapped pairs, before any geometry is built (geo.spatial).
            attrs["lon"], attrs["lat"] = check_lonlat(attrs["lon"], attrs["lat"])
        elif not attrs.get("locality"):
            raise serializers.ValidationError({"locality": "Indique su localidad (01 a 20) o su ubicación."})
        code = attrs.get("locality")
        if code is not None and (not re.fullmatch(r"\d{2}", code) or not 1 <= int(code) <= 20):
            raise serializers.ValidationError(
                {"locality": f"«{code}» no es un código de localidad: use 01 a 20."}
            )
        return attrs


class RequestOfficeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    phones = PhoneSerializer(many=True)


class RequestStepSerializer(serializers.Serializer):
    to_status = serializers.CharField()
    status_label = serializers.CharField(source="get_to_status_display")
    created_at = serializers.DateTimeField()


class JusticeRequestTrackSerializer(serializers.ModelSerializer):
    """What the holder of the tracking code sees: status, office, appointment, steps. No narrative, parties
    or contact: the code is a bearer secret and may have been shared."""

    status_label = serializers.CharField(source="get_status_display")
    attention_label = serializers.CharField(source="get_attention_display")
    locality = UnitRefSerializer()
    office = RequestOfficeSerializer(allow_null=True)
    history = RequestStepSerializer(many=True)

    class Meta:
        model = JusticeRequest
        fields = [
            "tracking_code",
            "attention",
            "attention_label",
            "situation",
            "status",
            "status_label",
            "locality",
            "office",
            "appointment_at",
            "appointment_place",
            "appointment_link",
            "referred_to",
            "created_at",
            "history",
        ]


class StaffStepSerializer(RequestStepSerializer):
    from_status = serializers.CharField()
    actor = serializers.CharField(source="actor.get_username", default=None)
    note = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return f"/api/staff/justice-requests/{obj.request_id}/attachments/{obj.pk}/"


class StaffJusticeRequestSerializer(JusticeRequestTrackSerializer):
    """The receiving office's view: everything, decrypted."""

    history = StaffStepSerializer(many=True)
    attachments = AttachmentSerializer(many=True)

    class Meta(JusticeRequestTrackSerializer.Meta):
        fields = [
            "id",
            *JusticeRequestTrackSerializer.Meta.fields,
            "narrative",
            "parties",
            "contact_name",
            "contact_email",
            "contact_phone",
            "preferred_channel",
            "preferred_times",
            "updated_at",
            "attachments",
        ]


class StaffJusticeRequestListSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    locality = UnitRefSerializer()
    office = serializers.CharField(source="office.name", default=None)

    class Meta:
        model = JusticeRequest
        fields = [
            "id",
            "tracking_code",
            "attention",
            "status",
            "status_label",
            "locality",
            "office",
            "created_at",
            "appointment_at",
        ]


class JusticeTransitionInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    appointment_at = serializers.DateTimeField(required=False)
    appointment_place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    appointment_link = serializers.URLField(required=False, allow_blank=True)
    referred_to = serializers.CharField(required=False, allow_blank=True, max_length=200)
    office = serializers.IntegerField(required=False, help_text="Id del punto de servicio que atiende.")
