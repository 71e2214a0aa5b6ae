"""Excel import framework: declared columns, dry run with every bad cell reported, all-or-nothing commit.

An importer (one per kind, in `<app>/importers.py`) declares its columns (Chinese header, field,
type, required, choices by Chinese label, max length, references by code), its natural key and how a
row becomes a model instance. The engine:

1. reads the first sheet (openpyxl read-only), maps headers to columns (unknown, duplicate and
   missing required columns are errors on row 1);
2. parses every cell, collecting every error (row, column letter, header, value, Chinese message);
3. resolves references (parent code, region code, party org code, unit code) in one query per
   reference kind, restricted to what the importing user may see: an unknown or out-of-scope code
   is the same error;
4. finds existing records by natural key (code, or the ID number's keyed hash for members),
   cross-checks the file (duplicate keys, tree parents defined later in the file, cycles);
5. builds instances and runs the model's validators (`full_clean` without the unique queries: keys
   are checked in bulk above), then checks that each row lands inside the user's scope for the
   model's `change` permission;
6. on commit, does all of the above again inside one transaction and writes only if there is no
   error at all: bulk inserts (tree paths computed here), bulk updates of changed rows, unchanged
   rows untouched. An importer with `reuse_checked` instead writes the dry run's kept plan when the
   rows and settings its checks read are unchanged (core.import_reuse), else checks the file again.

Audit (decided here, for imports of up to 100k rows): one IMPORT event per committed import with the
counts, the SHA-256 of the uploaded file and the SHA-256 of the sorted keys created (ID numbers enter
only as their keyed hashes), plus one UPDATE event per existing record the import changed (with the
masked field diff, like a manual edit). Created rows get no per-row event: the IMPORT event names
them through the key digest and the stored file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from . import excel
from .import_cells import (  # noqa: F401 - re-exported: importers import them from here
    FALSE_WORDS,
    ID_NUMBER_RE,
    PHONE_RE,
    TRUE_WORDS,
    Bad,
    CellError,
    Col,
    ImportFailed,
    Ref,
    _text,
    check_id_number,
    id_number_check_digit,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
)
from .import_reuse import rebuild, state_digest
from .masking import mask
from .models import AuditAction, AuditEvent
from .scoping import covers, grants_for, has_perm, object_paths, perm_code

MAX_FILE_BYTES = 20 * 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
BATCH = 2000
# SQLite allows 32766 variables per statement; stay well below for `IN (...)` lookups.
IN_CHUNK = 900
BAD = "__bad__"  # key in a parsed row's values: the fields whose cells failed to parse


# ---------------------------------------------------------------------------------------------
# Reading the workbook
# ---------------------------------------------------------------------------------------------
def check_file(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise ImportFailed([CellError(1, "", "", "", "文件是空的")])
    if size > MAX_FILE_BYTES:
        raise ImportFailed([CellError(1, "", "", "", f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB 上限")])
    with path.open("rb") as fh:
        if fh.read(4) != XLSX_SIGNATURE:
            raise ImportFailed([CellError(1, "", "", "", "文件不是 Excel（.xlsx）格式")])


def open_rows(path: Path):
    """(workbook, iterator of value tuples of the first sheet) with openpyxl in read-only mode."""
    from openpyxl import load_workbook

    check_file(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any parse failure means the same thing to the user
        raise ImportFailed(
            [CellError(1, "", "", "", "文件无法读取，请上传 .xlsx 格式的 Excel 文件")]
        ) from None
    ws = wb.worksheets[0]
    return wb, ws.iter_rows(values_only=True)


def bare_read(path: Path) -> int:
    """Baseline for the benchmark: openpyxl only reading every value of the file."""
    wb, rows = open_rows(path)
    n = 0
    for row in rows:
        for _v in row:
            pass
        n += 1
    wb.close()
    return n - 1


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What an import would do: the outcome of a dry run, or of the checks before a commit."""

    total: int = 0
    errors: list[CellError] = field(default_factory=list)
    creates: list = field(default_factory=list)  # (row, obj)
    updates: list = field(default_factory=list)  # (row, obj, before snapshot, changed field names)
    unchanged: int = 0
    preview: list[dict] = field(default_factory=list)  # first rows as shown on the page
    headers: list[str] = field(default_factory=list)
    # What the verdict read from the database (kept with a checked dry run, see core.import_reuse):
    keys: list[str] = field(default_factory=list)  # natural keys looked up
    ref_codes: dict[str, list[str]] = field(default_factory=dict)  # reference kind -> codes resolved
    state: str = ""  # Importer.state_digest of the rows and settings the checks depended on
    present: set[str] = field(default_factory=set)  # the columns the file has

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        return {
            "total": self.total,
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def chunked(seq: Sequence, n: int = IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


# ---------------------------------------------------------------------------------------------
# The importer base class
# ---------------------------------------------------------------------------------------------
def ref_code(attr: str) -> Callable:
    """An export value (Col(export=...)): the code of the object `attr` refers to, or ""."""

    def get(obj):
        target = getattr(obj, attr, None)
        return target.code if target is not None else ""

    return get


class Importer:
    kind = ""
    title = ""  # Chinese name of what is imported, e.g. 党员
    model: type[models.Model]
    key_field = "code"  # model field holding the natural key
    columns: list[Col] = []
    refs: dict[str, Ref] = {}
    tree_parent: str | None = None  # field of the parent reference in a tree importer
    scope_field: str | None = None  # column whose reference decides the scope (for the error)
    export_order: tuple[str, ...] = ("id",)
    export_select: tuple[str, ...] = ()
    # The commit may write the dry run's plan when nothing it was checked against changed (see
    # core.import_reuse). Only for importers whose checks read the database solely through
    # lookup_existing, the references, the user's grants and extra_state (no query of their own).
    reuse_checked = False

    def __init__(self, user=None):
        self.user = user  # None: the console operator (no scope restriction)

    # --- permissions and scope ------------------------------------------------------------
    @property
    def change_perm(self) -> str:
        return perm_code(self.model, "change")

    def allowed(self) -> bool:
        if self.user is None:
            return True
        return has_perm(self.user, "imports.run") and has_perm(self.user, self.change_perm)

    def covers(self, obj) -> bool:
        return self.user is None or covers(self.user, obj, "change")

    def visible(self, qs, action: str):
        return qs if self.user is None else qs.visible_to(self.user, action)

    # --- per-kind hooks ---------------------------------------------------------------------
    def key_of(self, values: dict) -> str:
        return values.get(self.key_field) or ""

    def lookup_existing(self, keys: list[str]) -> dict[str, models.Model]:
        out = {}
        qs = self.model._default_manager.all()
        if self.export_select:
            qs = qs.select_related(*self.export_select)
        for part in chunked(keys):
            for obj in qs.filter(**{f"{self.key_field}__in": part}):
                out[getattr(obj, self.key_field)] = obj
        return out

    def new_object(self, values: dict) -> models.Model:
        return self.model()

    def apply(self, obj, values: dict, refs: dict) -> None:
        """Set the row's values on the instance; `refs` maps column field -> resolved object."""
        for col in self.columns:
            if col.field not in self.present or col.field == self.tree_parent:
                continue
            if col.type == "ref":
                setattr(obj, col.field, refs.get(col.field))
            elif col.field in values:
                setattr(obj, col.field, values[col.field])

    def before_insert(self, obj) -> None:
        """Things save() would do that bulk_create skips (name_initials, hashes)."""

        if hasattr(obj, "name_initials"):
            obj.fill_initials()

    def compare_fields(self) -> list[str]:
        """Model attributes compared to decide whether an existing record changes."""
        from django.core.exceptions import FieldDoesNotExist

        out = []
        for col in self.columns:
            if col.field not in self.present:
                continue
            try:
                out.append(self.model._meta.get_field(col.field).attname)
            except FieldDoesNotExist:
                continue
        return out

    def clean_exclude(self) -> list[str]:
        """Model fields full_clean skips: everything the file doesn't set."""
        # Reference columns are resolved (and scope-checked) in bulk: skip ForeignKey.validate's query.
        set_fields = {c.field for c in self.columns if c.type != "ref"}
        return [f.name for f in self.model._meta.fields if f.name not in set_fields]

    def row_checks(self, obj, values: dict, refs: dict) -> list[tuple[str, str]]:
        """Extra (column field, message) errors for a row, beyond the model's validators."""
        return []

    def row_check_needs(self) -> set[str]:
        """Column fields row_checks reads; a row with any of them unparseable skips row_checks."""
        return set()

    def model_field(self, col_field: str) -> str:
        return col_field

    def error_field(self, model_field: str) -> str:
        """Which column a model validation error on `model_field` belongs to."""
        return model_field

    # --- export -----------------------------------------------------------------------------
    def export_columns(self) -> list[excel.Column]:
        """The template's columns as core.excel.Column objects, for list pages' ?export=xlsx."""
        return [
            excel.Column(c.header, c.export_value, personal=c.personal, width=c.width) for c in self.columns
        ]

    def export_queryset(self, region=None):
        qs = self.visible(self.model._default_manager.all(), "view")
        if self.export_select:
            qs = qs.select_related(*self.export_select)
        if region is not None:
            qs = qs.filter(**{self.region_lookup(): region.path})
        return qs.order_by(*self.export_order)

    def region_lookup(self) -> str:
        lookup = self.model.scope_region
        return f"{lookup}__path__startswith" if lookup else "path__startswith"

    # --- the engine -------------------------------------------------------------------------
    def read(self, path: Path, progress: Progress = _no_progress):
        """Read and parse the file: (headers, parsed rows [(rownum, values, errors)]), or ImportFailed."""
        wb, it = open_rows(path)
        try:
            header_row = next(it, None)
            headers = [_text(h) for h in (header_row or ())]
            while headers and not headers[-1]:
                headers.pop()
            if not any(headers):
                raise ImportFailed([CellError(1, "", "", "", "文件中没有表头和数据行")])
            mapping, head_errors = self.map_headers(headers)
            if head_errors:
                raise ImportFailed(head_errors)
            cols = [(i, c, get_column_letter(i + 1)) for i, c in mapping]
            parsed = []
            n = len(headers)
            rownum = 1
            for raw in it:
                rownum += 1
                for v in raw[:n]:
                    if v is not None and v != "":
                        break
                else:
                    continue  # an empty row
                values, errs = {}, []
                width = len(raw)
                for i, col, letter in cols:
                    cell = raw[i] if i < width else None
                    try:
                        values[col.field] = col.parse(cell)
                    except Bad as exc:
                        errs.append(CellError(rownum, letter, col.header, _text(cell), str(exc)))
                        values.setdefault(BAD, set()).add(col.field)
                parsed.append((rownum, values, errs))
                if len(parsed) % 5000 == 0:
                    progress("read", len(parsed), 0)
            if not parsed:
                raise ImportFailed([CellError(2, "", "", "", "文件中没有数据行")])
            return headers, parsed
        finally:
            wb.close()

    def map_headers(self, headers: list[str]):
        by_header = {c.header: c for c in self.columns}
        seen: dict[str, int] = {}
        mapping, errors = [], []
        for i, h in enumerate(headers):
            name = h.rstrip("*＊ ").strip()
            letter = get_column_letter(i + 1)
            if not name:
                continue
            col = by_header.get(name)
            if col is None:
                errors.append(CellError(1, letter, name, h, "无法识别的列名，请使用导入模板"))
            elif name in seen:
                errors.append(CellError(1, letter, name, h, f"与 {get_column_letter(seen[name] + 1)} 列重复"))
            else:
                seen[name] = i
                mapping.append((i, col))
        for c in self.columns:
            if c.required and c.header not in seen:
                errors.append(CellError(1, "", c.header, "", "缺少必填列"))
        self.present = {c.field for _, c in mapping}
        return mapping, errors

    def letter_of(self, headers: list[str]) -> dict[str, tuple[str, str]]:
        out = {}
        for i, h in enumerate(headers):
            name = h.rstrip("*＊ ").strip()
            for c in self.columns:
                if c.header == name and c.field not in out:
                    out[c.field] = (get_column_letter(i + 1), c.header)
        return out

    def ref_codes(self, parsed) -> dict[str, list[str]]:
        """reference kind -> the codes the file names (sorted)."""
        wanted: dict[str, set[str]] = {}
        for col in self.columns:
            if col.type != "ref":
                continue
            codes = wanted.setdefault(col.ref, set())
            for _, values, _ in parsed:
                v = values.get(col.field)
                if v:
                    codes.add(v)
        return {name: sorted(codes) for name, codes in wanted.items()}

    def resolve_refs(self, parsed) -> dict[str, dict[str, models.Model]]:
        """code -> object for every reference kind, one query per chunk of codes, scoped."""
        return self.fetch_refs(self.ref_codes(parsed))

    def fetch_refs(self, wanted: dict[str, list[str]]) -> dict[str, dict[str, models.Model]]:
        out: dict[str, dict[str, models.Model]] = {}
        for name, codes in wanted.items():
            spec = self.refs[name]
            qs = self.visible(spec.model._default_manager.all(), spec.action)
            if spec.select_related:
                qs = qs.select_related(*spec.select_related)
            found = {}
            for part in chunked(codes):
                for obj in qs.filter(**{f"{spec.field}__in": part}):
                    found[getattr(obj, spec.field)] = obj
            out[name] = found
        return out

    def plan(self, path: Path, progress: Progress = _no_progress) -> Plan:
        headers, parsed = self.read(path, progress)
        plan = Plan(total=len(parsed), headers=headers)
        where = self.letter_of(headers)
        total = len(parsed)

        def err(rownum, fieldname, value, message):
            letter, header = where.get(fieldname, ("", ""))
            if not letter:  # a column the file doesn't have: blame the key column
                letter, header = where.get(self.key_field, ("A", ""))
            plan.errors.append(CellError(rownum, letter, header, _text(value), message))

        for _, _, errs in parsed:
            plan.errors.extend(errs)

        # natural keys: duplicates in the file, existing records, scope of existing records
        first_row: dict[str, int] = {}
        keyed = []
        for rownum, values, errs in parsed:
            key = self.key_of(values)
            if not key:
                keyed.append((rownum, values, errs, None))
                continue
            if key in first_row:
                err(
                    rownum,
                    self.key_field,
                    values.get(self.key_display_field()),
                    f"与第 {first_row[key]} 行重复",
                )
                values.setdefault(BAD, set()).add(self.key_field)
                keyed.append((rownum, values, errs, None))
                continue
            first_row[key] = rownum
            keyed.append((rownum, values, errs, key))
        plan.keys = [k for *_, k in keyed if k]
        plan.ref_codes = self.ref_codes(parsed)
        plan.present = set(self.present)
        existing = self.lookup_existing(plan.keys)
        refs = self.fetch_refs(plan.ref_codes)
        if self.reuse_checked:
            plan.state = self.state_of(existing, refs)
        progress("check", 0, total)

        in_file: dict[str, Any] = {}  # key -> (obj, rownum) for tree parents defined in the file
        rows = []
        for rownum, values, errs, key in keyed:
            obj = existing.get(key) if key else None
            if obj is not None and not self.covers(obj):
                err(
                    rownum,
                    self.key_field,
                    values.get(self.key_display_field()),
                    "该编码已被管辖范围外的记录使用",
                )
                continue
            rows.append((rownum, values, errs, key, obj))

        order = self.tree_order(rows, existing, refs, err) if self.tree_parent else rows
        fields = self.compare_fields()
        exclude = self.clean_exclude()
        ref_cols = [c for c in self.columns if c.type == "ref" and c.field in self.present]
        done = 0
        for rownum, values, _errs, key, obj in order:
            done += 1
            if done % 2000 == 0:
                progress("check", done, total)
            bad_fields = set(values.get(BAD, ()))
            row_refs = {}
            for col in ref_cols:
                code = values.get(col.field)
                if not code:
                    continue
                target = refs[col.ref].get(code)
                if target is None and col.field == self.tree_parent:
                    target = in_file.get(code)
                    if target is None and code in first_row and code != key:
                        err(rownum, col.field, code, f"上级（第 {first_row[code]} 行）有错误，无法导入")
                        bad_fields.add(col.field)
                        continue
                if target is None:
                    err(
                        rownum,
                        col.field,
                        code,
                        f"{self.refs[col.ref].label} {code} 不存在或不在您的管辖范围内",
                    )
                    bad_fields.add(col.field)
                row_refs[col.field] = target
            is_new = obj is None
            if is_new:
                obj = self.new_object(values)
                before = None
            else:
                before = {f: getattr(obj, f) for f in fields}
            if bad_fields:
                # still check the row's other cells, so that every bad cell is reported at once
                probe = self.new_object(values)
                good = {k: v for k, v in values.items() if k not in bad_fields}
                self.apply(probe, good, row_refs)
                problems = (
                    [] if bad_fields & self.row_check_needs() else self.row_checks(probe, good, row_refs)
                )
                try:
                    probe.clean_fields(exclude=set(exclude) | {self.model_field(f) for f in bad_fields})
                except ValidationError as exc:
                    problems.extend(_messages(exc))
                try:  # the model's own rules, where they name a field whose cell was fine
                    probe.clean()
                except ValidationError as exc:
                    problems.extend((f, m) for f, m in _messages(exc) if f)
                except Exception:  # noqa: BLE001 - a rule that needs the bad cell can't be judged yet
                    pass
                for f, msg in problems:
                    col_field = self.error_field(f)
                    if col_field not in bad_fields:
                        err(rownum, col_field, values.get(col_field), msg)
                continue
            self.apply(obj, values, row_refs)
            problems = self.row_checks(obj, values, row_refs)
            try:
                obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                problems.extend(_messages(exc))
            for f, msg in problems:
                col_field = self.error_field(f)
                err(rownum, col_field, values.get(col_field), msg)
            if problems:
                continue
            if not self.covers_new(obj, row_refs) if is_new else not self.covers(obj):
                col_field = self.scope_field or self.key_field
                err(rownum, col_field, values.get(col_field), "不在您的管辖范围内")
                continue
            if is_new:
                plan.creates.append((rownum, obj))
                if self.tree_parent:
                    in_file[key] = obj
            else:
                changed = [f for f in fields if getattr(obj, f) != before[f]]
                if changed:
                    plan.updates.append((rownum, obj, before, changed))
                else:
                    plan.unchanged += 1
            if len(plan.preview) < 10:
                plan.preview.append(
                    {
                        "row": rownum,
                        "action": "新增" if is_new else ("修改" if not is_new and changed else "不变"),
                        "cells": [
                            self.preview_value(c, values) for c in self.columns if c.field in self.present
                        ],
                    }
                )
        progress("check", total, total)
        plan.errors.sort(key=lambda e: (e.row, len(e.col), e.col))
        return plan

    def key_display_field(self) -> str:
        return self.key_field

    def preview_value(self, col: Col, values: dict) -> str:
        v = values.get(col.field)
        if v is None:
            return ""
        if col.personal:
            return mask(col.personal, str(v))
        if col.type == "choice":
            return dict(col.choices).get(v, v)
        if col.type == "bool":
            return "是" if v else "否"
        return str(v)

    def covers_new(self, obj, refs: dict) -> bool:
        return self.covers(obj)

    # --- trees ------------------------------------------------------------------------------
    def tree_order(self, rows, existing, refs, err):
        """Rows sorted so that a parent defined in the file comes before its children."""
        parent_field = self.tree_parent
        ref_name = next(c.ref for c in self.columns if c.field == parent_field)
        by_key = {key: r for r in rows if (key := r[3])}
        depth: dict[str, int] = {}
        bad_keys: set[str] = set()

        def depth_of(key, trail):
            if key in depth:
                return depth[key]
            r = by_key[key]
            parent = r[1].get(parent_field)
            if not parent or parent in refs[ref_name] or parent not in by_key:
                depth[key] = 0
                return 0
            if parent in trail:
                bad_keys.add(key)
                depth[key] = 0
                return 0
            trail.add(key)
            d = depth_of(parent, trail) + 1
            depth[key] = d
            return d

        for key in by_key:  # every node on a cycle is an error, not only where the walk noticed it
            seen, k = set(), key
            while True:
                p = by_key[k][1].get(parent_field)
                if not p or p in refs[ref_name] or p not in by_key or p in seen:
                    break
                if p == key:
                    bad_keys.add(key)
                    break
                seen.add(p)
                k = p
        for key in by_key:
            if key not in bad_keys:
                depth_of(key, {key})
        for key in bad_keys:
            r = by_key[key]
            err(r[0], parent_field, r[1].get(parent_field), "上级关系出现循环")
        ok = [r for r in rows if r[3] not in bad_keys]
        # existing nodes keep their parent: a moved parent is an error
        out = []
        for r in ok:
            rownum, values, errs, key, obj = r
            parent_code = values.get(parent_field)
            if obj is not None and parent_field in self.present:
                current = self.current_parent_code(obj)
                if (parent_code or "") != (current or ""):
                    err(
                        rownum,
                        parent_field,
                        parent_code,
                        f"不能通过导入调整上级（现为 {current or '无'}），请在页面上移动",
                    )
                    continue
            out.append(r)

        def order(r):
            if r[3]:
                return depth.get(r[3], 0)
            parent = r[1].get(parent_field)  # a row without a usable key still follows its parent
            return depth.get(parent, -1) + 1 if parent in by_key else 0

        out.sort(key=order)
        return out

    def current_parent_code(self, obj) -> str | None:
        if obj.depth <= 1:
            return None
        parents = self.model._default_manager.filter(path=obj.path[: -self.model.steplen])
        return parents.values_list("code", flat=True).first()

    def with_parent_codes(self, cols: list[excel.Column], header: str) -> list[excel.Column]:
        """A tree's export columns with the `header` column (the parent's code) read from one path -> code
        map loaded on first use (no query per row)."""
        model, codes = self.model, {}

        def parent_code(obj):
            if obj.depth <= 1:
                return ""
            if not codes:
                codes.update(model._default_manager.values_list("path", "code"))
            return codes.get(obj.path[: -model.steplen], "")

        return [c if c.header != header else type(c)(c.header, parent_code, width=c.width) for c in cols]

    # --- reusing a dry run --------------------------------------------------------------------
    def extra_state(self) -> Any:
        """Whatever else the row checks read (a rule's parameter), for the state digest."""
        return None

    def state_of(self, existing: dict, refs: dict) -> str:
        """Digest of the database rows and settings the checks of a plan read (core.import_reuse)."""
        user = self.user
        grants = sorted(
            (g.role, tuple(sorted(g.perms)), g.region_path or "", g.org_path or "", g.own)
            for g in grants_for(user)
        )
        who = (
            getattr(user, "pk", None),
            getattr(user, "is_superuser", True),
            getattr(user, "is_active", True),
        )
        context = (self.kind, who, grants, timezone.localdate(), sorted(self.present), self.extra_state())
        return state_digest(context, existing, refs)

    def reuse(self, kept: dict | None) -> Plan | None:
        """The dry run's plan (packed by core.import_reuse) if nothing it was checked against changed
        since; else None (check the file again)."""
        if kept is None or not self.reuse_checked or not kept.get("state"):
            return None
        self.present = set(kept["present"])
        existing = self.lookup_existing(kept["keys"])
        refs = self.fetch_refs(kept["ref_codes"])
        if self.state_of(existing, refs) != kept["state"]:
            return None
        return rebuild(kept, self.model, existing, refs)

    # --- commit -----------------------------------------------------------------------------
    def commit(
        self,
        path: Path,
        progress: Progress = _no_progress,
        *,
        file_digest: str = "",
        checked: dict | None = None,
    ) -> Plan:
        """Check everything again (or reuse the dry run's kept plan `checked` when nothing it read changed)
        and write all of it in one transaction, or nothing."""
        with transaction.atomic():
            plan = self.reuse(checked) or self.plan(path, progress)
            if not plan.ok:
                return plan
            total = len(plan.creates) + len(plan.updates)
            self.write_creates(plan, lambda n: progress("write", n, total))
            self.write_updates(plan, lambda n: progress("write", len(plan.creates) + n, total))
            self.audit(plan, file_digest)
            progress("write", total, total)
        return plan

    def write_creates(self, plan: Plan, step: Callable[[int], None]) -> None:
        if self.tree_parent:
            self.write_tree(plan)
            step(len(plan.creates))
            return
        objs = [o for _, o in plan.creates]
        for o in objs:
            self.before_insert(o)
        for i in range(0, len(objs), BATCH):
            self.model._default_manager.bulk_create(objs[i : i + BATCH])
            step(min(i + BATCH, len(objs)))

    def write_updates(self, plan: Plan, step: Callable[[int], None]) -> None:
        if not plan.updates:
            return
        changed_fields = set()
        for _, obj, _, changed in plan.updates:
            changed_fields.update(changed)
            self.before_insert(obj)
        by_attname = {f.attname: f.name for f in self.model._meta.concrete_fields}
        names = sorted({by_attname[f] for f in changed_fields})
        if "name" in names and hasattr(self.model, "name_initials"):
            names.append("name_initials")
        objs = [o for _, o, _, _ in plan.updates]
        for i in range(0, len(objs), BATCH):
            self.model._default_manager.bulk_update(objs[i : i + BATCH], names)
            step(min(i + BATCH, len(objs)))

    def write_tree(self, plan: Plan) -> None:
        """Bulk insert of materialized-path nodes: path, depth and numchild computed here."""
        model = self.model
        steplen = model.steplen
        next_step: dict[str, int] = {}  # parent path ("" = root) -> next free step number
        added: dict[int, int] = {}  # existing parent pk -> children added

        def take(parent_path: str) -> int:
            if parent_path not in next_step:
                depth = len(parent_path) // steplen + 1
                last = (
                    model._default_manager.filter(depth=depth, path__startswith=parent_path)
                    .order_by("-path")
                    .values_list("path", flat=True)
                    .first()
                )
                next_step[parent_path] = (_str2int(model, last[-steplen:]) + 1) if last else 1
            n = next_step[parent_path]
            next_step[parent_path] = n + 1
            return n

        new_children: dict[int, int] = {}  # id(new obj) -> children count
        for _, obj in plan.creates:
            parent = getattr(obj, "_import_parent", None)
            parent_path = parent.path if parent is not None else ""
            obj.path = model._get_path(
                parent_path or None, len(parent_path) // steplen + 1, take(parent_path)
            )
            obj.depth = len(obj.path) // steplen
            obj.numchild = 0
            if parent is not None:
                if parent.pk:
                    added[parent.pk] = added.get(parent.pk, 0) + 1
                else:
                    new_children[id(parent)] = new_children.get(id(parent), 0) + 1
            self.before_insert(obj)
        for _, obj in plan.creates:
            obj.numchild = new_children.get(id(obj), 0)
        objs = [o for _, o in plan.creates]
        for i in range(0, len(objs), BATCH):
            model._default_manager.bulk_create(objs[i : i + BATCH])
        for pk, n in added.items():
            model._default_manager.filter(pk=pk).update(numchild=models.F("numchild") + n)

    def audit(self, plan: Plan, file_digest: str) -> None:
        from . import audit as audit_mod
        from . import context

        ctx = context.current()
        user = self.user
        keys = sorted(self.audit_key(o) for _, o in plan.creates)
        key_digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()
        paths = [p for _, o in plan.creates for p in [object_paths(o)[0]] if p] + [
            p for _, o, _, _ in plan.updates for p in [object_paths(o)[0]] if p
        ]
        region_path = _common_prefix(paths, 4)
        base = dict(
            actor_id=getattr(user, "pk", None),
            actor_name=(getattr(user, "username", "") or "")[:150] if user else "系统",
            request_id=ctx.request_id,
            ip=ctx.ip,
            source=ctx.source,
        )
        events = [
            AuditEvent(
                **base,
                action=AuditAction.IMPORT,
                model=self.model._meta.label_lower,
                object_repr=f"导入{self.title}：新增 {len(plan.creates)} 条，修改 {len(plan.updates)} 条，"
                f"未变 {plan.unchanged} 条"[:200],
                region_path=region_path,
                changes={
                    "counts": [None, plan.counts()],
                    "file_sha256": [None, file_digest],
                    "created_keys_sha256": [None, key_digest],
                },
            )
        ]
        for _, obj, before, changed in plan.updates:
            before_snap = {f: before[f] for f in changed}
            after_snap = {f: getattr(obj, f) for f in changed}
            personal = getattr(obj, "personal_fields", {})
            diff = {}
            for f in changed:
                name = f.removesuffix("_id") if f.endswith("_id") else f
                b, a = before_snap[f], after_snap[f]
                if name in personal:
                    b, a = mask(personal[name], b or ""), mask(personal[name], a or "")
                diff[name] = [audit_mod._plain(b), audit_mod._plain(a)]
            rp, op = object_paths(obj)
            events.append(
                AuditEvent(
                    **base,
                    action=AuditAction.UPDATE,
                    model=obj._meta.label_lower,
                    object_id=str(obj.pk),
                    object_repr=str(obj)[:200],
                    region_path=rp or "",
                    org_path=op or "",
                    changes=diff,
                    purpose="批量导入",
                )
            )
        AuditEvent.objects.bulk_create(events, batch_size=BATCH)

    def audit_key(self, obj) -> str:
        return str(getattr(obj, self.key_field))


def _str2int(model, s: str) -> int:
    return int(s, len(model.alphabet))


def _common_prefix(paths: list[str], step: int) -> str:
    if not paths:
        return ""
    lo, hi = min(paths), max(paths)
    n = 0
    while n < len(lo) and n < len(hi) and lo[n] == hi[n]:
        n += 1
    return lo[: n - n % step]


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    if hasattr(exc, "error_dict"):
        for f, errs in exc.message_dict.items():
            for m in errs:
                out.append(("" if f == NON_FIELD_ERRORS else f, m))
    else:
        out.extend(("", m) for m in exc.messages)
    return out


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Registry of kinds
# ---------------------------------------------------------------------------------------------
KINDS: dict[str, str] = {
    "regions": "grassroots.regions.importers.RegionImporter",
    "orgs": "grassroots.party.importers.PartyOrgImporter",
    "units": "grassroots.units.importers.UnitImporter",
    "members": "grassroots.party.importers.MemberImporter",
    "workers": "grassroots.people.importers.WorkerImporter",
}


def importer_class(kind: str) -> type[Importer]:
    from django.utils.module_loading import import_string

    if kind not in KINDS:
        raise KeyError(kind)
    return import_string(KINDS[kind])


def importer_for(kind: str, user=None) -> Importer:
    return importer_class(kind)(user)


def kind_choices() -> list[tuple[str, str]]:
    return [(k, importer_class(k).title) for k in KINDS]


def user_by_name(username: str | None):
    """The console's --user: None means the system operator (no scope restriction)."""
    if not username:
        return None
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"用户 {username} 不存在")
    return user
