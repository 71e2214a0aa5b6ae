"""Masking of personal data for display (PIPL minimum necessary). Always done on the server."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """110101199001011234 -> 110***********1234 (keeps the first 3 and last 4)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_room(value: str) -> str:
    """Room numbers reveal where a person lives: keep only the last character (1502 -> ***2)."""
    if not value:
        return ""
    return "*" * max(len(value) - 1, 1) + value[-1]


def mask_name(value: str) -> str:
    """张三丰 -> 张**: used where a name must be shown to someone without personal-data rights."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "room": mask_room, "name": mask_name}


def mask(kind: str, value: str) -> str:
    return MASKERS[kind](value or "")
