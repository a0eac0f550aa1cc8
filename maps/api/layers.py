"""GeoJSON layer endpoint of reports: a thin view over maps.selectors.layers."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from reports.visibility import ViewerScope

from ..selectors.layers import report_layer_page
from ..serializers import LayerQuerySerializer


class ReportLayerView(APIView):
    # Public data; the form of each report depends on the caller (see module docstring).
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="maps_reports_geojson",
        parameters=[LayerQuerySerializer],
        responses={
            (200, "application/geo+json"): OpenApiResponse(OpenApiTypes.OBJECT),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Parámetros inválidos."),
        },
        examples=[
            OpenApiExample(
                "Página",
                response_only=True,
                value={
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "id": 17,
                            "geometry": {"type": "Point", "coordinates": [-74.081712, 4.609705]},
                            "properties": {"id": 17, "category": "hurto", "status": "received"},
                        }
                    ],
                    "next_cursor": 17,
                    "next": "/api/maps/reports.geojson?page_size=1&cursor=17",
                },
            )
        ],
        description=(
            "Capa GeoJSON (RFC 7946) de reportes, paginada por id (cursor). Forma pública: punto "
            "publicado, sin categorías sensibles, sin datos del reportante. Analistas y "
            "administradores (y el personal de una localidad para sus reportes) reciben el punto exacto."
        ),
    )
    def get(self, request):
        params = LayerQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        body, last = report_layer_page(
            filters=params.to_filters(),
            scope=ViewerScope.for_user(request.user),
            bbox=data.get("bbox"),
            after_id=data["cursor"],
            page_size=data["page_size"],
        )
        if last is None:
            tail = ',"next_cursor":null,"next":null}'
        else:
            query = request.GET.copy()
            query["cursor"] = str(last)
            url = request.build_absolute_uri(request.path + "?" + query.urlencode())
            tail = f',"next_cursor":{last},"next":"{url}"}}'
        response = HttpResponse(body + tail, content_type="application/geo+json")
        response["Cache-Control"] = "private, no-cache"
        return response
