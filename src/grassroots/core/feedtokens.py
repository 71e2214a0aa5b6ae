"""Secret URL tokens for feeds that calendar apps fetch without logging in (orglife and venues).

The token in the URL is a password: only its SHA-256 is stored (`token_hash`, looked up by hash), so a
copy of the database or a backup does not hand out working feed URLs. The URL is shown once, when the
token is made or replaced; after that the page can only offer a new one (the old URL stops working).
A token is 32 random bytes, so an unsalted hash is enough (nothing to guess from the digest).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import models, transaction

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64


def new_secret() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class FeedToken(models.Model):
    """Abstract: one secret per user (the concrete model declares `user` as a OneToOneField)."""

    token_hash = models.CharField("密钥摘要", max_length=64, unique=True, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def issue(cls, user) -> tuple[FeedToken, str, bool]:
        """Make or replace the user's token: (row, the raw token to show once, whether it replaced one)."""
        raw = new_secret()
        with transaction.atomic():
            row, created = cls._default_manager.update_or_create(
                user=user, defaults={"token_hash": digest(raw)}
            )
        return row, raw, not created

    @classmethod
    def user_for(cls, raw: str):
        """The active user the raw token belongs to, or None."""
        if not raw or len(raw) > MAX_TOKEN_LENGTH:
            return None
        # `user` is declared by the concrete model, which the plugin cannot see from this abstract base.
        row: Any = cls._default_manager.select_related("user").filter(token_hash=digest(raw)).first()  # type: ignore[misc]
        if row is None or not row.user.is_active:
            return None
        return row.user
