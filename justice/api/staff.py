"""Staff API of virtual justice requests: the receiving office (locality staff) and admins.

Scoped by locality through justice.access (roles from reports.access): a request of another locality
answers 404, as if it did not exist. Analysts and moderators have no access. Every read of a request's
decrypted content is recorded (justice.services.justice_request_open); the workflow is
justice.services.justice_request_transition, shared with the workbench pages (workbench/justice_views.py).
"""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.api.common import AUTHENTICATION

from .. import access
from ..models import AccessKind
from ..selectors import justice_request_for_staff
from ..serializers import (
    JusticeTransitionInputSerializer,
    StaffJusticeRequestListSerializer,
    StaffJusticeRequestSerializer,
)
from ..services import justice_request_open, justice_request_transition
from .directory import VALIDATION_ERROR

STAFF_TAG = "justicia (funcionarios)"


class IsReceivingStaff(BasePermission):
    """Locality staff and admins."""

    message = "Esta sección es solo para el personal de las oficinas que reciben solicitudes de justicia."

    def has_permission(self, request, view):
        return access.can_use_workbench(request.user)


class StaffBase(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsReceivingStaff]

    def get_request(self, pk: int):
        found = justice_request_for_staff(user=self.request.user, pk=pk)
        if found is None:
            raise Http404("No existe la solicitud o no pertenece a sus localidades.")
        return found


class StaffJusticeRequestListView(StaffBase):
    """Requests of the staff member's localities, newest first (all of them for an admin)."""

    @extend_schema(
        tags=[STAFF_TAG],
        summary="Solicitudes de justicia de mis localidades",
        responses={200: StaffJusticeRequestListSerializer(many=True)},
    )
    def get(self, request):
        requests = (
            access.requests_visible_to(request.user)
            .select_related("locality", "office")
            .defer("locality__geom")
            .order_by("-created_at")[:500]
        )
        return Response(StaffJusticeRequestListSerializer(requests, many=True).data)


class StaffJusticeRequestDetailView(StaffBase):
    """One request in full (decrypted narrative, parties and contact)."""

    @extend_schema(
        tags=[STAFF_TAG],
        summary="Una solicitud de justicia",
        responses={200: StaffJusticeRequestSerializer, 404: OpenApiResponse(OpenApiTypes.OBJECT)},
    )
    def get(self, request, pk: int):
        found = justice_request_open(request=self.get_request(pk), user=request.user, kind=AccessKind.API)
        return Response(StaffJusticeRequestSerializer(found).data)


class StaffJusticeRequestTransitionView(StaffBase):
    """Move a request along its workflow; the citizen is e-mailed."""

    @extend_schema(
        tags=[STAFF_TAG],
        summary="Cambiar el estado de una solicitud",
        request=JusticeTransitionInputSerializer,
        responses={
            200: StaffJusticeRequestSerializer,
            400: VALIDATION_ERROR,
            404: OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    def post(self, request, pk: int):
        found = self.get_request(pk)
        serializer = JusticeTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Django ValidationError / PermissionDenied of the service become 400 / 403 (geo.api.exception_handler).
        justice_request_transition(
            request=found,
            actor=request.user,
            to_status=data["status"],
            note=data.get("note", ""),
            appointment_at=data.get("appointment_at"),
            appointment_place=data.get("appointment_place", ""),
            appointment_link=data.get("appointment_link", ""),
            referred_to=data.get("referred_to", ""),
            office_id=data.get("office"),
        )
        found = justice_request_open(request=self.get_request(pk), user=request.user, kind=AccessKind.API)
        return Response(StaffJusticeRequestSerializer(found).data)


class StaffJusticeAttachmentView(StaffBase):
    """An attachment's bytes (re-encoded image), for the staff of the request's locality."""

    @extend_schema(
        tags=[STAFF_TAG],
        summary="Un adjunto de una solicitud",
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: OpenApiResponse(OpenApiTypes.OBJECT)},
    )
    def get(self, request, pk: int, attachment_id: int):
        found = self.get_request(pk)
        attachment = found.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404("No existe el adjunto.")
        justice_request_open(request=found, user=request.user, kind=AccessKind.ATTACHMENT)
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
        response["Cache-Control"] = "private, no-store"
        return response
