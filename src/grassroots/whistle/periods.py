"""Assessment periods: a year "2026", a quarter "2026-Q3" or a month "2026-07" → [start, end) dates."""

from __future__ import annotations

import datetime
import re

PERIOD_RE = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


class PeriodError(ValueError):
    pass


def parse_period(period: str) -> tuple[datetime.date, datetime.date]:
    m = PERIOD_RE.match((period or "").strip())
    if not m:
        raise PeriodError("考核周期格式应为 2026、2026-Q3 或 2026-07")
    year, part = int(m.group(1)), m.group(2)
    if not 2000 <= year <= 2100:
        raise PeriodError("考核周期年份超出范围")
    if part is None:
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    if part.startswith("Q"):
        q = int(part[1])
        start = datetime.date(year, 3 * q - 2, 1)
    else:
        month = int(part)
        if not 1 <= month <= 12:
            raise PeriodError("考核周期月份应为 01 到 12")
        start = datetime.date(year, month, 1)
        q = None
    months = 3 if q else 1
    m2 = start.month - 1 + months
    end = datetime.date(start.year + m2 // 12, m2 % 12 + 1, 1)
    return start, end


def current_quarter(today: datetime.date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
