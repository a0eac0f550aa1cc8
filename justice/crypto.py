"""Encryption at rest of the private parts of justice requests (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from settings.JUSTICE_ENCRYPTION_KEYS (environment variable of the same name): a
comma-separated list of Fernet keys, newest first. Values are encrypted with the first key and
decrypted with any of them, so a key is rotated by putting a new one in front and re-saving the rows
(`manage.py rotate_justice_keys`). Generate a key with
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.

Without the setting a key is derived from SECRET_KEY (and one from each of SECRET_KEY_FALLBACKS, to
decrypt only), which is convenient for development but ties the data to that secret: production
should set its own keys. Encrypted columns cannot be filtered or searched in SQL.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models

PREFIX = "fernet:"  # marks an encrypted value, so a plaintext row can never be mistaken for one


def configured_keys() -> list[str]:
    """The Fernet keys of settings.JUSTICE_ENCRYPTION_KEYS (list or comma-separated string), or []."""
    value = getattr(settings, "JUSTICE_ENCRYPTION_KEYS", None) or []
    if isinstance(value, str):
        value = value.split(",")
    return [key.strip() for key in value if key.strip()]


def _derived_key(secret: str) -> bytes:
    digest = hashlib.sha256(("convive-justice:" + secret).encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = configured_keys()
    try:
        if keys:
            fernets = [Fernet(key.encode()) for key in keys]
        else:
            secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
            fernets = [Fernet(_derived_key(secret)) for secret in secrets]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "JUSTICE_ENCRYPTION_KEYS contiene una clave Fernet inválida (32 bytes en base64 url-safe). "
            "Genere una con cryptography.fernet.Fernet.generate_key(). (Invalid Fernet key.)"
        ) from exc
    return MultiFernet(fernets)


def _reset(**kwargs):
    if kwargs.get("setting") in ("JUSTICE_ENCRYPTION_KEYS", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(text: str) -> str:
    """`text` encrypted with the first key, as 'fernet:<token>'; the empty string stays empty."""
    if not text:
        return ""
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    """The plaintext of a value written by `encrypt` (any configured key may have written it)."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ValueError(
            "Valor sin cifrar en una columna cifrada (unencrypted value in an encrypted column)."
        )
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "No se pudo descifrar un dato de una solicitud de justicia: la clave que lo cifró no está en "
            "JUSTICE_ENCRYPTION_KEYS. Añada la clave anterior al final de la lista. (Decryption failed.)"
        ) from exc


def rotate(stored: str) -> str:
    """Re-encrypt `stored` with the first (newest) key."""
    if not stored:
        return ""
    return PREFIX + _fernet().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """A TextField stored Fernet-encrypted; Python code sees plaintext. Cannot be used in lookups."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name in ("isnull",):
            return super().get_lookup(lookup_name)
        return None  # a lookup on ciphertext would silently never match
