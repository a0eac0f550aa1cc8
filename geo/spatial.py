"""Spatial constants and helpers shared by every app.

Storage SRID is EPSG:4326 (WGS 84, [lon, lat]). Lengths and areas are measured in EPSG:9377
(MAGNA-SIRGAS / Origen-Nacional, metres), the national projected CRS of Colombia.
"""

import math
from collections.abc import Sequence

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

STORAGE_SRID = 4326
METRIC_SRID = 9377
MAGNA_GEOGRAPHIC_SRID = 4686

# Envelope of the Distrito Capital (the 20 localities, Sumapaz included), with a small margin.
# Used for fast rejection of coordinates that cannot be in Bogotá and for spotting swapped lat/lon.
BOGOTA_EXTENT = (-74.46, 3.72, -73.98, 4.84)  # (min lon, min lat, max lon, max lat), EPSG:4326


def in_bogota_extent(lon: float, lat: float) -> bool:
    """True when (lon, lat) in EPSG:4326 degrees falls inside Bogotá's bounding box."""
    min_lon, min_lat, max_lon, max_lat = BOGOTA_EXTENT
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def looks_swapped(lon: float, lat: float) -> bool:
    """True when the pair only lands in Bogotá with latitude and longitude exchanged."""
    return not in_bogota_extent(lon, lat) and in_bogota_extent(lat, lon)


# Client coordinates are accepted only inside Bogotá's extent widened by this many degrees (about
# 220 km): far enough that a nearby town (Soacha, Chía, even Medellín) is still answered "outside
# Bogotá" by the endpoint, close enough that nothing absurd is ever handed to GEOS or PROJ.
CLIENT_MARGIN_DEGREES = 2.0
CLIENT_EXTENT = (
    BOGOTA_EXTENT[0] - CLIENT_MARGIN_DEGREES,
    BOGOTA_EXTENT[1] - CLIENT_MARGIN_DEGREES,
    BOGOTA_EXTENT[2] + CLIENT_MARGIN_DEGREES,
    BOGOTA_EXTENT[3] + CLIENT_MARGIN_DEGREES,
)
WORLD_EXTENT = (-180.0, -90.0, 180.0, 90.0)
# Vertices accepted in one client GeoJSON geometry (a Point has one).
CLIENT_MAX_VERTICES = 10_000


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_lonlat(
    lon,
    lat,
    *,
    lon_field: str | None = "lon",
    lat_field: str | None = "lat",
    extent: tuple[float, float, float, float] = CLIENT_EXTENT,
    detect_swap: bool = True,
) -> tuple[float, float]:
    """Range-check a client coordinate pair (EPSG:4326 degrees) before any geometry is built from it.

    GEOS and PROJ are C libraries: a coordinate such as 1e300 can abort the whole process when the
    point is written out, so every number from a client passes here first. Rejects non-numbers,
    NaN and ±inf, values outside WGS 84, pairs that only fall in Bogotá with lat and lon swapped,
    and pairs outside `extent` (by default Bogotá's extent widened by CLIENT_MARGIN_DEGREES).

    Returns (lon, lat) as floats. Raises django.core.exceptions.ValidationError in Spanish, keyed by
    `lon_field` / `lat_field` (a swap goes under "non_field_errors"); with field names of None the
    error is a plain message list, for use inside a single serializer field.
    """

    def fail(field: str | None, message: str):
        raise ValidationError({field: [message]} if field else [message], code="invalid_coordinate")

    values = {}
    for name, field, value, limit in (("lon", lon_field, lon, 180), ("lat", lat_field, lat, 90)):
        label = field or (_("longitud") if name == "lon" else _("latitud"))
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError, OverflowError):
            fail(field, _("%(label)s debe ser un número en grados decimales (EPSG:4326).") % {"label": label})
        if not math.isfinite(number):
            fail(field, _("%(label)s debe ser un número finito (no NaN ni infinito).") % {"label": label})
        if not -limit <= number <= limit:
            fail(
                field,
                _("%(label)s debe estar entre -%(limit)s y %(limit)s grados.")
                % {"label": label, "limit": limit},
            )
        values[name] = number
    lon, lat = values["lon"], values["lat"]
    if detect_swap and looks_swapped(lon, lat):
        # The messages suggest the pair the way round it should be sent: lat is the `lon` received.
        message = _(
            "lat y lon parecen invertidas: el punto solo cae en Bogotá intercambiándolas. "
            "Pruebe lat=%(lat)s&lon=%(lon)s."
        ) % {"lat": lon, "lon": lat}
        if lon_field is None:
            fail(
                None,
                _(
                    "La latitud y la longitud parecen invertidas. Envíe [longitud, latitud]: [%(lon)s, %(lat)s]."
                )
                % {"lon": lat, "lat": lon},
            )
        raise ValidationError({"non_field_errors": [message]}, code="swapped")
    min_lon, min_lat, max_lon, max_lat = extent
    if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
        where = _(
            "Bogotá está entre las longitudes %(west)s y %(east)s y las latitudes %(south)s y %(north)s"
        ) % {
            "west": BOGOTA_EXTENT[0],
            "east": BOGOTA_EXTENT[2],
            "south": BOGOTA_EXTENT[1],
            "north": BOGOTA_EXTENT[3],
        }
        if not min_lon <= lon <= max_lon:
            fail(
                lon_field,
                _("La longitud %(value)s está demasiado lejos de Bogotá. %(where)s.")
                % {"value": f"{lon:g}", "where": where},
            )
        fail(
            lat_field,
            _("La latitud %(value)s está demasiado lejos de Bogotá. %(where)s.")
            % {"value": f"{lat:g}", "where": where},
        )
    return lon, lat


