"""Thin DRF views of the planning loop: input serializer → service/selector → output serializer.

Public: proposals (list/detail), accountability figures and exports, pulse aggregates, session
calendar files. Signed-in citizens: propose, support, withdraw. Moderation: locality staff of the
proposal's locality, moderators and admins. Every view states its permission.
"""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from maps.api.exports import ExportAnonThrottle
from reports.api.common import BaseView
from reports.throttles import SupportThrottle
from reports.visibility import public_min_count

from . import selectors, services
from .serializers import (
    AccountabilitySerializer,
    ModerateInputSerializer,
    ProposalDetailSerializer,
    ProposalInputSerializer,
    ProposalListQuery,
    ProposalSerializer,
    ProposalSupportOutputSerializer,
    PulseInputSerializer,
    PulseOutputSerializer,
    PulseQuery,
)

PULSE_QUESTION = gettext_lazy("¿Qué tan seguro se siente en esta zona?")
MAX_LIST = 500


class PulseThrottle(SimpleRateThrottle):
    """Pulse answers per client IP (scope `pulse`): anonymous, so the connection is all there is."""

    scope = "pulse"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ProposalCreateThrottle(SimpleRateThrottle):
    """New proposals per account (scope `proposal_create`)."""

    scope = "proposal_create"

    def get_cache_key(self, request, view):
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}


class ProposalListCreateView(BaseView):
    throttle_classes = [ProposalCreateThrottle]

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        summary="Propuestas ciudadanas (las más apoyadas primero)",
        parameters=[ProposalListQuery],
        responses={200: ProposalSerializer(many=True)},
    )
    def get(self, request):
        query = ProposalListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.proposal_public_list(
            locality_code=query.validated_data.get("locality"), status=query.validated_data.get("status")
        )[:MAX_LIST]
        return Response(ProposalSerializer(rows, many=True).data)

    @extend_schema(
        summary="Proponer un tema al consejo local de seguridad",
        description=(
            "Con sesión iniciada. Dónde: un punto (lon, lat), un área (GeoJSON Polygon, máx. 10 km²) o una UPZ. "
            "La localidad y las UPZ las calcula el servidor. El autor se publica solo con iniciales o el nombre "
            "que elija (display_name)."
        ),
        request=ProposalInputSerializer,
        responses={201: ProposalDetailSerializer},
    )
    def post(self, request):
        payload = ProposalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        proposal = services.proposal_create(
            author=request.user,
            title=data["title"],
            body=data["body"],
            group=data["group"],
            where=data["where"],
            lon=data.get("lon"),
            lat=data.get("lat"),
            area=data.get("area"),
            upz_code=data.get("upz"),
            evidence_ids=data.get("evidence", []),
            display_name=data.get("display_name", ""),
        )
        return Response(ProposalDetailSerializer(proposal).data, status=status.HTTP_201_CREATED)


def _proposal(pk: int):
    proposal = selectors.proposal_public_get(pk=pk)
    if proposal is None:
        raise Http404(_("No existe una propuesta pública con ese id."))
    return proposal


