"""Staff workbench: scoped list and detail, workflow transitions, responses, duplicates, moderation.

Out-of-scope reports answer 404, never 403, so staff of one locality cannot learn others exist.
"""

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from .. import selectors, services
from ..filters import StaffReportFilter
from ..models import Report
from ..serializers import (
    DuplicateInputSerializer,
    HideInputSerializer,
    RespondInputSerializer,
    ResponseOutputSerializer,
    StaffReportDetailSerializer,
    StaffReportSerializer,
    TransitionInputSerializer,
)
from ..throttles import ThrottleMessageMixin

# Token first: an anonymous request to a protected endpoint gets 401 with WWW-Authenticate: Token.
from .common import AUTHENTICATION, BaseView, IsInstitutional, ReportPagination

# --- staff workbench --------------------------------------------------------------------------------------


class StaffReportListView(ThrottleMessageMixin, generics.ListAPIView):
    """Reports of the caller's scope: locality staff see their localities; analysts, moderators, admins all."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsInstitutional]
    serializer_class = StaffReportSerializer
    pagination_class = ReportPagination
    filterset_class = StaffReportFilter

    def get_queryset(self):
        return selectors.report_staff_list(user=self.request.user)

    @extend_schema(summary="Bandeja de reportes del funcionario (GeoJSON)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffReportMixin:
    authentication_classes = AUTHENTICATION
    permission_classes = [IsInstitutional]

    def get_report(self, pk) -> Report:
        # Out-of-scope reports are 404, not 403: staff of one locality must not learn others exist.
        report = selectors.report_staff_get(user=self.request.user, pk=pk)
        if report is None:
            raise Http404("No existe un reporte con ese id en su bandeja.")
        return report

    def detail(self, report):
        fresh = selectors.report_staff_get(user=self.request.user, pk=report.pk)
        return StaffReportDetailSerializer(fresh, context={"request": self.request}).data


class StaffReportDetailView(StaffReportMixin, BaseView):
    @extend_schema(summary="Detalle de un reporte para el funcionario", responses=StaffReportDetailSerializer)
    def get(self, request, pk):
        return Response(self.detail(self.get_report(pk)))


class StaffTransitionView(StaffReportMixin, BaseView):
    @extend_schema(
        summary="Cambiar el estado de un reporte",
        description=(
            "Transiciones permitidas: received → in_review → referred (referred_to) → in_progress → resolved; "
            "closed_no_action, rejected (reason) o duplicate (duplicate_of) desde estados abiertos; un cerrado "
            "solo se reabre a in_review con una nota. Solo el personal de la localidad del reporte (o admin)."
        ),
        request=TransitionInputSerializer,
        responses=StaffReportDetailSerializer,
        examples=[
            OpenApiExample(
                "Remitir", value={"to_status": "referred", "referred_to": "policia", "note": "CAI"}
            )
        ],
    )
    def post(self, request, pk):
        report = self.get_report(pk)
        payload = TransitionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        duplicate_pk = values.pop("duplicate_of", None)
        duplicate_of = Report.objects.filter(pk=duplicate_pk).first() if duplicate_pk else None
        if duplicate_pk and duplicate_of is None:
            raise serializers.ValidationError({"duplicate_of": ["No existe un reporte con ese id."]})
        report = services.report_transition(
            report=report, actor=request.user, duplicate_of=duplicate_of, **values
        )
        return Response(self.detail(report))


class StaffDuplicateView(StaffReportMixin, BaseView):
    @extend_schema(
        summary="Marcar como duplicado de otro reporte",
        request=DuplicateInputSerializer,
        responses=StaffReportDetailSerializer,
    )
    def post(self, request, pk):
        report = self.get_report(pk)
        payload = DuplicateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        original = Report.objects.filter(pk=payload.validated_data["duplicate_of"]).first()
        if original is None:
            raise serializers.ValidationError({"duplicate_of": ["No existe un reporte con ese id."]})
        report = services.report_transition(
            report=report,
            actor=request.user,
            to_status="duplicate",
            duplicate_of=original,
            note=payload.validated_data["note"],
        )
        return Response(self.detail(report))


class StaffRespondView(StaffReportMixin, BaseView):
    @extend_schema(
        summary="Responder un reporte (pública o nota interna)",
        request=RespondInputSerializer,
        responses={201: ResponseOutputSerializer},
    )
    def post(self, request, pk):
        report = self.get_report(pk)
        payload = RespondInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        response = services.report_respond(report=report, author=request.user, **payload.validated_data)
        return Response(ResponseOutputSerializer(response).data, status=status.HTTP_201_CREATED)


class StaffHideView(StaffReportMixin, BaseView):
    @extend_schema(
        summary="Ocultar (o volver a mostrar) un reporte",
        description="Moderadores y admin en todo Bogotá; personal de localidad en sus localidades. Motivo obligatorio.",
        request=HideInputSerializer,
        responses=inline_serializer(
            "HideResult", {"id": serializers.IntegerField(), "hidden": serializers.BooleanField()}
        ),
    )
    def post(self, request, pk):
        report = self.get_report(pk)
        payload = HideInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = services.report_hide(report=report, actor=request.user, **payload.validated_data)
        return Response({"id": report.pk, "hidden": report.hidden})
