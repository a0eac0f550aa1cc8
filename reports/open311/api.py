"""Open311 GeoReport v2 endpoints (thin views): discovery, services, service definitions, requests.

Reads are public (AllowAny) and go through `selectors.py`; POST requests needs the `api_key` of an
active Open311Client (issued with `manage.py issue_open311_key`). Every answer exists as .json and
.xml; errors follow the spec: a list of {code, description} (<errors><error>…).
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import schema, selectors, serializers
from .renderers import Open311JSONRenderer, Open311XMLRenderer, SuffixNegotiation, open311_exception_handler
from .schema import ERRORS
from .services import open311_client_for_key, open311_request_create

TAG = ["Open311 GeoReport v2"]


def _body(request) -> dict:
    """The parsed body as a mapping ({} when a JSON body is a list or a scalar)."""
    return request.data if hasattr(request.data, "get") else {}


class HasOpen311ApiKey(permissions.BasePermission):
    """Reads for everyone; writes only with the `api_key` of an active Open311Client (else 403)."""

    message = (
        "api_key ausente, inválida o revocada. Envíe el parámetro api_key con la clave que le entregó "
        "el administrador de la plataforma."
    )

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or not hasattr(view, request.method.lower()):
            # A method the view does not implement must reach DRF's 405, not a key check (403).
            return True
        # The key may come in the body (as the spec shows) or in the query string; both count alike.
        key = _body(request).get("api_key") or request.query_params.get("api_key")
        client = open311_client_for_key(key if isinstance(key, str) else None)
        if client is None:
            return False
        request.open311_client = client
        return True


class Open311View(APIView):
    """Base: no session/token authentication (clients identify with api_key), spec formats and errors."""

    authentication_classes: list = []
    permission_classes = [HasOpen311ApiKey]
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    content_negotiation_class = SuffixNegotiation
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    xml_root = "response"
    xml_item: str | None = None

    def get_format_suffix(self, **kwargs):
        # The URL suffix (.json/.xml) picks the renderer; see urls.py for why it is called `fmt`.
        return kwargs.get("fmt")

    def get_exception_handler(self):
        return open311_exception_handler


FORMAT_PARAM = OpenApiParameter(
    "fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["json", "xml"], description="json o xml"
)
JURISDICTION_PARAM = OpenApiParameter(
    "jurisdiction_id",
    OpenApiTypes.STR,
    description=f"Opcional; si se envía, «{serializers.JURISDICTION_ID}».",
)


class DiscoveryView(Open311View):
    xml_root = "discovery"

    @extend_schema(
        tags=TAG,
        summary="Descubrimiento del servicio (GeoReport v2)",
        parameters=[FORMAT_PARAM],
        responses={200: schema.DISCOVERY},
    )
    def get(self, request, fmt=None):
        url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
        document = serializers.discovery_document(
            endpoint_url=url.rsplit("/", 1)[0], production=not settings.DEBUG
        )
        return Response(document)


class ServiceListView(Open311View):
    xml_root = "services"
    xml_item = "service"

    @extend_schema(
        tags=TAG,
        summary="Servicios (categorías de reporte)",
        parameters=[FORMAT_PARAM, JURISDICTION_PARAM],
        responses={200: schema.ServiceDocument(many=True), 404: ERRORS},
        examples=[
            OpenApiExample(
                "Servicio",
                value=[
                    {
                        "service_code": "hurto",
                        "service_name": "Hurto",
                        "description": "Robo de pertenencias a personas.",
                        "metadata": True,
                        "type": "realtime",
                        "keywords": "Seguridad, hurto",
                        "group": "Seguridad",
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request, fmt=None):
        serializers.check_jurisdiction(request.query_params.get("jurisdiction_id"))
        return Response([serializers.service_document(c) for c in selectors.open311_services()])


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"

    @extend_schema(
        tags=TAG,
        summary="Definición de un servicio: atributos que acepta POST requests",
        parameters=[FORMAT_PARAM, JURISDICTION_PARAM],
        responses={200: schema.ServiceDefinitionDocument, 404: ERRORS},
    )
    def get(self, request, service_code, fmt=None):
        serializers.check_jurisdiction(request.query_params.get("jurisdiction_id"))
        category = selectors.open311_service(service_code)
        if category is None:
            raise exceptions.NotFound(
                f"No existe el servicio «{service_code}». Consulte la lista en services.json o services.xml."
            )
        return Response(serializers.service_definition_document(category))


REQUESTS_EXAMPLE = {
    "service_request_id": "1234",
    "status": "open",
    "status_notes": "Recibido",
    "service_name": "Hurto",
    "service_code": "hurto",
    "description": "Robo de celular en la esquina del parque",
    "agency_responsible": "Alcaldía Local de Chapinero",
    "service_notice": None,
    "requested_datetime": "2026-11-28T10:31:00-05:00",
    "updated_datetime": "2026-11-28T10:31:00-05:00",
    "expected_datetime": "2026-12-09T00:00:00-05:00",
    "address": "Localidad Chapinero, UPZ 99 Chapinero",
    "lat": 4.6484,
    "long": -74.0628,
    "locality": {"code": "02", "name": "Chapinero"},
    "upz": {"code": "99", "name": "Chapinero"},
}


class RequestListView(Open311View):
    xml_root = "service_requests"
    xml_item = "request"

    @extend_schema(
        tags=TAG,
        summary="Solicitudes (reportes públicos); por defecto los últimos 90 días, máximo 1000",
        description=(
            "Solo reportes públicos. `lat`/`long` son el punto generalizado; las categorías sensibles "
            "no tienen `lat`, `long` ni `description`. No se publican fotos (`media_url`) ni datos del "
            "reportante; `service_request_id` es el id público, nunca el código de seguimiento. "
            "Extensiones: `locality` y `upz` ({code, name})."
        ),
        parameters=[FORMAT_PARAM, serializers.RequestsQuerySerializer],
        responses={200: schema.RequestDocument(many=True), 400: ERRORS, 404: ERRORS},
        examples=[OpenApiExample("Solicitud", value=[REQUESTS_EXAMPLE], response_only=True)],
    )
    def get(self, request, fmt=None):
        query = serializers.RequestsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        reports = selectors.open311_request_list(query.validated_data)
        return Response([serializers.request_document(r) for r in reports])

    @extend_schema(
        tags=TAG,
        summary="Crear una solicitud (requiere api_key)",
        description=(
            "application/x-www-form-urlencoded como dice el estándar. `lat` y `long` son obligatorios "
            "(no se geocodifican direcciones); un punto fuera de Bogotá se rechaza con 400. Atributos: "
            "attribute[occurred_at], attribute[contact_consent]."
        ),
        parameters=[FORMAT_PARAM],
        request=serializers.RequestCreateSerializer,
        responses={201: schema.CreatedDocument(many=True), 400: ERRORS, 403: ERRORS, 404: ERRORS},
        examples=[
            OpenApiExample(
                "Creada",
                value=[
                    {
                        "service_request_id": "1234",
                        "token": "1234",
                        "service_notice": "Reporte recibido por Ciudadanos Activos. …",
                        "account_id": None,
                        "tracking_code": "K7Q2MX9P4B",
                    }
                ],
                response_only=True,
                status_codes=["201"],
            )
        ],
    )
    def post(self, request, fmt=None):
        serializers.check_jurisdiction(_body(request).get("jurisdiction_id"))
        payload = serializers.RequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            report, notice = open311_request_create(
                client=request.open311_client, data=payload.validated_data
            )
        except DjangoValidationError as exc:
            raise serializers.open311_validation_error(exc) from None
        return Response([serializers.created_document(report, notice=notice)], status=status.HTTP_201_CREATED)


class RequestDetailView(Open311View):
    xml_root = "service_requests"
    xml_item = "request"

    @extend_schema(
        tags=TAG,
        summary="Una solicitud pública por su service_request_id (id público)",
        parameters=[FORMAT_PARAM, JURISDICTION_PARAM],
        responses={200: schema.RequestDocument(many=True), 404: ERRORS},
        examples=[OpenApiExample("Solicitud", value=[REQUESTS_EXAMPLE], response_only=True)],
    )
    def get(self, request, service_request_id, fmt=None):
        serializers.check_jurisdiction(request.query_params.get("jurisdiction_id"))
        report = selectors.open311_request(int(service_request_id))
        if report is None:
            raise exceptions.NotFound(
                f"No hay una solicitud con service_request_id «{service_request_id}». Revise el número."
            )
        return Response([serializers.request_document(report)])


class TokenView(Open311View):
    xml_root = "service_requests"
    xml_item = "request"

    @extend_schema(
        tags=TAG,
        summary="service_request_id de un token",
        description=(
            "Todos los servicios son en tiempo real: POST requests devuelve el service_request_id de "
            "inmediato y el token es ese mismo número. Un token desconocido da 404."
        ),
        parameters=[FORMAT_PARAM, JURISDICTION_PARAM],
        responses={200: schema.TokenDocument(many=True), 404: ERRORS},
    )
    def get(self, request, token, fmt=None):
        serializers.check_jurisdiction(request.query_params.get("jurisdiction_id"))
        report = selectors.open311_request(int(token)) if token.isdigit() and len(token) <= 18 else None
        if report is None:
            raise exceptions.NotFound(
                f"No hay una solicitud con el token «{token}». Use el token que devolvió POST requests."
            )
        return Response([serializers.token_document(report)])


class UnknownPathView(Open311View):
    """Anything else under v2/: the spec's error list (404) in the suffix's format, not an HTML page."""

    permission_classes: list = []
    schema = None  # not an endpoint: left out of the OpenAPI document

    def _not_found(self, request, *args, **kwargs):
        raise exceptions.NotFound(
            "Recurso desconocido. Use discovery, services, services/<código>, requests, "
            "requests/<id> o tokens/<token>, terminados en .json o .xml."
        )

    get = post = put = patch = delete = _not_found
