"""The commit of an import reuses its dry run instead of reading and checking the file a second time.

A dry run that passes, for an importer that opts in (`Importer.reuse_checked`), leaves its Plan (the
parsed, validated rows as plain column values ready to write, the preview, the counts) beside the
upload, in "<stored name>.checked": a pickle, zlib-compressed, signed with a key derived from
SECRET_KEY and readable by the owner only (it holds what the uploaded file holds). With it are the
SHA-256 of the file and `Plan.state`, a digest of every database row and setting the checks read:

- the existing records the file's keys matched (all their columns, and those of the related rows
  loaded with them, e.g. a member's org and its region: the scope of a record follows them);
- the referenced rows the user may see (orgs, units, regions by code, with their loaded relations),
  so an org deleted, moved, put out of the user's scope or made functional changes the digest;
- the importing user (superuser, active, grants), today's date and the importer's own inputs
  (`Importer.extra_state`, e.g. the MEM-AGE rule's minimum age).

The commit, inside its transaction, runs the same bulk queries again (one per chunk of keys and per
reference kind, nothing per row), and writes the kept plan only if the file's hash and the digest are
unchanged. Otherwise (or when the kept plan is missing, unreadable, unsigned or from another file) it
reads and checks the whole file again exactly as the dry run did, so a row that became invalid in the
meantime (an ID number now used by a record outside the user's scope, a referenced org gone) is still
refused with its row and column, and nothing is written.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import zlib
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

MAGIC = b"grassroots-import-checked-1\n"
SUFFIX = ".checked"
_RELATED_DEPTH = 3


def row_state(obj, depth: int = 0) -> tuple:
    """Every column of a row, plus (recursively) the related rows already loaded with it."""
    values = tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)
    related: tuple = ()
    if depth < _RELATED_DEPTH:
        cache = obj._state.fields_cache
        related = tuple(
            (name, row_state(cache[name], depth + 1) if cache[name] is not None else None)
            for name in sorted(cache)
        )
    return (obj._meta.label_lower, values, related)


def state_digest(context: Any, existing: dict, refs: dict) -> str:
    h = hashlib.sha256(repr(context).encode())
    for key in sorted(existing):
        h.update(repr((key, row_state(existing[key]))).encode())
    for name in sorted(refs):
        found = refs[name]
        for code in sorted(found):
            h.update(repr((name, code, row_state(found[code]))).encode())
    return h.hexdigest()


def pack(plan, model) -> dict:
    """A passed plan as plain values (pickling 100k model instances costs as much as reading the file):
    each created row's column values, each updated row's pk and new values."""
    attnames = [f.attname for f in model._meta.concrete_fields]
    return {
        "attnames": attnames,
        "creates": [(row, tuple([getattr(obj, a) for a in attnames])) for row, obj in plan.creates],
        "updates": [
            (row, obj.pk, {a: getattr(obj, a) for a in changed}, before, changed)
            for row, obj, before, changed in plan.updates
        ],
        **{
            name: getattr(plan, name)
            for name in ("total", "unchanged", "preview", "headers", "keys", "ref_codes", "state", "present")
        },
    }


def rebuild(kept: dict, model, existing: dict, refs: dict):
    """The Plan of `pack`, its instances built again on the rows just read (existing records, referenced
    rows: the same as the dry run's, the state digest says so). Defaults computed at creation (the
    creation time) are taken now, as a check-and-write would."""
    from .importing import Plan

    fields = model._meta.concrete_fields
    attnames = [f.attname for f in fields]
    if kept["attnames"] != attnames:
        return None  # the model changed since the dry run
    related = {}
    for found in refs.values():
        for obj in found.values():
            related[(obj._meta.concrete_model, obj.pk)] = obj
    fks = [(i, f) for i, f in enumerate(fields) if f.is_relation]
    fresh = [
        f
        for f in fields
        if not f.primary_key and f.has_default() and callable(f.default) and f.name not in kept["present"]
    ]

    def attach(obj, values):
        for i, f in fks:
            target = related.get((f.related_model._meta.concrete_model, values[i]))
            if target is not None:
                f.set_cached_value(obj, target)

    plan = Plan(
        **{k: kept[k] for k in ("total", "unchanged", "preview", "headers", "keys", "ref_codes", "state")}
    )
    plan.present = set(kept["present"])
    for row, values in kept["creates"]:
        obj = model(*values)
        for f in fresh:
            setattr(obj, f.attname, f.get_default())
        attach(obj, values)
        plan.creates.append((row, obj))
    by_pk = {obj.pk: obj for obj in existing.values()}
    for row, pk, new, before, changed in kept["updates"]:
        obj = by_pk.get(pk)
        if obj is None:
            return None
        for a, v in new.items():
            setattr(obj, a, v)
        attach(obj, [getattr(obj, a) for a in attnames])
        plan.updates.append((row, obj, before, changed))
    return plan


def _sign(blob: bytes) -> bytes:
    key = hashlib.sha256(("import-checked:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, blob, hashlib.sha256).digest()


def checked_path(upload: Path) -> Path:
    return upload.with_name(upload.name + SUFFIX)


def save(upload: Path, kind: str, file_sha256: str, plan, model) -> bool:
    """Keep a passed dry run's plan beside the upload. Best effort: without it the commit re-checks."""
    path = checked_path(upload)
    tmp = path.with_name(f".tmp-{path.name}")
    try:
        body = pickle.dumps(
            {"kind": kind, "file_sha256": file_sha256, "plan": pack(plan, model)},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        blob = zlib.compress(body, 1)
        with tmp.open("wb") as fh:
            tmp.chmod(0o600)
            fh.write(MAGIC + _sign(blob) + blob)
        tmp.replace(path)
        return True
    except Exception as exc:  # noqa: BLE001 - the commit then checks the file again
        logger.warning("import %s: checked plan not kept: %s", upload.name, exc)
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        return False


def load(upload: Path, kind: str, file_sha256: str):
    """The kept (packed) plan of this very file, or None (missing, altered, another file, unreadable)."""
    path = checked_path(upload)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    sig_len = hashlib.sha256().digest_size
    head, sig, blob = (
        data[: len(MAGIC)],
        data[len(MAGIC) : len(MAGIC) + sig_len],
        data[len(MAGIC) + sig_len :],
    )
    if head != MAGIC or not hmac.compare_digest(sig, _sign(blob)):
        logger.warning("import %s: kept plan ignored (not ours or altered)", upload.name)
        return None
    try:
        kept = pickle.loads(zlib.decompress(blob))  # noqa: S301 - signed by us just above
    except Exception as exc:  # noqa: BLE001 - e.g. a plan kept by an older release
        logger.warning("import %s: kept plan unreadable: %s", upload.name, exc)
        return None
    if kept.get("kind") != kind or not file_sha256 or kept.get("file_sha256") != file_sha256:
        return None
    return kept["plan"]


def discard(upload: Path) -> None:
    try:
        checked_path(upload).unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("import %s: kept plan not removed: %s", upload.name, exc)
