"""Small hand-made territory and report factories for unit tests.

The toy territory: two square localities side by side around central Bogotá, each with one UPZ.
    locality "01" (Norte):  lon -74.10..-74.05, lat 4.60..4.65, UPZ "1"
    locality "02" (Sur):    lon -74.10..-74.05, lat 4.55..4.60, UPZ "2"
They share the border lat = 4.60.
"""

from django.contrib.gis.geos import MultiPolygon, Polygon

from localities.models import BoundaryVersion, Locality, Upz
from localities.services import boundary_parts_rebuild


def square(min_lon, min_lat, max_lon, max_lat) -> MultiPolygon:
    """An axis-aligned square as a MultiPolygon in EPSG:4326."""
    ring = (
        (min_lon, min_lat),
        (max_lon, min_lat),
        (max_lon, max_lat),
        (min_lon, max_lat),
        (min_lon, min_lat),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


TOY_UNITS = [
    # (locality code, locality name, upz code, upz name, bounds)
    ("01", "Norte", "1", "Alfa", (-74.10, 4.60, -74.05, 4.65)),
    ("02", "Sur", "2", "Beta", (-74.10, 4.55, -74.05, 4.60)),
]


def make_territory(*, checksum: str = "toy", active: bool = True) -> BoundaryVersion:
    """Create the toy territory (2 localities, 2 UPZ) as one boundary version, with its parts."""
    if active:
        # Only one version may be active: a session fixture (real_territory) may have committed the
        # official one; switching it off here is undone with the test's transaction.
        BoundaryVersion.objects.filter(active=True).update(active=False)
    version = BoundaryVersion.objects.create(source="tests", checksum=checksum, active=active)
    for loc_code, loc_name, upz_code, upz_name, bounds in TOY_UNITS:
        geom = square(*bounds)
        locality = Locality.objects.create(
            version=version, code=loc_code, name=loc_name, area_km2=30.8, geom=geom
        )
        Upz.objects.create(
            version=version, code=upz_code, name=upz_name, locality=locality, area_km2=30.8, geom=geom
        )
    boundary_parts_rebuild(version=version)
    return version
