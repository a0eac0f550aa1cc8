"""Input and output shapes of the reports API.

Public outputs (`Public*`) never carry the tracking code (the reporter's bearer secret), the exact
point, the reporter or the contact; sensitive categories have no geometry and no description there.
Text is returned as plain JSON strings: HTML typed by citizens stays text and is never rendered.
"""

import copy
import json

from django.contrib.gis.geos import GEOSGeometry
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo.inputs import check_date_bounds
from geo.spatial import check_geojson_geometry, check_lonlat, make_point

from . import access, selectors, visibility
from .models import Category, Channel, Entity, Report, Response, Status, StatusChange

LOCATION_HELP = (
    'GeoJSON Point en EPSG:4326, p. ej. {"type": "Point", "coordinates": [-74.0721, 4.6097]} ([lon, lat]).'
)


# --- shared pieces ------------------------------------------------------------------------------------


class FieldsBuiltOnce:
    """ModelSerializer mixin: build the fields once per class, not once per instance.

    ModelSerializer introspects the model (verbose names, choices, validators) every time a
    serializer is instantiated, which cost a report's creation reply more than all its SQL
    (bench/ingest_profile.py). The fields depend only on the class, so the first instance keeps them
    and later ones get a deep copy, as DRF itself does for declared fields.
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


class CategorySerializer(serializers.ModelSerializer):
    procedure = serializers.SerializerMethodField(
        help_text="Código de la situación de la guía «¿Qué hago si…?» (/api/procedures/<code>/), o null."
    )

    class Meta:
        model = Category
        fields = [
            "code",
            "name_es",
            "name_en",
            "group",
            "sensitive",
            "responsible",
            "response_days",
            "description_es",
            "description_en",
            "procedure",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_procedure(self, obj) -> str | None:
        # The guide lives in justice (data/procedures.toml); imported here so reports loads without it.
        from justice.procedures import category_procedures

        return category_procedures().get(obj.code)


class CategoryBriefSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name_es", "name_en", "group", "sensitive"]


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class UnitsMixin(serializers.Serializer):
    """`locality` and `upz` of a report as {code, name} (upz may be null)."""

    locality = serializers.SerializerMethodField()
    upz = serializers.SerializerMethodField()

    @extend_schema_field(UnitSerializer)
    def get_locality(self, obj):
        return {"code": obj.locality.code, "name": obj.locality.name}

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_upz(self, obj):
        return {"code": obj.upz.code, "name": obj.upz.name} if obj.upz_id else None


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3},
        },
        "example": {"type": "Point", "coordinates": [-74.0721, 4.6097]},
    }
)
class PointLocationField(serializers.Field):
    """A Point from GeoJSON (object or JSON text, for multipart forms); outputs GeoJSON."""

    default_error_messages = {
        "invalid": "Ubicación inválida. Envíe " + LOCATION_HELP.replace("{", "{{").replace("}", "}}"),
        "not_point": "La ubicación debe ser un punto (type Point), no {kind}.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                self.fail("invalid")
        if not isinstance(data, dict) or "coordinates" not in data:
            self.fail("invalid")
        if data.get("type") != "Point":
            self.fail("not_point", kind=str(data.get("type"))[:40])
        # Finite, in-range numbers near Bogotá (a third value, altitude, is allowed and ignored),
        # checked before GEOS sees them: see geo.spatial.check_geojson_geometry.
        coords = check_geojson_geometry(data, types=("Point",))["coordinates"]
        return make_point(coords[0], coords[1])

    def to_representation(self, value):
        if value is None:
            return None
        return json.loads(GEOSGeometry(value).geojson)


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.RegexField(
        r"^[0-9+() -]{7,30}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Teléfono inválido: use solo números, espacios, +, ( y )."},
    )
    consent = serializers.BooleanField(
        required=False, default=False, help_text="Autorizo que me contacten sobre este reporte."
    )


@extend_schema_field(ContactInputSerializer)
class ContactField(serializers.Field):
    """Contact as an object or as JSON text (multipart)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except (ValueError, RecursionError):
                raise serializers.ValidationError("Contacto inválido: envíe un objeto JSON.") from None
        inner = ContactInputSerializer(data=data)
        inner.is_valid(raise_exception=True)
        return inner.validated_data

    def to_representation(self, value):
        return value


