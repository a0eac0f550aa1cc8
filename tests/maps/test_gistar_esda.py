"""The hand-written Getis-Ord Gi* (numpy) against PySAL's reference implementation, esda.G_Local(star=True).

Same cells (the study area the hot-spot API returns to an analyst: cells with reports plus their empty
neighbours), same counts and the same weights: binary contiguity, queen (8 around) for squares and the
6 sides for hexagons (axial keys), each cell its own neighbour. esda adds that self-weight of 1 when
given binary weights with star=True (Gi*), so the W built here holds only the other cells.
"""

import math

import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W

from maps.selectors.hotspots import getis_ord_gi_star
from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for, lonlat_to_metric, metric_to_lonlat, refresh

# The platform's neighbour definitions, stated independently of its code (self excluded).
QUEEN = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0)]
HEX_SIDES = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]


def _esda_z(keys: list[tuple[int, int]], x: np.ndarray, offsets) -> np.ndarray:
    index = {key: k for k, key in enumerate(keys)}
    neighbours = {
        k: [index[(a + da, b + db)] for da, db in offsets if (a + da, b + db) in index]
        for k, (a, b) in enumerate(keys)
    }
    w = W(neighbours, silence_warnings=True)
    return G_Local(x.astype(float), w, transform="B", star=True, permutations=0).Zs


@pytest.mark.django_db
@pytest.mark.parametrize("shape, offsets", [("square", QUEEN), ("hex", HEX_SIDES)])
def test_gi_star_equals_esda_on_the_cells_of_the_hotspot_api(shape, offsets):
    make_territory()
    hurto = make_category("hurto")
    rng = np.random.default_rng(11)
    x0, y0 = lonlat_to_metric(-74.0750, 4.6250)
    # A dense cluster, a looser one and scattered reports, so z-scores span hot, cold and neutral.
    centres = [(0, 0)] * 60 + [(1500, -900)] * 25
    offsets_m = rng.normal(0, 250, size=(len(centres), 2))
    points = [(cx + dx, cy + dy) for (cx, cy), (dx, dy) in zip(centres, offsets_m, strict=True)]
    points += [tuple(p) for p in rng.uniform(-2200, 2200, size=(70, 2))]
    lonlats = [metric_to_lonlat(x0 + px, y0 + py) for px, py in points]
    add_reports([p for p in lonlats if -74.0999 < p[0] < -74.0501 and 4.6001 < p[1] < 4.6499], hurto)
    refresh()

    analyst = client_for(make_user("ana", role="analyst"))
    body = analyst.get("/api/maps/hotspots/", {"cell": 300, "shape": shape, "correction": "none"}).json()
    features = body["features"]
    assert len(features) > 50 and any(f["properties"]["count"] == 0 for f in features)
    keys = [tuple(int(v) for v in f["id"].split(":")[1:]) for f in features]
    counts = np.array([f["properties"]["count"] for f in features])

    expected = _esda_z(keys, counts, offsets)
    a, b = (np.array(column) for column in zip(*keys, strict=True))
    z, p = getis_ord_gi_star(a, b, counts, [(0, 0), *offsets])
    assert np.abs(z - expected).max() < 1e-6
    assert np.abs(expected).max() > 3  # a real hot spot is in the comparison, not only near-zero values
    # What the API serves is that z (rounded to 4 decimals) with its two-sided normal p-value.
    served_z = np.array([f["properties"]["z_score"] for f in features])
    served_p = np.array([f["properties"]["p_value"] for f in features])
    assert np.abs(served_z - expected).max() <= 5e-5 + 1e-9
    two_sided = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in expected])
    assert np.abs(served_p - two_sided).max() <= 5e-7 + 1e-9
    assert np.abs(p - two_sided).max() < 1e-9


@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected")
def test_gi_star_equals_esda_on_an_irregular_study_area_with_islands():
    rng = np.random.default_rng(5)
    keys = sorted({(int(i), int(j)) for i, j in rng.integers(0, 60, size=(1500, 2))})
    keys += [(200, 200), (300, 5)]  # isolated cells: their only neighbour is themselves
    x = rng.poisson(2.5, len(keys))
    x[:40] += 20
    a, b = (np.array(column) for column in zip(*keys, strict=True))
    for offsets in (QUEEN, HEX_SIDES):
        z, _ = getis_ord_gi_star(a, b, x, [(0, 0), *offsets])
        assert np.abs(z - _esda_z(keys, x, offsets)).max() < 1e-6