def check_geojson_geometry(
    data,
    *,
    types: Sequence[str] = ("Point",),
    max_vertices: int = CLIENT_MAX_VERTICES,
    extent: tuple[float, float, float, float] = CLIENT_EXTENT,
) -> dict:
    """Check a client GeoJSON geometry (a parsed object, EPSG:4326 [lon, lat]) before GEOS sees it.

    The type must be one of `types`; `coordinates` must nest exactly as RFC 7946 says for that type,
    every position is 2 or 3 numbers (a third, altitude, is allowed and ignored) whose lon/lat pass
    check_lonlat within `extent`, and there are at most `max_vertices` positions. Returns `data`.
    Raises django.core.exceptions.ValidationError (a plain Spanish message list).
    """
    depth_of = {
        "Point": 0,
        "MultiPoint": 1,
        "LineString": 1,
        "MultiLineString": 2,
        "Polygon": 2,
        "MultiPolygon": 3,
    }
    if not isinstance(data, dict) or not isinstance(data.get("type"), str) or "coordinates" not in data:
        raise ValidationError(
            [
                _(
                    "Geometría inválida: envíe un objeto GeoJSON, p. ej. "
                    '{"type": "Point", "coordinates": [-74.07, 4.6]}.'
                )
            ],
            code="invalid_geometry",
        )
    kind = data["type"]
    if kind not in types or kind not in depth_of:
        raise ValidationError(
            [
                _("Tipo de geometría no admitido: %(kind)s. Se admite: %(types)s.")
                % {"kind": repr(kind[:40]), "types": ", ".join(types)}
            ],
            code="invalid_geometry",
        )
    count = 0
    # Iterative walk (no recursion): (value, nesting levels still expected above a position).
    stack = [(data["coordinates"], depth_of[kind])]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, list | tuple):
            raise ValidationError(
                [_("Coordenadas inválidas: use listas de [longitud, latitud] en grados (EPSG:4326).")],
                code="invalid_geometry",
            )
        if depth == 0:
            if len(value) not in (2, 3) or not all(_is_number(v) for v in value):
                raise ValidationError(
                    [
                        _(
                            "Cada posición debe ser [longitud, latitud] (o con altitud) en grados, como números."
                        )
                    ],
                    code="invalid_geometry",
                )
            check_lonlat(value[0], value[1], lon_field=None, lat_field=None, extent=extent)
            if len(value) == 3 and not math.isfinite(float(value[2])):
                raise ValidationError([_("La altitud debe ser un número finito.")], code="invalid_geometry")
            count += 1
            if count > max_vertices:
                raise ValidationError(
                    [_("La geometría tiene más de %(max)s vértices; simplifíquela.") % {"max": max_vertices}],
                    code="too_many_vertices",
                )
            continue
        if len(value) > max_vertices:
            raise ValidationError(
                [_("La geometría tiene más de %(max)s vértices; simplifíquela.") % {"max": max_vertices}],
                code="too_many_vertices",
            )
        stack.extend((item, depth - 1) for item in value)
    if count == 0:
        raise ValidationError([_("La geometría no tiene coordenadas.")], code="invalid_geometry")
    return data


def make_point(lon: float, lat: float) -> Point:
    """A Point in EPSG:4326 from longitude and latitude in degrees.

    Refuses (ValidationError) non-finite values and values outside WGS 84, so that no caller can hand
    GEOS a coordinate that aborts the process; client input should go through check_lonlat first,
    which also checks Bogotá's extent and swapped pairs.
    """
    lon, lat = check_lonlat(lon, lat, extent=WORLD_EXTENT, detect_swap=False)
    return Point(lon, lat, srid=STORAGE_SRID)


def as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    """Wrap a Polygon as a MultiPolygon (keeping its SRID); MultiPolygons pass through."""
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    if isinstance(geom, MultiPolygon):
        return geom
    raise TypeError(f"Se esperaba un polígono y llegó {geom.geom_type}")
