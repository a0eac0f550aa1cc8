"""Where signing in lands: citizens on their reports, staff on the workbench, `next` only on this host."""

import pytest
from django.test import Client

from tests.reports.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

EVIL = (
    "https://evil.example/",
    "//evil.example/cuenta/",
    "http://testserver.evil.example/",
    "javascript:alert(1)",
)


def _sign_in(path, username, next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return Client().post(path, data)


def test_citizen_without_next_lands_on_their_reports():
    make_user("vecina")
    response = _sign_in("/cuenta/entrar/", "vecina")
    assert response.status_code == 302 and response["Location"] == "/cuenta/mis-reportes/"
    assert Client().get("/accounts/profile/").status_code == 404  # the old landing place


@pytest.mark.parametrize("role", ["locality_staff", "analyst", "moderator"])
def test_staff_signing_in_on_the_citizen_page_land_on_the_workbench(role):
    make_user("funcionaria", role=role, localities=["01"] if role == "locality_staff" else ())
    response = _sign_in("/cuenta/entrar/", "funcionaria")
    assert response.status_code == 302 and response["Location"] == "/gestion/"


def test_a_same_host_next_is_followed():
    make_user("vecina")
    response = _sign_in("/cuenta/entrar/", "vecina", next_url="/reportar/")
    assert response["Location"] == "/reportar/"


@pytest.mark.parametrize("next_url", EVIL)
def test_next_to_another_host_is_ignored_on_both_sign_in_pages(next_url):
    make_user("vecina")
    make_user("func01", role="locality_staff", localities=["01"])
    citizen = _sign_in("/cuenta/entrar/", "vecina", next_url=next_url)
    assert citizen.status_code == 302 and citizen["Location"] == "/cuenta/mis-reportes/"
    staff = _sign_in("/gestion/entrar/", "func01", next_url=next_url)
    assert staff.status_code == 302 and staff["Location"] == "/gestion/"
