"""Masking of personal data for display (PIPL minimum necessary). Always done on the server.

One policy, per field kind, designed against combination (GB/T 35273-2020 3.14/3.15 de-identification;
docs/security.md "Masking policy"): a masked value keeps only what cannot be completed from anything
else a page, API response or export shows beside it.

- id_number: only the last 4 characters (3 sequence digits and the check character). The region prefix
  and the birth digits are never shown: the prefix is guessable from the residence and the birth date
  would be shown beside it, which together rebuilt the whole number.
- birth_date: nothing (not the year, not an age): the year plus the exact party joining date (at 18 or
  older) and the ID number's last 4 rebuild the number for early joiners; ages only in aggregates.
- phone: first 3 and last 4 (the middle 4 digits stay unknown: 10,000 candidates per number). No other
  output may show other digits of a phone.
- room: a fixed-length mask, nothing kept (its position in an entrance's list would complete any part).
- name: the family name (first character) and a fixed "**".
- free text shown publicly goes through `redact_text` (phones, ID numbers, rooms, names after 联系人…).
"""

from __future__ import annotations

import re


def mask_id_number(value: str) -> str:
    """110101199001011234 -> **************1234 (only the last 4: no region prefix, no birth digits)."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    value = str(value)
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_room(value: str) -> str:
    """Room numbers reveal where a person lives: fully masked with a fixed length (1502 -> ****). Not even
    the last character is kept: lists ordered by id (which follows the room order of most imports) or by
    position in an entrance would complete it."""
    if not value:
        return ""
    return "****"


def mask_name(value: str) -> str:
    """张三丰 -> 张**: used where a name must be shown to someone without personal-data rights."""
    if not value:
        return ""
    value = str(value)
    if len(value) == 1:
        return "*"
    return value[0] + "**"


def mask_birth_date(value) -> str:
    """1990-01-31 -> ****-**-**: nothing of a birth date is shown, not even the year or an age.

    The year looked harmless, but with the ID number's last 4 (sequence and check character) and the
    exact party joining date (one joins at 18 or older) it narrows the birthday to a few days for those
    who joined soon after their 18th birthday, and the check character does the rest. Ages appear only
    in aggregates (dashboards); the date itself through the audited unmask."""
    if not value:
        return ""
    return "****-**-**"


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "room": mask_room,
    "name": mask_name,
    "birth_date": mask_birth_date,
}


def mask(kind: str, value) -> str:
    return MASKERS[kind](value or "")


# --- free text shown in public --------------------------------------------------------------------

REDACTED = "＊＊"

# 18-digit (or 15-digit) ID numbers, possibly with an X check character.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mobile numbers (with optional +86 and separators) and landlines (0xx-xxxxxxxx).
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)|(?<!\d)\d{7,8}(?!\d)")
_CN_NUM = r"[0-9０-９一二三四五六七八九十百零〇两A-Za-z]+"
# Building / entrance / floor / room numbers: 3号楼2单元501, 3栋501室, 12幢3-501, 5号院2号楼, 501室, 3-2-501.
_ADDRESS_RE = re.compile(
    rf"(?:{_CN_NUM}\s*(?:号楼|号院|栋|幢|座|楼|单元|号|室|层|户|排|区|门)\s*[-－—]?\s*)+(?:{_CN_NUM}(?:室|号|户)?)?"
    rf"|(?<![0-9])\d{{1,3}}\s*[-－—]\s*\d{{1,3}}(?:\s*[-－—]\s*\d{{1,4}})?(?![0-9])"
    rf"|(?<![0-9A-Za-z])\d{{3,4}}\s*(?:室|房|户)"
)
# Names after contact labels: 联系人：张三 / 联系人张三 / 我叫李四 / 姓名: 王五 / 张先生.
_NAME_AFTER_RE = re.compile(
    r"(联系人|联系电话|联系方式|报告人|反映人|举报人|投诉人|当事人|户主|姓名|我叫)"
    r"\s*[:：是为]?\s*([\u4e00-\u9fff]{2,4})"
)
_HONORIFIC_RE = re.compile(r"[\u4e00-\u9fff](?:先生|女士|小姐|阿姨|大爷|大妈|师傅|老师)")
_NOT_NAMES = {"号码", "电话", "手机", "联系", "本人", "反映", "不详", "未知", "匿名", "在家", "居住"}


def _name_sub(m: re.Match) -> str:
    name = m.group(2)
    if name[:2] in _NOT_NAMES:
        return m.group(0)
    return m.group(0)[: -len(name)] + REDACTED


def redact_text(text: str) -> str:
    """Free text made fit for public reading: phone numbers, ID numbers, building/unit/room numbers and
    names after contact labels are replaced by ＊＊. Applied on read to public outputs only; the stored
    text is unchanged for staff."""
    if not text:
        return text or ""
    out = _ID_RE.sub(REDACTED, text)
    out = _MOBILE_RE.sub(REDACTED, out)
    out = _LANDLINE_RE.sub(REDACTED, out)
    out = _ADDRESS_RE.sub(REDACTED, out)
    out = _NAME_AFTER_RE.sub(_name_sub, out)
    out = _HONORIFIC_RE.sub(lambda m: REDACTED + m.group(0)[1:], out)
    return out
