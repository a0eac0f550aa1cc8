"""Getis-Ord Gi* hot spots: synthetic clustered data is found, random noise mostly is not; API shape."""

import math

import numpy as np
import pytest

from maps.selectors.hotspots import (
    HEX_NEIGHBOURS,
    SQUARE_NEIGHBOURS,
    benjamini_hochberg,
    getis_ord_gi_star,
)
from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for, lonlat_to_metric, metric_to_lonlat, refresh


def _grid(size):
    a, b = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    return a.ravel(), b.ravel()


def test_a_planted_cluster_is_hot_and_noise_is_not():
    rng = np.random.default_rng(42)
    a, b = _grid(30)
    x = rng.poisson(2.0, len(a))
    cluster = (a >= 10) & (a < 14) & (b >= 20) & (b < 24)
    x[cluster] = rng.poisson(15.0, cluster.sum())
    z, p = getis_ord_gi_star(a, b, x, SQUARE_NEIGHBOURS)
    hot = benjamini_hochberg(p, 0.05) & (z > 0)
    assert hot[cluster].mean() >= 0.9  # the cluster is found
    far = (np.abs(a - 11.5) > 4) | (np.abs(b - 21.5) > 4)
    assert hot[far].mean() < 0.01  # noise away from it is not


def test_pure_noise_gives_almost_no_significant_cells():
    rng = np.random.default_rng(7)
    a, b = _grid(40)
    x = rng.poisson(3.0, len(a))
    z, p = getis_ord_gi_star(a, b, x, HEX_NEIGHBOURS)
    assert benjamini_hochberg(p, 0.05).sum() <= 2
    # Without correction about alpha of the cells come out significant, as expected by chance.
    assert (p <= 0.05).mean() < 0.1


def test_a_cold_spot_has_negative_z():
    a, b = _grid(20)
    x = np.full(len(a), 10)
    cold = (a < 4) & (b < 4)
    x[cold] = 0
    z, p = getis_ord_gi_star(a, b, x, SQUARE_NEIGHBOURS)
    assert (z[(a == 1) & (b == 1)] < -3).all()
    assert p[(a == 1) & (b == 1)][0] < 0.01


def test_p_values_are_two_sided_normal():
    a, b = _grid(10)
    x = np.arange(100) % 7
    z, p = getis_ord_gi_star(a, b, x, SQUARE_NEIGHBOURS)
    for zi, pi in zip(z, p, strict=True):
        assert pi == pytest.approx(math.erfc(abs(zi) / math.sqrt(2)))


def test_benjamini_hochberg_step_up():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # Critical values 0.005·i: the largest i with p_(i) ≤ 0.005·i is 2.
    assert benjamini_hochberg(p, 0.05).tolist() == [True, True] + [False] * 8


@pytest.mark.django_db
def test_api_marks_the_cluster_hot():
    make_territory()
    hurto = make_category("hurto")
    rng = np.random.default_rng(3)
    x0, y0 = lonlat_to_metric(-74.0712, 4.6234)
    # Background: one report per cell over a 16×16 km area of 400 m cells (clipped to the toy territory).
    pts = []
    for i in range(-8, 8):
        for j in range(-8, 8):
            if rng.random() < 0.6:
                pts.append(metric_to_lonlat(x0 + i * 400 + 200, y0 + j * 400 + 200))
    hot_centre = metric_to_lonlat(x0 + 200, y0 + 200)
    pts += [hot_centre] * 40
    pts = [p for p in pts if -74.0999 < p[0] < -74.0501 and 4.5501 < p[1] < 4.6499]
    add_reports(pts, hurto)
    refresh()
    body = client_for(make_user("ana", role="analyst")).get("/api/maps/hotspots/", {"cell": 400}).json()
    features = body["features"]
    hot = [f for f in features if f["properties"]["class"] == "hot"]
    assert hot, "the planted cluster must be found"
    cluster = max(features, key=lambda f: f["properties"]["count"] or 0)
    assert cluster["properties"]["count"] >= 40
    assert cluster["properties"]["class"] == "hot"
    assert cluster["properties"]["p_value"] < 0.001
    assert body["meta"]["correction"] == "fdr" and body["meta"]["neighbours"] == "queen"
    # Gi* sums each cell with its queen neighbours, so the cluster lights up itself and the cells
    # touching it, not the scattered background further away.
    ca, cb = (int(v) for v in cluster["id"].split(":")[1:])
    for f in hot:
        a, b = (int(v) for v in f["id"].split(":")[1:])
        assert abs(a - ca) <= 1 and abs(b - cb) <= 1
    for f in features:
        assert set(f["properties"]) == {"count", "suppressed", "z_score", "p_value", "class"}


@pytest.mark.django_db
def test_api_rejects_bad_alpha():
    response = client_for().get("/api/maps/hotspots/", {"alpha": 0.9})
    assert response.status_code == 400 and "alpha" in response.json()


@pytest.mark.django_db
def test_public_hotspots_hide_small_counts_and_non_public_reports():
    make_territory()
    hurto = make_category("hurto")
    x0, y0 = lonlat_to_metric(-74.0712, 4.6234)
    add_reports([metric_to_lonlat(x0 + 250, y0 + 250)] * 5, hurto)
    add_reports([metric_to_lonlat(x0 + 250, y0 + 250)] * 4, hurto, hidden=True)
    add_reports([metric_to_lonlat(x0 + 2250, y0 + 250)], hurto)
    refresh()
    features = client_for().get("/api/maps/hotspots/", {"cell": 500}).json()["features"]
    shown = {(f["properties"]["count"], f["properties"]["suppressed"]) for f in features}
    assert shown == {(5, False)}  # the single report's cell and empty cells are absent, not flagged
    analyst = client_for(make_user("ana", role="analyst")).get("/api/maps/hotspots/", {"cell": 500}).json()
    assert max(f["properties"]["count"] for f in analyst["features"]) == 9
