"""Public and reporter endpoints: categories, list, create, nearby, tracking, supports, own reports.

Identifiers: public outputs use the numeric `id`; the `tracking_code` is the reporter's bearer
secret (it opens the reporter's view with the exact point) and only appears to its reporter and to
the staff handling the report.
"""

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from geo.parsers import FormParser, JSONParser, MultiPartParser
from geo.spatial import make_point

from .. import selectors, services
from ..filters import ReportFilter
from ..idempotency import idempotent
from ..models import Category
from ..serializers import (
    CategorySerializer,
    NearbyQuerySerializer,
    NearbyReportSerializer,
    PublicReportSerializer,
    ReportCreateInputSerializer,
    ReportDetailSerializer,
    SupportInputSerializer,
    SupportOutputSerializer,
    report_created_data,
)
from ..throttles import (
    ReportCreateAnonThrottle,
    SupportAnonPerReportThrottle,
    SupportThrottle,
    ThrottleMessageMixin,
    TrackThrottle,
)

# Token first: an anonymous request to a protected endpoint gets 401 with WWW-Authenticate: Token.
from .common import AUTHENTICATION, BaseView, ReportPagination

# --- categories ------------------------------------------------------------------------------------------


class CategoryListView(ThrottleMessageMixin, generics.ListAPIView):
    """The report categories (active ones), in display order."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends: list = []
    queryset = Category.objects.filter(active=True)


# --- public list and creation ----------------------------------------------------------------------------

CREATE_EXAMPLE = {
    "category": "hurto",
    "description": "Robaron un celular a la salida de TransMilenio, hacia las 7 p. m.",
    "location": {"type": "Point", "coordinates": [-74.0721, 4.6097]},
    "occurred_at": "2026-11-27T19:05:00-05:00",
    "channel": "app",
    "contact": {"email": "vecina@example.com", "consent": True},
}
CREATED_EXAMPLE = {
    "tracking_code": "K7Q2MX9P4B",
    "id": 1532,
    "status": "received",
    "status_label": "Recibido",
    "category": {
        "code": "hurto",
        "name_es": "Hurto",
        "name_en": "Theft",
        "group": "seguridad",
        "sensitive": False,
    },
    "locality": {"code": "17", "name": "La Candelaria"},
    "upz": {"code": "94", "name": "La Candelaria"},
    "location": {"type": "Point", "coordinates": [-74.0721, 4.6097]},
    "public_location": {"type": "Point", "coordinates": [-74.0719, 4.6096]},
    "history": [
        {"from_status": "", "to_status": "received", "status_label": "Recibido", "note": "", "at": "…"}
    ],
    "…": "…",
}
ERROR_EXAMPLE = {
    "detail": "Datos inválidos. Revise los campos indicados.",
    "location": [
        "El punto está fuera de Bogotá. Esta plataforma solo recibe reportes dentro del Distrito Capital; "
        "revise la ubicación en el mapa."
    ],
    "category": ["Categoría desconocida: «robo». Consulte la lista en GET /api/categories/."],
}


class ReportListCreateView(ThrottleMessageMixin, generics.ListAPIView):
    """GET: public GeoJSON FeatureCollection of reports. POST: file a report."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [ReportCreateAnonThrottle]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = PublicReportSerializer
    pagination_class = ReportPagination
    filterset_class = ReportFilter

    def get_queryset(self):
        return selectors.report_public_list()

    @extend_schema(
        summary="Reportes públicos (GeoJSON)",
        description=(
            "FeatureCollection paginada. La geometría es el punto generalizado (rejilla de PUBLIC_GRID_METRES, "
            "100 m por defecto); las categorías sensibles aparecen con geometry null y sin descripción, y `bbox` "
            "las excluye. Nunca incluye el código de seguimiento, el reportante ni su contacto."
        ),
        examples=[
            OpenApiExample(
                "Reporte público",
                value={
                    "id": 1532,
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [-74.0719, 4.6096]},
                    "properties": {
                        "category": "hurto",
                        "status": "in_progress",
                        "locality": {"code": "17", "name": "La Candelaria"},
                        "support_count": 4,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Crear un reporte",
        description=(
            "JSON con `location` como GeoJSON Point [lon, lat], o multipart con `photos` (hasta 3) y `location` "
            "como texto JSON (o `lon`/`lat`). La localidad y la UPZ las asigna el servidor. Cabecera opcional "
            "`Idempotency-Key`: el mismo key con el mismo cuerpo devuelve la respuesta original sin crear nada; "
            "con otro cuerpo, 422. Anónimo por defecto; límite de frecuencia para anónimos (429 con Retry-After)."
        ),
        request={
            "application/json": ReportCreateInputSerializer,
            "multipart/form-data": ReportCreateInputSerializer,
        },
        parameters=[
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("X-Device-Id", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            201: ReportDetailSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Errores por campo"),
            422: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Idempotency-Key reutilizada con otro contenido",
                examples=[
                    OpenApiExample(
                        "Clave reutilizada",
                        value={
                            "detail": "Esta Idempotency-Key ya se usó con otro contenido. …",
                            "code": "idempotency_key_reused",
                        },
                        status_codes=["422"],
                    )
                ],
            ),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Demasiadas solicitudes; ver Retry-After",
                examples=[
                    OpenApiExample(
                        "Límite",
                        value={
                            "detail": "Demasiadas solicitudes desde su conexión. Intente de nuevo en 120 segundos."
                        },
                        status_codes=["429"],
                    )
                ],
            ),
        },
        examples=[
            OpenApiExample("Reporte", value=CREATE_EXAMPLE, request_only=True),
            OpenApiExample("Creado", value=CREATED_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample("Error", value=ERROR_EXAMPLE, response_only=True, status_codes=["400"]),
        ],
    )
    def post(self, request, *args, **kwargs):
        return idempotent(request, "reports.create", lambda: self._create(request))

    def _create(self, request):
        data = request.data
        if hasattr(data, "getlist"):  # multipart: photos is a repeated file field
            data = data.copy()
            data.setlist("photos", request.FILES.getlist("photos"))
        payload = ReportCreateInputSerializer(data=data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        report = services.report_create(
            category=values["category"],
            description=values["description"],
            location=values["location"],
            occurred_at=values.get("occurred_at") or timezone.now(),
            channel=values["channel"],
            reporter=request.user,
            contact=values.get("contact"),
            photos=values.get("photos", ()),
            device_id=request.META.get("HTTP_X_DEVICE_ID"),
        )
        # The service's report carries everything the reply shows (no re-read of what it just wrote);
        # the reply is ReportDetailSerializer's shape, built without its per-field machinery.
        return Response(report_created_data(report, request), status=status.HTTP_201_CREATED)


class ReportNearbyView(BaseView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Reportes cercanos de la misma categoría (antes de reportar)",
        description=(
            "Reportes públicos de la categoría dentro de `radius` metros (200 por defecto, máximo "
            "REPORTS_NEARBY_MAX_METRES=1000) de los últimos 30 días, del más cercano al más lejano, para apoyar "
            "en vez de duplicar. Distancias medidas al punto generalizado. Categorías sensibles: lista vacía."
        ),
        parameters=[
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("category", OpenApiTypes.STR, required=True),
            OpenApiParameter("radius", OpenApiTypes.INT, required=False, description="metros"),
        ],
        responses=inline_serializer(
            "NearbyReportCollection",
            {
                "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                "features": serializers.ListField(child=NearbyReportSerializer()),
                "radius_m": serializers.IntegerField(help_text="Radio usado, en metros."),
                "days": serializers.IntegerField(help_text="Ventana de días considerada."),
                "sensitive": serializers.BooleanField(help_text="true: categoría sensible, lista vacía."),
            },
        ),
        examples=[
            OpenApiExample(
                "Cercanos",
                value={
                    "type": "FeatureCollection",
                    "radius_m": 200,
                    "days": 30,
                    "sensitive": False,
                    "features": [
                        {
                            "id": 1532,
                            "type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [-74.0719, 4.6096]},
                            "properties": {"category": "hurto", "support_count": 4, "distance_m": 35},
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        query = NearbyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        radius = selectors.nearby_radius(values.get("radius"))
        reports = selectors.report_nearby(
            point=make_point(values["lon"], values["lat"]), category=values["category"], radius_m=radius
        )
        body = NearbyReportSerializer(reports, many=True).data
        body["radius_m"] = radius
        body["days"] = int(getattr(settings, "REPORTS_NEARBY_DAYS", 30))
        body["sensitive"] = values["category"].sensitive
        return Response(body)


class MyReportsPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MyReportsView(ThrottleMessageMixin, generics.ListAPIView):
    """The signed-in user's own reports, newest first, in the reporter's view (exact point, history)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = ReportDetailSerializer
    pagination_class = MyReportsPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.report_list_of_reporter(user=self.request.user)

    @extend_schema(summary="Mis reportes (cuenta registrada)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReportTrackView(BaseView):
    """The reporter's view, opened by the tracking code (a bearer secret)."""

    permission_classes = [AllowAny]
    throttle_classes = [TrackThrottle]

    @extend_schema(
        summary="Seguimiento de un reporte (vista de quien reportó)",
        operation_id="reports_track",
        description=(
            "Quien tiene el código de seguimiento ve su reporte completo: punto exacto, historial, respuestas "
            "públicas y fotos. El código es secreto (no aparece en ninguna salida pública). Los datos de "
            "contacto nunca se devuelven aquí (solo al personal que atiende el reporte). Consultas limitadas "
            "por conexión (THROTTLE_TRACK, 60/hour) para que el código no se pueda adivinar."
        ),
        responses={200: ReportDetailSerializer, 404: OpenApiResponse(description="Código inexistente")},
    )
    def get(self, request, tracking_code):
        report = selectors.report_by_tracking_code(code=tracking_code)
        if report is None:
            raise Http404("No existe un reporte con ese código de seguimiento. Revise el código.")
        return Response(ReportDetailSerializer(report, context={"request": request}).data)


class ReportPublicDetailView(BaseView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Un reporte público (GeoJSON Feature)",
        operation_id="reports_public_detail",
        responses=PublicReportSerializer,
    )
    def get(self, request, pk):
        report = selectors.report_public_get(pk=pk)
        if report is None:
            raise Http404("No existe un reporte público con ese id.")
        return Response(PublicReportSerializer(report).data)


class ReportSupportView(BaseView):
    permission_classes = [AllowAny]
    throttle_classes = [SupportThrottle, SupportAnonPerReportThrottle]

    @extend_schema(
        summary="Apoyar un reporte («a mí también me pasa»)",
        description=(
            "Uno por cuenta, o por dispositivo para anónimos (cabecera X-Device-Id o campo device_id; se guarda "
            "solo su HMAC). Repetir no suma: responde 200 con created=false. La primera vez, 201. Los apoyos "
            "anónimos a un mismo reporte desde una misma conexión tienen además un límite diario "
            "(THROTTLE_SUPPORT_ANON_REPORT, 5/day): inventar identificadores de dispositivo no suma más."
        ),
        request=SupportInputSerializer,
        parameters=[
            OpenApiParameter("X-Device-Id", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)
        ],
        responses={201: SupportOutputSerializer, 200: SupportOutputSerializer},
    )
    def post(self, request, pk):
        report = selectors.report_public_get(pk=pk)
        if report is None:
            raise Http404("No existe un reporte público con ese id.")
        payload = SupportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        device_id = request.META.get("HTTP_X_DEVICE_ID") or payload.validated_data.get("device_id")
        _, created = services.support_add(report=report, user=request.user, device_id=device_id)
        body = SupportOutputSerializer(
            {"id": report.pk, "support_count": report.support_count, "created": created}
        )
        return Response(body.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
