"""Permission matrix: every reports endpoint × every role, with the expected HTTP status.

Fixture reports: `r01` in locality 01 and `r02` in locality 02 (both public, non-sensitive). Staff of
one locality get 404 (not 403) for the other's reports so they cannot learn that they exist.
"""

import pytest

from reports.models import Report

from .conftest import client_for
from .factories import POINT_01, POINT_02, make_report

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "other_citizen", "staff_01", "staff_02", "analyst", "moderator", "admin"]


def expect(**by_role):
    """Expected status per role; `rest` fills the roles not named."""
    rest = by_role.pop("rest", None)
    return [by_role.get(role, rest) for role in ROLES]


def _create_body(ctx):
    return {
        "category": "hurto",
        "description": "Robo",
        "location": {"type": "Point", "coordinates": list(POINT_01)},
    }


# (name, method, url template, body factory, expected per role in ROLES order)
MATRIX = [
    ("categories", "get", "/api/categories/", None, expect(rest=200)),
    ("report list", "get", "/api/reports/", None, expect(rest=200)),
    ("report create", "post", "/api/reports/", _create_body, expect(rest=201)),
    (
        "nearby",
        "get",
        "/api/reports/nearby/?lat=4.6234&lon=-74.0712&category=hurto",
        None,
        expect(rest=200),
    ),
    ("tracking view", "get", "/api/reports/track/{r01_code}/", None, expect(rest=200)),
    ("public detail", "get", "/api/reports/{r01}/", None, expect(rest=200)),
    ("support", "post", "/api/reports/{r01}/supports/", lambda ctx: {"device_id": "tel"}, expect(rest=201)),
    (
        "staff list",
        "get",
        "/api/staff/reports/",
        None,
        expect(anonymous=401, citizen=403, other_citizen=403, rest=200),
    ),
    (
        "staff detail own locality",
        "get",
        "/api/staff/reports/{r01}/",
        None,
        expect(anonymous=401, citizen=403, other_citizen=403, staff_02=404, rest=200),
    ),
    (
        "staff detail other locality",
        "get",
        "/api/staff/reports/{r02}/",
        None,
        expect(anonymous=401, citizen=403, other_citizen=403, staff_01=404, rest=200),
    ),
    (
        "transition",
        "post",
        "/api/staff/reports/{r01}/transition/",
        lambda ctx: {"to_status": "in_review"},
        expect(
            anonymous=401,
            citizen=403,
            other_citizen=403,
            staff_01=200,
            staff_02=404,
            analyst=403,
            moderator=403,
            admin=200,
        ),
    ),
    (
        "transition other locality",
        "post",
        "/api/staff/reports/{r02}/transition/",
        lambda ctx: {"to_status": "in_review"},
        expect(
            anonymous=401,
            citizen=403,
            other_citizen=403,
            staff_01=404,
            staff_02=200,
            analyst=403,
            moderator=403,
            admin=200,
        ),
    ),
    (
        "respond",
        "post",
        "/api/staff/reports/{r01}/responses/",
        lambda ctx: {"body": "Atendido"},
        expect(
            anonymous=401,
            citizen=403,
            other_citizen=403,
            staff_01=201,
            staff_02=404,
            analyst=403,
            moderator=403,
            admin=201,
        ),
    ),
    (
        "duplicate",
        "post",
        "/api/staff/reports/{r01}/duplicate/",
        lambda ctx: {"duplicate_of": ctx["r01b"]},
        expect(
            anonymous=401,
            citizen=403,
            other_citizen=403,
            staff_01=200,
            staff_02=404,
            analyst=403,
            moderator=403,
            admin=200,
        ),
    ),
    (
        "hide",
        "post",
        "/api/staff/reports/{r01}/hide/",
        lambda ctx: {"reason": "Insultos"},
        expect(
            anonymous=401,
            citizen=403,
            other_citizen=403,
            staff_01=200,
            staff_02=404,
            analyst=403,
            moderator=200,
            admin=200,
        ),
    ),
    ("my reports", "get", "/api/reports/mine/", None, expect(anonymous=401, rest=200)),
    ("me", "get", "/api/auth/me/", None, expect(anonymous=401, rest=200)),
    ("token revoke", "delete", "/api/auth/token/", None, expect(anonymous=401, rest=204)),
]


@pytest.fixture
def ctx(territory, hurto, users):
    r01 = make_report(category=hurto, lonlat=POINT_01, reporter=users["citizen"])
    r01b = make_report(category=hurto, lonlat=POINT_01)
    r02 = make_report(category=hurto, lonlat=POINT_02)
    return {"r01": r01.pk, "r01_code": r01.tracking_code, "r01b": r01b.pk, "r02": r02.pk}


@pytest.mark.parametrize(
    ("name", "method", "url", "make_body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_permission_matrix(ctx, users, name, method, url, make_body, expected, role_index):
    role = ROLES[role_index]
    client = client_for(users[role])
    before = {r.pk: (r.status, r.hidden) for r in Report.objects.all()}
    data = make_body(ctx) if make_body else None
    response = getattr(client, method)(url.format(**ctx), data, format="json")
    assert response.status_code == expected[role_index], (role, name, response.content[:300])
    if response.status_code >= 400:
        # A refused request changes nothing.
        assert {r.pk: (r.status, r.hidden) for r in Report.objects.all()} == before
