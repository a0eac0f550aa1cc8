"""GeoJSON map layer of reports built in PostGIS (one Feature rendered per row), keyset-paginated
(the view is maps.api.layers; exports stream the same Features).

Raw SQL on purpose: PostGIS renders each Feature (ST_AsGeoJSON(..., 6), json_build_object) so Python
only joins strings; serialising model instances one by one is an order of magnitude slower.

Form per row (reports.visibility; same as the public list unless the caller has full detail for
that report):
- public: the public point; sensitive categories are absent; no reporter, contact, tracking code or
  description.
- analysts/admins (all reports) and locality staff (their localities' reports): exact `location`,
  sensitive categories included.
"""

from __future__ import annotations

from geo.replicas import read_connection
from reports.visibility import ViewerScope, VisibleRows

from ..filters import MapFilters, report_where


def feature_sql(rows: VisibleRows) -> str:
    """SQL expression rendering one report (alias r, c, l, u) as a GeoJSON Feature text (EPSG:4326, 6 dp).

    Concatenated text rather than json_build_object: same JSON, compact, and about twice as fast;
    every text value goes through to_json() so it is escaped.
    """
    geom, privileged = rows.visible_point(), rows.privileged
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
    rows = report_where(filters, scope, points=True).and_where("r.id > %(after_id)s", after_id=after_id)
    if bbox:
        # Each row is tested with the point the caller may see, so a bbox never reveals an exact one.
        envelope = "ST_MakeEnvelope(%(b0)s, %(b1)s, %(b2)s, %(b3)s, 4326)"
        rows = rows.and_where(rows.visible_point_in(envelope), b0=bbox[0], b1=bbox[1], b2=bbox[2], b3=bbox[3])
    select = feature_sql(rows) if columns == "feature" else f"r.id, {feature_sql(rows)}"
    sql = f"SELECT {select} {FROM_SQL} WHERE {rows.where} ORDER BY r.id"  # noqa: S608
    if limit:
        sql += " LIMIT %(limit)s"
        return sql, rows.query_params(limit=limit)
    return sql, rows.query_params()


def report_layer_page(
    *, filters: MapFilters, scope: ViewerScope, bbox=None, after_id: int = 0, page_size: int = 1000
) -> tuple[str, int | None]:
    """(FeatureCollection JSON text, last id when another page may follow else None)."""
    sql, params = report_feature_rows(
        filters=filters, scope=scope, bbox=bbox, after_id=after_id, limit=page_size
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    last = fetched[-1][0] if len(fetched) == page_size else None
    return '{"type":"FeatureCollection","features":[' + ",".join(r[1] for r in fetched) + "]", last
