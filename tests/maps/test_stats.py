"""GET /api/maps/stats/: counts, rates, change, median first response, share resolved, privacy."""

from datetime import date, timedelta

import pytest

from localities.models import Population
from maps.services import rollups_refresh
from tests.factories import make_territory
from tests.reports.factories import make_category, make_user

from .h4a_support import add_reports, client_for, local_dt

pytestmark = pytest.mark.django_db

URL = "/api/maps/stats/"
NORTE = (-74.0712, 4.6234)
SUR = (-74.0712, 4.5734)
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def data(db):
    make_territory()
    hurto = make_category("hurto")
    t0 = local_dt(2026, 3, 10, 8)
    # Locality 01 in March: 4 reports; responses after 2, 4, 10 hours (one never answered); 2 resolved.
    for hours, status in ((2, "resolved"), (4, "resolved"), (10, "in_progress"), (None, "received")):
        first = t0 + timedelta(hours=hours) if hours else None
        add_reports([NORTE], hurto, created_at=t0, first_response_at=first, status=status)
    # Locality 01 in February (the previous period of equal length, 31 days): 5 reports.
    add_reports([NORTE] * 5, hurto, created_at=local_dt(2026, 2, 10))
    # Locality 02 in March: 2 reports (below k=3 for the public) and a hidden one.
    add_reports([SUR] * 2, hurto, created_at=t0)
    add_reports([SUR], hurto, created_at=t0, hidden=True)
    Population.objects.create(level="locality", code="01", year=2025, population=200_000, source="t")
    Population.objects.create(level="locality", code="01", year=2026, population=100_000, source="t")
    Population.objects.create(level="locality", code="01", year=2027, population=1, source="t")
    Population.objects.create(level="upz", code="1", year=None, population=50_000, source="t")
    rollups_refresh(full=True)  # what the background refresh does after these writes
    return hurto


def _units(response):
    assert response.status_code == 200, response.content
    return {u["code"]: u for u in response.json()["units"]}


def test_locality_figures_for_an_analyst(data):
    units = _units(client_for(make_user("ana", role="analyst")).get(URL, PERIOD))
    norte = units["01"]
    assert norte["count"] == 4
    assert norte["population"] == 100_000  # latest year ≤ 2026
    assert norte["rate_per_10k"] == pytest.approx(0.4)
    assert norte["previous_count"] == 5
    assert norte["change"] == -1 and norte["change_pct"] == -20.0
    assert norte["median_response_hours"] == 4.0
    assert norte["share_resolved"] == 0.5
    assert units["02"]["count"] == 3  # the hidden one counts for analysts


def test_period_previous_is_of_equal_length(data):
    body = client_for().get(URL, PERIOD).json()
    assert body["period"] == {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    assert body["previous_period"] == {"date_from": "2026-01-29", "date_to": "2026-02-28"}


def test_public_suppresses_small_units(data):
    units = _units(client_for().get(URL, PERIOD))
    assert units["01"]["count"] == 4 and units["01"]["suppressed"] is False
    sur = units["02"]
    assert sur["suppressed"] is True
    assert sur["count"] is None and sur["rate_per_10k"] is None and sur["median_response_hours"] is None


def test_locality_staff_see_their_small_units(data):
    staff = make_user("alcaldia02", role="locality_staff", localities=["02"])
    units = _units(client_for(staff).get(URL, PERIOD))
    assert units["02"]["count"] == 3 and units["02"]["suppressed"] is False


def test_upz_level_uses_the_upz_population(data):
    units = _units(client_for(make_user("ana", role="analyst")).get(URL, {**PERIOD, "level": "upz"}))
    assert units["1"]["count"] == 4
    assert units["1"]["rate_per_10k"] == pytest.approx(0.8)
    assert units["2"]["population"] is None and units["2"]["rate_per_10k"] is None


def test_filters_apply(data):
    rina = make_category("rina")
    add_reports([NORTE] * 3, rina, created_at=local_dt(2026, 3, 5))
    rollups_refresh()
    analyst = client_for(make_user("ana", role="analyst"))
    assert _units(analyst.get(URL, PERIOD))["01"]["count"] == 7
    assert _units(analyst.get(URL, {**PERIOD, "category": "rina"}))["01"]["count"] == 3
    assert set(_units(analyst.get(URL, {**PERIOD, "locality": "02"}))) == {"02"}


def test_default_period_is_the_last_365_days(data):
    body = client_for().get(URL).json()
    end = date.fromisoformat(body["period"]["date_to"])
    start = date.fromisoformat(body["period"]["date_from"])
    assert (end - start).days == 364


def test_bad_level_is_400():
    response = client_for().get(URL, {"level": "barrio"})
    assert response.status_code == 400 and "level" in response.json()


def test_top_categories_and_weekly_counts_from_the_rollup(data):
    from maps.filters import MapFilters
    from maps.selectors import category_counts, weekly_counts
    from maps.services import rollups_refresh
    from reports.visibility import ViewerScope

    rina = make_category("rina")
    add_reports([NORTE] * 3, rina, created_at=local_dt(2026, 3, 17))
    rollups_refresh(full=True)
    march = MapFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    top = category_counts(filters=march, scope=ViewerScope(full=True))
    assert [(c["code"], c["count"]) for c in top] == [("hurto", 7), ("rina", 3)]
    # Public: the hidden report is not counted.
    assert category_counts(filters=march, scope=ViewerScope())[0]["count"] == 6
    weeks = weekly_counts(filters=march, scope=ViewerScope(full=True))
    assert weeks[0]["week_start"] == date(2026, 2, 23)  # the Monday of the week holding 1 March
    by_week = {w["week_start"]: w["count"] for w in weeks}
    assert by_week[date(2026, 3, 9)] == 7 and by_week[date(2026, 3, 16)] == 3
    assert by_week[date(2026, 3, 2)] == 0  # empty weeks are listed
    public = {
        w["week_start"]: w
        for w in weekly_counts(
            filters=march.with_period(date(2026, 3, 16), date(2026, 3, 22)), scope=ViewerScope()
        )
    }
    assert public[date(2026, 3, 16)]["count"] == 3
