"""Demo reports: realistic, clearly marked (is_demo=True, description "[DEMO] …") and removable.

Where: each UPZ gets reports in proportion to its real Línea 123 incident counts
(incidentes/ir_upz_ene_may_2018_2026.geojson in BOGOTA_DATA_DIR); 65 % are spread uniformly inside
the UPZ polygon (ST_GeneratePoints), 35 % are jittered (σ 150 m, EPSG:9377) around the geocoded 123
calls of the NUSE sample in that UPZ, which gives real-looking hot spots.
What: the category mix per UPZ follows the counts of each 123 family, shared among our categories by
data/demo_category_weights.toml.
When: over the last 365 days, with a weekly (Fri/Sat high) and a daily rhythm (night-heavy for
fights, noise and drugs; day/evening for the rest).
Workflow: first response and closure delays drawn from log-normals scaled by the category's
response_days; statuses follow (resolved, closed, referred, in progress…).
Bulk: rows are generated with numpy, COPYed into a temporary table, located on the subdivided
boundary parts in SQL and inserted with one INSERT … SELECT (no ORM save per row). No history rows
(StatusChange) are written for demo reports.
"""

from __future__ import annotations

import csv
import json
import secrets
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import TRACKING_ALPHABET, TRACKING_LENGTH, Category
from .visibility import public_grid_metres, public_point_sql

DEMO_PREFIX = "[DEMO]"
WEIGHTS_PATH = Path(settings.BASE_DIR) / "data" / "demo_category_weights.toml"
IR_UPZ_FILE = Path("incidentes") / "ir_upz_ene_may_2018_2026.geojson"
NUSE_FILE = Path("incidentes") / "nuse_puntos_2014_01_muestra.csv"
DAYS = 365
JITTER_SHARE = 0.35
JITTER_METRES = 150.0
NIGHT_CATEGORIES = {"rina", "ruido", "consumo_sustancias", "pandillas", "armas_disparos", "expendio_drogas"}
# Relative frequency per local hour 0..23.
DAY_PROFILE = np.array(
    [2, 1.5, 1, 0.8, 0.8, 1.2, 2.5, 4, 5, 5.5, 6, 6.5, 7, 6.5, 6, 6, 6.5, 7.5, 8, 7.5, 6, 4.5, 3.5, 2.5]
)
NIGHT_PROFILE = np.array([7, 6, 5, 3.5, 2, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, 4, 4.5, 5, 6, 7, 8, 9, 9.5, 9, 8])
WEEKDAY_WEIGHTS = np.array([0.9, 0.9, 0.95, 1.0, 1.2, 1.35, 1.05])  # Monday..Sunday
BOGOTA_UTC_OFFSET_S = -5 * 3600  # America/Bogota has no daylight saving time


class DemoError(RuntimeError):
    """Demo data cannot be generated; the message says what to do."""


@dataclass(frozen=True)
class DemoResult:
    created: int
    seconds: float


def _say(log: Callable[[str], None] | None, message: str) -> None:
    if log:
        log(message)


