"""Pages of case analytics: 预警 (alerts), 赋分与红黑榜 (rankings), 统计分析 (statistics), and the case
list export that goes to the background above core.exports.EXPORT_SYNC_LIMIT rows.

Thin: the numbers come from cases.analytics and cases.stats; all reads are scoped. Users without a
region-wide case permission get a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from grassroots.core import exports
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.regions.models import Region

from . import analytics, stats
from .models import Category
from .views import CaseListView, can_see_cases

ALERTS_PER_PAGE = 25
CLUSTERS_PER_PAGE = 10
BADGE_CACHE_SECONDS = 120
REGION_CHOICES_MAX = 400


def _require(request) -> None:
    if not analytics.can_see_alerts(request.user):
        raise Http404


def _fmt(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _pct(v) -> str:
    return "" if v is None else f"{v * 100:.1f}%"


# ------------------------------------------------------------------------------------------ forms
def _region_choices(user):
    rows = (
        Region.objects.visible_to(user)
        .filter(level__in=("district", "street", "community"))
        .order_by("path")
        .values_list("code", "name", "depth")[:REGION_CHOICES_MAX]
    )
    if not rows:
        return [("", "全部")]
    top = min(d for _c, _n, d in rows)
    return [("", "全部")] + [(c, "　" * (d - top) + n) for c, n, d in rows]


def _category_choices():
    out = [("", "全部")]
    for c in Category.objects.filter(parent__isnull=True).order_by("sort", "code"):
        out.append((str(c.pk), c.name))
    return out


class _Styled(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "region" in self.fields:
            self.fields["region"].choices = _region_choices(user)
        if "category" in self.fields:
            self.fields["category"].choices = _category_choices()
        for f in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(f, forms.ChoiceField)
                else "form-control form-control-sm"
            )
            f.widget.attrs.setdefault("class", css)


class AlertFilterForm(_Styled):
    kind = forms.ChoiceField(label="预警类型", required=False, choices=list(analytics.KINDS.items()))
    region = forms.ChoiceField(label="区域", required=False)
    category = forms.ChoiceField(label="类别", required=False)


class PeriodForm(_Styled):
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ChoiceField(label="区域", required=False)


class RankingForm(PeriodForm):
    level = forms.ChoiceField(label="排名对象", required=False, choices=list(stats.LEVELS.items()))


class StatsForm(PeriodForm):
    granularity = forms.ChoiceField(
        label="趋势粒度", required=False, choices=[(k, v[0]) for k, v in stats.GRANULARITIES.items()]
    )


def _params(request, names) -> dict:
    return {n: request.GET.get(n, "").strip() for n in names if request.GET.get(n, "").strip()}


def _export_querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params["export"] = "xlsx"
    return params.urlencode()


# ------------------------------------------------------------------------------------------ exports
CASE_ALERT_COLUMNS = [
    Column("编号", "number", width=16),
    Column("类别", lambda c: str(c.category or ""), width=20),
    Column("状态", "get_state_display", width=10),
    Column("所属社区", "region.name", width=14),
    Column("承办单位", lambda c: str(c.handler or ""), width=18),
    Column("提交时间", lambda c: _fmt(c.submitted_at), width=17),
    Column("响应期限", lambda c: _fmt(c.respond_due_at), width=17),
    Column("派单时间", lambda c: _fmt(c.dispatched_at), width=17),
    Column("临期时间", lambda c: _fmt(c.due_soon_at), width=17),
    Column("办理期限", lambda c: _fmt(c.due_at), width=17),
    Column("退单次数", "return_count", width=8),
    Column("问题描述", "description", width=40),
    Column("联系人", "reporter_name", personal="name", width=10),
    Column("联系电话", "reporter_phone", personal="phone", width=14),
]


def _build_case_alerts(user, params):
    kind = params.get("kind") or "overdue"
    if kind not in analytics.CASE_KINDS:
        raise ServiceError("预警类型不正确", field="kind")
    qs = analytics.scoped_cases(user, params.get("region", ""), params.get("category"))
    rows = analytics.alert_cases(qs, kind).select_related("region", "category__parent", "handler")
    return rows, CASE_ALERT_COLUMNS


REPEAT_COLUMNS = [
    Column("地点序号", lambda c: c.alert_place, width=8),
    Column("类别", lambda c: str(c.category or ""), width=20),
    Column("同类诉求数", lambda c: c.alert_cluster.count, width=10),
    Column("中心经度", lambda c: c.alert_cluster.lng, width=12),
    Column("中心纬度", lambda c: c.alert_cluster.lat, width=12),
    Column("编号", "number", width=16),
    Column("状态", "get_state_display", width=10),
    Column("所属社区", "region.name", width=14),
    Column("地址", "address", width=24),
    Column("提交时间", lambda c: _fmt(c.submitted_at), width=17),
    Column("联系人", "reporter_name", personal="name", width=10),
    Column("联系电话", "reporter_phone", personal="phone", width=14),
]


def _build_repeats(user, params):
    qs = analytics.scoped_cases(user, params.get("region", ""), params.get("category"))
    rows = []
    for i, cluster in enumerate(analytics.repeat_clusters(qs), 1):
        for case in cluster.cases:
            case.alert_place, case.alert_cluster = i, cluster
            rows.append(case)
    return rows, REPEAT_COLUMNS


RANKING_COLUMNS = [
    Column("名次", lambda r: r["rank"], width=6),
    Column("名称", lambda r: r["name"], width=24),
    Column("诉求数", lambda r: r["cases"], width=8),
    Column("办结数", lambda r: r["finished"], width=8),
    Column("按期办结率", lambda r: _pct(r["on_time_rate"]), width=10),
    Column("满意率", lambda r: _pct(r["satisfaction_rate"]), width=10),
    Column("重办率", lambda r: _pct(r["reopen_rate"]), width=10),
    Column("退单率", lambda r: _pct(r["return_rate"]), width=10),
    Column("平均办理时长(小时)", lambda r: r["avg_hours"], width=14),
    Column("未解决结案", lambda r: r["closed_unresolved"], width=10),
    Column("赋分件数", lambda r: r["scored"], width=8),
    Column("综合得分", lambda r: r["composite"], width=10),
]


def _build_rankings(user, params):
    data = stats.rankings(
        user,
        params.get("level") or "handler",
        params.get("start"),
        params.get("end"),
        params.get("region", ""),
    )
    return data["rows"], RANKING_COLUMNS


def _build_case_list(user, params):
    view = CaseListView()
    view.setup(exports._fake_request(user, params))
    return view.get_queryset(), list(view.export_columns)


def _service_error(request, exc: ServiceError, target: str):
    if exc.status == 404:
        raise Http404(exc.message) from exc
    messages.error(request, exc.message)
    return redirect(target)


# ------------------------------------------------------------------------------------------ alerts
@login_required
@require_GET
def alerts(request):
    _require(request)
    params = _params(request, ("kind", "region", "category"))
    kind = params.get("kind", "overdue")
    if kind not in analytics.KINDS:
        kind = params["kind"] = "overdue"
    if request.GET.get("export") == "xlsx":
        try:
            export_kind = "cases.repeats" if kind == "repeat" else "cases.alerts"
            return exports.export_or_queue(request, export_kind, params)
        except ServiceError as exc:
            return _service_error(request, exc, reverse("cases:alerts"))
    now = timezone.now()
    try:
        ap = analytics.alert_params()
        region, category = params.get("region", ""), params.get("category")
        qs = analytics.scoped_cases(request.user, region, category)
        clusters = analytics.repeat_clusters(qs, now, ap, load=kind == "repeat")
        counts = analytics.alert_counts(request.user, now, region, category, params=ap, clusters=clusters)
        if kind == "repeat":
            page = Paginator(clusters, CLUSTERS_PER_PAGE).get_page(request.GET.get("page"))
        else:
            rows = analytics.alert_cases(qs, kind, now, ap).select_related(
                "region", "category__parent", "handler"
            )
            page = Paginator(rows, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
            for case in page.object_list:
                case.used = analytics.time_used(case, now)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("cases:alerts")
    tabs = []
    for code, label in analytics.KINDS.items():
        q = request.GET.copy()
        q["kind"] = code
        q.pop("page", None)
        q.pop("export", None)
        tabs.append(
            {
                "code": code,
                "label": label,
                "count": counts["repeat_places"] if code == "repeat" else counts[code],
                "query": q.urlencode(),
            }
        )
    qs_without_page = request.GET.copy()
    qs_without_page.pop("page", None)
    qs_without_page = qs_without_page.urlencode()
    return render(
        request,
        "cases/analytics/alerts.html",
        {
            "title": "诉求预警",
            "kind": kind,
            "kind_label": analytics.KINDS[kind],
            "tabs": tabs,
            "counts": counts,
            "page_obj": page,
            "object_list": page.object_list,
            "filter_form": AlertFilterForm(request.GET or None, user=request.user),
            "filters": {k: v for k, v in params.items() if k != "kind"},
            "querystring_without_page": (qs_without_page + "&") if qs_without_page else "",
            "export_querystring": _export_querystring(request),
            "can_export": True,
            "unmask_export_url": exports.unmask_url(
                request,
                "cases.repeats" if kind == "repeat" else "cases.alerts",
                params,
                REPEAT_COLUMNS if kind == "repeat" else CASE_ALERT_COLUMNS,
            ),
            "rule": ap,
            "now": now,
        },
    )


@login_required
@require_GET
def alert_badge(request):
    """The nav badge: the number of alerts in the user's scope (cached briefly per user)."""
    if not analytics.can_see_alerts(request.user):
        return HttpResponse("")
    key = f"cases:alert-badge:{request.user.pk}"
    total = cache.get(key)
    if total is None:
        try:
            total = analytics.alert_counts(request.user)["total"]
        except ServiceError:
            total = 0
        cache.set(key, total, BADGE_CACHE_SECONDS)
    if not total:
        return HttpResponse("")
    return HttpResponse(
        format_html('<span class="badge bg-red text-red-fg ms-auto" title="预警数">{}</span>', total)
    )


