"""Justice requests are never public in any form: not in reports, layers, tiles, heatmaps, statistics,
exports, Open311 or the directory, for anonymous users or analysts (who see exact report points)."""

import pytest

from reports.access import role_of
from tests.reports.factories import make_category, make_report

from .conftest import client_for
from .factories import POINT_01, make_office, make_request

pytestmark = pytest.mark.django_db

SECRETS = ["RELATO-SECRETO", "PARTE-SECRETA", "victima-secreta", "3001234567"]

PUBLIC_GETS = [
    "/api/reports/",
    "/api/maps/reports.geojson",
    "/api/maps/heatmap/?cell=500",
    "/api/maps/hotspots/",
    "/api/maps/stats/",
    "/api/maps/tiles/reports/12/1204/1987.mvt",
    "/api/exports/reports.csv",
    "/api/exports/reports.geojson",
    "/api/exports/aggregates.csv?level=locality",
    "/open311/v2/requests.json",
    "/open311/v2/services.json",
    "/api/services/",
    "/api/procedures/",
    "/api/categories/",
]


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("role", ["anonymous", "analyst", "moderator"])
def test_no_output_carries_a_justice_request(territory, users, role):
    make_category("violencia_intrafamiliar", sensitive=True)
    make_report()  # one ordinary report, so the outputs are not empty
    make_office("comisaria_familia", POINT_01)
    request = make_request("01")
    client = client_for(users[role])
    answered = 0
    for url in PUBLIC_GETS:
        response = client.get(url)
        assert response.status_code < 500, url
        body = _body(response)
        for secret in [*SECRETS, request.tracking_code]:
            assert secret.encode() not in body, (role_of(users[role]), url, secret)
        answered += response.status_code == 200
        if url == "/api/reports/":
            assert b"Robo de celular" in body  # the outputs are read in full, so a leak would show
    assert answered >= 10  # the outputs really answered; the absence of secrets is not vacuous


def test_reports_statistics_do_not_count_requests(territory, users):
    make_report()
    analyst = client_for(users["analyst"])
    before = analyst.get("/api/exports/aggregates.csv?level=locality")
    make_office("comisaria_familia", POINT_01)
    for _ in range(5):
        make_request("01")
    after = analyst.get("/api/exports/aggregates.csv?level=locality")
    assert _body(before) == _body(after)


@pytest.mark.parametrize("role", ["anonymous", "analyst", "moderator", "citizen", "staff_02"])
def test_the_workbench_pages_of_a_request_show_nothing_outside_its_office(territory, users, role, client):
    """The receiving office's pages (/gestion/justicia/) give other roles and localities a sign-in or a
    404 without any of the request's content, and no read is recorded for them."""
    from justice.models import JusticeRequestAccess

    make_office("comisaria_familia", POINT_01)
    request = make_request("01")
    if users[role] is not None:
        client.force_login(users[role])
    for url in (
        "/gestion/justicia/",
        f"/gestion/justicia/{request.pk}/",
        f"/gestion/justicia/{request.pk}/adjuntos/1/",
    ):
        response = client.get(url)
        # staff of another locality have a list of their own (200): it must not hold this request
        allowed = (200, 302, 404) if url == "/gestion/justicia/" else (302, 404)
        assert response.status_code in allowed, (role, url)
        for secret in [*SECRETS, request.tracking_code]:
            assert secret.encode() not in response.content, (role, url, secret)
    assert not JusticeRequestAccess.objects.exists()
    # Control: the office's own staff do see it (so the absence above is not vacuous).
    client.force_login(users["staff_01"])
    assert request.tracking_code.encode() in client.get("/gestion/justicia/").content
