"""Territory API: localities, UPZ and point location. Public reads; views stay thin (selectors do the work)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.spatial import make_point

from .filters import UpzFilter
from .selectors import locality_get, locality_list, locate_point, upz_list
from .serializers import (
    SIMPLIFY_MAX_METRES,
    LocalitySerializer,
    LocateQuerySerializer,
    LocationSerializer,
    SimplifyQuerySerializer,
    UpzSerializer,
)

TAG = "territorio"

SIMPLIFY_PARAMETER = OpenApiParameter(
    "simplify",
    OpenApiTypes.FLOAT,
    description=(
        f"Tolerancia en metros (0 < m ≤ {SIMPLIFY_MAX_METRES}) para simplificar los polígonos en PostGIS "
        "(ST_SimplifyPreserveTopology en EPSG:9377). Sin el parámetro se devuelve la geometría completa."
    ),
    examples=[OpenApiExample("Mapa de ciudad", value=50)],
)

VALIDATION_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="Parámetros inválidos, por campo.")


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class LocalityListView(APIView):
    """The 20 localities of the active boundary version as a GeoJSON FeatureCollection."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Localidades (GeoJSON FeatureCollection)",
        parameters=[SIMPLIFY_PARAMETER],
        responses={200: LocalitySerializer(many=True), 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "simplify fuera de rango",
                value={
                    "detail": "Datos inválidos. Revise los campos indicados.",
                    "simplify": ["simplify debe ser mayor que 0 y como máximo 5000 metros (recibido: 0)."],
                },
                response_only=True,
                status_codes=["400"],
            )
        ],
    )
    def get(self, request):
        query = _validated(SimplifyQuerySerializer, request)
        localities = locality_list(simplify_metres=query.get("simplify"))
        return Response(LocalitySerializer(localities, many=True).data)


class LocalityDetailView(APIView):
    """One locality by its two-digit code, as a GeoJSON Feature."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Una localidad (GeoJSON Feature)",
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Código de dos dígitos, 01 a 20.",
                examples=[OpenApiExample("La Candelaria", value="17")],
            ),
            SIMPLIFY_PARAMETER,
        ],
        responses={
            200: LocalitySerializer,
            400: VALIDATION_ERROR,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Código de localidad desconocido."),
        },
    )
    def get(self, request, code: str):
        query = _validated(SimplifyQuerySerializer, request)
        locality = locality_get(code=code, simplify_metres=query.get("simplify"))
        if locality is None:
            raise NotFound(
                f"No existe la localidad «{code}». Use un código de dos dígitos entre 01 y 20 "
                "(lista en /api/localities/)."
            )
        return Response(LocalitySerializer(locality).data)


@extend_schema(
    tags=[TAG],
    summary="UPZ y UPR (GeoJSON FeatureCollection)",
    description=(
        "Unidades de planeamiento de la versión activa: 112 UPZ urbanas y 4 UPR rurales (`rural`: true). "
        "Filtre por localidad con `?locality=<código>` y por tipo con `?rural=false`; `?simplify=<metros>` "
        "simplifica los polígonos como en /api/localities/."
    ),
    parameters=[
        OpenApiParameter(
            "locality",
            OpenApiTypes.STR,
            description="Código de localidad de dos dígitos (01 a 20); uno desconocido responde 400.",
            examples=[OpenApiExample("Usaquén", value="01")],
        ),
        SIMPLIFY_PARAMETER,
    ],
    responses={200: UpzSerializer(many=True), 400: VALIDATION_ERROR},
)
class UpzListView(generics.ListAPIView):
    """UPZ/UPR of the active boundary version, optionally of one locality."""

    permission_classes = [AllowAny]
    serializer_class = UpzSerializer
    filterset_class = UpzFilter
    pagination_class = None

    def get_queryset(self):
        query = _validated(SimplifyQuerySerializer, self.request)
        return upz_list(simplify_metres=query.get("simplify"))


class OutsideBogota(NotFound):
    default_code = "outside_bogota"


class LocateView(APIView):
    """The locality and UPZ/UPR covering a WGS 84 point."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="Localidad y UPZ de un punto",
        description=(
            "Devuelve la localidad y la UPZ/UPR que contienen el punto (versión activa de límites). Un punto "
            "sobre un límite compartido se asigna siempre a la misma unidad (la de menor código). `upz` es "
            "null si ninguna unidad de planeamiento lo cubre."
        ),
        parameters=[
            OpenApiParameter(
                "lat",
                OpenApiTypes.DOUBLE,
                required=True,
                description="Latitud WGS 84 en grados decimales.",
                examples=[OpenApiExample("Plaza de Bolívar", value=4.5981)],
            ),
            OpenApiParameter(
                "lon",
                OpenApiTypes.DOUBLE,
                required=True,
                description="Longitud WGS 84 en grados decimales.",
                examples=[OpenApiExample("Plaza de Bolívar", value=-74.0760)],
            ),
        ],
        responses={
            200: LocationSerializer,
            400: VALIDATION_ERROR,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="El punto está fuera de Bogotá."),
        },
        examples=[
            OpenApiExample(
                "Plaza de Bolívar",
                value={
                    "locality": {"code": "17", "name": "La Candelaria"},
                    "upz": {"code": "94", "name": "La Candelaria"},
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Fuera de Bogotá",
                value={
                    "detail": "El punto (lat 6.2442, lon -75.5812) está fuera de Bogotá: ninguna localidad lo "
                    "contiene.",
                    "detail_en": "The point is outside Bogotá: no locality contains it.",
                },
                response_only=True,
                status_codes=["404"],
            ),
            OpenApiExample(
                "Coordenada ausente",
                value={
                    "detail": "Datos inválidos. Revise los campos indicados.",
                    "lat": ["Falta lat: indique la latitud en grados decimales, p. ej. lat=4.5981."],
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def get(self, request):
        query = _validated(LocateQuerySerializer, request)
        location = locate_point(make_point(query["lon"], query["lat"]))
        if location is None:
            raise OutsideBogota(
                {
                    "detail": f"El punto (lat {query['lat']}, lon {query['lon']}) está fuera de Bogotá: "
                    "ninguna localidad lo contiene.",
                    "detail_en": "The point is outside Bogotá: no locality contains it.",
                }
            )
        return Response(LocationSerializer(location).data)
