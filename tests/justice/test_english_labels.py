"""The justice app's own labels (request statuses, attentions, service kinds, contact channels) come out
in English on English pages: the app has its own catalogue (justice/locale), compiled by make."""

import pytest
from django.utils import translation

from justice.models import Attention, ContactChannel, RequestStatus, ServiceKind

from .factories import make_request

pytestmark = pytest.mark.django_db

SAME_IN_BOTH = {"WhatsApp"}


@pytest.mark.parametrize("choices", [RequestStatus, Attention, ContactChannel, ServiceKind])
def test_every_label_has_its_english_text(choices):
    with translation.override("es"):
        spanish = [str(label) for label in choices.labels]
    with translation.override("en"):
        english = [str(label) for label in choices.labels]
    untranslated = [
        es for es, en in zip(spanish, english, strict=True) if es == en and es not in SAME_IN_BOTH
    ]
    assert not untranslated


def test_tracking_page_in_english_names_the_status_in_english(client, real_territory):
    created = make_request()
    page = client.get(f"/solicitud/seguimiento/{created.tracking_code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Received" in text and "Recibida" not in text
