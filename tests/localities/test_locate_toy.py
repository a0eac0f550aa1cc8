"""Point location on the toy territory (no official files needed)."""

import pytest

from geo.spatial import make_point
from localities.selectors import locate_many, locate_point
from tests.factories import make_territory

pytestmark = pytest.mark.django_db


def test_point_inside_a_locality_resolves_to_it_and_its_upz():
    make_territory()
    found = locate_point(make_point(-74.07, 4.62))
    assert (found.locality.code, found.upz.code) == ("01", "1")


def test_point_on_shared_border_always_resolves_to_the_same_single_unit():
    make_territory()
    answers = {locate_point(make_point(-74.07, 4.60)).locality.code for _ in range(3)}
    assert answers == {"01"}


def test_point_outside_resolves_to_nothing():
    make_territory()
    assert locate_point(make_point(-74.20, 4.62)) is None


def test_bulk_location_keeps_input_order_and_marks_outside_points():
    make_territory()
    result = locate_many([(-74.07, 4.57), (-74.20, 4.62), (-74.07, 4.62)])
    codes = [None if loc is None else loc for loc, _ in result]
    assert codes[1] is None
    assert codes[0] != codes[2] and None not in (codes[0], codes[2])


def _expected_toy_code(lon: float, lat: float) -> str | None:
    """The toy locality covering (lon, lat); on the shared border lat = 4.60 the lowest code, "01"."""
    if not (-74.10 <= lon <= -74.05 and 4.55 <= lat <= 4.65):
        return None
    return "01" if lat >= 4.60 else "02"


def test_bulk_location_of_many_points_uses_the_indexed_path_and_gives_the_same_answers():
    from localities.models import Locality, Upz
    from localities.selectors import LOCATE_MANY_INDEXED_FROM

    make_territory()
    # A 0.001° grid over and around the toy territory: inside points, outside points, and points
    # exactly on the shared border (lat 4.60) and on the outer edges.
    coords = [
        (round(-74.11 + i * 0.001, 3), round(4.54 + j * 0.001, 3)) for i in range(71) for j in range(121)
    ]
    assert len(coords) >= LOCATE_MANY_INDEXED_FROM
    code_of = dict(Locality.objects.current().values_list("id", "code"))
    upz_code_of = dict(Upz.objects.current().values_list("id", "code"))
    result = locate_many(coords)
    assert len(result) == len(coords)
    for (lon, lat), (locality_id, upz_id) in zip(coords, result, strict=True):
        expected = _expected_toy_code(lon, lat)
        assert code_of.get(locality_id) == expected, (lon, lat)
        assert upz_code_of.get(upz_id) == {"01": "1", "02": "2", None: None}[expected], (lon, lat)
    # Small batches take the per-point path; both paths agree point by point.
    small = [r for start in range(0, 600, 200) for r in locate_many(coords[start : start + 200])]
    assert small == result[:600]
    # The temporary table is gone: a second large call in the same transaction works.
    assert locate_many(coords) == result
