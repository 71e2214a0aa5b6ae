"""Calendar periods of the LIFE-* rules: month, quarter, half_year, year. A period is [start, end)
of local dates; labels are Chinese ("2026年10月", "2026年第3季度", "2026年上半年", "2026年")."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
PERIOD_LABELS = {"month": "月", "quarter": "季度", "half_year": "半年", "year": "年"}


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # exclusive

    @property
    def label(self) -> str:
        y, m = self.start.year, self.start.month
        if self.kind == "month":
            return f"{y}年{m}月"
        if self.kind == "quarter":
            return f"{y}年第{(m - 1) // 3 + 1}季度"
        if self.kind == "half_year":
            return f"{y}年{'上' if m == 1 else '下'}半年"
        return f"{y}年"

    @property
    def short_label(self) -> str:
        y, m = self.start.year, self.start.month
        if self.kind == "month":
            return f"{y % 100:02d}/{m}"
        if self.kind == "quarter":
            return f"{y % 100:02d}Q{(m - 1) // 3 + 1}"
        if self.kind == "half_year":
            return f"{y % 100:02d}H{1 if m == 1 else 2}"
        return str(y)

    def contains(self, d: datetime.date) -> bool:
        return self.start <= d < self.end

    def previous(self) -> Period:
        return period_of(self.start - datetime.timedelta(days=1), self.kind)

    def next(self) -> Period:
        return period_of(self.end, self.kind)

    def days_left(self, today: datetime.date) -> int:
        """Days from today to the last day of the period, today included (1 on the last day)."""
        return (self.end - today).days


def _add_months(d: datetime.date, months: int) -> datetime.date:
    index = d.year * 12 + d.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_of(d: datetime.date, kind: str) -> Period:
    if kind not in MONTHS:
        raise ValueError(f"unknown period {kind!r}")
    n = MONTHS[kind]
    first_month = (d.month - 1) // n * n + 1
    start = datetime.date(d.year, first_month, 1)
    return Period(kind, start, _add_months(start, n))


def periods_back(today: datetime.date, kind: str, count: int) -> list[Period]:
    """The current period and the `count - 1` before it, oldest first."""
    p = period_of(today, kind)
    out = [p]
    for _ in range(count - 1):
        p = p.previous()
        out.append(p)
    return out[::-1]


def periods_between(start: datetime.date, end: datetime.date, kind: str) -> list[Period]:
    """Periods of `kind` lying entirely inside [start, end)."""
    out = []
    p = period_of(start, kind)
    if p.start < start:
        p = p.next()
    while p.end <= end:
        out.append(p)
        p = p.next()
    return out


_SPEC = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-H([12])$"), "half_year"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
]


def parse_period(spec: str) -> Period:
    """ "2026", "2026-H1", "2026-Q3", "2026-10" -> Period; ValueError with a Chinese message otherwise."""
    spec = (spec or "").strip().upper()
    for pattern, kind in _SPEC:
        m = pattern.match(spec)
        if not m:
            continue
        year = int(m.group(1))
        if kind == "year":
            month = 1
        elif kind == "half_year":
            month = 1 if m.group(2) == "1" else 7
        elif kind == "quarter":
            month = (int(m.group(2)) - 1) * 3 + 1
        else:
            month = int(m.group(2))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            break
        return period_of(datetime.date(year, month, 1), kind)
    raise ValueError("统计期格式应为 2026、2026-H1、2026-Q3 或 2026-10")
