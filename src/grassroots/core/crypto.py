"""Personal data at rest: encrypted columns plus keyed hashes for exact lookups (SECURITY.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@cache
def _fernet() -> Fernet:
    key = hashlib.sha256(("enc:" + settings.DATA_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


@cache
def _hash_key() -> bytes:
    return hashlib.sha256(("lookup:" + settings.DATA_KEY).encode()).digest()


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash, so "find the member with this ID number" is one indexed equality."""
    if not value:
        return ""
    return hmac.new(_hash_key(), value.strip().upper().encode(), hashlib.sha256).hexdigest()[:40]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


class EncryptedCharField(models.TextField):
    """Stores Fernet ciphertext; Python sees the plain value. Not searchable: pair it with a hash column."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else (value or "")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
