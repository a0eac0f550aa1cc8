"""Key rotation of the encrypted request data, and the rate limit of request creation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from justice.models import JusticeRequest

from .conftest import client_for
from .factories import make_request

pytestmark = pytest.mark.django_db


def _stored_narrative(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative FROM justice_justicerequest WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_reencrypts_with_the_newest_key_so_the_old_one_can_go(territory, settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.JUSTICE_ENCRYPTION_KEYS = [old]
    request = make_request()
    before = _stored_narrative(request.pk)
    settings.JUSTICE_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_justice_keys")  # dry run
    assert _stored_narrative(request.pk) == before
    call_command("rotate_justice_keys", "--commit")
    assert "filas cifradas de nuevo" in capsys.readouterr().out
    settings.JUSTICE_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert JusticeRequest.objects.get(pk=request.pk).narrative.startswith("RELATO-SECRETO")


def test_creation_is_rate_limited(territory, settings):
    settings.THROTTLE_JUSTICE_REQUEST = "2/hour"
    body = {
        "attention": "orientacion_juridica",
        "narrative": "Necesito orientación",
        "locality": "01",
        "preferred_channel": "phone",
        "contact_phone": "3001234567",
        "consent": True,
    }
    client = client_for(None)
    assert [client.post("/api/justice-requests/", body, format="json").status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]
