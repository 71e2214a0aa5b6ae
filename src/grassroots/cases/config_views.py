"""Configuration pages (cases.config): category tree, working-day calendar, dispatch rules, the
community admission list, handlers and their members; and retraining the category classifier.
Thin: every write goes through cases.config (permission, scope, validation, audit)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from grassroots.accounts.models import User
from grassroots.core import exports
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.regions.models import Region

from . import config, suggest
from .models import (
    REQUIRABLE_FIELDS,
    AdmissionItem,
    Category,
    DispatchRule,
    Handler,
    Holiday,
    SuggestionModel,
    Tier,
    TierDeadline,
)
from .workdays import missing_calendar_years

CSS = {"class": "form-control"}


def _style(form):
    for f in form.fields.values():
        if isinstance(f.widget, forms.CheckboxInput):
            f.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(f.widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(f, forms.ChoiceField | forms.ModelChoiceField):
            f.widget.attrs.setdefault("class", "form-select")
        else:
            f.widget.attrs.setdefault("class", "form-control")


class RegionCodeField(forms.CharField):
    def __init__(self, *args, levels=None, **kwargs):
        self.levels = levels
        super().__init__(*args, max_length=24, **kwargs)


def _region_by_code(user, code: str, levels, label: str):
    if not code:
        return None
    region = Region.objects.visible_to(user).filter(code=code.strip()).first()
    if region is None:
        raise forms.ValidationError(f"{label} {code} 不存在或不在您的管辖范围内")
    if levels and region.level not in levels:
        raise forms.ValidationError(f"{label}应为{'、'.join(levels_cn(levels))}")
    return region


def levels_cn(levels):
    from grassroots.regions.choices import RegionLevel

    return [RegionLevel(x).label for x in levels]


class CategoryForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        label="必填项",
        required=False,
        choices=list(REQUIRABLE_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Category
        fields = [
            "parent",
            "code",
            "name",
            "kind",
            "default_tier",
            "deadline_value",
            "deadline_unit",
            "handler_kind",
            "required_fields",
            "keywords",
            "sort",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.filter(parent__isnull=True)
        self.fields["parent"].empty_label = "无（大类）"
        _style(self)


class TierDeadlineForm(forms.ModelForm):
    class Meta:
        model = TierDeadline
        fields = ["category", "tier", "deadline_value", "deadline_unit"]
        help_texts = {"category": "设在大类上的时限适用于其下未单独设置的小类"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related("parent")
        _style(self)


class RuleForm(forms.ModelForm):
    region_code = RegionCodeField(label="适用区域编码", required=False, help_text="留空表示全市")

    class Meta:
        model = DispatchRule
        fields = ["category", "tier", "handler"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["category"].empty_label = "全部类别"
        self.fields["tier"].choices = [("", "全部")] + Tier.choices
        self.fields["handler"].queryset = Handler.objects.filter(is_active=True).select_related("region")
        if self.instance.region_id:
            self.fields["region_code"].initial = self.instance.region.code
        _style(self)

    def clean_region_code(self):
        return _region_by_code(
            self.user, self.cleaned_data["region_code"], ("district", "street", "community"), "区域"
        )


class AdmissionForm(forms.ModelForm):
    region_code = RegionCodeField(label="适用区域编码", required=False, help_text="留空表示全市")

    class Meta:
        model = AdmissionItem
        fields = ["category", "basis"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        if self.instance.region_id:
            self.fields["region_code"].initial = self.instance.region.code
        _style(self)

    def clean_region_code(self):
        return _region_by_code(
            self.user, self.cleaned_data["region_code"], ("district", "street", "community"), "区域"
        )


class HandlerForm(forms.ModelForm):
    region_code = RegionCodeField(label="所属区域编码", help_text="职能部门填区县编码，街道、社区填各自编码")
    grid_code = forms.CharField(label="网格编码", required=False, max_length=15, help_text="网格承办单位必填")
    member_usernames = forms.CharField(
        label="经办人账号",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="多个账号用空格或逗号分隔",
    )

    class Meta:
        model = Handler
        fields = ["kind", "name"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["region_code"].initial = self.instance.region.code
            self.fields["grid_code"].initial = self.instance.grid.code if self.instance.grid_id else ""
            self.fields["member_usernames"].initial = " ".join(
                self.instance.members.order_by("username").values_list("username", flat=True)
            )
        _style(self)

    def clean_region_code(self):
        return _region_by_code(self.user, self.cleaned_data["region_code"], None, "区域")

    def clean_grid_code(self):
        from grassroots.grids.models import Grid

        code = self.cleaned_data["grid_code"].strip()
        if not code:
            return None
        grid = Grid.objects.visible_to(self.user).filter(code=code).first()
        if grid is None:
            raise forms.ValidationError(f"网格 {code} 不存在或不在您的管辖范围内")
        return grid

    def clean_member_usernames(self):
        names = [n for n in re.split(r"[\s,，、]+", self.cleaned_data["member_usernames"]) if n]
        users = list(User.objects.filter(username__in=names, is_active=True))
        unknown = sorted(set(names) - {u.username for u in users})
        if unknown:
            raise forms.ValidationError(f"账号不存在或已停用：{'、'.join(unknown)}")
        return users


class HolidayForm(forms.Form):
    date = forms.DateField(label="日期（起）", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label="至（可选）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="连续放假时填写最后一天",
    )
    is_workday = forms.TypedChoiceField(
        label="类型",
        choices=[("0", "放假（休息日）"), ("1", "调休上班（周末上班）")],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label="名称", max_length=50, help_text="如：春节、国庆节调休上班")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


@dataclass
class Kind:
    model: type
    form: type | None
    title: str
    columns: list
    search: tuple[str, ...]
    related: tuple[str, ...] = ()


KINDS = {
    "categories": Kind(
        Category,
        CategoryForm,
        "事项类别",
        [
            Column("编码", "code", width=10),
            Column("名称", "name", width=20),
            Column("上级", lambda c: c.parent.name if c.parent_id else "", width=14),
            Column("默认分流", "get_default_tier_display", width=8),
            Column("时限", lambda c: f"{c.deadline_value}{c.get_deadline_unit_display()}", width=10),
            Column("承办类型", "get_handler_kind_display", width=10),
            Column("关键词", "keywords", width=30),
            Column("启用", lambda c: "是" if c.is_active else "否", width=6),
        ],
        ("code", "name", "keywords"),
        ("parent",),
    ),
    "deadlines": Kind(
        TierDeadline,
        TierDeadlineForm,
        "分流处置时限",
        [
            Column("事项类别", lambda d: str(d.category), width=24),
            Column("三事分流", "get_tier_display", width=8),
            Column("处置时限", lambda d: f"{d.deadline_value}{d.get_deadline_unit_display()}", width=10),
            Column(
                "类别默认时限",
                lambda d: f"{d.category.deadline_value}{d.category.get_deadline_unit_display()}",
                width=12,
            ),
            Column("启用", lambda d: "是" if d.is_active else "否", width=6),
        ],
        ("category__name",),
        ("category__parent",),
    ),
    "holidays": Kind(
        Holiday,
        None,
        "节假日与调休",
        [
            Column("日期", lambda h: h.date.isoformat(), width=12),
            Column("名称", "name", width=20),
            Column("类型", lambda h: "调休上班" if h.is_workday else "放假", width=10),
            Column("来源", lambda h: "手工维护" if h.source == "manual" else "国务院安排", width=10),
        ],
        ("name",),
    ),
    "rules": Kind(
        DispatchRule,
        RuleForm,
        "派单规则",
        [
            Column("类别", lambda r: str(r.category or "全部类别"), width=20),
            Column("分流", lambda r: r.get_tier_display() or "全部", width=8),
            Column("区域", lambda r: r.region.name if r.region_id else "全市", width=14),
            Column("承办单位", "handler.name", width=20),
            Column("启用", lambda r: "是" if r.is_active else "否", width=6),
        ],
        ("handler__name", "category__name"),
        ("category__parent", "region", "handler"),
    ),
    "admission": Kind(
        AdmissionItem,
        AdmissionForm,
        "社区事项准入清单",
        [
            Column("事项类别", lambda a: str(a.category), width=24),
            Column("区域", lambda a: a.region.name if a.region_id else "全市", width=14),
            Column("准入依据", "basis", width=30),
            Column("启用", lambda a: "是" if a.is_active else "否", width=6),
        ],
        ("category__name", "basis"),
        ("category__parent", "region"),
    ),
    "handlers": Kind(
        Handler,
        HandlerForm,
        "承办单位",
        [
            Column("类型", "get_kind_display", width=10),
            Column("名称", "name", width=24),
            Column("区域", "region.name", width=14),
            Column("网格", lambda h: h.grid.code if h.grid_id else "", width=16),
            Column("经办人数", "member_count", width=8),
            Column("启用", lambda h: "是" if h.is_active else "否", width=6),
        ],
        ("name",),
        ("region", "grid"),
    ),
}


def _require(request, kind: str) -> Kind:
    if kind not in KINDS or not config.can_configure(request.user):
        raise Http404
    return KINDS[kind]


def _rows(request, kind: str, spec: Kind):
    qs = config.visible(request.user, spec.model)
    if spec.related:
        qs = qs.select_related(*spec.related)
    if spec.model is Handler:
        qs = qs.annotate(member_count=Count("members"))
    q = request.GET.get("q", "").strip()
    if q:
        cond = Q()
        for f in spec.search:
            cond |= Q(**{f"{f}__contains": q})
        qs = qs.filter(cond)
    if kind == "holidays":
        year = request.GET.get("year", "")
        if year.isdigit():
            qs = qs.filter(date__year=int(year))
        return qs.order_by("-date")
    if request.GET.get("active") in ("1", "0"):
        qs = qs.filter(is_active=request.GET["active"] == "1")
    order = {"categories": ("sort", "code"), "handlers": ("kind", "name")}.get(kind, ("-id",))
    return qs.order_by(*order)


@login_required
def config_home(request):
    _require(request, "categories")
    return redirect("cases:config", kind="categories")


@login_required
def config_list(request, kind: str):
    spec = _require(request, kind)
    rows = _rows(request, kind, spec)
    if request.GET.get("export") == "xlsx":
        return exports.respond(
            request,
            spec.title,
            spec.columns,
            rows,
            model_label=spec.model._meta.label_lower,
            filters={k: v for k, v in request.GET.items() if k != "export"},
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    qs = params.urlencode()
    export = request.GET.copy()
    export["export"] = "xlsx"
    year = dt.date.today().year
    ctx = {
        "kind": kind,
        "kinds": [(k, v.title) for k, v in KINDS.items()],
        "spec": spec,
        "title": spec.title,
        "page_obj": page,
        "object_list": page.object_list,
        "querystring_without_page": (qs + "&") if qs else "",
        "export_querystring": export.urlencode(),
        "q": request.GET.get("q", ""),
        "headers": [c.header for c in spec.columns],
        "table": [(obj, [c.get(obj) for c in spec.columns]) for obj in page.object_list],
        "holiday_form": HolidayForm() if kind == "holidays" else None,
        "calendar_missing": missing_calendar_years([year, year + 1]),
        "classifier": SuggestionModel.objects.filter(name=suggest.MODEL_NAME).first(),
    }
    return render(request, "cases/config_list.html", ctx)


@login_required
def config_edit(request, kind: str, pk: int | None = None):
    spec = _require(request, kind)
    if spec.form is None:
        raise Http404
    obj = None
    if pk is not None:
        obj = config.visible(request.user, spec.model).filter(pk=pk).first()
        if obj is None:
            raise Http404
    form = spec.form(request.POST or None, instance=obj, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _save(request.user, kind, form)
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from exc
                for field, errs in (exc.errors or {}).items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
                if not exc.errors:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 400
            else:
                messages.success(request, "已保存")
                return redirect("cases:config", kind=kind)
        else:
            status = 400
    return render(
        request,
        "cases/config_form.html",
        {"form": form, "spec": spec, "kind": kind, "obj": obj, "title": spec.title},
        status=status,
    )


def _save(user, kind: str, form) -> None:
    data = form.cleaned_data
    # Validate and save through the service, from a fresh copy: a refused save changes nothing.
    obj = form.instance
    changes = {f: data[f] for f in form._meta.fields if f in data}
    if kind in ("rules", "admission"):
        changes["region"] = data.get("region_code")
    if kind == "handlers":
        changes["region"] = data.get("region_code")
        changes["grid"] = data.get("grid_code")
    if obj.pk:
        obj = type(obj).objects.get(pk=obj.pk)
    from django.db import transaction

    with transaction.atomic():
        saved = config.save(user, obj, changes)
        if kind == "handlers":
            config.set_members(user, saved, data.get("member_usernames") or [])


@login_required
@require_POST
def config_toggle(request, kind: str, pk: int):
    spec = _require(request, kind)
    obj = config.visible(request.user, spec.model).filter(pk=pk).first()
    if obj is None:
        raise Http404
    try:
        if kind == "holidays":
            config.delete_holiday(request.user, obj)
            messages.success(request, f"已删除 {obj.date}")
        else:
            config.set_active(request.user, obj, not obj.is_active)
            messages.success(request, "已启用" if obj.is_active else "已停用")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("cases:config", kind=kind)


@login_required
@require_POST
def holiday_add(request):
    _require(request, "holidays")
    form = HolidayForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            days = config.set_holidays(
                request.user, d["date"], d.get("end"), is_workday=d["is_workday"], name=d["name"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            span = f"{days[0].date} 至 {days[-1].date}" if len(days) > 1 else f"{days[0].date}"
            messages.success(request, f"已保存 {span}（{len(days)} 天）")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("cases:config", kind="holidays")


@login_required
@require_POST
def retrain(request):
    _require(request, "categories")
    model = suggest.train()
    from grassroots.core import audit
    from grassroots.core.models import AuditAction

    audit.record(AuditAction.UPDATE, model, user=request.user, changes={"documents": [None, model.documents]})
    messages.success(request, f"类别推荐模型已重新训练，使用已办结工单 {model.documents} 件")
    return redirect("cases:config", kind="categories")
