"""组织体检 and 规则参数 pages: thin views over standards.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.excel import Column, export_response
from grassroots.core.scoping import has_perm

from . import services
from .checks import PERM
from .forms import HealthFilterForm, RuleParamsForm
from .models import Rule

PAGE_SIZE = 50

EXPORT_COLUMNS = [
    Column("规则编号", "rule", width=10),
    Column("级别", "severity_label", width=8),
    Column("对象类型", "object_label", width=10),
    Column("对象", "name", width=30),
    Column("所在区划/党组织", "region_name", width=24),
    Column("问题", "message", width=60),
    Column("整改建议", "action", width=48),
]


def _require(request, perm: str = PERM):
    if not has_perm(request.user, perm):
        raise Http404


@login_required
def health(request):
    _require(request)
    within = None
    if code := request.GET.get("region", "").strip():
        try:
            within = services.resolve_region(request.user, code, PERM)
        except NotFound as exc:
            raise Http404 from exc
    form = HealthFilterForm(request.GET or None, user=request.user)
    region_field = form.fields["region"]
    if within is not None and within.code not in dict(region_field.choices):
        region_field.choices = [*region_field.choices, (within.code, within.name)]  # below the listed levels
    data = form.cleaned_data if form.is_valid() else {}
    report = services.run_health_check(request.user, within=within)
    rows = services.filter_findings(
        report.findings,
        rule=data.get("rule", ""),
        severity=data.get("severity", ""),
        object_type=data.get("type", ""),
    )
    filters = {k: v for k, v in data.items() if v}
    if request.GET.get("export") == "xlsx":
        return export_response(
            request.user,
            "组织体检问题清单",
            EXPORT_COLUMNS,
            rows,
            model_label="standards.finding",
            filters=filters,
        )
    by_rule = report.by_rule
    rules = list(services.checked_rules())
    worst = report.worst_severity
    cards = [{"rule": r, "count": by_rule.get(r.code, 0), "severity": worst.get(r.code)} for r in rules]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    qs = params.urlencode()
    return render(
        request,
        "standards/health.html",
        {
            "filter_form": form,
            "filters": filters,
            "cards": cards,
            "report": report,
            "by_severity": report.by_severity,
            "page_obj": page,
            "object_list": page.object_list,
            "querystring_without_page": (qs + "&") if qs else "",
            "export_query": (qs + "&") if qs else "",
            "total": len(report.findings),
        },
    )


@login_required
def rules(request):
    _require(request)
    return render(
        request,
        "standards/rules.html",
        {
            "rules": [
                (
                    r,
                    [
                        (services.param_label(r.code, k), k, services.param_display(k, v))
                        for k, v in (r.params or {}).items()
                    ],
                )
                for r in Rule.objects.order_by("category", "code")
            ],
            "can_change": has_perm(request.user, "standards.change"),
        },
    )


@login_required
def rule_edit(request, code: str):
    _require(request, "standards.change")
    rule = get_object_or_404(Rule, code=code)
    form = RuleParamsForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rule(
                request.user, rule, params=form.params(), enabled=form.cleaned_data["enabled"]
            )
        except ServiceError as exc:
            for key, errs in exc.errors.items():
                name = f"p_{key}" if f"p_{key}" in form.fields else None
                for e in errs:
                    form.add_error(name, e)
            if not exc.errors:
                form.add_error(None, exc.message)
            rule.refresh_from_db()
        else:
            messages.success(request, f"已保存规则 {rule.code} 的参数")
            return redirect("standards:rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "standards/rule_edit.html", {"rule": rule, "form": form}, status=status)
