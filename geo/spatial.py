"""Spatial constants and helpers shared by every app.

Storage SRID is EPSG:4326 (WGS 84, [lon, lat]). Lengths and areas are measured in EPSG:9377
(MAGNA-SIRGAS / Origen-Nacional, metres), the national projected CRS of Colombia.
"""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon

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


def make_point(lon: float, lat: float) -> Point:
    """A Point in EPSG:4326 from longitude and latitude in degrees."""
    return Point(float(lon), float(lat), srid=STORAGE_SRID)


def as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    """Wrap a Polygon as a MultiPolygon (keeping its SRID); MultiPolygons pass through."""
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    if isinstance(geom, MultiPolygon):
        return geom
    raise TypeError(f"Se esperaba un polígono y llegó {geom.geom_type}")