class ProposalDetailView(BaseView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Una propuesta y su historia", responses={200: ProposalDetailSerializer})
    def get(self, request, pk):
        return Response(ProposalDetailSerializer(_proposal(pk)).data)


class ProposalSupportView(BaseView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [SupportThrottle]

    @extend_schema(
        summary="Apoyar una propuesta (una vez por persona)",
        request=None,
        responses={201: ProposalSupportOutputSerializer, 200: ProposalSupportOutputSerializer},
    )
    def post(self, request, pk):
        proposal = _proposal(pk)
        _support, created = services.proposal_support(proposal=proposal, user=request.user)
        body = {"id": proposal.pk, "support_count": proposal.support_count, "created": created}
        return Response(ProposalSupportOutputSerializer(body).data, status=201 if created else 200)


class ProposalWithdrawView(BaseView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Retirar mi propuesta", request=None, responses={200: ProposalDetailSerializer})
    def post(self, request, pk):
        proposal = _proposal(pk)
        if proposal.author_id != request.user.pk:
            raise PermissionDenied(_("Solo quien la propuso puede retirarla."))
        proposal = services.proposal_withdraw(proposal=proposal, user=request.user)
        return Response(ProposalDetailSerializer(proposal).data)


class ProposalModerateView(BaseView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Moderar una propuesta: ocultar con motivo o editar datos personales",
        request=ModerateInputSerializer,
        responses={200: OpenApiResponse(description="Moderada")},
    )
    def post(self, request, pk):
        from .models import Proposal

        proposal = Proposal.objects.select_related("locality").filter(pk=pk).first()
        if proposal is None or not services.can_moderate_proposal(request.user, proposal):
            raise Http404(_("No existe una propuesta que usted pueda moderar con ese id."))
        payload = ModerateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.proposal_moderate(
            proposal=proposal,
            actor=request.user,
            reason=data["reason"],
            hidden=data.get("hidden"),
            title=data.get("title"),
            body=data.get("body"),
        )
        return Response({"id": proposal.pk, "hidden": proposal.hidden})


class AccountabilityView(BaseView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Rendición de cuentas: compromisos, propuestas y tiempos de respuesta por localidad",
        description=(
            "Las 20 localidades (o una con /<code>/). Compromisos cumplidos, en curso, vencidos y abandonados; "
            "propuestas recibidas, discutidas y aceptadas; mediana de días hasta la primera respuesta y proporción "
            "de reportes respondidos dentro de los días de su categoría (reportes públicos del último año; por "
            "debajo de k, nulos), con el puesto de la localidad entre las comparables."
        ),
        responses={200: AccountabilitySerializer},
    )
    def get(self, request, code=None):
        if code is not None and not selectors.locality_exists(code):
            raise Http404(_("Localidad desconocida."))
        return Response(AccountabilitySerializer(selectors.accountability(locality_code=code)).data)


class AccountabilityLocalityView(AccountabilityView):
    """The same figures for one locality (its own operation in the schema)."""

    @extend_schema(
        operation_id="api_accountability_locality_retrieve",
        summary="Rendición de cuentas de una localidad",
        responses={200: AccountabilitySerializer},
    )
    def get(self, request, code=None):
        return super().get(request, code=code)


EXPORT_COLUMNS = [
    "id",
    "locality",
    "locality_name",
    "text",
    "responsible",
    "due_date",
    "status",
    "progress",
    "drop_reason",
    "session",
    "session_date",
    "proposals",
]


class CommitmentExportView(BaseView):
    permission_classes = [AllowAny]
    throttle_classes = [ExportAnonThrottle]

    @extend_schema(
        summary="Compromisos de los consejos locales en GeoJSON o CSV",
        parameters=[
            OpenApiParameter("locality", OpenApiTypes.STR, description="Código de localidad (01–20)")
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, fmt):
        code = request.query_params.get("locality") or None
        if code is not None and not selectors.locality_exists(code):
            raise Http404(_("Localidad desconocida."))
        rows = selectors.commitment_rows(locality_code=code)
        if fmt == "geojson":
            features = [
                {
                    "type": "Feature",
                    "id": r["id"],
                    "geometry": r["geometry"],
                    "properties": {k: r[k] for k in EXPORT_COLUMNS},
                }
                for r in rows
            ]
            body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
            response = HttpResponse(body, content_type="application/geo+json")
        else:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(EXPORT_COLUMNS)
            for r in rows:
                writer.writerow(
                    [" ".join(map(str, r[k])) if isinstance(r[k], list) else r[k] for k in EXPORT_COLUMNS]
                )
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="compromisos.{fmt}"'
        return response


class AccountabilityCsvView(BaseView):
    permission_classes = [AllowAny]
    throttle_classes = [ExportAnonThrottle]

    @extend_schema(
        summary="Cifras de rendición de cuentas por localidad en CSV",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request):
        data = selectors.accountability()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "code",
                "name",
                "commitments_done",
                "commitments_on_track",
                "commitments_overdue",
                "commitments_dropped",
                "proposals_received",
                "proposals_discussed",
                "proposals_accepted",
                "reports",
                "median_first_response_days",
                "share_answered_in_time",
                "response_rank",
            ]
        )
        for r in data["localities"]:
            c, p = r["commitments"], r["proposals"]
            writer.writerow(
                [
                    r["code"],
                    r["name"],
                    c["done"],
                    c["on_track"],
                    c["overdue"],
                    c["dropped"],
                    p["received"],
                    p["discussed"],
                    p["accepted"],
                    r["reports"],
                    r["median_first_response_days"],
                    r["share_answered_in_time"],
                    r["response_rank"],
                ]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="rendicion-de-cuentas.csv"'
        return response


class PulseView(BaseView):
    permission_classes = [AllowAny]
    throttle_classes = [PulseThrottle]

    @extend_schema(
        summary="Pulso de percepción por UPZ (¿qué tan seguro se siente?, 1–5)",
        description="Promedio de los últimos 180 días; las UPZ con menos de k respuestas no aparecen.",
        parameters=[PulseQuery],
        responses={200: PulseOutputSerializer},
    )
    def get(self, request):
        query = PulseQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        units = selectors.pulse_by_upz(locality_code=query.validated_data.get("locality"))
        body = {"min_count": public_min_count(), "question": PULSE_QUESTION, "units": units}
        return Response(PulseOutputSerializer(body).data)

    @extend_schema(
        summary="Responder el pulso de percepción (anónimo)",
        description="No se guarda cuenta, IP ni dispositivo; el número de respuestas por conexión es limitado.",
        request=PulseInputSerializer,
        responses={201: OpenApiResponse(description="Respuesta registrada")},
    )
    def post(self, request):
        payload = PulseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.pulse_record(upz_code=payload.validated_data["upz"], score=payload.validated_data["score"])
        return Response({"detail": _("Gracias: su respuesta quedó registrada.")}, status=201)


class PulseMapView(BaseView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="pulse_map",
        summary="Pulso de percepción por UPZ como GeoJSON (polígonos simplificados)",
        description=(
            "Cada UPZ vigente (de la ciudad o de una localidad) con su promedio de los últimos 180 días; "
            "mean es nulo y suppressed verdadero cuando tiene menos de k respuestas (sin datos suficientes). "
            "meta.date_from y meta.date_to sirven para pedir el mapa de calor del mismo periodo."
        ),
        parameters=[PulseQuery],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = PulseQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = selectors.pulse_map(locality_code=query.validated_data.get("locality"))
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")


class SessionCalendarView(BaseView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Invitación iCalendar (.ics) de una sesión pública",
        responses={(200, "text/calendar"): OpenApiTypes.STR},
    )
    def get(self, request, pk):
        session = selectors.session_public_get(pk=pk)
        if session is None:
            raise Http404(_("No existe una sesión pública con ese id."))
        response = HttpResponse(services.session_ical(session), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sesion-{session.pk}.ics"'
        return response