def demo_weights_read(path: Path = WEIGHTS_PATH) -> dict:
    """The category mix file (data/demo_category_weights.toml) as a dict."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def demo_upz_weights(
    data_dir: Path, categories: dict[str, int], weights: dict
) -> dict[str, dict[int, float]]:
    """Expected share of demo reports per UPZ code ('75', 'UPR1') and category id, from the real
    Línea 123 counts per UPZ (the year in the weights file, January–May)."""
    path = Path(data_dir) / IR_UPZ_FILE
    if not path.exists():
        raise DemoError(f"No se encontró {path}: defina BOGOTA_DATA_DIR con la carpeta de datos oficiales.")
    yy = f"{int(weights.get('year', 2025)) % 100:02d}"
    with open(path, encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    out: dict[str, dict[int, float]] = {}
    for feature in features:
        props = feature["properties"]
        raw_code = str(props.get("CMIUUPLA") or "")
        if raw_code == "UPZ999" or feature.get("geometry") is None:
            continue  # "Sin localización": no place to put it
        code = raw_code.removeprefix("UPZ")
        row: dict[int, float] = {}
        total = 0.0
        for family, shares in weights.get("ir", {}).items():
            value = props.get(f"CM{family}{yy}CONT", props.get(f"CM{family}{yy}CON")) or 0
            total += float(value)
            for cat_code, share in shares.items():
                if cat_code in categories:
                    row[categories[cat_code]] = row.get(categories[cat_code], 0.0) + float(value) * share
        for cat_code, share in weights.get("extra", {}).items():
            if cat_code in categories:
                row[categories[cat_code]] = row.get(categories[cat_code], 0.0) + total * float(share)
        out[code] = row
    return out


def _nuse_points(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    path = Path(data_dir) / NUSE_FILE
    if not path.exists():
        return np.empty(0), np.empty(0)
    lons, lats = [], []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                lons.append(float(row["LONGITUD"]))
                lats.append(float(row["LATITUD"]))
            except (KeyError, ValueError):
                continue
    return np.array(lons), np.array(lats)


def _tracking_codes(n: int) -> np.ndarray:
    # Tracking codes are bearer secrets even for demo rows: drawn from a secret seed, not --seed.
    rng = np.random.default_rng(secrets.randbits(128))
    alphabet = np.array(list(TRACKING_ALPHABET))
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, TRACKING_LENGTH))]
    return np.ascontiguousarray(chars).view(f"<U{TRACKING_LENGTH}").ravel()


def _uniform_points(upz_ids: list[int], counts: list[int], seed: int) -> dict[int, np.ndarray]:
    # Raw SQL: ST_GeneratePoints inside each UPZ polygon, all UPZ in one statement.
    out: dict[int, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id, ST_X(d.geom), ST_Y(d.geom)
            FROM unnest(%s::bigint[], %s::int[]) AS t(id, n)
            JOIN localities_upz u ON u.id = t.id,
            LATERAL ST_Dump(ST_GeneratePoints(u.geom, t.n, %s)) AS d
            WHERE t.n > 0
            """,
            [upz_ids, counts, seed],
        )
        for upz_id, x, y in cursor.fetchall():
            out.setdefault(upz_id, []).append((x, y))
    return {k: np.array(v) for k, v in out.items()}


def demo_seed(
    *,
    n: int,
    seed: int | None = None,
    data_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
    refresh: bool = True,
) -> DemoResult:
    """Create `n` demo reports (EPSG:4326 points) in bulk, then refresh the map rollups.

    refresh=False leaves the rollups and ANALYZE to the caller (bench/growth.py seeds 10M reports in
    chunks and refreshes once, timing the refresh apart)."""
    from localities.models import Upz

    started = time.perf_counter()
    if n <= 0:
        raise DemoError("--reports debe ser un entero positivo.")
    data_dir = Path(data_dir or settings.BOGOTA_DATA_DIR or "")
    cats = {c.code: c for c in Category.objects.filter(active=True)}
    if not cats:
        raise DemoError("No hay categorías: ejecute primero `manage.py load_categories`.")
    upzs = {u.code: u for u in Upz.objects.current().defer("geom")}
    if not upzs:
        raise DemoError("No hay límites activos: ejecute primero `manage.py import_boundaries --commit`.")
    rng = np.random.default_rng(seed)
    weights = demo_upz_weights(data_dir, {c: cat.id for c, cat in cats.items()}, demo_weights_read())
    created_rows = 0
    # A few points can land outside every locality polygon (the UPZ and locality layers differ by
    # metres along some borders) and are skipped; a second, small batch tops the total up to n.
    for _attempt in range(3):
        if created_rows >= n:
            break
        created_rows += _demo_batch(
            n=n - created_rows, rng=rng, data_dir=data_dir, cats=cats, upzs=upzs, weights=weights, log=log
        )
    if refresh:
        _say(log, f"  {created_rows} reportes insertados; actualizando agregados de mapas…")
        _refresh_rollups()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_report")
    return DemoResult(created=created_rows, seconds=time.perf_counter() - started)


