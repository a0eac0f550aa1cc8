"""Vector tile endpoints (reports, UPZ, localities): thin views over maps.selectors.tiles."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from reports.visibility import ViewerScope

from ..selectors.tiles import MAX_ZOOM, boundary_tile, report_tile
from ..serializers import MapFilterSerializer

MVT_TYPE = "application/vnd.mapbox-vector-tile"


def tile_coords_error(z: int, x: int, y: int) -> JsonResponse | None:
    """400 JSON when z is outside 0..22 or x, y outside 0..2^z-1."""
    errors = {}
    if not 0 <= z <= MAX_ZOOM:
        errors["z"] = [f"z debe estar entre 0 y {MAX_ZOOM}."]
    else:
        top = 2**z - 1
        if not 0 <= x <= top:
            errors["x"] = [f"x debe estar entre 0 y {top} para z={z}."]
        if not 0 <= y <= top:
            errors["y"] = [f"y debe estar entre 0 y {top} para z={z}."]
    if errors:
        return JsonResponse({"detail": "Coordenadas de tesela inválidas.", **errors}, status=400)
    return None


def tile_response(request, data: bytes, cache_control: str) -> HttpResponse:
    """204 when empty; else MVT bytes with ETag (SHA-256 of the bytes), 304 on a matching If-None-Match."""
    if not data:
        response = HttpResponse(status=204)
        response["Cache-Control"] = cache_control
        return response
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=MVT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Vary"] = "Cookie, Authorization"
    return response


TILE_RESPONSES = {
    (200, MVT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Tesela Mapbox Vector Tile."),
    204: OpenApiResponse(description="Tesela vacía."),
    304: OpenApiResponse(description="Sin cambios (If-None-Match coincide con el ETag)."),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="z/x/y o filtros inválidos."),
}


class ReportTileView(APIView):
    # Public data; per-role detail decided in the selector through ViewerScope.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="maps_tiles_reports",
        parameters=[MapFilterSerializer],
        responses=TILE_RESPONSES,
        description=(
            "Tesela vectorial de reportes (capa `reports`). z<14: agrupaciones por celda con `count` "
            "desde el punto que cada quien puede ver (para el público se omiten celdas con menos de k "
            "reportes); z≥14: puntos (category, exact, count, id si count=1). Público: punto "
            "publicado y sin categorías sensibles."
        ),
    )
    def get(self, request, z: int, x: int, y: int):
        bad = tile_coords_error(z, x, y)
        if bad:
            return bad
        params = MapFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        scope = ViewerScope.for_user(request.user)
        data = report_tile(z, x, y, filters=params.to_filters(), scope=scope)
        cache = "public, max-age=300" if scope.is_public else "private, max-age=60"
        return tile_response(request, data, cache)


class BoundaryTileView(APIView):
    # Official boundaries are public data.
    permission_classes = [AllowAny]
    level = "localities"

    def get(self, request, z: int, x: int, y: int):
        bad = tile_coords_error(z, x, y)
        if bad:
            return bad
        return tile_response(request, boundary_tile(self.level, z, x, y), "public, max-age=86400")


class LocalityTileView(BoundaryTileView):
    level = "localities"

    @extend_schema(
        operation_id="maps_tiles_localities",
        responses=TILE_RESPONSES,
        description="Tesela vectorial de localidades (versión activa; propiedades code, name, locality).",
    )
    def get(self, request, z: int, x: int, y: int):
        return super().get(request, z, x, y)


class UpzTileView(BoundaryTileView):
    level = "upz"

    @extend_schema(
        operation_id="maps_tiles_upz",
        responses=TILE_RESPONSES,
        description="Tesela vectorial de UPZ/UPR (versión activa; propiedades code, name, locality).",
    )
    def get(self, request, z: int, x: int, y: int):
        return super().get(request, z, x, y)
