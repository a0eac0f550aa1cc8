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
