"""Serializers of the staff API of the councils (participation.api_staff): sessions, agenda, minutes,
commitments and progress. Inputs check shape and ranges; the services check the rules (who, which
locality, which transition) and raise field-level Spanish errors.

Outputs carry no personal data: registrations are a count, progress updates no actor.
"""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo.inputs import check_date_bounds
from reports.models import Entity

from . import selectors
from .models import AgendaItem, Commitment, CommitmentStatus, CommitmentUpdate, CouncilSession, Outcome
from .serializers import geometry_of


def _in_bounds(value):
    from django.core.exceptions import ValidationError

    try:
        return check_date_bounds(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class _SessionFields(serializers.Serializer):
    title = serializers.CharField(max_length=140)
    starts_at = serializers.DateTimeField(validators=[_in_bounds])
    ends_at = serializers.DateTimeField(required=False, allow_null=True, validators=[_in_bounds])
    place_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lon = serializers.FloatField(required=False, allow_null=True, help_text="Longitud del lugar (EPSG:4326).")
    lat = serializers.FloatField(required=False, allow_null=True, help_text="Latitud del lugar (EPSG:4326).")
    virtual_url = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Enlace https:// de la sesión virtual."
    )
    public = serializers.BooleanField(required=False, default=True)
    capacity = serializers.IntegerField(required=False, min_value=1, max_value=5000, default=50)


class SessionInputSerializer(_SessionFields):
    locality = serializers.RegexField(
        r"^\d{2}$", error_messages={"invalid": "Escriba el código de dos cifras de la localidad (01–20)."}
    )
    period_days = serializers.IntegerField(
        required=False,
        min_value=7,
        max_value=730,
        default=90,
        help_text="Días, hasta hoy, de las cifras y puntos críticos que se guardan en la agenda.",
    )


class SessionUpdateSerializer(_SessionFields):
    """Every field optional (PATCH): what is not sent keeps its value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class AgendaProposalInputSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(min_value=1, help_text="Id de una propuesta abierta de la localidad.")


class OutcomeInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, help_text="Id del punto de la agenda.")
    outcome = serializers.ChoiceField(choices=[c for c in Outcome.choices if c[0] != Outcome.PENDING])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


@extend_schema_field(OutcomeInputSerializer(many=True))
class OutcomesField(serializers.Field):
    """The outcome of every agenda item: a JSON list, or the same list as text in a multipart form."""

    default_error_messages = {
        "invalid": "Envíe los resultados como una lista de objetos con item, outcome y note.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list) or len(data) > 200:
            self.fail("invalid")
        rows = OutcomeInputSerializer(data=data, many=True)
        if not rows.is_valid():
            raise serializers.ValidationError(rows.errors)
        return {row["item"]: (row["outcome"], row.get("note", "")) for row in rows.validated_data}

    def to_representation(self, value):
        return value


class MinutesInputSerializer(serializers.Serializer):
    minutes = serializers.CharField(max_length=20000)
    attendance = serializers.IntegerField(min_value=0, max_value=100000)
    outcomes = OutcomesField()
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=10, help_text="Fotos del acta (multipart)."
    )


class CommitmentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    responsible = serializers.ChoiceField(choices=Entity.choices)
    due_date = serializers.DateField(validators=[_in_bounds])
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50, default=list
    )
    reports = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=20, default=list
    )
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    area = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="GeoJSON Polygon (EPSG:4326), máx. 10 km², en la localidad.",
    )


class ProgressInputSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(max_length=4000)
    photo = serializers.FileField(required=False, allow_null=True, help_text="Foto de evidencia (multipart).")
    status = serializers.ChoiceField(
        choices=[CommitmentStatus.ON_TRACK, CommitmentStatus.DONE, CommitmentStatus.DROPPED],
        required=False,
        allow_blank=True,
        default="",
        help_text="done cierra el compromiso; dropped lo abandona con un motivo público (reason).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# --- outputs -------------------------------------------------------------------------------------------
class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "order", "kind", "proposal", "snapshot", "outcome", "outcome_note"]


class SessionAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(source="image.url")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class StaffSessionSerializer(serializers.ModelSerializer):
    locality = serializers.CharField(source="locality.code")
    locality_name = serializers.CharField(source="locality.name")
    place = serializers.SerializerMethodField()
    registrations = serializers.SerializerMethodField()
    agenda = AgendaItemSerializer(many=True, read_only=True)
    attachments = SessionAttachmentSerializer(many=True, read_only=True)
    commitments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CouncilSession
        fields = [
            "id",
            "locality",
            "locality_name",
            "title",
            "starts_at",
            "ends_at",
            "place_name",
            "place",
            "virtual_url",
            "public",
            "capacity",
            "registrations",
            "period_from",
            "period_to",
            "agenda",
            "minutes",
            "minutes_published_at",
            "attendance",
            "attachments",
            "commitments",
        ]

    def get_place(self, obj) -> dict | None:
        return json.loads(obj.place_point.geojson) if obj.place_point else None

    def get_registrations(self, obj) -> int:
        return obj.registrations.count()


class CommitmentUpdateSerializer(serializers.ModelSerializer):
    photo = serializers.SerializerMethodField()

    class Meta:
        model = CommitmentUpdate
        fields = ["id", "percent", "note", "photo", "created_at"]

    def get_photo(self, obj) -> str | None:
        return obj.photo.url if obj.photo else None


class StaffCommitmentSerializer(serializers.ModelSerializer):
    locality = serializers.CharField(source="locality.code")
    status = serializers.SerializerMethodField(help_text="on_track, overdue (derivado), done o dropped.")
    geometry = serializers.SerializerMethodField()
    proposals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    reports = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    updates = CommitmentUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "session",
            "locality",
            "text",
            "responsible",
            "due_date",
            "status",
            "progress",
            "drop_reason",
            "geometry",
            "proposals",
            "reports",
            "updates",
            "created_at",
            "done_at",
        ]

    def get_status(self, obj) -> str:
        return selectors.commitment_status(obj)

    def get_geometry(self, obj) -> dict | None:
        return geometry_of(obj)


class StaffListQuery(serializers.Serializer):
    locality = serializers.RegexField(r"^\d{2}$", required=False)
