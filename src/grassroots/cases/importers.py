"""Batch import of 12345 hotline tickets (core.importing framework, /imports/ kind "hotline").

Each row becomes a case through cases.services.submit (channel hotline), so numbering, routing to the
grid, validation and audit are the same as for a case entered by hand. Row-level errors: unknown
category or community, bad phone, missing required fields of the category, a ticket number already
imported or repeated in the file. A JSON upload (cases:hotline_import) is converted to the same sheet
and goes through the same checks (json_to_xlsx).
"""

from __future__ import annotations

import io
import json

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from grassroots.core.importing import Col, Importer, Ref, chunked
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region

from .models import REQUIRABLE_FIELDS, Case, Category, Channel


class HotlineImporter(Importer):
    kind = "hotline"
    title = "12345热线工单"
    model = Case
    key_field = "external_number"
    scope_field = "region"
    refs = {
        "category": Ref(Category, label="类别编码"),
        "region": Ref(Region, label="社区编码"),
    }
    export_order = ("-submitted_at", "-id")
    export_select = ("region", "category")
    columns = [
        Col("热线工单号", "external_number", required=True, max_length=40, example="12345-20270105-0001"),
        Col("来电时间", "submitted_at", max_length=30, example="2027-01-05 09:30", help="为空时按导入时间"),
        Col("诉求类别编码", "category", "ref", ref="category", max_length=20, example="1101"),
        Col("社区编码", "region", "ref", ref="region", required=True, max_length=24, example="511083001001"),
        Col(
            "问题描述", "description", required=True, max_length=2000, example="小区门口垃圾堆积多日无人清运"
        ),
        Col("地址", "address", max_length=200, example="幸福路 8 号"),
        Col("经度", "lng", "float", min_value=-180, max_value=180, help="WGS-84"),
        Col("纬度", "lat", "float", min_value=-90, max_value=90, help="WGS-84"),
        Col("来电人", "reporter_name", max_length=50, personal="name", example="王女士"),
        Col("来电号码", "reporter_phone", max_length=20, personal="phone", example="13800138000"),
    ]

    def allowed(self) -> bool:
        if self.user is None:
            return False
        return has_perm(self.user, "imports.run") and has_perm(self.user, "cases.submit")

    def visible(self, qs, action: str):
        if not hasattr(qs, "visible_to"):
            return qs.filter(is_active=True) if qs.model is Category else qs
        return super().visible(qs, action)

    def covers(self, obj) -> bool:
        from .services import case_covers

        return case_covers(self.user, obj, "submit")

    def lookup_existing(self, keys: list[str]) -> dict:
        """Tickets already imported are refused row by row (row_checks), never updated."""
        self._existing = set()
        for part in chunked(keys):
            self._existing.update(
                Case.objects.filter(external_number__in=part).values_list("external_number", flat=True)
            )
        return {}

    def row_check_needs(self) -> set[str]:
        return {"category", "reporter_phone", "lng", "lat", "submitted_at"}

    def row_checks(self, obj, values: dict, refs: dict) -> list[tuple[str, str]]:
        from .services import MIN_TEXT, PHONE_RE

        problems = []
        if values.get("external_number") in getattr(self, "_existing", ()):
            problems.append(("external_number", "该热线工单已导入过，不能重复导入"))
        region = refs.get("region")
        if region is not None and region.level != "community":
            problems.append(("region", "请填写社区编码"))
        phone = (values.get("reporter_phone") or "").replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            problems.append(("reporter_phone", "电话号码格式不正确（手机号 11 位，或带区号的固定电话）"))
        if len((values.get("description") or "").strip()) < MIN_TEXT:
            problems.append(("description", f"问题描述至少 {MIN_TEXT} 个字"))
        if (values.get("lng") is None) != (values.get("lat") is None):
            problems.append(("lng", "经度和纬度须同时填写"))
        raw = values.get("submitted_at") or ""
        if raw:
            when = parse_datetime(raw.replace("/", "-").replace("T", " ")) or parse_datetime(
                raw.replace("/", "-") + " 00:00"
            )
            if when is None:
                problems.append(("submitted_at", "时间格式应为 2027-01-05 09:30"))
            elif timezone.is_naive(when) and timezone.make_aware(when) > timezone.now():
                problems.append(("submitted_at", "来电时间不能晚于现在"))
        category = refs.get("category")
        if category is not None:
            present = {
                "location": values.get("lng") is not None,
                "address": bool(values.get("address")),
                "reporter_phone": bool(phone),
                "reporter_name": bool(values.get("reporter_name")),
            }
            missing = [REQUIRABLE_FIELDS[f] for f in category.required_fields if not present.get(f, True)]
            if missing:
                problems.append(("category", f"“{category.name}”类诉求须填写：{'、'.join(missing)}"))
        return problems

    def apply(self, obj, values: dict, refs: dict) -> None:
        for col in self.columns:
            if col.field not in self.present or col.field == "submitted_at":
                continue
            if col.type == "ref":
                setattr(obj, col.field, refs.get(col.field))
            elif col.field in values:
                setattr(obj, col.field, values[col.field])
        obj._raw_submitted_at = values.get("submitted_at") or ""
        obj.channel = Channel.HOTLINE

    def clean_exclude(self) -> list[str]:
        keep = {"external_number", "description", "address", "lng", "lat", "reporter_name", "reporter_phone"}
        return [f.name for f in self.model._meta.fields if f.name not in keep]

    def write_creates(self, plan, step) -> None:
        from . import services

        for i, (_row, obj) in enumerate(plan.creates, 1):
            case = services.submit(
                self.user,
                channel=Channel.HOTLINE,
                region=obj.region,
                description=obj.description,
                category=obj.category,
                lng=obj.lng,
                lat=obj.lat,
                address=obj.address,
                reporter_name=obj.reporter_name,
                reporter_phone=obj.reporter_phone,
            )
            changes = {"external_number": obj.external_number}
            raw = obj._raw_submitted_at
            if raw:
                when = parse_datetime(raw.replace("/", "-").replace("T", " ")) or parse_datetime(
                    raw.replace("/", "-") + " 00:00"
                )
                changes["submitted_at"] = timezone.make_aware(when) if timezone.is_naive(when) else when
            Case.objects.filter(pk=case.pk).update(**changes)
            obj.pk, obj.number = case.pk, case.number
            if i % 200 == 0:
                step(i)

    def audit_key(self, obj) -> str:
        return obj.external_number


