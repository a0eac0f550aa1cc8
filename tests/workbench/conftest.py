"""Fixtures for the staff workbench: the toy territory (01 Norte, 02 Sur), a category and staff users."""

import io

import pytest
from django.test import Client

from tests.factories import make_territory
from tests.reports.factories import PASSWORD, make_category, make_user


@pytest.fixture
def territory(db):
    return make_territory()


@pytest.fixture
def hurto(db):
    return make_category("hurto", response_days=5)


@pytest.fixture
def staff(db):
    return {
        "staff_01": make_user("func01", role="locality_staff", localities=["01"]),
        "staff_02": make_user("func02", role="locality_staff", localities=["02"]),
        "analyst": make_user("analista", role="analyst"),
        "moderator": make_user("moderadora", role="moderator"),
        "admin": make_user("admin", superuser=True),
        "citizen": make_user("vecina"),
    }


@pytest.fixture
def signed_in(staff):
    """signed_in("staff_02") -> a Django test client with that user's session."""

    def make(name):
        client = Client()
        assert client.login(username=staff[name].username, password=PASSWORD)
        return client

    return make


def jpeg() -> io.BytesIO:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "foto.jpg"
    return buffer
