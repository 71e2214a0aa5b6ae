"""Helpers for page tests: parse exported workbooks, count audit events."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from grassroots.core.models import AuditEvent


def xlsx_rows(response, skip: int = 0) -> list[list]:
    """The first sheet's rows; `skip` leading rows (the watermark row of an unmasked export)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)][skip:]


def column(rows: list[list], header: str) -> list:
    i = rows[0].index(header)
    return [r[i] for r in rows[1:]]


def audit_count(action: str | None = None) -> int:
    # Logging a test client in writes a login event: count data changes only.
    qs = AuditEvent.objects.exclude(action__in=["login", "logout", "login_failed"])
    if action:
        qs = qs.filter(action=action)
    return qs.count()
