"""Rate limits cannot be bypassed with made-up headers; guessing secrets is slow (issue 7, items 3 and 6)."""

from contextlib import contextmanager

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from reports.models import Report
from tests.factories import make_territory
from tests.reports.factories import make_category, make_report, make_user

pytestmark = pytest.mark.django_db


@contextmanager
def rates(**scopes):
    # DRF binds the rates dict to the class at import; tests swap it for the duration.
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, **scopes}
    try:
        yield
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


@pytest.fixture
def report():
    make_territory()
    return make_report(category=make_category("hurto"))


def test_a_made_up_x_forwarded_for_does_not_open_a_new_counter(report):
    url = f"/api/reports/{report.pk}/supports/"
    with rates(support="1/minute"):
        first = APIClient().post(url, {"device_id": "a"}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1")
        assert first.status_code == 201
        second = APIClient().post(url, {"device_id": "b"}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")
        assert second.status_code == 429


def test_behind_a_configured_proxy_the_forwarded_client_is_used(report, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    url = f"/api/reports/{report.pk}/supports/"
    with rates(support="1/minute"):
        # Only the last entry (added by the trusted proxy) counts; the client's own prefix is ignored.
        one = APIClient().post(
            url, {"device_id": "a"}, format="json", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.1"
        )
        two = APIClient().post(
            url, {"device_id": "b"}, format="json", HTTP_X_FORWARDED_FOR="2.2.2.2, 10.0.0.1"
        )
        other = APIClient().post(url, {"device_id": "c"}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert (one.status_code, two.status_code, other.status_code) == (201, 429, 201)


def test_new_device_ids_cannot_inflate_the_supports_of_one_report(report):
    url = f"/api/reports/{report.pk}/supports/"
    other = make_report(category=report.category)
    with rates(support_anon_report="3/day"):
        codes = [
            APIClient().post(url, {"device_id": f"tel-{i}"}, format="json").status_code for i in range(5)
        ]
        assert codes == [201, 201, 201, 429, 429]
        # Another report from the same connection, and a signed-in citizen, are not affected.
        assert (
            APIClient()
            .post(f"/api/reports/{other.pk}/supports/", {"device_id": "x"}, format="json")
            .status_code
            == 201
        )
        citizen = APIClient()
        citizen.force_authenticate(make_user("vecina"))
        assert citizen.post(url, {}, format="json").status_code == 201
    report.refresh_from_db()
    assert report.support_count == 4


def test_tracking_code_lookups_are_throttled_per_ip_found_or_not(report):
    client = APIClient()
    with rates(track="3/hour"):
        assert client.get(f"/api/reports/track/{report.tracking_code}/").status_code == 200
        assert client.get("/api/reports/track/ABCDEFGHJK/").status_code == 404
        assert client.get("/api/reports/track/ABCDEFGHJM/").status_code == 404
        refused = client.get(f"/api/reports/track/{report.tracking_code}/")
    assert refused.status_code == 429
    assert "Intente de nuevo" in refused.json()["detail"]


def test_tracking_and_public_id_paths_do_not_overlap(report):
    client = APIClient()
    assert (
        client.get(f"/api/reports/track/{report.tracking_code}/").json()["tracking_code"]
        == report.tracking_code
    )
    assert client.get(f"/api/reports/{report.tracking_code}/").status_code == 404
    public = client.get(f"/api/reports/{report.pk}/").json()
    assert "tracking_code" not in public and "tracking_code" not in public["properties"]
    assert Report.objects.count() == 1
