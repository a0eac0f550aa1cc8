"""Export endpoints for planners: reports and aggregates as GeoJSON (RFC 7946), CSV or GeoPackage.

Who may export: anyone (AllowAny). The public form is public data (reports.visibility: public
points, no sensitive categories among the reports or in grid cells, small aggregates suppressed). Exact points need a role: analysts and
admins for every report, locality staff for their localities' reports. No export ever carries the
reporter's identity, contact or tracking code.

GeoJSON streams the Features PostGIS renders through COPY … TO STDOUT; CSV streams from a server-side
cursor (connection.chunked_cursor); the rows come from maps.selectors.exports. Either way memory
stays flat in the number of reports. GeoPackage is written in chunks with pyogrio to a temporary
file, deleted once sent.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile

import numpy as np
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from reports.throttles import ThrottleMessageMixin
from reports.visibility import ViewerScope

from ..selectors.exports import (
    aggregate_rows_sql,
    copy_text_batches,
    report_csv_rows_sql,
    stream_batches,
    stream_rows,
)
from ..selectors.layers import report_feature_rows
from ..serializers import AggregateQuerySerializer, MapFilterSerializer

FORMATS = ("geojson", "csv", "gpkg")
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
REPORT_CSV_HEADER = [
    "id",
    "category",
    "status",
    "created_at",
    "locality",
    "upz",
    "sensitive",
    "exact",
    "lon",
    "lat",
]
AGG_CSV_HEADER = ["code", "name", "count", "suppressed", "lon", "lat"]


def _csv_lines(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


def _csv_line(values) -> str:
    return _csv_lines([values])


def geojson_stream(batches):
    """Yield a FeatureCollection (RFC 7946: no crs member) from batches of Feature JSON texts (str or
    UTF-8 bytes, one kind per stream).

    One chunk per batch: yielding per feature would cost more in Python than PostGIS spends rendering.
    """
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for texts in batches:
        if not texts:
            continue
        if isinstance(texts[0], str):
            texts = [t.encode() for t in texts]
        yield (b"" if first else b",") + b",".join(texts)
        first = False
    yield b"]}\n"


def _filename(stem: str, fmt: str) -> str:
    return f"convive-{stem}-{timezone.localdate().isoformat()}.{fmt}"  # Bogotá date, not the server's


def _streaming(chunks, fmt: str, stem: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _gpkg_response(batches, fields: list[str], stem: str, geometry_type: str) -> FileResponse:
    """Write batches of (field arrays, WKB geometries) to a temporary GeoPackage; delete it once sent."""
    from pyogrio.raw import write

    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    os.unlink(path)
    wrote = False
    for columns, wkb in batches:
        write(
            path,
            geometry=np.array(wkb, dtype=object),
            field_data=columns,
            fields=fields,
            layer=stem,
            driver="GPKG",
            crs="EPSG:4326",
            geometry_type=geometry_type,
            append=wrote,
        )
        wrote = True
    if not wrote:
        write(
            path,
            geometry=np.array([], dtype=object),
            field_data=[np.array([], dtype=object) for _ in fields],
            fields=fields,
            layer=stem,
            driver="GPKG",
            crs="EPSG:4326",
            geometry_type=geometry_type,
        )
    stream = open(path, "rb")  # noqa: SIM115 (closed by FileResponse)
    os.unlink(path)  # the open handle keeps the data until the response is sent
    response = FileResponse(
        stream, as_attachment=True, filename=_filename(stem, "gpkg"), content_type=CONTENT_TYPES["gpkg"]
    )
    response["Cache-Control"] = "private, no-store"
    return response


FORMAT_PARAM = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="Formato.")
EXPORT_RESPONSES = {
    (200, "application/geo+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON RFC 7946."),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV con encabezado."),
    (200, "application/geopackage+sqlite3"): OpenApiResponse(OpenApiTypes.BINARY, description="GeoPackage."),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Filtros inválidos."),
}


class ExportAnonThrottle(AnonRateThrottle):
    """Anonymous exports per client IP (scope `export_anon`): a full-year export is hundreds of MB.

    Signed-in users (planners, staff) are not limited: their exports are accountable to an account.
    """

    scope = "export_anon"


class ReportExportView(ThrottleMessageMixin, APIView):
    # Public form for everyone, exact points by role (module docstring).
    permission_classes = [AllowAny]
    throttle_classes = [ExportAnonThrottle]

    @extend_schema(
        operation_id="exports_reports",
        parameters=[FORMAT_PARAM, MapFilterSerializer],
        responses=EXPORT_RESPONSES,
        description=(
            "Exporta reportes (GeoJSON y CSV en streaming; GeoPackage). Forma pública para todos (punto "
            "publicado, sin categorías sensibles); punto exacto para analistas/administradores y para "
            "el personal de la localidad en sus reportes. "
            "Nunca incluye identidad, contacto ni código de seguimiento."
        ),
    )
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise NotFound("Formato no disponible: use geojson, csv o gpkg.")
        params = MapFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters, scope = params.to_filters(), ViewerScope.for_user(request.user)
        if fmt == "geojson":
            sql, sql_params = report_feature_rows(filters=filters, scope=scope, columns="feature")
            return _streaming(geojson_stream(copy_text_batches(sql, sql_params)), fmt, "reportes")
        sql, sql_params = report_csv_rows_sql(filters, scope)
        if fmt == "csv":
            lines = (_csv_lines(rows) for rows in stream_batches(sql, sql_params))
            return _streaming(_prepend(_csv_line(REPORT_CSV_HEADER), lines), fmt, "reportes")
        from shapely import points, to_wkb

        def batches():
            for batch in stream_batches(sql, sql_params):
                cols = list(zip(*batch, strict=True))
                lon = np.array([np.nan if v is None else float(v) for v in cols[8]])
                lat = np.array([np.nan if v is None else float(v) for v in cols[9]])
                geoms = to_wkb(points(lon, lat))
                wkb = [None if np.isnan(x) else g for g, x in zip(geoms, lon, strict=True)]
                fields = [np.array(c, dtype=object) for c in cols[:8]]
                fields[6] = fields[6].astype(bool)
                fields[7] = fields[7].astype(bool)
                yield fields, wkb

        return _gpkg_response(batches(), REPORT_CSV_HEADER[:8], "reportes", "Point")


def _prepend(first, rest):
    yield first
    yield from rest


class AggregateExportView(ThrottleMessageMixin, APIView):
    # Aggregates: public with k-suppression, full for analysts/admins and staff's localities.
    permission_classes = [AllowAny]
    throttle_classes = [ExportAnonThrottle]

    @extend_schema(
        operation_id="exports_aggregates",
        parameters=[FORMAT_PARAM, AggregateQuerySerializer],
        responses=EXPORT_RESPONSES,
        description=(
            "Conteos por localidad, UPZ o celda de grilla (cell metros, múltiplo de la grilla pública, "
            "EPSG:9377). Para el público: localidades/UPZ con menos de k reportes (PUBLIC_MIN_COUNT) "
            "salen con count nulo y suppressed=true; las celdas se cuentan desde el punto publicado, "
            "sin categorías sensibles, y las de menos de k reportes no aparecen."
        ),
    )
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise NotFound("Formato no disponible: use geojson, csv o gpkg.")
        params = AggregateQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        level = data["level"]
        sql, sql_params = aggregate_rows_sql(
            level, params.to_filters(), ViewerScope.for_user(request.user), data["cell"]
        )
        stem = f"agregados-{level}"
        rows = stream_rows(sql, sql_params)
        if fmt == "geojson":
            features = (
                '{"type":"Feature","geometry":'
                + geom
                + ',"properties":'
                + json.dumps({"code": code, "name": name, "count": n, "suppressed": sup})
                + "}"
                for code, name, n, sup, geom, _lon, _lat, _wkb in rows
            )
            return _streaming(geojson_stream([f] for f in features), fmt, stem)
        if fmt == "csv":
            lines = (_csv_line(row[:4] + row[5:7]) for row in rows)
            return _streaming(_prepend(_csv_line(AGG_CSV_HEADER), lines), fmt, stem)

        def batches():
            for batch in stream_batches(sql, sql_params):
                cols = list(zip(*batch, strict=True))
                fields = [np.array(cols[i], dtype=object) for i in range(4)]
                fields[3] = fields[3].astype(bool)
                yield fields, [bytes(g) for g in cols[7]]

        return _gpkg_response(batches(), AGG_CSV_HEADER[:4], stem, "Unknown")
