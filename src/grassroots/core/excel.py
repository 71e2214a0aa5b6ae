"""Excel export of any scoped list, with personal data masked unless the user may export it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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


def write_workbook(target, title: str, columns: list[Column], rows: Iterable, user=None, progress=None):
    """Write the xlsx to `target` (a path or a binary file), masking personal columns unless the user
    may export them; `progress(count)` is called every PROGRESS_EVERY rows.
    Returns (row count, whether any plaintext personal data was written)."""
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, c in enumerate(columns):
        ws.column_dimensions[chr(65 + i) if i < 26 else "A"].width = c.width
    header_font = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="B91C1C")
    head = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font, cell.fill = header_font, fill
        head.append(cell)
    ws.append(head)
    count, plaintext = 0, False
    for obj in rows:
        line = []
        allowed = None
        for c in columns:
            v = c.get(obj)
            if c.personal:
                if allowed is None:
                    allowed = user is not None and can_export_personal(user, obj)
                if allowed:
                    plaintext = plaintext or bool(v)
                else:
                    v = mask(c.personal, v or "")
            line.append(_cell(v))
        ws.append(line)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    wb.save(target)
    return count, plaintext


def workbook_bytes(title: str, columns: list[Column], rows: Iterable, user=None) -> tuple[bytes, int, bool]:
    """Build the xlsx in memory. Returns (content, row count, whether plaintext personal data was written)."""
    buf = io.BytesIO()
    count, plaintext = write_workbook(buf, title, columns, rows, user)
    return buf.getvalue(), count, plaintext


def export_response(
    user, title: str, columns: list[Column], rows: Iterable, *, model_label: str, filters: dict | None = None
) -> HttpResponse:
    """Stream an xlsx download and audit the export (with its filters and row count)."""
    content, count, plaintext = workbook_bytes(title, columns, rows, user)
    audit.record(
        AuditAction.EXPORT,
        None,
        user=user,
        model_label=model_label,
        object_repr=f"导出{title} {count} 条" + ("（含个人信息明文）" if plaintext else ""),
        changes={"filters": [None, filters or {}], "rows": [None, count], "personal": [None, plaintext]},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{title}-{stamp}.xlsx')}"
    return response
