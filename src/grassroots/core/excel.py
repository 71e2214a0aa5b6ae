"""The one workbook writer: every Excel file the platform produces goes through `write_workbook` (lists,
reports, background exports) or, for the few workbooks built cell by cell (import templates, annotated
uploads), through `neutralise_workbook` before saving.

* Formula injection (CWE-1236, OWASP "CSV injection"): any text starting with `=`, `+`, `-`, `@`, a tab
  or a carriage return is written as a text cell (data type "s", quote prefix), so spreadsheet programs
  show it as typed instead of evaluating it.
* Personal data is masked for every role by default. Only an export asked for with a purpose
  (`purpose=`) by a holder of `personal.export` writes plaintext, and only for the rows that permission
  covers; such a workbook carries a visible watermark row (who, when, purpose, 严禁外传).
* Every export is audited with its filters, row count, columns and the columns written in plaintext.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from . import audit
from .masking import mask
from .models import AuditAction
from .personal import can_export_personal

PROGRESS_EVERY = 1000  # rows between progress callbacks of background exports
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WATERMARK_NOTICE = "含个人信息，严禁外传"


def local_minute(dt) -> str:
    """A datetime as people read it in lists and export cells: local time to the minute, "" for None."""
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def as_text(cell):
    """Make a cell holding formula-like text a plain text cell (shown as typed, never evaluated)."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def neutralise_workbook(wb) -> int:
    """Turn every formula-like cell of a (non write-only) workbook into text. Returns the number changed."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.data_type == "f" or formula_like(cell.value)):
                    as_text(cell)
                    changed += 1
    return changed


def save_workbook(wb, target) -> None:
    """Save a workbook built cell by cell, after neutralising formula-like text."""
    neutralise_workbook(wb)
    wb.save(target)


@dataclass(frozen=True)
class Column:
    header: str
    value: str | Callable[[Any], Any]
    personal: str | None = None  # masking kind when the column holds personal data
    width: int = 16

    def get(self, obj):
        if callable(self.value):
            return self.value(obj)
        v = obj
        for attr in self.value.split("."):
            v = getattr(v, attr, None) if v is not None else None
            if callable(v) and attr.startswith("get_"):
                v = v()
        return v


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def watermark_text(user, purpose: str, when=None) -> str:
    """The visible first row of an unmasked workbook: who exported it, when, why, and a warning."""
    when = timezone.localtime(when or timezone.now())
    who = f"{getattr(user, 'display_name', '') or ''}（{getattr(user, 'username', '')}）".lstrip()
    return f"导出人：{who}　导出时间：{when:%Y-%m-%d %H:%M}　用途：{purpose}　{WATERMARK_NOTICE}"


@dataclass
class WriteResult:
    rows: int = 0
    plaintext: bool = False  # some personal value was written unmasked
    unmasked_fields: list[str] | None = None  # headers of the personal columns written in plaintext

    def __iter__(self):  # (rows, plaintext), as callers unpack it
        return iter((self.rows, self.plaintext))


def write_workbook(
    target,
    title: str,
    columns: list[Column],
    rows: Iterable,
    user=None,
    progress=None,
    *,
    purpose: str = "",
    watermark: str = "",
) -> WriteResult:
    """Write the xlsx to `target` (a path or a binary file); `progress(count)` is called every
    PROGRESS_EVERY rows. Personal columns are masked unless `purpose` is given (the caller checked that
    the user holds personal.export and asked for it); even then a row is written in plaintext only when
    personal.export covers it. Formula-like text is written as text. `watermark` becomes row 1."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, c in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    if watermark:
        mark = as_text(WriteOnlyCell(ws, value=watermark))
        mark.font = Font(bold=True, color="B91C1C", size=12)
        ws.append([mark])
    header_font = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="B91C1C")
    head = []
    for c in columns:
        cell = as_text(WriteOnlyCell(ws, value=c.header))
        cell.font, cell.fill = header_font, fill
        head.append(cell)
    ws.append(head)
    result = WriteResult(unmasked_fields=[])
    unmasked: set[str] = set()
    may_unmask = bool(purpose) and user is not None
    for obj in rows:
        line = []
        allowed = None
        for c in columns:
            v = c.get(obj)
            if c.personal:
                if allowed is None:
                    allowed = may_unmask and can_export_personal(user, obj)
                if allowed:
                    if v:
                        result.plaintext = True
                        unmasked.add(c.header)
                else:
                    v = mask(c.personal, v or "")
            v = _cell(v)
            line.append(as_text(WriteOnlyCell(ws, value=v)) if formula_like(v) else v)
        ws.append(line)
        result.rows += 1
        if progress is not None and result.rows % PROGRESS_EVERY == 0:
            progress(result.rows)
    wb.save(target)
    result.unmasked_fields = [c.header for c in columns if c.header in unmasked]
    return result


def workbook_bytes(
    title: str, columns: list[Column], rows: Iterable, user=None, *, purpose: str = "", watermark: str = ""
) -> tuple[bytes, int, bool]:
    """Build the xlsx in memory. Returns (content, row count, whether plaintext personal data was written)."""
    buf = io.BytesIO()
    result = write_workbook(buf, title, columns, rows, user, purpose=purpose, watermark=watermark)
    return buf.getvalue(), result.rows, result.plaintext


def audit_export(
    user, title: str, columns, result: WriteResult, *, model_label, filters, purpose="", **extra
):
    """One audit row per export: filters, row count, the columns, and those written in plaintext."""
    note = f"（含个人信息明文：{'、'.join(result.unmasked_fields)}）" if result.unmasked_fields else ""
    return audit.record(
        AuditAction.EXPORT,
        None,
        user=user,
        purpose=purpose,
        model_label=model_label,
        object_repr=f"导出{title} {result.rows} 条{note}"[:200],
        changes={
            "filters": [None, filters or {}],
            "rows": [None, result.rows],
            "fields": [None, [c.header for c in columns]],
            "unmasked_fields": [None, result.unmasked_fields or []],
            "personal": [None, result.plaintext],
            **{k: [None, v] for k, v in extra.items()},
        },
    )


def content_disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def export_response(
    user,
    title: str,
    columns: list[Column],
    rows: Iterable,
    *,
    model_label: str,
    filters: dict | None = None,
    purpose: str = "",
) -> HttpResponse:
    """An xlsx download, masked unless `purpose` is given (see write_workbook), audited."""
    buf = io.BytesIO()
    watermark = watermark_text(user, purpose) if purpose else ""
    result = write_workbook(buf, title, columns, rows, user, purpose=purpose, watermark=watermark)
    audit_export(user, title, columns, result, model_label=model_label, filters=filters, purpose=purpose)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(f"{title}-{stamp}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response
