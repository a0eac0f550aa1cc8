"""Boundaries admin: map widget served locally, geometry read-only, names editable."""

import re

import pytest
from django.urls import reverse

from localities.models import BoundaryVersion, Locality, Upz
from tests.factories import make_territory, square

pytestmark = pytest.mark.django_db

# A <script src> or <link href> pointing at another host (http://, https:// or protocol-relative //).
EXTERNAL_ASSET = re.compile(r"<(?:script[^>]*\ssrc|link[^>]*\shref)=[\"'](?:https?:)?//", re.IGNORECASE)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "clave-segura-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", [Locality, Upz])
def test_change_page_shows_a_local_leaflet_map_and_no_external_assets(staff_client, model):
    version = make_territory()
    obj = model.objects.get(version=version, code__in=["01", "1"])
    response = staff_client.get(reverse(f"admin:localities_{model._meta.model_name}_change", args=[obj.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert EXTERNAL_ASSET.search(html) is None
    assert re.search(r"<script[^>]+src=\"/static/leaflet/leaflet(-src)?\.js", html)
    assert obj.name in html


def test_lists_and_version_page_render(staff_client):
    version = make_territory()
    for name in ("locality", "upz", "boundaryversion"):
        response = staff_client.get(reverse(f"admin:localities_{name}_changelist"))
        assert response.status_code == 200
        assert EXTERNAL_ASSET.search(response.content.decode()) is None
    response = staff_client.get(reverse("admin:localities_boundaryversion_change", args=[version.pk]))
    assert response.status_code == 200


def test_name_can_be_corrected_but_geometry_and_code_cannot(staff_client):
    version = make_territory()
    locality = Locality.objects.get(version=version, code="01")
    original = locality.geom
    url = reverse("admin:localities_locality_change", args=[locality.pk])
    response = staff_client.post(
        url, {"name": "Norte Corregido", "geom": square(-75, 5, -74.9, 5.1).geojson, "code": "99"}
    )
    assert response.status_code == 302
    locality.refresh_from_db()
    assert locality.name == "Norte Corregido"
    assert locality.code == "01"
    assert locality.geom.equals_exact(original, 1e-12)


def test_boundaries_cannot_be_added_or_deleted_in_admin(staff_client):
    version = make_territory()
    assert staff_client.get(reverse("admin:localities_locality_add")).status_code == 403
    locality = Locality.objects.get(version=version, code="01")
    assert (
        staff_client.get(reverse("admin:localities_locality_delete", args=[locality.pk])).status_code == 403
    )


def test_activate_action_switches_the_active_version(staff_client):
    old = make_territory(checksum="old")
    new = make_territory(checksum="new")
    assert BoundaryVersion.objects.get(active=True) == new
    response = staff_client.post(
        reverse("admin:localities_boundaryversion_changelist"),
        {"action": "activate", "_selected_action": [old.pk]},
    )
    assert response.status_code == 302
    assert BoundaryVersion.objects.get(active=True) == old