# --- creation ------------------------------------------------------------------------------------------


class ActiveCategoryField(serializers.SlugRelatedField):
    """An active category by its code, read through selectors.category_active_by_code (kept per
    process), not with a query per request."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        category = selectors.category_active_by_code(str(data))
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return category


class ReportCreateInputSerializer(serializers.Serializer):
    category = ActiveCategoryField(
        slug_field="code",
        queryset=Category.objects.filter(active=True),
        error_messages={
            "does_not_exist": "Categoría desconocida: «{value}». Consulte la lista en GET /api/categories/.",
            "required": "Elija una categoría (código, p. ej. «hurto»).",
            "null": "Elija una categoría (código, p. ej. «hurto»).",
        },
    )
    description = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="Texto plano, máx. 4000."
    )
    location = PointLocationField(required=False, help_text=LOCATION_HELP)
    lon = serializers.FloatField(required=False, help_text="Alternativa a `location` en formularios.")
    lat = serializers.FloatField(required=False, help_text="Alternativa a `location` en formularios.")
    occurred_at = serializers.DateTimeField(
        required=False,
        validators=[check_date_bounds],
        help_text="Cuándo ocurrió (ISO 8601, entre 1900 y 2100). Por defecto, ahora. No puede ser futuro.",
    )
    channel = serializers.ChoiceField(choices=[Channel.WEB, Channel.APP], default=Channel.WEB)
    contact = ContactField(required=False, help_text="Opcional: {name, email, phone, consent}.")
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=3,
        error_messages={"max_length": "Se pueden adjuntar como máximo 3 fotos."},
        help_text="Hasta 3 fotos (multipart).",
    )

    def validate(self, attrs):
        location = attrs.get("location")
        lon, lat = attrs.pop("lon", None), attrs.pop("lat", None)
        if location is None:
            if lon is None or lat is None:
                raise serializers.ValidationError({"location": ["Indique la ubicación: " + LOCATION_HELP]})
            attrs["location"] = make_point(*check_lonlat(lon, lat))
        return attrs


# --- reporter's view (tracking code holder) --------------------------------------------------------------


class HistoryStepSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_to_status_display")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "status_label", "note", "at"]


class PublicResponseSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["body", "created_at"]


class ReportDetailSerializer(FieldsBuiltOnce, UnitsMixin, serializers.ModelSerializer):
    """What the reporter (holder of the tracking code) sees: their report in full, minus staff data."""

    category = CategoryBriefSerializer()
    status_label = serializers.CharField(source="get_status_display")
    location = PointLocationField()
    public_location = PointLocationField(allow_null=True)  # null for sensitive categories
    history = serializers.SerializerMethodField()
    responses = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    duplicate_of = serializers.SerializerMethodField()
    contact_saved = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "tracking_code",
            "id",
            "status",
            "status_label",
            "category",
            "description",
            "location",
            "public_location",
            "locality",
            "upz",
            "occurred_at",
            "created_at",
            "updated_at",
            "channel",
            "support_count",
            "referred_to",
            "duplicate_of",
            "hidden",
            "first_response_at",
            "closed_at",
            "history",
            "responses",
            "photos",
            "contact_saved",
        ]

    @extend_schema_field(HistoryStepSerializer(many=True))
    def get_history(self, obj):
        return HistoryStepSerializer(obj.history.all(), many=True).data

    @extend_schema_field(PublicResponseSerializer(many=True))
    def get_responses(self, obj):
        return PublicResponseSerializer([r for r in obj.responses.all() if r.public], many=True).data

    def get_photos(self, obj) -> list[dict]:
        request = self.context.get("request")
        out = []
        for photo in obj.photos.all():
            url = photo.image.url
            out.append(
                {
                    "url": request.build_absolute_uri(url) if request else url,
                    "width": photo.width,
                    "height": photo.height,
                }
            )
        return out

    def get_duplicate_of(self, obj) -> int | None:
        # The original's public id (never its tracking code, which belongs to its own reporter).
        return obj.duplicate_of_id

    def get_contact_saved(self, obj) -> bool:
        return hasattr(obj, "contact")


_DATETIME = serializers.DateTimeField()
_POINT = PointLocationField()


def report_created_data(report: Report, request=None) -> dict:
    """ReportDetailSerializer(report).data for a report reports.services.report_create has just
    filed, built straight from the values the service carries: the same keys in the same order and
    the same values (tests/reports/test_ingest_path.py compares it with the tracking view), without
    DRF's per-field machinery, which cost the creation reply about a quarter of the request's Python
    time (bench/ingest_profile.py). Only for a new report: no responses yet, one history step."""
    category = report.category
    date = _DATETIME.to_representation
    photos = [
        {
            "url": request.build_absolute_uri(photo.image.url) if request else photo.image.url,
            "width": photo.width,
            "height": photo.height,
        }
        for photo in report.photos.all()
    ]
    return {
        "tracking_code": report.tracking_code,
        "id": report.pk,
        "status": report.status,
        "status_label": str(Status(report.status).label),  # get_status_display() without its dict
        "category": {
            "code": category.code,
            "name_es": category.name_es,
            "name_en": category.name_en,
            "group": category.group,
            "sensitive": category.sensitive,
        },
        "description": report.description,
        "location": _POINT.to_representation(report.location),
        "public_location": _POINT.to_representation(report.public_location),
        "locality": {"code": report.locality.code, "name": report.locality.name},
        "upz": {"code": report.upz.code, "name": report.upz.name} if report.upz_id else None,
        "occurred_at": date(report.occurred_at),
        "created_at": date(report.created_at),
        "updated_at": date(report.updated_at),
        "channel": report.channel,
        "support_count": report.support_count,
        "referred_to": report.referred_to,
        "duplicate_of": report.duplicate_of_id,
        "hidden": report.hidden,
        "first_response_at": date(report.first_response_at),
        "closed_at": date(report.closed_at),
        "history": [
            {
                "from_status": step.from_status,
                "to_status": step.to_status,
                "status_label": str(Status(step.to_status).label),
                "note": step.note,
                "at": date(step.created_at),
            }
            for step in report.history.all()
        ],
        "responses": [
            {"body": r.body, "created_at": date(r.created_at)} for r in report.responses.all() if r.public
        ],
        "photos": photos,
        "contact_saved": hasattr(report, "contact"),
    }


# --- public outputs ------------------------------------------------------------------------------------


class PublicReportSerializer(UnitsMixin, GeoFeatureModelSerializer):
    """A public GeoJSON Feature: generalised point (null for sensitive categories), no identity."""

    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name_es")
    group = serializers.CharField(source="category.group")
    sensitive = serializers.BooleanField(source="category.sensitive")
    status_label = serializers.CharField(source="get_status_display")
    description = serializers.SerializerMethodField()

    class Meta:
        model = Report
        geo_field = "public_location"
        id_field = "id"
        fields = [
            "id",
            "category",
            "category_name",
            "group",
            "sensitive",
            "status",
            "status_label",
            "description",
            "locality",
            "upz",
            "occurred_at",
            "created_at",
            "support_count",
            "first_response_at",
            "closed_at",
        ]

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        # Always the public point (reports.visibility), whatever is stored.
        if visibility.public_point_of(instance) is None:
            feature["geometry"] = None
        return feature

    def get_description(self, obj) -> str | None:
        # Sensitive reports may describe victims; their text is for the handling staff only.
        return visibility.public_description_of(obj)


class NearbyReportSerializer(PublicReportSerializer):
    distance_m = serializers.SerializerMethodField()

    class Meta(PublicReportSerializer.Meta):
        fields = [*PublicReportSerializer.Meta.fields, "distance_m"]

    def get_distance_m(self, obj) -> int:
        return round(obj.distance_m)


class NearbyQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(active=True),
        error_messages={"does_not_exist": "Categoría desconocida: «{value}». Consulte GET /api/categories/."},
    )
    radius = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        # Before any Point is built: finite, near Bogotá, not swapped (geo.spatial.check_lonlat).
        check_lonlat(attrs["lon"], attrs["lat"])
        return attrs


# --- supports ------------------------------------------------------------------------------------------


class SupportInputSerializer(serializers.Serializer):
    device_id = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SupportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    support_count = serializers.IntegerField()
    created = serializers.BooleanField()


# --- staff ---------------------------------------------------------------------------------------------


class StaffReportSerializer(UnitsMixin, GeoFeatureModelSerializer):
    """A report on the staff workbench: exact point when the role allows it (else the public one),
    contact only for the staff handling it, tracking code only for them too."""

    category = CategoryBriefSerializer()
    status_label = serializers.CharField(source="get_status_display")
    exact = serializers.SerializerMethodField()
    tracking_code = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    reporter_registered = serializers.SerializerMethodField()
    can_handle = serializers.SerializerMethodField()

    class Meta:
        model = Report
        # The exact point; to_representation swaps in the public one when the role may not see it.
        geo_field = "location"
        id_field = "id"
        fields = [
            "id",
            "tracking_code",
            "category",
            "status",
            "status_label",
            "description",
            "exact",
            "locality",
            "upz",
            "occurred_at",
            "created_at",
            "updated_at",
            "channel",
            "support_count",
            "referred_to",
            "duplicate_of",
            "hidden",
            "moderation_reason",
            "first_response_at",
            "closed_at",
            "reporter_registered",
            "contact",
            "can_handle",
        ]

    def _user(self):
        return self.context["request"].user

    def get_exact(self, obj) -> bool:
        return access.can_see_exact(self._user(), obj)

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        if not access.can_see_exact(self._user(), instance):
            point = visibility.visible_point_of(self._user(), instance)
            feature["geometry"] = self.fields["location"].to_representation(point) if point else None
        return feature

    def get_tracking_code(self, obj) -> str | None:
        return obj.tracking_code if access.can_handle(self._user(), obj) else None

    def get_contact(self, obj) -> dict | None:
        if not access.can_see_contact(self._user(), obj):
            return None
        contact = getattr(obj, "contact", None)
        if contact is None:
            return None
        return {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "consent_at": contact.consent_at,
        }

    def get_reporter_registered(self, obj) -> bool:
        return obj.reporter_id is not None

    def get_can_handle(self, obj) -> bool:
        return access.can_handle(self._user(), obj)


class StaffReportDetailSerializer(StaffReportSerializer):
    history = serializers.SerializerMethodField()
    responses = serializers.SerializerMethodField()

    class Meta(StaffReportSerializer.Meta):
        fields = [*StaffReportSerializer.Meta.fields, "history", "responses"]

    def get_history(self, obj) -> list[dict]:
        return [
            {
                "from_status": step.from_status,
                "to_status": step.to_status,
                "note": step.note,
                "actor": step.actor.get_username()
                if step.actor_id and access.is_staff_role(step.actor)
                else None,
                "at": step.created_at,
            }
            for step in obj.history.select_related("actor", "actor__staff").all()
        ]

    def get_responses(self, obj) -> list[dict]:
        return [
            {"id": r.id, "body": r.body, "public": r.public, "created_at": r.created_at}
            for r in obj.responses.all()
        ]


class TransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    # No default: '' is not one of the choices, so a default of '' made the OpenAPI schema invalid;
    # when absent, services.report_transition uses its own default.
    referred_to = serializers.ChoiceField(choices=Entity.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    duplicate_of = serializers.IntegerField(required=False, help_text="Id público del reporte original.")


class DuplicateInputSerializer(serializers.Serializer):
    duplicate_of = serializers.IntegerField(help_text="Id público del reporte original.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RespondInputSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    public = serializers.BooleanField(default=True)


class ResponseOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["id", "body", "public", "created_at"]


class HideInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    hidden = serializers.BooleanField(default=True)