def _demo_batch(*, n, rng, data_dir, cats, upzs, weights, log) -> int:
    """Generate and insert up to n demo reports; returns how many were inserted."""
    from localities.selectors import locate_many

    # Expected share per (UPZ, category); units without 123 data get a small floor.
    upz_codes = sorted(upzs)
    cat_ids = sorted(cat.id for cat in cats.values())
    col = {cid: j for j, cid in enumerate(cat_ids)}
    matrix = np.zeros((len(upz_codes), len(cat_ids)))
    for i, code in enumerate(upz_codes):
        for cid, value in weights.get(code, {}).items():
            matrix[i, col[cid]] = value
    floor = max(matrix.sum(axis=1).mean() * 0.01, 1.0)
    empty = matrix.sum(axis=1) == 0
    matrix[empty, :] = floor / len(cat_ids)
    counts = rng.multinomial(n, (matrix / matrix.sum()).ravel()).reshape(matrix.shape)
    per_upz = counts.sum(axis=1)
    _say(log, f"Generando {n} reportes de demostración en {int((per_upz > 0).sum())} UPZ/UPR…")

    # Anchors for the jittered share: the NUSE sample calls, located in our UPZ.
    nuse_lon, nuse_lat = _nuse_points(data_dir)
    anchors: dict[int, np.ndarray] = {}
    if len(nuse_lon):
        located = locate_many(list(zip(nuse_lon.tolist(), nuse_lat.tolist(), strict=True)))
        for k, (_loc, upz_id) in enumerate(located):
            if upz_id is not None:
                anchors.setdefault(upz_id, []).append(k)
    import pyproj

    to_metric = pyproj.Transformer.from_crs(4326, 9377, always_xy=True)
    to_geo = pyproj.Transformer.from_crs(9377, 4326, always_xy=True)

    n_uniform: list[int] = []
    n_jitter: list[int] = []
    for i, code in enumerate(upz_codes):
        has_anchor = upzs[code].id in anchors
        jitter = int(rng.binomial(per_upz[i], JITTER_SHARE)) if has_anchor else 0
        n_jitter.append(jitter)
        n_uniform.append(int(per_upz[i]) - jitter)
    uniform = _uniform_points([upzs[c].id for c in upz_codes], n_uniform, int(rng.integers(1, 2**31 - 1)))

    lon_parts, lat_parts, fb_lon_parts, fb_lat_parts, cat_parts = [], [], [], [], []
    for i, code in enumerate(upz_codes):
        total = int(per_upz[i])
        if total == 0:
            continue
        upz_id = upzs[code].id
        pts = uniform.get(upz_id, np.empty((0, 2)))
        lon, lat = pts[:, 0], pts[:, 1]
        fb_lon, fb_lat = lon, lat
        if n_jitter[i]:
            idx = np.array(anchors[upz_id])[rng.integers(0, len(anchors[upz_id]), n_jitter[i])]
            ax, ay = to_metric.transform(nuse_lon[idx], nuse_lat[idx])
            jx = ax + rng.normal(0, JITTER_METRES, n_jitter[i])
            jy = ay + rng.normal(0, JITTER_METRES, n_jitter[i])
            jlon, jlat = to_geo.transform(jx, jy)
            lon, lat = np.concatenate([lon, jlon]), np.concatenate([lat, jlat])
            fb_lon, fb_lat = np.concatenate([fb_lon, nuse_lon[idx]]), np.concatenate([fb_lat, nuse_lat[idx]])
        cats_here = np.repeat(np.array(cat_ids), counts[i])
        rng.shuffle(cats_here)
        m = min(len(lon), len(cats_here))
        lon_parts.append(lon[:m])
        lat_parts.append(lat[:m])
        fb_lon_parts.append(fb_lon[:m])
        fb_lat_parts.append(fb_lat[:m])
        cat_parts.append(cats_here[:m])
    lon = np.concatenate(lon_parts)
    lat = np.concatenate(lat_parts)
    fb_lon = np.concatenate(fb_lon_parts)
    fb_lat = np.concatenate(fb_lat_parts)
    category = np.concatenate(cat_parts)
    total = len(lon)

    # When: day weighted by weekday, hour by the category's daily profile.
    by_id = {cat.id: cat for cat in cats.values()}
    now = timezone.now()
    now_s = now.timestamp()
    local_today = int((now_s + BOGOTA_UTC_OFFSET_S) // 86400)
    days = np.arange(local_today - DAYS + 1, local_today + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (3 with Monday = 0)
    day_w = WEEKDAY_WEIGHTS[weekday] / WEEKDAY_WEIGHTS[weekday].sum()
    day = rng.choice(days, size=total, p=day_w)
    night = np.isin(category, [cats[c].id for c in NIGHT_CATEGORIES if c in cats])
    hour = np.where(
        night,
        rng.choice(24, size=total, p=NIGHT_PROFILE / NIGHT_PROFILE.sum()),
        rng.choice(24, size=total, p=DAY_PROFILE / DAY_PROFILE.sum()),
    )
    created = day * 86400.0 - BOGOTA_UTC_OFFSET_S + hour * 3600 + rng.uniform(0, 3600, total)
    created = np.where(created > now_s - 60, created - 86400, created)
    occurred = created - np.minimum(rng.exponential(2 * 3600, total), 3 * 86400)

    # Workflow: delays scale with the category's expected response days.
    resp_days = np.array([by_id[c].response_days for c in cat_ids], dtype=float)
    expected = resp_days[np.searchsorted(cat_ids, category)] * 86400
    first_delay = rng.lognormal(np.log(expected * 0.3), 1.0)
    answered = (rng.random(total) < 0.9) & (created + first_delay < now_s)
    close_delay = first_delay + rng.lognormal(np.log(expected * 1.2), 0.8)
    closed = answered & (rng.random(total) < 0.85) & (created + close_delay < now_s)
    status = np.full(total, "received", dtype=object)
    open_answered = answered & ~closed
    status[open_answered] = rng.choice(["in_review", "referred", "in_progress"], open_answered.sum())
    status[closed] = rng.choice(
        ["resolved", "closed_no_action", "duplicate", "rejected"], closed.sum(), p=[0.68, 0.2, 0.07, 0.05]
    )
    responsible = np.array([by_id[c].responsible for c in cat_ids], dtype=object)[
        np.searchsorted(cat_ids, category)
    ]
    referred_to = np.where(status == "referred", responsible, "")
    channel = rng.choice(["web", "app", "open311"], total, p=[0.55, 0.4, 0.05])
    supports = rng.geometric(0.6, total) - 1
    codes = _tracking_codes(total)
    names = {cid: by_id[cid].name_es for cid in cat_ids}

    def ts(values: np.ndarray, mask: np.ndarray | None = None):
        out = [f"{v:.3f}" for v in values]
        if mask is not None:
            out = [v if m else None for v, m in zip(out, mask, strict=True)]
        return out

    c_created = ts(created)
    c_occurred = ts(occurred)
    c_first = ts(created + first_delay, answered)
    c_closed = ts(created + close_delay, closed)

    with transaction.atomic(), connection.cursor() as cursor:
        # Inside an outer transaction (tests) ON COMMIT DROP waits for the outer commit.
        cursor.execute("DROP TABLE IF EXISTS demo_stage, demo_geo, demo_loc, demo_upz")
        cursor.execute(
            """
            CREATE TEMPORARY TABLE demo_stage (
                ord bigint, lon float8, lat float8, fb_lon float8, fb_lat float8, category_id bigint,
                created_s float8, occurred_s float8, first_s float8, closed_s float8, status text,
                referred_to text, channel text, supports int, tracking_code text, description text
            ) ON COMMIT DROP
            """
        )
        with cursor.cursor.copy("COPY demo_stage FROM STDIN") as copy:
            for k in range(total):
                cid = int(category[k])
                copy.write_row(
                    (
                        k,
                        float(lon[k]),
                        float(lat[k]),
                        float(fb_lon[k]),
                        float(fb_lat[k]),
                        cid,
                        c_created[k],
                        c_occurred[k],
                        c_first[k],
                        c_closed[k],
                        status[k],
                        referred_to[k],
                        channel[k],
                        int(supports[k]),
                        codes[k],
                        f"{DEMO_PREFIX} {names[cid]}: reporte de demostración generado automáticamente, "
                        "no corresponde a un caso real.",
                    )
                )
        _say(log, f"  {total} filas preparadas; ubicando en localidades y UPZ…")
        # Raw SQL: locate every point on the subdivided parts in one pass (as locate_many does), with
        # the fallback anchor for jittered points that fell outside Bogotá.
        cursor.execute(
            """
            CREATE TEMPORARY TABLE demo_geo ON COMMIT DROP AS
            SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom FROM demo_stage;
            CREATE INDEX ON demo_geo USING gist (geom);
            ANALYZE demo_geo;
            """
        )
        locate_sql = """
            CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS
            WITH active AS (SELECT id FROM localities_boundaryversion WHERE active)
            SELECT DISTINCT ON (g.ord) g.ord, l.id AS locality_id, l.code
            FROM localities_localitypart p
            JOIN demo_geo g ON ST_Covers(p.geom, g.geom)
            JOIN localities_locality l ON l.id = p.locality_id
            WHERE p.version_id = (SELECT id FROM active)
            ORDER BY g.ord, l.code;
            CREATE UNIQUE INDEX ON {table} (ord);
        """
        cursor.execute(locate_sql.format(table="demo_loc"))
        # Points outside every locality (jitter across the city edge) go back to their anchor.
        cursor.execute(
            """
            UPDATE demo_geo g SET geom = ST_SetSRID(ST_MakePoint(s.fb_lon, s.fb_lat), 4326)
            FROM demo_stage s WHERE s.ord = g.ord AND NOT EXISTS (SELECT 1 FROM demo_loc d WHERE d.ord = g.ord)
            """
        )
        if cursor.rowcount:
            cursor.execute("DROP TABLE demo_loc")
            cursor.execute(locate_sql.format(table="demo_loc"))
        cursor.execute(
            """
            CREATE TEMPORARY TABLE demo_upz ON COMMIT DROP AS
            WITH active AS (SELECT id FROM localities_boundaryversion WHERE active)
            SELECT DISTINCT ON (g.ord) g.ord, u.id AS upz_id
            FROM localities_upzpart p
            JOIN demo_geo g ON ST_Covers(p.geom, g.geom)
            JOIN localities_upz u ON u.id = p.upz_id
            WHERE p.version_id = (SELECT id FROM active)
            ORDER BY g.ord, u.code;
            CREATE UNIQUE INDEX ON demo_upz (ord);
            """
        )
        # Public point: reports.visibility's rule, in SQL for the bulk insert.
        public = public_point_sql("g.geom", "c.sensitive")
        cursor.execute(
            f"""
            INSERT INTO reports_report (
                tracking_code, category_id, description, location, public_location, locality_id, upz_id,
                occurred_at, created_at, updated_at, channel, status, referred_to, hidden,
                moderation_reason, first_response_at, closed_at, support_count, is_demo
            )
            SELECT s.tracking_code, s.category_id, s.description, g.geom,
                   {public},
                   l.locality_id, u.upz_id,
                   to_timestamp(s.occurred_s), to_timestamp(s.created_s),
                   greatest(to_timestamp(s.created_s), coalesce(to_timestamp(s.closed_s), to_timestamp(s.first_s),
                            to_timestamp(s.created_s))),
                   s.channel, s.status, s.referred_to, false, '',
                   to_timestamp(s.first_s), to_timestamp(s.closed_s), s.supports, true
            FROM demo_stage s
            JOIN demo_geo g ON g.ord = s.ord
            JOIN demo_loc l ON l.ord = s.ord
            LEFT JOIN demo_upz u ON u.ord = s.ord
            JOIN reports_category c ON c.id = s.category_id
            ON CONFLICT (tracking_code) DO NOTHING
            """,  # noqa: S608 (the interpolated fragment is fixed SQL from reports.visibility)
            {"public_grid": float(public_grid_metres())},
        )
        created_rows = cursor.rowcount
    return created_rows


def _refresh_rollups() -> None:
    from maps.services import rollups_refresh

    rollups_refresh(full=True)


def demo_remove() -> int:
    """Delete every demo report (is_demo=True) and what hangs from it; returns how many reports."""
    # Raw SQL: Django's cascade would load up to a million rows; the dependents are few tables.
    with transaction.atomic(), connection.cursor() as cursor:
        demo = "SELECT id FROM reports_report WHERE is_demo"
        for table in (
            "reports_reportphoto",
            "reports_reportcontact",
            "reports_statuschange",
            "reports_response",
            "reports_support",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE report_id IN ({demo})")  # noqa: S608 (fixed names)
        cursor.execute(f"UPDATE reports_report SET duplicate_of_id = NULL WHERE duplicate_of_id IN ({demo})")  # noqa: S608
        cursor.execute("DELETE FROM reports_report WHERE is_demo")
        removed = cursor.rowcount
    _refresh_rollups()
    return removed
