"""Nearest services by KNN against a brute-force distance sort, and the quadrant lookup against the
polygons, on the real directory and 1,000 random points in Bogotá."""

import random

import pytest

from geo.spatial import make_point
from justice.models import PoliceQuadrant, ServiceKind
from justice.selectors import quadrant_at, service_nearest, service_nearest_bruteforce
from localities.selectors import locate_many

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

# The urban part of Bogotá and its rural edges (Sumapaz is left out: a few services only).
URBAN_BOX = (-74.23, 4.45, -74.00, 4.84)
KINDS = [
    None,
    ServiceKind.CAI,
    ServiceKind.POLICE_STATION,
    ServiceKind.FAMILY_COMMISSARY,
    ServiceKind.POLICE_INSPECTION,
]


def _random_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    points: list[tuple[float, float]] = []
    while len(points) < n:
        batch = [
            (rng.uniform(URBAN_BOX[0], URBAN_BOX[2]), rng.uniform(URBAN_BOX[1], URBAN_BOX[3]))
            for _ in range(n)
        ]
        located = locate_many(batch)
        points += [p for p, (locality, _) in zip(batch, located, strict=True) if locality is not None]
    return points[:n]


def test_knn_answers_equal_a_full_distance_sort_on_1000_points(real_directory):
    mismatches = []
    for index, (lon, lat) in enumerate(_random_points(1000, seed=11)):
        kind = KINDS[index % len(KINDS)]
        point = make_point(lon, lat)
        knn = service_nearest(point=point, kind=kind, limit=5)
        brute = service_nearest_bruteforce(point=point, kind=kind, limit=5)
        if [s.pk for s in knn] != [s.pk for s in brute]:
            mismatches.append((lon, lat, kind))
        assert [round(s.distance_m.m, 3) for s in knn] == [round(s.distance_m.m, 3) for s in brute]
    assert mismatches == []


def test_nearest_distances_are_metres_and_increasing(real_directory):
    # Plaza de Bolívar: CAI Bolivia (AK 10 CL 7) is about 550 m away, the next ones further.
    found = service_nearest(point=make_point(-74.0760, 4.5981), kind=ServiceKind.CAI, limit=5)
    distances = [s.distance_m.m for s in found]
    assert distances == sorted(distances)
    assert found[0].name == "CAI Bolivia"
    assert 500 < distances[0] < 600


def test_quadrant_lookup_matches_the_polygons(real_directory):
    quadrants = [(q.code, q.geom.prepared) for q in PoliceQuadrant.objects.current().only("code", "geom")]
    checked = inside = 0
    for lon, lat in _random_points(1000, seed=23):
        point = make_point(lon, lat)
        covering = sorted(code for code, prepared in quadrants if prepared.covers(point))
        found = quadrant_at(point=point)
        assert (found.code if found else None) == (covering[0] if covering else None), (lon, lat)
        checked += 1
        inside += bool(covering)
    assert checked == 1000
    assert inside > 500  # most of the urban box is covered by quadrants; the check is not vacuous
