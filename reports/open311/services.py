"""Writes for Open311: API keys for client organisations, and service requests filed through them."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from geo.spatial import make_point
from reports.models import Channel, Open311Client, Report
from reports.services import report_create

from .serializers import CONTACT_CONSENT, OCCURRED_AT

KEY_BYTES = 32  # 256 bits of randomness, URL-safe base64 (43 characters)


def key_hash(key: str) -> str:
    """SHA-256 hex digest of an API key: the only form in which keys are stored."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


@transaction.atomic
def open311_client_issue(*, name: str, contact_email: str = "") -> tuple[Open311Client, str]:
    """Create an active Open311 client and return it with its new API key (shown once, never stored)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    client = Open311Client.objects.create(
        name=name.strip(), contact_email=contact_email.strip(), key_hash=key_hash(key)
    )
    return client, key


def open311_client_for_key(key: str | None) -> Open311Client | None:
    """The active client owning `key`, or None for a missing, unknown or revoked key."""
    if not key or not key.strip() or len(key) > 200:
        return None
    digest = key_hash(key)
    client = Open311Client.objects.filter(key_hash=digest, active=True).first()
    # The lookup is by digest (an index probe); the constant-time compare is belt and braces.
    if client is None or not hmac.compare_digest(client.key_hash, digest):
        return None
    return client


def open311_request_create(*, client: Open311Client, data: dict) -> tuple[Report, str]:
    """File a report from a validated POST requests payload (channel open311); returns it and a notice.

    Contact fields (email, phone, first/last name) are kept only with attribute[contact_consent]=true;
    otherwise the report is anonymous and the notice says the contact data was discarded. The point
    is lat/long in EPSG:4326; locality and UPZ are assigned by `report_create` from it.
    """
    attributes = data.get("attributes", {})
    consent = attributes.get(CONTACT_CONSENT, False)
    name = " ".join(part for part in (data.get("first_name", ""), data.get("last_name", "")) if part).strip()
    contact_given = any((data.get(k) or "").strip() for k in ("email", "phone")) or bool(name)
    contact = None
    if contact_given and consent:
        contact = {
            "name": name,
            "email": data.get("email", ""),
            "phone": data.get("phone", ""),
            "consent": True,
        }
    report = report_create(
        category=data["category"],
        description=data.get("description", ""),
        location=make_point(data["long"], data["lat"]),
        occurred_at=attributes.get(OCCURRED_AT) or timezone.now(),
        channel=Channel.OPEN311,
        contact=contact,
        device_id=data.get("device_id") or None,
    )
    notice = (
        f"Reporte recibido por {client.name}. Estado público: GET requests/{report.pk}.json; quien "
        f"reporta puede ver el detalle completo con su código de seguimiento {report.tracking_code}. "
        f"Respuesta esperada en {report.category.response_days} días."
    )
    if contact_given and not consent:
        notice += (
            " Los datos de contacto no se guardaron: envíe attribute[contact_consent]=true si la persona "
            "autoriza ser contactada."
        )
    if (data.get("media_url") or "").strip():
        # Fetching client-supplied URLs from the server would be an SSRF hole, and photos must be
        # re-encoded from bytes the citizen sent; so media_url is acknowledged and not downloaded.
        notice += " La foto de media_url no se descargó: adjunte las fotos desde la web o la aplicación."
    return report, notice
