"""Data-key rotation and the key report of backups (core/crypto.py holds the keys' use).

`rotate(batch_size)` re-encrypts every EncryptedCharField column of every model with the current
DATA_KEY, in short batches of raw ciphertext (one transaction per batch, so writers of the running
site wait milliseconds, not minutes). Values no key opens are counted and left as they are.
Lookup hashes are keyed by DATA_LOOKUP_KEY, which does not rotate, so they stay valid.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from . import crypto

logger = logging.getLogger("grassroots.crypto")


@dataclass
class RotationResult:
    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    columns: list[str] = field(default_factory=list)


def encrypted_columns():
    """(model, [field, ...]) for every model with encrypted columns."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedCharField)]
        if fields and not model._meta.proxy:
            yield model, fields


def rotate(batch_size: int = 500, progress=None) -> RotationResult:
    crypto.reset()
    result = RotationResult()
    qn = connection.ops.quote_name
    for model, fields in encrypted_columns():
        table, pk = model._meta.db_table, model._meta.pk.column
        cols = [f.column for f in fields]
        result.columns += [f"{table}.{c}" for c in cols]
        last = None
        while True:
            select = f"SELECT {qn(pk)}, {', '.join(qn(c) for c in cols)} FROM {qn(table)}"
            params: list = []
            if last is not None:
                select += f" WHERE {qn(pk)} > %s"
                params.append(last)
            select += f" ORDER BY {qn(pk)} LIMIT {int(batch_size)}"
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(select, params)
                    rows = cursor.fetchall()
                updates = []
                for row in rows:
                    new = list(row[1:])
                    changed = False
                    for i, token in enumerate(row[1:]):
                        if not token:
                            continue
                        if crypto.is_current(token):
                            result.current += 1
                            continue
                        try:
                            new[i] = crypto.rotate_token(token)
                        except InvalidToken:
                            result.unreadable += 1
                            logger.error(
                                "%s %s=%s: %s cannot be decrypted by any key", table, pk, row[0], cols[i]
                            )
                            continue
                        changed = True
                        result.rotated += 1
                    if changed:
                        updates.append([*new, row[0]])
                if updates:
                    sets = ", ".join(f"{qn(c)} = %s" for c in cols)
                    with connection.cursor() as cursor:
                        cursor.executemany(f"UPDATE {qn(table)} SET {sets} WHERE {qn(pk)} = %s", updates)
            if progress:
                progress(table, len(rows))
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
    return result


def new_data_key() -> str:
    """Generate a new var/data_key and move the current one to var/data_keys_old (files mode 0600).

    Only for keys kept in var: with GRASSROOTS_DATA_KEY set the operator changes the environment.
    Returns the new key's fingerprint; this process uses the new key from now on."""
    var = Path(settings.VAR_DIR)
    if os.environ.get("GRASSROOTS_DATA_KEY"):
        raise ValueError("GRASSROOTS_DATA_KEY is set in the environment")
    old = var / "data_keys_old"
    current = settings.DATA_KEY
    fd = os.open(old, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as fh:
        fh.write(f"# data key {crypto.fingerprint(current)}, replaced by rotate_data_key --new\n{current}\n")
    key = secrets.token_urlsafe(50)
    tmp = var / ".data_key.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    tmp.replace(var / "data_key")
    settings.DATA_KEYS_OLD = [current, *[k for k in settings.DATA_KEYS_OLD if k != current]]
    settings.DATA_KEY = key
    crypto.reset()
    return crypto.fingerprint(key)


def key_report() -> list[dict]:
    """Every key the installation needs, with where it lives and its fingerprint (never the key)."""
    var = Path(settings.VAR_DIR)

    def where(env: str, file: str) -> str:
        return f"环境变量 {env}" if os.environ.get(env) else str(var / file)

    rows = [
        {"name": "数据密钥", "where": where("GRASSROOTS_DATA_KEY", "data_key"), "key": settings.DATA_KEY},
        {
            "name": "查找散列密钥",
            "where": where("GRASSROOTS_LOOKUP_KEY", "lookup_key"),
            "key": settings.DATA_LOOKUP_KEY,
        },
        {
            "name": "站点密钥",
            "where": where("GRASSROOTS_SECRET_KEY", "secret_key"),
            "key": settings.SECRET_KEY,
        },
    ]
    for k in settings.DATA_KEYS_OLD:
        src = "环境变量 GRASSROOTS_DATA_KEYS_OLD"
        path = var / "data_keys_old"
        if path.exists() and k in path.read_text().splitlines():
            src = str(path)
        rows.append({"name": "旧数据密钥", "where": src, "key": k})
    return [{**r, "fingerprint": crypto.fingerprint(r.pop("key"))} for r in rows]
