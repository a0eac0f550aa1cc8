"""Fixtures for report tests: the toy territory, categories and one user per role."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_territory

from .factories import make_category, make_user


@pytest.fixture
def territory(db):
    return make_territory()


@pytest.fixture
def hurto(db):
    return make_category("hurto")


@pytest.fixture
def extorsion(db):
    return make_category("extorsion", sensitive=True)


@pytest.fixture
def users(db):
    """One user per role of the permission matrix (anonymous is None)."""
    return {
        "anonymous": None,
        "citizen": make_user("ciudadana"),
        "other_citizen": make_user("otro"),
        "staff_01": make_user("func01", role="locality_staff", localities=["01"]),
        "staff_02": make_user("func02", role="locality_staff", localities=["02"]),
        "analyst": make_user("analista", role="analyst"),
        "moderator": make_user("moderadora", role="moderator"),
        "admin": make_user("admin", superuser=True),
    }


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