# ------------------------------------------------------------------------------------------ rankings
@login_required
@require_GET
def rankings(request):
    _require(request)
    params = _params(request, ("level", "start", "end", "region"))
    if request.GET.get("export") == "xlsx":
        try:
            return exports.export_or_queue(request, "cases.rankings", params)
        except ServiceError as exc:
            return _service_error(request, exc, reverse("cases:rankings"))
    form = RankingForm(request.GET or None, user=request.user)
    try:
        data = stats.rankings(
            request.user,
            params.get("level") or "handler",
            params.get("start"),
            params.get("end"),
            params.get("region", ""),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("cases:rankings")
    page = Paginator(data["rows"], 50).get_page(request.GET.get("page"))
    q = request.GET.copy()
    q.pop("page", None)
    q = q.urlencode()
    return render(
        request,
        "cases/analytics/rankings.html",
        {
            "title": "赋分与红黑榜",
            "data": data,
            "page_obj": page,
            "object_list": page.object_list,
            "filter_form": form,
            "filters": {k: v for k, v in params.items() if k != "level"},
            "querystring_without_page": (q + "&") if q else "",
            "export_querystring": _export_querystring(request),
            "can_export": True,
            "p": data["params"],
            "red_pct": round(data["params"].red_min_rate * 100),
            "black_pct": round(data["params"].black_max_rate * 100),
        },
    )


# ------------------------------------------------------------------------------------------ statistics
def _bar(title, rows, color="#d63939", horizontal=True):
    names = [r["name"] for r in rows]
    values = [r["count"] for r in rows]
    axis_cat = {"type": "category", "data": names, "axisLabel": {"width": 90, "overflow": "truncate"}}
    axis_val = {"type": "value", "minInterval": 1}
    return {
        "color": [color],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": axis_val if horizontal else axis_cat,
        "yAxis": {**axis_cat, "inverse": True} if horizontal else axis_val,
        "series": [{"type": "bar", "name": title, "barMaxWidth": 18, "data": values}],
    }


def _pie(title, rows):
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "name": title,
                "radius": ["35%", "65%"],
                "center": ["50%", "45%"],
                "data": [{"name": r["name"], "value": r["count"]} for r in rows],
            }
        ],
    }


