"""Seed, fetch and parse helpers of the public-output privacy test (tests/test_public_outputs.py).

The seed is laid out in metres of EPSG:9377 around ORIGIN, a node that is a multiple of 10 km on both
axes, inside locality 01 / UPZ 1 of the toy territory (tests/factories.py). Because ORIGIN is a
multiple of every grid size dividing 10 km, a report moved from one side of it to the other crosses
the cell edges of those grids while keeping its public (100 m) point.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import mapbox_vector_tile
import pyogrio
import pyproj
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.utils import timezone

from geo.spatial import make_point
from localities.selectors import locate_point
from reports.models import Report
from reports.services import public_point

ORIGIN = (4880000.0, 2070000.0)  # EPSG:9377
_TO_GEO = pyproj.Transformer.from_crs(9377, 4326, always_xy=True)
_TO_METRIC = pyproj.Transformer.from_crs(4326, 9377, always_xy=True)

# Strings that must never appear in a public output (rule 4); each is unique to this seed.
REPORTER = {
    "username": "reportera_fuga_q7",
    "email": "reportera.fuga.q7@example.org",
    "first_name": "Quiteria",
    "last_name": "Fugadatos",
}
CONTACT = {
    "name": "Zacarias Pruebafuga",
    "email": "contacto.fuga.z9@example.org",
    "phone": "+57 300 555 0199",
}
SENSITIVE_MARK = "SENSIBLE-TEXTO-UNICO-{n}-"  # ASCII, so JSON/XML/HTML escaping cannot hide it
SENSITIVE_TEXT = SENSITIVE_MARK + " la víctima vive en la casa azul"
PUBLIC_TEXT = "Robo de celular cerca del parque {n}"


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """EPSG:9377 metres → (lon, lat) EPSG:4326."""
    return _TO_GEO.transform(x, y)


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    """(lon, lat) EPSG:4326 → EPSG:9377 metres."""
    return _TO_METRIC.transform(lon, lat)


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two (lon, lat) points, measured in EPSG:9377."""
    (ax, ay), (bx, by) = to_metric(*a), to_metric(*b)
    return math.hypot(ax - bx, ay - by)


def at(dx: float, dy: float) -> tuple[float, float]:
    """(lon, lat) of ORIGIN + (dx, dy) metres."""
    return to_lonlat(ORIGIN[0] + dx, ORIGIN[1] + dy)


# (key, sensitive, metres east, metres north of ORIGIN, metres to move in the sensitive scenario).
# Non-sensitive reports lie 10–47 m from a node of the 100 m public grid and are later mirrored
# through that node (same public point, other side of every cell edge through the node).
LAYOUT = [
    # a cluster of k+1 non-sensitive reports around ORIGIN itself
    ("n_cluster_1", False, 20, 25, None),
    ("n_cluster_2", False, 30, 15, None),
    ("n_cluster_3", False, 35, 40, None),
    ("n_cluster_4", False, 12, 33, None),
    # a cluster of 4 sensitive reports within 30 m, moved 1.2 km north
    ("s_cluster_1", True, 710, 310, (0, 1200)),
    ("s_cluster_2", True, 722, 318, (0, 1200)),
    ("s_cluster_3", True, 731, 327, (0, 1200)),
    ("s_cluster_4", True, 716, 334, (0, 1200)),
    # a single sensitive report with k-1 non-sensitive ones ~70 m away (another public cell): any
    # cluster or cell holding the three reaches k only because of the sensitive one
    ("s_single", True, -587, -483, (0, -1200)),
    ("n_pair_1", False, -522, -447, None),
    ("n_pair_2", False, -518, -441, None),
    # non-sensitive singles
    ("n_single_1", False, 1318, -906, None),
    ("n_single_2", False, -1027, 788, None),
]


@dataclass
class Seed:
    """The seeded reports, by key, and the strings that must stay private."""

    reports: dict[str, Report]
    sensitive_category: str
    public_category: str
    secrets: list[str] = field(default_factory=list)

    def sensitive(self) -> list[Report]:
        return [r for r in self.reports.values() if r.category.sensitive]

    def non_sensitive(self) -> list[Report]:
        return [r for r in self.reports.values() if not r.category.sensitive]


def seed_reports(*, sensitive_category, public_category) -> Seed:
    """Create the LAYOUT reports through reports.services.report_create (real locality, UPZ, public point).

    The first report of each kind has a registered reporter and saved contact details.
    """
    from reports.services import report_create

    reporter = get_user_model().objects.create_user(password="clave-fuga-123", **REPORTER)
    reports: dict[str, Report] = {}
    for index, (key, sensitive, dx, dy, _move) in enumerate(LAYOUT):
        category = sensitive_category if sensitive else public_category
        first_of_kind = key in ("n_cluster_1", "s_cluster_1", "s_single")
        reports[key] = report_create(
            category=category,
            description=(SENSITIVE_TEXT if sensitive else PUBLIC_TEXT).format(n=index),
            location=make_point(*at(dx, dy)),
            occurred_at=timezone.now() - timedelta(hours=2),
            reporter=reporter if first_of_kind else None,
            contact={**CONTACT, "consent": True} if first_of_kind else None,
        )
    secrets = [*REPORTER.values(), *CONTACT.values(), *(r.tracking_code for r in reports.values())]
    secrets += [
        SENSITIVE_MARK.format(n=index)
        for index, row in enumerate(LAYOUT)
        if row[1]  # sensitive rows
    ]
    return Seed(reports, sensitive_category.code, public_category.code, secrets)


