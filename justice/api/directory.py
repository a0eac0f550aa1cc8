"""Public directory API: nearest services, lists, one service, the police quadrant of a point.

Read-only and public (AllowAny): it holds official office data only. Virtual justice requests are
never reachable from here. Coordinates are validated exactly as /api/locate/ (range-checked before a
Point is built); a point outside Bogotá answers 404.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.spatial import make_point
from localities.api import OutsideBogota
from localities.selectors import locate_point
from localities.serializers import LocateQuerySerializer

from ..models import ServiceKind
from ..selectors import NEAREST_MAX, quadrant_at, service_get, service_list, service_nearest
from ..serializers import (
    NearestQuerySerializer,
    NearestServiceSerializer,
    QuadrantSerializer,
    ServiceListQuerySerializer,
    ServicePointSerializer,
)

TAG = "justicia"
VALIDATION_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="Parámetros inválidos, por campo.")
OUTSIDE = OpenApiResponse(OpenApiTypes.OBJECT, description="El punto está fuera de Bogotá.")
LAT = OpenApiParameter(
    "lat",
    OpenApiTypes.DOUBLE,
    required=True,
    description="Latitud WGS 84 en grados decimales.",
    examples=[OpenApiExample("Plaza de Bolívar", value=4.5981)],
)
LON = OpenApiParameter(
    "lon",
    OpenApiTypes.DOUBLE,
    required=True,
    description="Longitud WGS 84 en grados decimales.",
    examples=[OpenApiExample("Plaza de Bolívar", value=-74.0760)],
)
KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, enum=ServiceKind.values, description="Tipo de servicio (todos si se omite)."
)


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _point_in_bogota(query: dict):
    point = make_point(query["lon"], query["lat"])
    if locate_point(point) is None:
        raise OutsideBogota(
            {
                "detail": f"El punto (lat {query['lat']}, lon {query['lon']}) está fuera de Bogotá: ninguna "
                "localidad lo contiene.",
                "detail_en": "The point is outside Bogotá: no locality contains it.",
            }
        )
    return point


class NearestServicesView(APIView):
    """The nearest services to a point, closest first, with distance in metres and whether open now."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Servicios más cercanos (GeoJSON FeatureCollection)",
        description=(
            "Los servicios de seguridad y justicia más cercanos al punto, por KNN de PostGIS (operador `<->` "
            "sobre el índice GiST) y luego distancia exacta en metros sobre el elipsoide WGS 84. `open_now` usa "
            "la hora de Bogotá, el horario semanal y los festivos de Colombia. `data_note` dice la fecha de los datos "
            "(p. ej. «Datos de 2017»)."
        ),
        parameters=[
            LAT,
            LON,
            KIND,
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1 a {NEAREST_MAX}; 5 por omisión."),
        ],
        responses={200: NearestServiceSerializer(many=True), 400: VALIDATION_ERROR, 404: OUTSIDE},
    )
    def get(self, request):
        query = _validated(NearestQuerySerializer, request)
        point = _point_in_bogota(query)
        services = service_nearest(point=point, kind=query.get("kind"), limit=query["limit"])
        return Response(NearestServiceSerializer(services, many=True).data)


class ServiceListView(APIView):
    """Services of the directory, optionally of one locality and kind."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Directorio de servicios (GeoJSON FeatureCollection)",
        parameters=[
            OpenApiParameter("locality", OpenApiTypes.STR, description="Código de localidad, 01 a 20."),
            KIND,
        ],
        responses={200: ServicePointSerializer(many=True), 400: VALIDATION_ERROR},
    )
    def get(self, request):
        query = _validated(ServiceListQuerySerializer, request)
        services = service_list(locality=query.get("locality"), kind=query.get("kind"))
        return Response(ServicePointSerializer(services, many=True).data)


class ServiceDetailView(APIView):
    """One service of the directory."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Un servicio (GeoJSON Feature)",
        responses={
            200: ServicePointSerializer,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No existe o ya no está vigente."),
        },
    )
    def get(self, request, pk: int):
        service = service_get(pk=pk)
        if service is None:
            raise NotFound(
                f"No existe el servicio {pk} (o ya no está vigente). Vea la lista en /api/services/."
            )
        return Response(ServicePointSerializer(service).data)


class QuadrantView(APIView):
    """ "Your police quadrant": the quadrant covering a point, with its patrol phone, station and CAI."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Cuadrante de policía de un punto",
        description=(
            "El cuadrante (datos SDSCJ/MEBOG 2022) que contiene el punto: código, celular de la patrulla, "
            "estación y CAI. Los cuadrantes cubren las 19 localidades urbanas; en zona rural responde 404. "
            "En una emergencia llame al 123."
        ),
        parameters=[LAT, LON],
        responses={
            200: QuadrantSerializer,
            400: VALIDATION_ERROR,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Fuera de Bogotá o sin cuadrante."),
        },
    )
    def get(self, request):
        query = _validated(LocateQuerySerializer, request)
        quadrant = quadrant_at(point=_point_in_bogota(query))
        if quadrant is None:
            raise NotFound(
                {
                    "detail": "Ningún cuadrante de policía cubre este punto (zona rural o fuera de los datos de "
                    "2022). Para una emergencia llame al 123; para otros casos busque la estación más "
                    "cercana en /api/services/nearest/?kind=estacion_policia.",
                    "detail_en": "No police quadrant covers this point.",
                }
            )
        return Response(QuadrantSerializer(quadrant).data)