# ---------------------------------------------------------------- JSON tickets


class JsonError(ValueError):
    pass


MAX_JSON_BYTES = 20 * 1024 * 1024


def json_to_xlsx(data: bytes) -> bytes:
    """A JSON array of tickets (or {"tickets": [...]}) as the import sheet: keys are the sheet's
    Chinese headers or the field names; unknown keys become unknown columns (reported on row 1)."""
    from openpyxl import Workbook

    from grassroots.core.excel import save_workbook

    if len(data) > MAX_JSON_BYTES:
        raise JsonError("文件超过 20 MB 上限")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JsonError(f"JSON 格式不正确：{getattr(exc, 'msg', '无法按 UTF-8 解码')}") from None
    if isinstance(doc, dict):
        doc = doc.get("tickets")
    if not isinstance(doc, list) or not doc:
        raise JsonError("JSON 应为工单数组，或包含 tickets 数组的对象，且至少有一条工单")
    by_field = {c.field: c.header for c in HotlineImporter.columns}
    headers: list[str] = []
    rows = []
    for i, item in enumerate(doc, 1):
        if not isinstance(item, dict):
            raise JsonError(f"第 {i} 条工单不是对象")
        row = {}
        for key, value in item.items():
            header = by_field.get(key, str(key))
            if header not in headers:
                headers.append(header)
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            row[header] = value
        rows.append(row)
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    save_workbook(wb, buf)  # a ticket text such as "=1+2" stays text
    return buf.getvalue()