def move_report(report: Report, lonlat: tuple[float, float]) -> None:
    """Move a report's exact point as a correction by staff would: new exact and public point, same
    locality and UPZ (asserted), updated_at bumped so incremental refreshes see it."""
    point = make_point(*lonlat)
    located = locate_point(point)
    assert located is not None and located.upz.pk == report.upz_id, f"{report} would leave its UPZ"
    Report.objects.filter(pk=report.pk).update(
        location=point,
        public_location=public_point(point=point, sensitive=report.category.sensitive),
        updated_at=timezone.now(),
    )
    report.refresh_from_db()


def mirrored_in_public_cell(report: Report) -> tuple[float, float]:
    """The exact point mirrored through its public grid node: same public point, other quadrant."""
    node = to_metric(report.public_location.x, report.public_location.y)
    x, y = to_metric(report.location.x, report.location.y)
    return to_lonlat(2 * node[0] - x, 2 * node[1] - y)


def snapped(lonlat: tuple[float, float]) -> tuple[float, float]:
    """The public grid node of a point, as the platform computes it for non-sensitive reports."""
    point = public_point(point=Point(*lonlat, srid=4326), sensitive=False)
    return point.x, point.y


# --- tiles ------------------------------------------------------------------------------------------
def tile_of(lonlat: tuple[float, float], z: int) -> tuple[int, int]:
    """XYZ (Web Mercator) tile holding (lon, lat) at zoom z."""
    lon, lat = lonlat
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_pixel_to_lonlat(z: int, x: int, y: int, px: float, py: float, extent: int = 4096):
    """(lon, lat) of tile-space coordinates (origin top-left, `extent` units per tile)."""
    n = 2**z
    lon = (x + px / extent) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + py / extent) / n))))
    return lon, lat


def tiles_around(points, z: int, ring: int) -> list[tuple[int, int]]:
    """Tiles at zoom z holding any of `points`, with `ring` tiles around each."""
    found = set()
    for lonlat in points:
        tx, ty = tile_of(lonlat, z)
        for dx in range(-ring, ring + 1):
            for dy in range(-ring, ring + 1):
                found.add((tx + dx, ty + dy))
    return sorted(found)


