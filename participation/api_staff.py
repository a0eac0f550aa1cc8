"""Staff API of the local security councils (/api/staff/sessions/…, /api/staff/commitments/…).

Thin views: input serializer → participation.services / selectors → output serializer.

Who: locality staff read and manage their localities' sessions and commitments (another locality's
answer 404, so they cannot learn what exists there); analysts of the Secretaría read every locality
and cannot write (403); admins do everything; moderators, citizens (403) and anonymous callers (401)
nothing. A service's Django ValidationError is a 400 with field-level Spanish messages
(geo.api.exception_handler).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from geo.parsers import FormParser, JSONParser, MultiPartParser
from reports import access
from reports.api.common import BaseView

from . import selectors, services
from .models import Proposal
from .staff_serializers import (
    AgendaItemSerializer,
    AgendaProposalInputSerializer,
    CommitmentInputSerializer,
    CommitmentUpdateSerializer,
    MinutesInputSerializer,
    ProgressInputSerializer,
    SessionInputSerializer,
    SessionUpdateSerializer,
    StaffCommitmentSerializer,
    StaffListQuery,
    StaffSessionSerializer,
)

MAX_LIST = 500


class CouncilStaff(BasePermission):
    """Reads: locality staff, analysts, admins. Writes: locality staff and admins (scope checked per
    object: the row lookup gives 404 outside the caller's localities, the service re-checks)."""

    message = (
        "Esta sección es solo para el personal de las alcaldías locales y las analistas de la Secretaría."
    )

    def has_permission(self, request, view):
        if not services.can_read_councils(request.user):
            return False
        if request.method in SAFE_METHODS:
            return True
        if access.role_of(request.user) == access.ANALYST:
            self.message = (
                "Las analistas consultan los consejos de todas las localidades, pero no los modifican."
            )
            return False
        return True


class CouncilView(BaseView):
    permission_classes = [CouncilStaff]

    def get_session(self, pk):
        session = selectors.session_staff_get(user=self.request.user, pk=pk)
        if session is None:
            raise Http404("No existe una sesión de su localidad con ese id.")
        return session

    def get_commitment(self, pk):
        commitment = selectors.commitment_staff_get(user=self.request.user, pk=pk)
        if commitment is None:
            raise Http404("No existe un compromiso de su localidad con ese id.")
        return commitment

    def session_body(self, pk):
        return StaffSessionSerializer(selectors.session_staff_get(user=self.request.user, pk=pk)).data

    def commitment_body(self, pk):
        return StaffCommitmentSerializer(selectors.commitment_staff_get(user=self.request.user, pk=pk)).data


class StaffSessionListView(CouncilView):
    @extend_schema(
        summary="Sesiones del consejo local (personal: sus localidades; analistas: todas)",
        parameters=[StaffListQuery],
        responses={200: StaffSessionSerializer(many=True)},
    )
    def get(self, request):
        query = StaffListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.sessions_visible_to(user=request.user).prefetch_related(
            "agenda", "attachments", "commitments"
        )
        if query.validated_data.get("locality"):
            rows = rows.filter(locality__code=query.validated_data["locality"])
        return Response(StaffSessionSerializer(rows[:MAX_LIST], many=True).data)

    @extend_schema(
        summary="Programar una sesión del consejo local",
        description=(
            "Fecha y hora, lugar (nombre y punto lon/lat opcional) o enlace virtual, pública o reservada, cupo, "
            "y los días de cifras que se guardarán en la agenda. Solo el personal de esa localidad (o admin)."
        ),
        request=SessionInputSerializer,
        responses={201: StaffSessionSerializer},
    )
    def post(self, request):
        payload = SessionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        session = services.session_create(
            actor=request.user,
            locality_code=data["locality"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            place_name=data.get("place_name", ""),
            lon=data.get("lon"),
            lat=data.get("lat"),
            virtual_url=data.get("virtual_url", ""),
            public=data["public"],
            capacity=data["capacity"],
            period_days=data["period_days"],
        )
        return Response(self.session_body(session.pk), status=status.HTTP_201_CREATED)


class StaffSessionDetailView(CouncilView):
    @extend_schema(
        summary="Una sesión: agenda, acta, adjuntos, compromisos", responses=StaffSessionSerializer
    )
    def get(self, request, pk):
        return Response(StaffSessionSerializer(self.get_session(pk)).data)

    @extend_schema(
        summary="Cambiar fecha, lugar, visibilidad o cupo de una sesión (antes del acta)",
        request=SessionUpdateSerializer,
        responses=StaffSessionSerializer,
    )
    def patch(self, request, pk):
        session = self.get_session(pk)
        payload = SessionUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # Only the keys the caller sent: a PATCH leaves the others as they are.
        changes = {k: v for k, v in payload.validated_data.items() if k in request.data}
        services.session_update(session=session, actor=request.user, **changes)
        return Response(self.session_body(pk))


class StaffAgendaProposalView(CouncilView):
    @extend_schema(
        summary="Poner una propuesta abierta de la localidad en la agenda",
        description="La propuesta queda «en la agenda de una sesión» y su contenido se guarda tal como está hoy.",
        request=AgendaProposalInputSerializer,
        responses={201: AgendaItemSerializer},
    )
    def post(self, request, pk):
        session = self.get_session(pk)
        payload = AgendaProposalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = (
            Proposal.objects.select_related("locality").filter(pk=payload.validated_data["proposal"]).first()
        )
        if proposal is None:
            raise ValidationError({"proposal": ["No existe una propuesta con ese número."]})
        item = services.agenda_add_proposal(session=session, proposal=proposal, actor=request.user)
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)


class StaffAgendaFiguresView(CouncilView):
    @extend_schema(
        summary="Guardar en la agenda las cifras y puntos críticos de la localidad para el periodo",
        description=(
            "Foto fija de las cifras públicas y los puntos críticos del periodo de la sesión: la agenda sigue "
            "mostrando lo que había sobre la mesa ese día. Repetirlo reemplaza la foto anterior."
        ),
        request=None,
        responses={201: AgendaItemSerializer(many=True)},
    )
    def post(self, request, pk):
        session = self.get_session(pk)
        items = services.agenda_add_figures(session=session, actor=request.user)
        return Response(AgendaItemSerializer(items, many=True).data, status=status.HTTP_201_CREATED)


class StaffMinutesView(CouncilView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Publicar el acta: texto, asistentes, resultado de cada punto y fotos",
        description=(
            "Una sola vez por sesión. Cada punto de la agenda necesita un resultado (discussed, accepted, declined); "
            "una propuesta no aceptada necesita una nota pública. En multipart, `outcomes` va como texto JSON y "
            "`attachments` como archivos (se re-codifican sin metadatos)."
        ),
        request={"application/json": MinutesInputSerializer, "multipart/form-data": MinutesInputSerializer},
        responses=StaffSessionSerializer,
    )
    def post(self, request, pk):
        session = self.get_session(pk)
        payload = MinutesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.session_minutes(
            session=session,
            actor=request.user,
            minutes=data["minutes"],
            attendance=data["attendance"],
            outcomes=data["outcomes"],
            attachments=data.get("attachments", []),
        )
        return Response(self.session_body(pk))


class StaffCommitmentCreateView(CouncilView):
    @extend_schema(
        summary="Registrar un compromiso de la sesión",
        description=(
            "Texto, entidad responsable, fecha límite, lugar opcional (un punto lon/lat o un área GeoJSON, no ambos, "
            "dentro de la localidad), las propuestas de la agenda que responde (quedan aceptadas) y reportes públicos."
        ),
        request=CommitmentInputSerializer,
        responses={201: StaffCommitmentSerializer},
    )
    def post(self, request, pk):
        session = self.get_session(pk)
        payload = CommitmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        commitment = services.commitment_create(
            session=session,
            actor=request.user,
            text=data["text"],
            responsible=data["responsible"],
            due_date=data["due_date"],
            proposal_ids=data["proposals"],
            report_ids=data["reports"],
            area=data.get("area"),
            lon=data.get("lon"),
            lat=data.get("lat"),
        )
        return Response(self.commitment_body(commitment.pk), status=status.HTTP_201_CREATED)


class StaffCommitmentListView(CouncilView):
    @extend_schema(
        summary="Compromisos de los consejos (personal: sus localidades; analistas: todas)",
        parameters=[StaffListQuery],
        responses={200: StaffCommitmentSerializer(many=True)},
    )
    def get(self, request):
        query = StaffListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.commitments_visible_to(user=request.user).prefetch_related("updates")
        if query.validated_data.get("locality"):
            rows = rows.filter(locality__code=query.validated_data["locality"])
        return Response(StaffCommitmentSerializer(rows.order_by("due_date", "id")[:MAX_LIST], many=True).data)


class StaffCommitmentDetailView(CouncilView):
    @extend_schema(summary="Un compromiso y sus avances", responses=StaffCommitmentSerializer)
    def get(self, request, pk):
        return Response(StaffCommitmentSerializer(self.get_commitment(pk)).data)


class StaffCommitmentProgressView(CouncilView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Registrar un avance (porcentaje, nota, foto) o cerrar el compromiso",
        description=(
            "100 % o status=done lo da por cumplido; status=dropped lo abandona con un motivo público (reason). "
            "Un compromiso cerrado no recibe más avances. La foto se re-codifica sin metadatos."
        ),
        request={"application/json": ProgressInputSerializer, "multipart/form-data": ProgressInputSerializer},
        responses={201: CommitmentUpdateSerializer},
    )
    def post(self, request, pk):
        commitment = self.get_commitment(pk)
        payload = ProgressInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        update = services.commitment_progress(
            commitment=commitment,
            actor=request.user,
            percent=data["percent"],
            note=data["note"],
            photo=data.get("photo"),
            status=data["status"],
            reason=data["reason"],
        )
        return Response(CommitmentUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
