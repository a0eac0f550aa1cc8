"""Input and output serializers of the participation API. Outputs never name the author's account."""

from __future__ import annotations

import json

from rest_framework import serializers

from reports.models import Group

from . import selectors
from .models import Proposal, ProposalStatus, Where


def geometry_of(obj) -> dict | None:
    """GeoJSON geometry (EPSG:4326) of a proposal or commitment: its area, else its point, else None."""
    geom = obj.area or obj.point
    return json.loads(geom.geojson) if geom else None


class ProposalInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=140)
    body = serializers.CharField(max_length=4000)
    group = serializers.ChoiceField(choices=Group.choices)
    where = serializers.ChoiceField(choices=Where.choices)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    area = serializers.JSONField(required=False, allow_null=True, help_text="GeoJSON Polygon (EPSG:4326).")
    upz = serializers.CharField(required=False, allow_blank=True, max_length=8)
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=20
    )
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=40)


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


class ProposalSerializer(serializers.ModelSerializer):
    locality = serializers.CharField(source="locality.code")
    upz = serializers.SerializerMethodField()
    geometry = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = Proposal
        fields = [
            "id",
            "title",
            "body",
            "group",
            "where",
            "geometry",
            "locality",
            "upz",
            "author_name",
            "status",
            "status_label",
            "public_reason",
            "merged_into",
            "support_count",
            "evidence",
            "created_at",
        ]

    def get_upz(self, obj) -> list[str]:
        return [u.code for u in obj.upzs.all()]

    def get_geometry(self, obj) -> dict | None:
        return geometry_of(obj)

    def get_evidence(self, obj) -> list[int]:
        return sorted(obj.evidence.values_list("pk", flat=True))


class ProposalDetailSerializer(ProposalSerializer):
    history = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "history"]

    def get_history(self, obj) -> list[dict]:
        return HistorySerializer(selectors.proposal_public_history(obj), many=True).data


class ProposalListQuery(serializers.Serializer):
    locality = serializers.RegexField(r"^\d{2}$", required=False)
    status = serializers.ChoiceField(choices=ProposalStatus.choices, required=False)


class ProposalSupportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    support_count = serializers.IntegerField()
    created = serializers.BooleanField()


class ModerateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
    hidden = serializers.BooleanField(required=False, allow_null=True, default=None)
    title = serializers.CharField(required=False, max_length=140)
    body = serializers.CharField(required=False, max_length=4000)


class CommitmentCountsSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    on_track = serializers.IntegerField()
    overdue = serializers.IntegerField()
    dropped = serializers.IntegerField()


class ProposalCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    discussed = serializers.IntegerField()
    accepted = serializers.IntegerField()


class LocalityAccountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    commitments = CommitmentCountsSerializer()
    proposals = ProposalCountsSerializer()
    reports = serializers.IntegerField(allow_null=True)
    median_first_response_days = serializers.FloatField(allow_null=True)
    share_answered_in_time = serializers.FloatField(allow_null=True)
    response_rank = serializers.IntegerField(allow_null=True)


class CityTotalsSerializer(serializers.Serializer):
    commitments = CommitmentCountsSerializer()
    proposals = ProposalCountsSerializer()


class PeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class AccountabilitySerializer(serializers.Serializer):
    period = PeriodSerializer()
    min_count = serializers.IntegerField()
    city = CityTotalsSerializer()
    localities = LocalityAccountSerializer(many=True)
    compared_with = serializers.IntegerField()


class PulseInputSerializer(serializers.Serializer):
    upz = serializers.CharField(max_length=8)
    score = serializers.IntegerField(min_value=1, max_value=5)


class PulseQuery(serializers.Serializer):
    locality = serializers.RegexField(r"^\d{2}$", required=False)


class PulseRowSerializer(serializers.Serializer):
    upz = serializers.CharField()
    name = serializers.CharField()
    locality = serializers.CharField()
    answers = serializers.IntegerField()
    mean = serializers.FloatField()


class PulseOutputSerializer(serializers.Serializer):
    min_count = serializers.IntegerField()
    question = serializers.CharField()
    units = PulseRowSerializer(many=True)
