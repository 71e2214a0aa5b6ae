"""Audit changes as people read them: field labels from the model's verbose_name and values as the
pages show them (choices by their display, 是/否, role names, rule parameters by their labels),
instead of field names and Python values (`claim_due_at`, `False`, `{'kind': 'repeat'}`).

`readable_changes(event) -> [{"label", "old", "new", "single"}]`; `single` rows carry one value in
"new" (entries that record a value rather than a before/after pair).
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import hooks

EMPTY = "—"
# Keys that services record beside model fields (transitions, assignments, exports, imports).
EXTRA_LABELS = {
    "state": "状态",
    "from": "原状态",
    "to": "新状态",
    "verb": "操作",
    "note": "备注",
    "reason": "原因",
    "user": "用户",
    "role": "角色",
    "scope": "管辖范围",
    "params": "参数",
    "enabled": "启用",
    "filters": "筛选条件",
    "rows": "行数",
    "count": "条数",
    "field": "字段",
    "purpose": "用途",
    "kind": "类型",
    "handler": "承办单位",
    "password": "密码",
    "is_active": "启用",
    "permissions": "权限",
    "region": "区划",
    "code": "编码",
    "name": "名称",
}


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        if name.endswith("_id"):
            try:
                return model._meta.get_field(name[:-3])
            except FieldDoesNotExist:
                return None
        return None


def field_label(model, name: str) -> str:
    field = _field(model, name)
    label = getattr(field, "verbose_name", None)
    if label and str(label) != name.replace("_", " "):
        return str(label)
    return EXTRA_LABELS.get(name, str(label) if label else name)


def _datetime_text(value: str) -> str | None:
    dt = parse_datetime(value) if "T" in value or " " in value else None
    if dt is None:
        return None
    if timezone.is_aware(dt):
        dt = timezone.localtime(dt)
    return dt.strftime("%Y-%m-%d %H:%M")


def display_value(model, name: str, value, rule_code: str = "") -> str:
    """One recorded value as the pages show it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _field(model, name)
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else None
    if choices and not isinstance(value, dict | list):
        return str(choices.get(value, value))
    for provided in hooks.hooks("audit_value"):
        text = provided(model, name, value, rule_code)
        if text is not None:
            return text
    if isinstance(value, dict):
        return "；".join(f"{field_label(model, k)}：{display_value(model, k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(display_value(model, name, v) for v in value) or EMPTY
    if isinstance(value, str):
        text = _datetime_text(value)
        if text:
            return text
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def readable_changes(event) -> list[dict]:
    model = _model(event.model or "")
    rule_code = (event.object_repr or "").split(" ")[0] if event.model == "standards.rule" else ""
    rows = []
    # shown_changes: personal fields masked again by today's policy (records of older policies too).
    for name, change in (event.shown_changes or {}).items():
        label = field_label(model, name)
        if isinstance(change, list | tuple) and len(change) == 2:
            rows.append(
                {
                    "label": label,
                    "old": display_value(model, name, change[0], rule_code),
                    "new": display_value(model, name, change[1], rule_code),
                    "single": False,
                }
            )
        else:
            value = display_value(model, name, change, rule_code)
            rows.append({"label": label, "old": "", "new": value, "single": True})
    return rows


def changes_text(event) -> str:
    parts = []
    for r in readable_changes(event):
        parts.append(f"{r['label']}：{r['new']}" if r["single"] else f"{r['label']}：{r['old']} → {r['new']}")
    return "；".join(parts)
