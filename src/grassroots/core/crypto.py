"""Personal data at rest: encrypted columns plus keyed hashes for exact lookups (SECURITY.md).

Keys (settings, loaded in settings.py; docs/DEPLOY.md "Keys"):
- DATA_KEY encrypts; DATA_KEYS_OLD still decrypt (MultiFernet) until `grassroots rotate_data_key`
  re-encrypted every row with DATA_KEY;
- DATA_LOOKUP_KEY keys `lookup_hash` and never rotates with the data key.

A value that no key decrypts is an error: it is logged, shown as "〔无法解密〕" and never written back
(the stored ciphertext is kept as it is), so a wrong key can't silently empty a column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger("grassroots.crypto")

UNREADABLE = "〔无法解密〕"


def fernet_for(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("enc:" + key).encode()).digest()))


def fingerprint(key: str) -> str:
    """A short, non-secret name of a key (for backups and logs): never the key itself."""
    return hashlib.sha256(("fingerprint:" + key).encode()).hexdigest()[:16]


@cache
def _fernet() -> MultiFernet:
    keys = [settings.DATA_KEY, *[k for k in getattr(settings, "DATA_KEYS_OLD", []) if k != settings.DATA_KEY]]
    return MultiFernet([fernet_for(k) for k in keys])


@cache
def _hash_key() -> bytes:
    return hashlib.sha256(
        ("lookup:" + getattr(settings, "DATA_LOOKUP_KEY", settings.DATA_KEY)).encode()
    ).digest()


def reset() -> None:
    """Forget the derived keys (after the settings changed, e.g. in tests or after a rotation)."""
    _fernet.cache_clear()
    _hash_key.cache_clear()


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash, so "find the member with this ID number" is one indexed equality."""
    if not value:
        return ""
    return hmac.new(_hash_key(), value.strip().upper().encode(), hashlib.sha256).hexdigest()[:40]


class DecryptionError(Exception):
    pass


class Unreadable(str):
    """What a column that no key decrypts reads as: shows "〔无法解密〕", saves back its ciphertext."""

    token: str

    def __new__(cls, token: str):
        obj = super().__new__(cls, UNREADABLE)
        obj.token = token
        return obj

    # Normalising an unreadable value must keep it unreadable (and its ciphertext), not turn it into text.
    def upper(self):
        return self

    def strip(self, chars=None):
        return self


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str, *, strict: bool = False) -> str:
    """The plain value; a token no key opens is logged and read as `Unreadable` (or raises if strict)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        logger.error(
            "cannot decrypt a stored value with the data key %s or its %d old key(s): wrong or missing key",
            fingerprint(settings.DATA_KEY),
            len(getattr(settings, "DATA_KEYS_OLD", [])),
        )
        if strict:
            raise DecryptionError("cannot decrypt") from None
        return Unreadable(token)


def rotate_token(token: str) -> str:
    """The same value encrypted with the current data key (raises InvalidToken when no key opens it)."""
    return _fernet().rotate(token.encode()).decode()


def is_current(token: str) -> bool:
    try:
        fernet_for(settings.DATA_KEY).decrypt(token.encode())
        return True
    except InvalidToken:
        return False


class EncryptedCharField(models.TextField):
    """Stores Fernet ciphertext; Python sees the plain value. Not searchable: pair it with a hash column."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else (value or "")

    def get_prep_value(self, value):
        if isinstance(value, Unreadable):
            return value.token  # never overwrite data that could not be read
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


def _settings_changed(setting, **kwargs):
    if setting in ("DATA_KEY", "DATA_KEYS_OLD", "DATA_LOOKUP_KEY"):
        reset()


from django.core.signals import setting_changed  # noqa: E402

setting_changed.connect(_settings_changed)