# --- fetching and parsing ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Fetch:
    """One anonymous GET of a public output.

    `cells`: the body lists aggregate cells or clusters, each of which must hold >= k reports.
    `coarse`: those cells are >= 1 km, where sensitive reports may be counted (rule 2); such outputs
    may change when a sensitive report moves inside its UPZ.
    """

    path: str
    params: tuple[tuple[str, str], ...] = ()
    cells: bool = False
    coarse: bool = False
    tile: tuple[int, int, int] | None = None
    statuses: tuple[int, ...] = (200,)

    @property
    def label(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return self.path + (f"?{query}" if query else "")


@dataclass
class Output:
    """What one fetch returned: status, a comparable form, a text form (grepped for secrets), the
    points it writes (lon, lat; vertices of areas such as cells and boundaries left out: where an
    area may be is the business of the differential checks), and the counts of its aggregate cells."""

    status: int
    canonical: object
    text: str
    cell_counts: list = field(default_factory=list)
    places: list | None = None  # None: every point written in `text`

    def __post_init__(self):
        if self.places is None:
            self.places = places_in(self.text)


_FLOAT = re.compile(r"-?\d+\.\d+")
# Volatile parts of HTML pages, replaced before comparing (and only those):
# folium names every map element with a random 32-hex id; the council brief prints when it was made;
# a signed-in caller's pages carry their own CSRF token and account links.
_HTML_VOLATILE = [
    (re.compile(r"[0-9a-f]{32}"), "<id>"),
    (re.compile(r"Generado el [0-9/]+ [0-9:]+"), "Generado el <fecha>"),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken" value="<csrf>"'),
    # the citizen pages' header holds only navigation, whose account links depend on who is signed in
    (re.compile(r'<header class="top">.*?</header>', re.S), '<header class="top"><nav/></header>'),
    # a proposal page's moderation forms, shown to who may moderate it (the proposal's own public
    # title and text, nothing about reports; tests/participation/test_citizen_pages.py checks who sees them)
    (re.compile(r'<section class="panel staff-panel".*?</section>', re.S), ""),
]


# Volatile fields of report documents, blanked before comparing (and only those): a move bumps the
# report's update time, which Open311 publishes as updated_datetime.
_VOLATILE_FIELDS = ("updated_datetime",)
_VOLATILE_XML = [(re.compile(rf"<{f}>[^<]*</{f}>"), f"<{f}/>") for f in _VOLATILE_FIELDS]


def _blank_volatile(data):
    if isinstance(data, dict):
        return {k: None if k in _VOLATILE_FIELDS else _blank_volatile(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_blank_volatile(v) for v in data]
    return data


def fetch(client, item: Fetch) -> Output:
    """GET `item` anonymously on a clean cache (throttle counters and cached pages would otherwise
    make the answer depend on earlier requests) and parse it by content type."""
    cache.clear()
    response = client.get(item.path, dict(item.params))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "").split(";")[0].strip()
    status = response.status_code
    if status == 204 or not body:
        return Output(status, None, "")
    if ctype == "application/vnd.mapbox-vector-tile":
        return _parse_tile(status, body, item)
    if "geopackage" in ctype or body[:16] == b"SQLite format 3\x00":
        return _parse_gpkg(status, body, item)
    text = body.decode("utf-8")
    if ctype.endswith("json"):
        data = _blank_volatile(json.loads(text))
        cells = _json_cells(data) if item.cells else []
        return Output(status, data, json.dumps(data), cells, places_in(json.dumps(_without_areas(data))))
    if ctype == "text/csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        counts = [_int_or_none(r.get("count")) for r in rows] if item.cells else []
        return Output(status, rows, text, counts)
    if ctype in ("text/xml", "application/xml"):
        for pattern, replacement in _VOLATILE_XML:
            text = pattern.sub(replacement, text)
    if ctype == "text/html":
        for pattern, replacement in _HTML_VOLATILE:
            text = pattern.sub(replacement, text)
    return Output(status, text, text)


def _int_or_none(value):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


_AREAS = ("Polygon", "MultiPolygon", "LineString", "MultiLineString")


def _without_areas(data):
    """`data` with every GeoJSON geometry that is not a point left out."""
    if isinstance(data, dict):
        if data.get("type") in _AREAS and "coordinates" in data:
            return None
        return {k: _without_areas(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_areas(v) for v in data]
    return data


def _json_cells(data) -> list:
    """`count` of every feature of a FeatureCollection (None when missing or suppressed)."""
    counts = []
    for feature in data.get("features", []) if isinstance(data, dict) else []:
        props = feature.get("properties") or {}
        count = props.get("count")
        counts.append(None if props.get("suppressed") else count)
    return counts


def _parse_tile(status: int, body: bytes, item: Fetch) -> Output:
    z, x, y = item.tile
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    canonical, counts = {}, []
    for name, layer in layers.items():
        features = []
        for feature in layer["features"]:
            geometry = _tile_geometry_lonlat(feature["geometry"], z, x, y, layer.get("extent", 4096))
            features.append({"geometry": geometry, "properties": feature["properties"]})
            if item.cells and name == "reports":
                counts.append(feature["properties"].get("count"))
        canonical[name] = sorted(features, key=lambda f: json.dumps(f, sort_keys=True))
    text = json.dumps(canonical)
    return Output(status, canonical, text, counts, places_in(json.dumps(_without_areas(canonical))))


def _tile_geometry_lonlat(geometry: dict, z: int, x: int, y: int, extent: int) -> dict:
    def convert(coords):
        if coords and isinstance(coords[0], int | float):
            lon, lat = tile_pixel_to_lonlat(z, x, y, coords[0], coords[1], extent)
            return [round(lon, 7), round(lat, 7)]
        return [convert(c) for c in coords]

    return {"type": geometry["type"], "coordinates": convert(geometry["coordinates"])}


def _parse_gpkg(status: int, body: bytes, item: Fetch) -> Output:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.gpkg"
        path.write_bytes(body)
        frame = pyogrio.read_dataframe(path)
    wkt = frame.geometry.to_wkt(rounding_precision=7)
    table = frame.drop(columns=frame.geometry.name).assign(wkt=wkt)
    rows = sorted(json.loads(table.to_json(orient="records", date_format="iso")), key=json.dumps)
    counts = [_int_or_none(r.get("count")) for r in rows] if item.cells else []
    points = [{k: v for k, v in r.items() if k != "wkt" or str(v).startswith("POINT")} for r in rows]
    text = json.dumps(rows, ensure_ascii=False)
    return Output(status, rows, text, counts, places_in(json.dumps(points)))


# Bogotá's surroundings: any (lon, lat) or (lat, lon) pair of floats in these ranges is a place.
_LON = (-74.6, -73.8)
_LAT = (3.6, 5.0)


def places_in(text: str) -> list[tuple[float, float]]:
    """Every (lon, lat) written in `text` as two consecutive numbers, in either order (GeoJSON, CSV,
    XML lat/long, Leaflet [lat, lon], WKT, decoded tiles)."""
    numbers = [float(n) for n in _FLOAT.findall(text)]
    found = []
    for a, b in zip(numbers, numbers[1:], strict=False):
        if _LON[0] <= a <= _LON[1] and _LAT[0] <= b <= _LAT[1]:
            found.append((a, b))
        elif _LAT[0] <= a <= _LAT[1] and _LON[0] <= b <= _LON[1]:
            found.append((b, a))
    return found
