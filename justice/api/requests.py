"""Citizen endpoints of virtual justice requests: create one, follow it with its tracking code.

Requests are private: there is no list, no public id and no map, export or statistic of them. The
tracking view shows status and appointment only.
"""

from django.conf import settings
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from geo.spatial import make_point
from localities.models import Locality
from localities.selectors import locate_point
from reports.api.common import AUTHENTICATION
from reports.throttles import ThrottleMessageMixin, TrackThrottle

from ..selectors import justice_request_by_code
from ..serializers import JusticeRequestInputSerializer, JusticeRequestTrackSerializer
from ..services import justice_request_create
from .directory import TAG, VALIDATION_ERROR


class JusticeRequestThrottle(SimpleRateThrottle):
    """Request creation per account or client IP; rate settings.THROTTLE_JUSTICE_REQUEST (10/hour)."""

    scope = "justice_request"

    def get_rate(self):
        return getattr(settings, "THROTTLE_JUSTICE_REQUEST", "10/hour")

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        ident = f"user-{request.user.pk}" if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _locality(data: dict):
    """(Locality of the active version, point or None) from lat/lon (range-checked already) or the code."""
    if "lat" in data:
        point = make_point(data["lon"], data["lat"])
        location = locate_point(point)
        if location is None:
            raise ValidationError({"lat": "El punto está fuera de Bogotá: indique su localidad (01 a 20)."})
        return location.locality, point
    locality = Locality.objects.current().filter(code=data["locality"]).defer("geom").first()
    if locality is None:
        raise ValidationError({"locality": f"No existe la localidad «{data['locality']}»."})
    return locality, None


class JusticeRequestCreateView(ThrottleMessageMixin, APIView):
    """Start a request for orientation or attention; it goes to the competent office of the locality."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [JusticeRequestThrottle]

    @extend_schema(
        tags=[TAG],
        summary="Iniciar una solicitud de justicia virtual",
        description=(
            "Orientación jurídica, conciliación, querella ante inspección o medida de protección ante "
            "comisaría. Se asigna a la oficina competente de la localidad y responde con el código de "
            "seguimiento (guárdelo: es la única forma de consultarla). El relato, las partes y el contacto "
            "se guardan cifrados y nunca se publican. Si su vida corre peligro, llame al 123."
        ),
        request={
            "application/json": JusticeRequestInputSerializer,
            "multipart/form-data": JusticeRequestInputSerializer,
        },
        responses={
            201: JusticeRequestTrackSerializer,
            400: VALIDATION_ERROR,
            429: OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    def post(self, request):
        data = request.data
        if hasattr(data, "getlist"):  # multipart or form: attachments are a list of files
            data = {key: request.data.get(key) for key in request.data if key != "attachments"}
            data["attachments"] = request.FILES.getlist("attachments")
        serializer = JusticeRequestInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        valid = serializer.validated_data
        locality, point = _locality(valid)
        # A Django ValidationError of the service becomes a 400 in geo.api.exception_handler.
        created = justice_request_create(
            attention=valid["attention"],
            situation=valid.get("situation", ""),
            narrative=valid["narrative"],
            parties=valid.get("parties", ""),
            contact_name=valid.get("contact_name", ""),
            contact_email=valid.get("contact_email", ""),
            contact_phone=valid.get("contact_phone", ""),
            preferred_channel=valid["preferred_channel"],
            preferred_times=valid.get("preferred_times", ""),
            consent=valid["consent"],
            locality=locality,
            point=point,
            requester=request.user,
            attachments=valid.get("attachments", []),
        )
        return Response(JusticeRequestTrackSerializer(created).data, status=status.HTTP_201_CREATED)


class JusticeRequestTrackView(ThrottleMessageMixin, APIView):
    """The status of a request, for the holder of its tracking code (lookups throttled: the code is a
    bearer secret, so guessing it must be slow)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [TrackThrottle]

    @extend_schema(
        tags=[TAG],
        summary="Seguimiento de una solicitud de justicia virtual",
        responses={
            200: JusticeRequestTrackSerializer,
            404: OpenApiResponse(OpenApiTypes.OBJECT),
            429: OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    def get(self, request, tracking_code: str):
        found = justice_request_by_code(code=tracking_code)
        if found is None:
            raise Http404("No hay ninguna solicitud con ese código. Revise que lo haya copiado completo.")
        return Response(JusticeRequestTrackSerializer(found).data)
