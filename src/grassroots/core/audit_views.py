"""The audit log page: filter by object type, object id, actor, action and date; scoped; exportable.

Rows are read through `AuditEvent.objects.visible_to(user, "audit.view")`, i.e. by the region and
party-org paths copied onto each record when it was written.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.utils import timezone

from .excel import Column
from .models import AuditAction, AuditEvent
from .views import ScopedListView

__all__ = ["AuditListView", "AUDIT_COLUMNS", "model_choices"]


def _changes_text(e: AuditEvent) -> str:
    from .audit_display import changes_text

    return changes_text(e)[:32000]


AUDIT_COLUMNS = [
    Column("时间", "at", width=20),
    Column("操作人", "actor_name"),
    Column("操作人ID", "actor_id", width=10),
    Column("操作", "get_action_display", width=12),
    Column("结果", lambda e: "成功" if e.success else "失败", width=8),
    Column("对象类型", "model", width=20),
    Column("对象ID", "object_id", width=10),
    Column("对象", "object_repr", width=30),
    Column("变更", _changes_text, width=60),
    Column("用途", "purpose", width=24),
    Column("请求ID", "request_id", width=18),
    Column("IP", "ip", width=16),
    Column("来源", "source", width=8),
]


_SKIP_APPS = ("admin", "auth", "contenttypes", "sessions", "axes", "django_tasks")


def model_choices() -> list[tuple[str, str]]:
    out = []
    for m in apps.get_models():
        if m._meta.app_label.startswith(
            ("admin", "auth", "contenttypes", "sessions", "axes", "django_tasks")
        ):
            continue
        out.append((m._meta.label_lower, str(m._meta.verbose_name)))
    return sorted(out, key=lambda x: x[0])


def _parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


class AuditListView(ScopedListView):
    model = AuditEvent
    action = "audit.view"
    template_name = "core/audit_list.html"
    search_fields = None
    paginate_by = 50
    ordering = ("-at", "-id")
    filters = {
        "model": "model",
        "object_id": "object_id",
        "action": "action",
        "actor": "actor_name",
        "request_id": "request_id",
    }
    export_columns = AUDIT_COLUMNS
    export_title = "审计日志"

    def applied_filters(self) -> dict:
        out = super().applied_filters()
        for name in ("from", "to"):
            value = self.request.GET.get(name, "").strip()
            if value:
                out[name] = value
        return out

    def filter_queryset(self, qs):
        params = self.applied_filters()
        self.errors = []
        if params.get("action") and params["action"] not in AuditAction.values:
            self.errors.append("未知的操作类型")
            return qs.none()
        qs = super().filter_queryset(qs)
        tz = timezone.get_current_timezone()
        for name, op in (("from", "gte"), ("to", "lt")):
            if name not in params:
                continue
            day = _parse_date(params[name])
            if day is None:
                self.errors.append(f"日期“{params[name]}”格式不正确，应为 YYYY-MM-DD")
                return qs.none()
            if name == "to":
                day += datetime.timedelta(days=1)
            start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
            qs = qs.filter(**{f"at__{op}": start})
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            errors=getattr(self, "errors", []),
            action_choices=AuditAction.choices,
            model_choices=model_choices(),
        )
        return ctx
