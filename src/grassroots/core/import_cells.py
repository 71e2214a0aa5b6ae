"""Excel import cells: the column declaration (`Col`, `Ref`), the cell parsers with their Chinese
messages, and the error types of core.importing (which re-exports all of them: importers keep
importing from there)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models


class ImportFailed(Exception):
    """The file can't be imported at all (type, size, empty, headers): carries the errors."""

    def __init__(self, errors: list[CellError]):
        super().__init__("；".join(e.text for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class CellError:
    row: int  # 1-based spreadsheet row (row 1 is the header)
    col: str  # column letter, "" when the error is about a whole column that is missing
    header: str
    value: str
    message: str

    @property
    def text(self) -> str:
        where = f"第 {self.row} 行" + (f" {self.col} 列" if self.col else "")
        head = f"「{self.header}」" if self.header else ""
        return f"{where}{head}：{self.message}"

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "col": self.col,
            "header": self.header,
            "value": self.value,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, d: dict) -> CellError:
        return cls(d["row"], d["col"], d["header"], d["value"], d["message"])


class Bad(Exception):
    """Raised by a parser: the message is the Chinese explanation for the cell."""


# ---------------------------------------------------------------------------------------------
# Cell parsers
# ---------------------------------------------------------------------------------------------
TRUE_WORDS = {"是", "Y", "YES", "TRUE", "1", "√"}
FALSE_WORDS = {"否", "N", "NO", "FALSE", "0", "×"}
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^1\d{10}$")


def id_number_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident ID number (GB 11643)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def check_id_number(value: str) -> None:
    if not ID_NUMBER_RE.match(value):
        raise Bad("身份证号应为 18 位，最后一位可以是 X")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise Bad("身份证号中的出生日期不正确") from None
    if id_number_check_digit(value[:17]) != value[17]:
        raise Bad("身份证号校验位不正确")


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat(sep=" ")
    return str(raw).strip()


def parse_date(raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    s = _text(raw)
    m = _DATE_RE.match(s)
    if not m and re.fullmatch(r"\d{8}", s):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        raise Bad("日期格式应为 2024-01-31")
    try:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Bad("日期不存在") from None


def parse_int(raw) -> int:
    if isinstance(raw, bool):
        raise Bad("应为整数")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise Bad("应为整数")
    s = _text(raw)
    if not re.fullmatch(r"-?\d+", s):
        raise Bad("应为整数")
    return int(s)


def parse_float(raw) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    try:
        return float(_text(raw))
    except ValueError:
        raise Bad("应为数字") from None


def parse_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    s = _text(raw).upper()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise Bad("应填“是”或“否”")


@dataclass
class Col:
    """One spreadsheet column of an importer."""

    header: str
    field: str
    type: str = "text"  # text | int | float | date | bool | choice | ref | id_number | phone
    required: bool = False
    max_length: int | None = None
    choices: Sequence[tuple[str, str]] = ()  # (value, Chinese label)
    ref: str | None = None  # name of a reference in Importer.refs (type "ref")
    min_value: float | None = None
    max_value: float | None = None
    default: Any = None  # value when the cell is empty and the column is optional
    example: Any = ""
    help: str = ""
    export: Callable[[Any], Any] | None = None  # value for export; default: the model attribute
    personal: str | None = None  # masking kind for exports
    width: int = 16

    def __post_init__(self):
        self._by_label = {label: value for value, label in self.choices}
        self._values = {value for value, _ in self.choices}

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.choices]

    def parse(self, raw):
        """Raw cell -> Python value (or None when empty). Raises Bad with a Chinese message."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise Bad("必填")
            if self.default is None and self.type in ("text", "phone"):
                return ""
            return self.default
        t = self.type
        v: str | int | float
        if t == "text" or t == "ref":
            v = _text(raw)
        elif t == "int":
            v = parse_int(raw)
        elif t == "float":
            v = parse_float(raw)
        elif t == "date":
            return parse_date(raw)
        elif t == "bool":
            return parse_bool(raw)
        elif t == "choice":
            s = _text(raw)
            if s in self._by_label:
                return self._by_label[s]
            if s in self._values:
                return s
            raise Bad(f"应为以下之一：{'、'.join(self.labels)}")
        elif t == "id_number":
            v = _text(raw).upper()
            check_id_number(v)
            return v
        elif t == "phone":
            v = _text(raw)
            if not PHONE_RE.match(v):
                raise Bad("手机号应为 11 位数字，以 1 开头")
            return v
        else:  # pragma: no cover - a programming error in an importer
            raise ValueError(t)
        if isinstance(v, str) and self.max_length and len(v) > self.max_length:
            raise Bad(f"不能超过 {self.max_length} 个字符")
        if isinstance(v, int | float) and not isinstance(v, bool):
            if self.min_value is not None and v < self.min_value:
                raise Bad(f"不能小于 {self.min_value:g}")
            if self.max_value is not None and v > self.max_value:
                raise Bad(f"不能大于 {self.max_value:g}")
        return v

    def export_value(self, obj):
        if self.export is not None:
            return self.export(obj)
        v = getattr(obj, self.field, None)
        if self.type == "choice":
            labels: dict[Any, str] = dict(self.choices)
            return labels.get(v, v or "")
        return v


@dataclass(frozen=True)
class Ref:
    """A reference column's target: `model` looked up by `field`, restricted to what the user may `action`."""

    model: type[models.Model]
    field: str = "code"
    action: str = "view"
    label: str = "编码"
    select_related: tuple[str, ...] = ()
