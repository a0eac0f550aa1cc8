"""Locating well-known places of Bogotá on the official boundaries (real files, `real_territory`).

Every expected answer below was checked against the official polygons (localidades.geojson and
upz/UPla.shp, read with geopandas, covers() in EPSG:9377), together with the distance from the point
to the nearest border of its locality and of its UPZ, so that no point sits on a boundary. Coordinates
are WGS 84 [lat, lon] of the place itself (for the Portal de las Américas, its western side).
"""

import pytest

from geo.spatial import make_point
from localities.selectors import locate_many, locate_point

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]

# name: (lat, lon, locality code, locality name, UPZ code or None)   # margin to borders: loc / UPZ
WELL_KNOWN_PLACES = {
    "Plaza de Bolívar": (4.59806, -74.07598, "17", "La Candelaria", "94"),  # 315 m / 315 m
    "Parque Simón Bolívar (lago)": (4.6584, -74.0937, "13", "Teusaquillo", "104"),  # 520 / 520
    "Aeropuerto El Dorado": (4.7016, -74.1469, "09", "Fontibón", "117"),  # 896 / 892
    "Unicentro": (4.7024, -74.0412, "01", "Usaquén", "16"),  # 1469 / 177
    "Portal de las Américas": (4.6297, -74.1728, "08", "Kennedy", "83"),  # 536 / 128
    "Estadio El Campín": (4.6460, -74.0775, "13", "Teusaquillo", "100"),  # 636 / 136
    "Parque de la 93": (4.6767, -74.0483, "02", "Chapinero", "97"),  # 826 / 184
    "Universidad Nacional": (4.6382, -74.0840, "13", "Teusaquillo", "104"),  # 1470 / 523
    "CC Plaza de las Américas": (4.6185, -74.1353, "08", "Kennedy", "44"),  # 969 / 330
    "Terminal de Transporte Salitre": (4.6535, -74.1156, "09", "Fontibón", "110"),  # 1057 / 226
    "Plaza de Usaquén": (4.6950, -74.0305, "01", "Usaquén", "14"),  # 1756 / 369
    "Parque El Tunal": (4.5760, -74.1320, "06", "Tunjuelito", "42"),  # 517 / 517
    "Portal de Usme": (4.5317, -74.1167, "05", "Usme", "56"),  # 708 / 490
    "Parque Nacional": (4.6234, -74.0640, "03", "Santa Fe", "91"),  # 180 / 180
    "Jardín Botánico": (4.6680, -74.1000, "10", "Engativá", "105"),  # 682 / 199
    "Plaza fundacional de Suba": (4.7410, -74.0840, "11", "Suba", "27"),  # 2788 / 363
    "Corferias": (4.6296, -74.0905, "13", "Teusaquillo", "107"),  # 375 / 375
    "Nazareth (Sumapaz)": (4.1419, -74.2389, "20", "Sumapaz", "UPR4"),  # 672 / 672 (rural UPR)
    # The eastern hills of Santa Fe are covered by no UPZ or UPR of the official layer.
    "Monserrate": (4.6058, -74.0556, "03", "Santa Fe", None),  # 605 / -
}

# Nearest Bogotá border: Soacha 2.6 km, Chía 3.4 km, Medellín 228 km.
OUTSIDE = {
    "Soacha": (4.5794, -74.2168),
    "Chía": (4.8615, -74.0327),
    "Medellín": (6.2442, -75.5812),
}


@pytest.mark.parametrize("place", list(WELL_KNOWN_PLACES))
def test_well_known_place_resolves_to_its_locality_and_upz_through_the_api(client, real_territory, place):
    lat, lon, locality_code, locality_name, upz_code = WELL_KNOWN_PLACES[place]
    response = client.get(f"/api/locate/?lat={lat}&lon={lon}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["locality"] == {"code": locality_code, "name": locality_name}
    if upz_code is None:
        assert body["upz"] is None
    else:
        assert body["upz"]["code"] == upz_code


def test_plaza_de_bolivar_names_are_accented(client, real_territory):
    body = client.get("/api/locate/?lat=4.59806&lon=-74.07598").json()
    assert body == {
        "locality": {"code": "17", "name": "La Candelaria"},
        "upz": {"code": "94", "name": "La Candelaria"},
    }


def test_bulk_location_agrees_with_single_point_location(real_territory):
    coords = [(lon, lat) for lat, lon, *_ in WELL_KNOWN_PLACES.values()] + [
        (lon, lat) for lat, lon in OUTSIDE.values()
    ]
    bulk = locate_many(coords)
    for (lon, lat), (locality_id, upz_id) in zip(coords, bulk, strict=True):
        single = locate_point(make_point(lon, lat))
        if single is None:
            assert (locality_id, upz_id) == (None, None)
        else:
            assert locality_id == single.locality.pk
            assert upz_id == (single.upz.pk if single.upz else None)


@pytest.mark.parametrize("place", list(OUTSIDE))
def test_points_outside_bogota_are_404(client, real_territory, place):
    lat, lon = OUTSIDE[place]
    response = client.get(f"/api/locate/?lat={lat}&lon={lon}")
    assert response.status_code == 404
    assert "fuera de Bogotá" in response.json()["detail"]


def test_swapped_plaza_de_bolivar_is_a_400(client, real_territory):
    response = client.get("/api/locate/?lat=-74.07598&lon=4.59806")
    assert response.status_code == 400
    assert "invertidas" in response.json()["non_field_errors"][0]


def test_a_point_on_a_real_shared_border_resolves_to_one_unit_always_the_same(client, real_territory):
    # The first vertex of Teusaquillo's outline is also a vertex of a neighbour (the official
    # localities share their borders exactly), so two polygons cover it.
    from localities.models import Locality

    teusaquillo = Locality.objects.get(version=real_territory, code="13")
    lon, lat = teusaquillo.geom[0].exterior_ring[0]
    covering = set(Locality.objects.current().covering(make_point(lon, lat)).values_list("code", flat=True))
    assert len(covering) >= 2 and "13" in covering
    found = {locate_point(make_point(lon, lat)).locality.code for _ in range(3)}
    assert found == {min(covering)}
    bulk = locate_many([(lon, lat)] * 3)
    assert len(set(bulk)) == 1
    assert Locality.objects.get(pk=bulk[0][0]).code == min(covering)


def test_large_batches_agree_with_small_batches_on_the_real_territory(real_territory):
    """Large inputs take the indexed-points path, small ones the per-point path: same answers."""
    from django.db import connection

    from localities.selectors import LOCATE_MANY_INDEXED_FROM

    n = LOCATE_MANY_INDEXED_FROM + 500
    with connection.cursor() as cursor:
        # Seeded random points in the city's bounding box, so some fall outside Bogotá.
        cursor.execute(
            "SELECT ST_X(g.geom), ST_Y(g.geom) FROM (SELECT (ST_Dump(ST_GeneratePoints("
            "ST_MakeEnvelope(-74.46, 3.72, -73.98, 4.84, 4326), %s, 11))).geom) g",
            [n],
        )
        coords = cursor.fetchall()
    large = locate_many(coords)
    small = [pair for start in range(0, n, 500) for pair in locate_many(coords[start : start + 500])]
    assert large == small
    located = sum(1 for loc, _ in large if loc is not None)
    assert 0 < located < n