def chart_options(data: dict) -> dict:
    t = data["totals"]
    trend = data["trend"]
    return {
        "chart-trend": {
            "color": ["#d63939", "#2fb344"],
            "tooltip": {"trigger": "axis"},
            "legend": {"data": ["受理", "办结"], "top": 0},
            "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": [r["t"] for r in trend]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {"type": "line", "name": "受理", "smooth": True, "data": [r["submitted"] for r in trend]},
                {"type": "line", "name": "办结", "smooth": True, "data": [r["resolved"] for r in trend]},
            ],
        },
        "chart-category": _bar("诉求数", data["by_category"][:15]),
        "chart-channel": _pie("受理渠道", data["by_channel"]),
        "chart-tier": _pie("三事分流", data["by_tier"]),
        "chart-grid": _bar("诉求数", data["by_grid"], "#f76707"),
        "chart-handler": _bar("诉求数", data["by_handler"], "#206bc4"),
        "chart-deadline": _pie(
            "时限",
            [
                {"name": "按期办结", "count": t["on_time"]},
                {"name": "超期办结", "count": t["late"]},
                {"name": "办理中·正常", "count": t["on_track"]},
                {"name": "办理中·临期", "count": t["due_soon"]},
                {"name": "办理中·超期", "count": t["overdue"]},
            ],
        ),
    }


@login_required
@require_GET
def stats_page(request):
    _require(request)
    params = _params(request, ("start", "end", "region", "granularity"))
    form = StatsForm(request.GET or None, user=request.user)
    try:
        data = stats.case_stats(
            request.user,
            params.get("start"),
            params.get("end"),
            params.get("region", ""),
            params.get("granularity") or "day",
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("cases:stats")
    # Each side of a rate links to the case list that it counts (same period and area).
    base = {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
    if params.get("region"):
        base["region"] = params["region"]
    for r in data["rates"]:
        for part in stats.RATE_PARTS:
            r[f"{part}_url"] = (
                reverse("cases:list") + "?" + urlencode({**base, "rate": r["key"], "part": part})
            )
    return render(
        request,
        "cases/analytics/stats.html",
        {
            "title": "诉求统计",
            "data": data,
            "t": data["totals"],
            "charts": chart_options(data),
            "filter_form": form,
            "filters": params,
            "empty": data["totals"]["submitted"] == 0,
        },
    )


# ------------------------------------------------------------------------------------------ case export
@login_required
@require_GET
def case_export(request):
    """The case list's Excel export (same filters as the list): direct up to the sync limit, else queued."""
    if not can_see_cases(request.user):
        raise Http404
    view = CaseListView()
    view.setup(request)
    try:
        return exports.export_or_queue(
            request, "cases.list", view.applied_filters(), back=reverse("cases:list")
        )
    except ServiceError as exc:
        return _service_error(request, exc, reverse("cases:list"))
