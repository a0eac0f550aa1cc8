"""Analysis endpoints: heatmap, hot spots and statistics. Thin views over maps.selectors.

Access: anyone may call them (AllowAny); what is aggregated depends on the caller
(reports.visibility.ViewerScope): the public form for the public, full detail of their localities
for locality staff, everything for analysts and admins. They only read: the rollup they use is
refreshed after report writes (maps.services).
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.visibility import ViewerScope

from .. import selectors
from ..serializers import HeatmapQuerySerializer, HotspotQuerySerializer, StatsQuerySerializer

BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Parámetros inválidos (mensajes por campo).",
    examples=[
        OpenApiExample(
            "cell inválido",
            value={
                "detail": "Datos inválidos. Revise los campos indicados.",
                "cell": ["cell debe ser un número de metros entre 100 y 5000, múltiplo de 100 (p. ej. 500)."],
            },
        )
    ],
)


def json_response(text: str) -> HttpResponse:
    """A 200 with JSON text PostGIS already encoded (the large map documents): decoding it only for
    DRF's renderer to encode it again would cost more than building it."""
    return HttpResponse(text, content_type="application/json")


class _AnalysisView(APIView):
    # Public data with per-role scoping inside the selectors (see module docstring).
    permission_classes = [AllowAny]
    query_serializer = None

    def parsed(self, request):
        params = self.query_serializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return params, params.to_filters(), ViewerScope.for_user(request.user)


class HeatmapView(_AnalysisView):
    query_serializer = HeatmapQuerySerializer

    @extend_schema(
        operation_id="maps_heatmap",
        parameters=[HeatmapQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 400: BAD_REQUEST},
        examples=[
            OpenApiExample(
                "Celdas",
                response_only=True,
                value={
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "id": "square:-148:2061",
                            "geometry": {"type": "Polygon", "coordinates": [[[-74.08, 4.6], "..."]]},
                            "properties": {"count": 42, "intensity": 0.35},
                        }
                    ],
                    "meta": {
                        "cell_metres": 500,
                        "shape": "square",
                        "total": 1200,
                        "max_count": 120,
                        "suppressed_cells": 3,
                    },
                },
            ),
            OpenApiExample(
                "Puntos (output=points)",
                response_only=True,
                value={"points": [[4.6097, -74.0817, 0.8]], "meta": {"cell_metres": 100, "total": 8}},
            ),
        ],
        description=(
            "Conteo de reportes por celda (cuadrada o hexagonal, en metros EPSG:9377) con intensidad "
            "normalizada 0..1; con output=points, [lat, lon, peso] por nodo de la grilla pública para "
            "Leaflet.heat. Para el público: desde el punto publicado, solo reportes públicos, sin "
            "categorías sensibles, y se omiten celdas con menos de k reportes (PUBLIC_MIN_COUNT). "
            "Fechas: recepción."
        ),
    )
    def get(self, request):
        params, filters, scope = self.parsed(request)
        data = params.validated_data
        if data["output"] == "points":
            return json_response(selectors.heatmap_points_json(filters=filters, scope=scope))
        return json_response(
            selectors.heatmap_cells_json(filters=filters, scope=scope, cell=data["cell"], shape=data["shape"])
        )


class HotspotsView(_AnalysisView):
    query_serializer = HotspotQuerySerializer

    @extend_schema(
        operation_id="maps_hotspots",
        parameters=[HotspotQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 400: BAD_REQUEST},
        examples=[
            OpenApiExample(
                "Celda caliente",
                response_only=True,
                value={
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "id": "square:-148:2061",
                            "geometry": {"type": "Polygon", "coordinates": [[[-74.08, 4.6], "..."]]},
                            "properties": {
                                "count": 57,
                                "suppressed": False,
                                "z_score": 4.21,
                                "p_value": 2.6e-05,
                                "class": "hot",
                            },
                        }
                    ],
                    "meta": {"alpha": 0.05, "correction": "fdr", "neighbours": "queen", "hot": 12, "cold": 0},
                },
            )
        ],
        description=(
            "Puntos calientes y fríos estadísticamente significativos (Getis-Ord Gi* sobre los conteos "
            "de la grilla, vecindad por contigüidad incluyendo la celda, p bilateral normal, corrección "
            "Benjamini–Hochberg por defecto). Para el público: desde el punto publicado, sin categorías "
            "sensibles, y solo celdas con al menos k reportes."
        ),
    )
    def get(self, request):
        params, filters, scope = self.parsed(request)
        data = params.validated_data
        return json_response(
            selectors.hotspot_cells_json(
                filters=filters,
                scope=scope,
                cell=data["cell"],
                shape=data["shape"],
                alpha=data["alpha"],
                correction=data["correction"],
            )
        )


class StatsView(_AnalysisView):
    query_serializer = StatsQuerySerializer

    @extend_schema(
        operation_id="maps_stats",
        parameters=[StatsQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 400: BAD_REQUEST},
        examples=[
            OpenApiExample(
                "Por localidad",
                response_only=True,
                value={
                    "level": "locality",
                    "period": {"date_from": "2025-11-29", "date_to": "2026-11-28"},
                    "previous_period": {"date_from": "2024-11-29", "date_to": "2025-11-28"},
                    "min_count": 3,
                    "units": [
                        {
                            "code": "01",
                            "name": "Usaquén",
                            "count": 4210,
                            "population": 580000,
                            "rate_per_10k": 72.59,
                            "previous_count": 3900,
                            "change": 310,
                            "change_pct": 7.95,
                            "median_response_hours": 30.5,
                            "share_resolved": 0.61,
                            "suppressed": False,
                        }
                    ],
                },
            )
        ],
        description=(
            "Por localidad o UPZ: conteo, tasa por 10.000 habitantes, cambio frente al periodo anterior "
            "de igual duración, mediana de horas hasta la primera respuesta y proporción resuelta. "
            "Periodo por defecto: los últimos 365 días. Se calcula con el resumen diario por UPZ que el "
            "trabajo en segundo plano actualiza tras cada cambio (las cifras son las mismas que sobre los "
            "reportes, con la frescura de la última actualización)."
        ),
    )
    def get(self, request):
        params, filters, scope = self.parsed(request)
        return Response(
            selectors.unit_stats(level=params.validated_data["level"], filters=filters, scope=scope)
        )
