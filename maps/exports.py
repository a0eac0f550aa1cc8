"""Exports for planners: reports and aggregates as GeoJSON (RFC 7946), CSV or GeoPackage.

Who may export: anyone (AllowAny). The public form is public data (generalised points, sensitive
categories without geometry, small aggregates suppressed). Exact points need a role: analysts and
admins for every report, locality staff for their localities' reports. No export ever carries the
reporter's identity, contact or tracking code.

GeoJSON streams the Features PostGIS renders through COPY … TO STDOUT; CSV streams from a server-side
cursor (connection.chunked_cursor). Either way memory stays flat in the number of reports. GeoPackage is written in chunks with pyogrio
to a temporary file, deleted once sent.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile

import numpy as np
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from reports.throttles import ThrottleMessageMixin

from .filters import MapFilters, MapFilterSerializer, ViewerScope, public_min_count, report_where
from .layers import FROM_SQL, report_feature_rows, visible_geom_sql

CHUNK_ROWS = 2000
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


# --- selectors (raw SQL: rows rendered by PostGIS for streaming; see module docstring) -----------
def report_csv_rows_sql(filters: MapFilters, scope: ViewerScope) -> tuple[str, dict]:
    """(sql, params): one row per report in the public or exact form; lon/lat EPSG:4326 rounded to 6 dp."""
    where, params, privileged = report_where(filters, scope)
    geom = visible_geom_sql(privileged)
    sql = f"""
    SELECT r.id, c.code, r.status,
           to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           l.code, u.code, c.sensitive, {privileged},
           round(ST_X({geom})::numeric, 6), round(ST_Y({geom})::numeric, 6)
    {FROM_SQL} WHERE {where} ORDER BY r.id
    """  # noqa: S608
    return sql, params


def aggregate_rows_sql(
    level: str, filters: MapFilters, scope: ViewerScope, cell: int = 500
) -> tuple[str, dict]:
    """(sql, params) of (code, name, count, suppressed, geometry GeoJSON text 6 dp, lon, lat of centroid).

    level locality|upz: the unit's boundary; grid: squares of `cell` metres in EPSG:9377. For callers
    without full detail, localities/UPZ whose count is below k have count null and suppressed true;
    such grid cells are left out (their position alone would reveal the few reports).
    """
    where, params, privileged = report_where(filters, scope)
    params["k"] = public_min_count()
    params["cell"] = cell
    if level == "grid":
        sql = f"""
        WITH pts AS (
            SELECT floor(ST_X(ST_Transform(r.location, 9377)) / %(cell)s)::bigint AS a,
                   floor(ST_Y(ST_Transform(r.location, 9377)) / %(cell)s)::bigint AS b,
                   {privileged} AS priv
            {FROM_SQL} WHERE {where}
        ),
        agg AS (SELECT a, b, count(*) AS n, bool_or(priv) AS priv FROM pts GROUP BY a, b),
        shaped AS (
            SELECT a || ':' || b AS code, NULL::text AS name, n, priv,
                   ST_Transform(ST_MakeEnvelope(a * %(cell)s, b * %(cell)s, (a + 1) * %(cell)s,
                                                (b + 1) * %(cell)s, 9377), 4326) AS geom
            FROM agg
        )
        """  # noqa: S608
    else:
        unit = "l" if level == "locality" else "u"
        table = "localities_locality" if level == "locality" else "localities_upz"
        key = "r.locality_id" if level == "locality" else "r.upz_id"
        sql = f"""
        WITH agg AS (
            SELECT {key} AS unit_id, count(*) AS n, bool_or({privileged}) AS priv
            {FROM_SQL} WHERE {where} AND {key} IS NOT NULL GROUP BY {key}
        ),
        shaped AS (
            SELECT {unit}.code, {unit}.name, agg.n, agg.priv, {unit}.geom
            FROM agg JOIN {table} {unit} ON {unit}.id = agg.unit_id
        )
        """  # noqa: S608
    sql += """
    SELECT code, name,
           CASE WHEN priv OR n >= %(k)s THEN n END AS count,
           NOT (priv OR n >= %(k)s) AS suppressed,
           ST_AsGeoJSON(geom, 6),
           round(ST_X(ST_PointOnSurface(geom))::numeric, 6), round(ST_Y(ST_PointOnSurface(geom))::numeric, 6),
           ST_AsBinary(geom)
    FROM shaped {keep} ORDER BY code
    """.replace("{keep}", "WHERE priv OR n >= %(k)s" if level == "grid" else "")
    return sql, params


def stream_batches(sql: str, params: dict):
    """Lists of rows from a server-side cursor, CHUNK_ROWS at a time (memory flat in N)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(CHUNK_ROWS)
            if not rows:
                break
            yield rows


_COPY_ESCAPES = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_COPY_ESCAPE_RE = re.compile(rb"\\(.)")


def copy_text_batches(sql: str, params: dict, size: int = CHUNK_ROWS):
    """Lists of the single text column of `sql` (as bytes), streamed with COPY … TO STDOUT.

    COPY sends rows as they are produced without a cursor's FETCH round trips or per-row parsing,
    so streaming ~1M Features costs about what the bare query costs; memory stays flat in N.
    COPY's text format backslash-escapes some characters; rows holding a backslash are unescaped.
    """
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        batch = []
        for data in copy:
            row = bytes(data)[:-1]  # one CopyData message per row, newline-terminated
            if b"\\" in row:
                row = _COPY_ESCAPE_RE.sub(lambda m: _COPY_ESCAPES[m.group(1)], row)
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def stream_rows(sql: str, params: dict):
    """Rows from a server-side cursor (see stream_batches)."""
    for rows in stream_batches(sql, params):
        yield from rows


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


# --- views ------------------------------------------------------------------------------------------
class ExportQuerySerializer(MapFilterSerializer):
    pass


class AggregateQuerySerializer(MapFilterSerializer):
    level = serializers.ChoiceField(choices=["locality", "upz", "grid"], default="locality")
    cell = serializers.IntegerField(
        required=False, default=500, min_value=100, max_value=5000, help_text="Metros (grid), 100..5000."
    )


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
        parameters=[FORMAT_PARAM, ExportQuerySerializer],
        responses=EXPORT_RESPONSES,
        description=(
            "Exporta reportes (GeoJSON y CSV en streaming; GeoPackage). Forma pública para todos; punto "
            "exacto para analistas/administradores y para el personal de la localidad en sus reportes. "
            "Nunca incluye identidad, contacto ni código de seguimiento."
        ),
    )
    def get(self, request, fmt: str):
        if fmt not in FORMATS:
            raise NotFound("Formato no disponible: use geojson, csv o gpkg.")
        params = ExportQuerySerializer(data=request.query_params)
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
            "Conteos por localidad, UPZ o celda de grilla (cell metros, EPSG:9377). Para el público las "
            "unidades con menos de k reportes (PUBLIC_MIN_COUNT) salen con count nulo y suppressed=true."
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
            import json

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
