"""GeoJSON map layer of reports built in PostGIS (one Feature rendered per row), keyset-paginated.

Raw SQL on purpose: PostGIS renders each Feature (ST_AsGeoJSON(..., 6), json_build_object) so Python
only joins strings; serialising model instances one by one is an order of magnitude slower.

Form per row (same as the public list unless the caller has full detail for that report):
- public: generalised `public_location`; sensitive categories with geometry null; no reporter,
  contact, tracking code or description.
- analysts/admins (all reports) and locality staff (their localities' reports): exact `location`.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .filters import MapFilters, MapFilterSerializer, ViewerScope, report_where

MAX_PAGE_SIZE = 10000


def visible_geom_sql(privileged: str) -> str:
    """The point a caller may see of report r: exact where privileged, else none for sensitive
    categories and the generalised point for the rest (layers and exports)."""
    return f"CASE WHEN {privileged} THEN r.location WHEN c.sensitive THEN NULL ELSE r.public_location END"


def feature_sql(privileged: str) -> str:
    """SQL expression rendering one report (alias r, c, l, u) as a GeoJSON Feature text (EPSG:4326, 6 dp).

    Concatenated text rather than json_build_object: same JSON, compact, and about twice as fast;
    every text value goes through to_json() so it is escaped.
    """
    geom = visible_geom_sql(privileged)
    return f"""('{{"type":"Feature","id":' || r.id
        || ',"geometry":' || coalesce(ST_AsGeoJSON({geom}, 6), 'null')
        || ',"properties":{{"id":' || r.id
        || ',"category":' || to_json(c.code)::text
        || ',"status":' || to_json(r.status)::text
        || ',"created_at":"' || to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        || '","locality":' || to_json(l.code)::text
        || ',"upz":' || coalesce(to_json(u.code)::text, 'null')
        || ',"sensitive":' || c.sensitive::text
        || ',"exact":' || ({privileged})::text || '}}}}')"""


FROM_SQL = """
    FROM reports_report r
    JOIN reports_category c ON c.id = r.category_id
    JOIN localities_locality l ON l.id = r.locality_id
    LEFT JOIN localities_upz u ON u.id = r.upz_id
"""


def report_feature_rows(
    *,
    filters: MapFilters,
    scope: ViewerScope,
    bbox: tuple[float, float, float, float] | None = None,
    after_id: int = 0,
    limit: int | None = None,
    columns: str = "id, feature",
) -> tuple[str, dict]:
    """(sql, params) selecting (id, feature_text) ordered by id; bbox lon/lat EPSG:4326 on location.

    columns="feature" selects the Feature text alone (for COPY).
    """
    where, params, privileged = report_where(filters, scope)
    conds = [where, "r.id > %(after_id)s"]
    params["after_id"] = after_id
    if bbox:
        # Each row is tested with the point the caller may see, so a bbox never reveals an exact one.
        envelope = "ST_MakeEnvelope(%(b0)s, %(b1)s, %(b2)s, %(b3)s, 4326)"
        conds.append(
            f"(({privileged} AND r.location && {envelope})"
            f" OR (NOT {privileged} AND r.public_location && {envelope}))"
        )
        params.update(b0=bbox[0], b1=bbox[1], b2=bbox[2], b3=bbox[3])
    select = feature_sql(privileged) if columns == "feature" else f"r.id, {feature_sql(privileged)}"
    sql = f"SELECT {select} {FROM_SQL} WHERE {' AND '.join(conds)} ORDER BY r.id"  # noqa: S608
    if limit:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    return sql, params


def report_layer_page(
    *, filters: MapFilters, scope: ViewerScope, bbox=None, after_id: int = 0, page_size: int = 1000
) -> tuple[str, int | None]:
    """(FeatureCollection JSON text, last id when another page may follow else None)."""
    sql, params = report_feature_rows(
        filters=filters, scope=scope, bbox=bbox, after_id=after_id, limit=page_size
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    last = rows[-1][0] if len(rows) == page_size else None
    return '{"type":"FeatureCollection","features":[' + ",".join(r[1] for r in rows) + "]", last


class BBoxField(serializers.CharField):
    """minlon,minlat,maxlon,maxlat in EPSG:4326."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            parts = tuple(float(p) for p in text.split(","))
        except ValueError:
            parts = ()
        if (
            len(parts) != 4
            or not (-180 <= parts[0] < parts[2] <= 180)
            or not (-90 <= parts[1] < parts[3] <= 90)
        ):
            raise serializers.ValidationError(
                "bbox debe ser minlon,minlat,maxlon,maxlat en grados (p. ej. -74.2,4.5,-74.0,4.8)."
            )
        return parts


class LayerQuerySerializer(MapFilterSerializer):
    page_size = serializers.IntegerField(
        required=False, default=1000, min_value=1, max_value=MAX_PAGE_SIZE, help_text="1..10000."
    )
    cursor = serializers.IntegerField(
        required=False, default=0, min_value=0, help_text="Valor de `next_cursor` de la página anterior."
    )
    bbox = BBoxField(required=False, help_text="minlon,minlat,maxlon,maxlat (EPSG:4326).")


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
            "generalizado, categorías sensibles sin geometría, sin datos del reportante. Analistas y "
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
