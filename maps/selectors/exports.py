"""Rows of the exports (the views are maps.api.exports): reports and aggregates, rendered by PostGIS
and streamed so memory stays flat in the number of reports.

Raw SQL on purpose: Features and CSV rows are rendered by PostGIS (ST_AsGeoJSON, rounding) and
streamed through COPY … TO STDOUT or a server-side cursor; the ORM would build model instances.
What each caller sees follows reports.visibility (public points, no sensitive categories as points,
cells below k absent).
"""

from __future__ import annotations

import re

from geo.replicas import read_connection
from reports.visibility import ViewerScope, public_grid_metres, public_min_count

from ..filters import MapFilters, report_where
from .layers import FROM_SQL

CHUNK_ROWS = 2000


def report_csv_rows_sql(filters: MapFilters, scope: ViewerScope) -> tuple[str, dict]:
    """(sql, params): one row per report in the public or exact form; lon/lat EPSG:4326 rounded to 6 dp."""
    rows = report_where(filters, scope, points=True)
    where, privileged, geom = rows.where, rows.privileged, rows.visible_point()
    sql = f"""
    SELECT r.id, c.code, r.status,
           to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           l.code, u.code, c.sensitive, {privileged},
           round(ST_X({geom})::numeric, 6), round(ST_Y({geom})::numeric, 6)
    {FROM_SQL} WHERE {where} ORDER BY r.id
    """  # noqa: S608
    return sql, rows.query_params()


def aggregate_rows_sql(
    level: str, filters: MapFilters, scope: ViewerScope, cell: int = 500
) -> tuple[str, dict]:
    """(sql, params) of (code, name, count, suppressed, geometry GeoJSON text 6 dp, lon, lat of centroid).

    level locality|upz: the unit's boundary; for callers without full detail, units whose count is
    below k have count null and suppressed true. grid: squares of `cell` metres (a multiple of the
    public grid g) in EPSG:9377, counted at the point each caller may see (reports.visibility: the
    public point, no sensitive categories, unless full detail) and shifted by g/2 as the heatmap's
    (maps.selectors.grid); cells below k are left out (their position alone would reveal the few
    reports).
    """
    rows = report_where(filters, scope, points=level == "grid")
    where, privileged = rows.where, rows.privileged
    params = rows.query_params(k=public_min_count(), cell=cell, half=public_grid_metres() / 2)
    if level == "grid":
        sql = f"""
        WITH vis AS (
            SELECT ST_Transform({rows.visible_point()}, 9377) AS g, {privileged} AS priv
            {FROM_SQL} WHERE {where}
        ),
        pts AS (
            SELECT floor((ST_X(g) + %(half)s) / %(cell)s)::bigint AS a,
                   floor((ST_Y(g) + %(half)s) / %(cell)s)::bigint AS b, priv
            FROM vis
        ),
        -- A cell shows below k only when every report in it is one the caller sees in full.
        agg AS (SELECT a, b, count(*) AS n, bool_and(priv) AS priv FROM pts GROUP BY a, b),
        shaped AS (
            SELECT a || ':' || b AS code, NULL::text AS name, n, priv,
                   ST_Transform(ST_MakeEnvelope(a * %(cell)s - %(half)s, b * %(cell)s - %(half)s,
                                                (a + 1) * %(cell)s - %(half)s, (b + 1) * %(cell)s - %(half)s,
                                                9377), 4326) AS geom
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
    with read_connection().chunked_cursor() as cursor:
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
    with read_connection().cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
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
