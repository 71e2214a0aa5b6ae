"""Proactive governance pages: hot topics (list with trend chart, detail with the cases behind them),
the 未诉先办 and 每月一题 lists, detail, forms and actions. Thin: writes in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grassroots.cases.models import Case
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.excel import local_minute as _local
from grassroots.core.pages import PageListView, get_visible, require_perm, service_messages
from grassroots.core.scoping import covers, has_perm
from grassroots.people.models import Worker
from grassroots.regions.models import Region

from . import clustering, services
from .forms import HotTopicFilterForm, InitiativeFilterForm, InitiativeForm
from .models import HotTopic, Initiative, InitiativeKind, InitiativeState, Level

CASES_PER_PAGE = 20
CHART_TOP = 10
TITLE_SUFFIX = {InitiativeKind.TASK: "问题专项治理", InitiativeKind.THEME: "问题攻坚"}


def _pct(value) -> str:
    return "" if value is None else f"{value:+d}%"


def _bar_chart(topics) -> dict:
    """ECharts option: current vs previous period of the listed hot topics (horizontal bars)."""
    topics = list(topics)[:CHART_TOP][::-1]
    labels = [f"{t.region.name}·{t.category.name}" + (f"·{t.keyword}" if t.keyword else "") for t in topics]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["上期", "本期"], "top": 0},
        "grid": {"left": 8, "right": 16, "top": 28, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "axisLabel": {"width": 130, "overflow": "truncate"}},
        "series": [
            {"name": "上期", "type": "bar", "data": [t.previous_count for t in topics], "color": "#adb5bd"},
            {"name": "本期", "type": "bar", "data": [t.case_count for t in topics], "color": "#d63939"},
        ],
    }


class HotTopicListView(PageListView):
    model = HotTopic
    template_name = "proactive/hot_list.html"
    title = "热点问题"
    filter_form_class = HotTopicFilterForm
    filters = {"trend": "trend"}
    search_fields = None
    region_filter = "region"
    select_related = ("region", "category")
    ordering = ("-case_count", "key")
    empty_hint = "每日凌晨按类别、地点和诉求内容聚类近期诉求，形成热点问题；也可点击“重新计算”。"
    export_title = "热点问题"
    export_columns = [
        Column("层级", "get_level_display", width=8),
        Column("区域", "region.name", width=14),
        Column("类别", "category.name", width=16),
        Column("关键词", "keyword", width=10),
        Column("本期诉求", "case_count", width=9),
        Column("上期诉求", "previous_count", width=9),
        Column("趋势", "get_trend_display", width=8),
        Column("环比变化", lambda t: _pct(t.change_pct), width=9),
        Column("高频词", lambda t: "、".join(t.keywords), width=24),
        Column("典型工单", lambda t: "、".join(t.sample_numbers), width=40),
        Column("统计期", lambda t: f"{t.period_start:%Y-%m-%d} 至 {t.period_end:%Y-%m-%d}", width=24),
    ]

    def level(self) -> str:
        value = self.request.GET.get("level", "")
        if value == "all" or value in Level.values:
            return value
        return clustering.viewer_level(self.request.user)

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        level = self.level()
        if level != "all":
            qs = qs.filter(level=level)
        q = self.applied_filters().get("q")
        if q:
            qs = qs.filter(
                Q(category__name__icontains=q) | Q(region__name__icontains=q) | Q(keyword__icontains=q)
            )
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["level"] = self.level()
        ctx["levels"] = [("all", "全部"), *Level.choices]
        ctx["chart"] = _bar_chart(ctx["object_list"]) if ctx["object_list"] else None
        ctx["run"] = clustering.latest_run()
        ctx["active_run"] = clustering.active_run()
        ctx["can_manage"] = has_perm(user, services.MANAGE)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("level", None)
        ctx["level_querystring"] = params.urlencode()
        return ctx


@login_required
@require_POST
def hot_recompute(request):
    """重新计算: queue a background run (audited); the page shows it running until it is done."""
    require_perm(request.user, "proactive.view")
    with service_messages(request, "已开始重新计算热点，完成后刷新本页即可看到结果", not_found=False):
        services.start_run(request.user)
    return redirect("proactive:hot_list")


def _line_chart(series) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [d[5:] for d, _n in series]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": "诉求数",
                "type": "line",
                "smooth": True,
                "areaStyle": {},
                "data": [n for _d, n in series],
            }
        ],
    }


def _cluster_initiatives(user, region_id, category_id, keyword):
    return (
        Initiative.objects.visible_to(user)
        .filter(cluster_region_id=region_id, category_id=category_id, keyword=keyword)
        .select_related("region")
        .order_by("-created_at")[:20]
    )


@login_required
def hot_detail(request, pk):
    topic = get_visible(HotTopic, request.user, pk=pk, select_related=("region", "category", "run"))
    cases = (
        clustering.cluster_cases(topic.region, topic.category_id, topic.keyword)
        .filter(
            submitted_at__gte=clustering.local_midnight(topic.period_start),
            submitted_at__lt=clustering.local_midnight(topic.period_end),
        )
        .select_related("region")
        .order_by("-submitted_at", "-id")
        .only(
            "number",
            "description",
            "public_description",
            "public_hidden",
            "state",
            "submitted_at",
            "region__name",
        )
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    linkable = set()
    if has_perm(request.user, "cases.view") and rows:
        linkable = set(
            Case.objects.visible_to(request.user)
            .filter(pk__in=[c.pk for c in rows])
            .values_list("pk", flat=True)
        )
    return render(
        request,
        "proactive/hot_detail.html",
        {
            "topic": topic,
            "page_obj": page,
            "cases": [(c, c.pk in linkable) for c in rows],
            "querystring_without_page": "",
            "chart": _line_chart(topic.series),
            "initiatives": _cluster_initiatives(
                request.user, topic.region_id, topic.category_id, topic.keyword
            ),
            "can_manage": has_perm(request.user, services.MANAGE),
        },
    )


# --------------------------------------------------------------------------- initiatives
class _InitiativeListView(PageListView):
    model = Initiative
    template_name = "proactive/initiative_list.html"
    kind = InitiativeKind.TASK
    filter_form_class = InitiativeFilterForm
    filters = {"state": "state"}
    search_fields = None
    region_filter = "region"
    select_related = ("region", "cluster_region", "category", "owner_worker")
    ordering = ("-created_at", "-id")

    def base_queryset(self):
        return super().base_queryset().filter(kind=self.kind)

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        q = self.applied_filters().get("q")
        return qs.filter(Q(title__icontains=q) | Q(number__icontains=q)) if q else qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["kind"] = self.kind
        ctx["create_url_name"] = None
        return ctx


def _initiative_columns(extra):
    return [
        Column("编号", "number", width=14),
        Column("名称", "title", width=24),
        Column("热点", "cluster_title", width=28),
        Column("责任区域", "region.name", width=14),
        Column("责任人", "owner_name", width=10),
        *extra,
        Column("状态", "get_state_display", width=8),
        Column("启动时间", lambda i: _local(i.started_at), width=17),
        Column("效果窗口(天)", "effect_days", width=10),
        Column("启动前诉求", "effect_before", width=10),
        Column("启动后诉求", "effect_after", width=10),
        Column("诉求变化", lambda i: _pct(i.effect_pct), width=9),
        Column("工作方案", "plan", width=40),
    ]


class TaskListView(_InitiativeListView):
    kind = InitiativeKind.TASK
    title = "未诉先办"
    empty_hint = "在热点问题页面把反映集中的问题转为未诉先办任务，主动解决、防患未然。"
    export_title = "未诉先办任务"
    export_columns = _initiative_columns([Column("完成期限", "due_date", width=11)])


class ThemeListView(_InitiativeListView):
    kind = InitiativeKind.THEME
    title = "每月一题"
    ordering = ("-month", "-id")
    empty_hint = "每月每级从热点问题中选定一个难题，明确责任人、方案和措施，集中攻坚。"
    export_title = "每月一题"
    export_columns = _initiative_columns(
        [Column("月份", lambda i: f"{i.month:%Y-%m}", width=9), Column("主要措施", "measures", width=40)]
    )


def _owner_choices(user, topic_region: Region):
    """The regions that may own an initiative on a cluster: the cluster's place and its ancestors, those
    the user manages."""
    nodes = [*Region.objects.get_ancestors(topic_region), topic_region]
    return [
        r for r in nodes if r.level in services.OWNER_LEVELS and covers(user, Initiative(region=r), "manage")
    ]


def _workers(regions):
    if not regions:
        return []
    top = min(regions, key=lambda r: len(r.path))
    return list(
        Worker.objects.filter(region__path__startswith=top.path)
        .select_related("region")
        .order_by("region__path", "name")[:300]
    )


@login_required
def initiative_create(request, pk, kind):
    require_perm(request.user, services.MANAGE)
    if kind not in InitiativeKind.values:
        raise Http404
    topic = get_visible(HotTopic, request.user, pk=pk, select_related=("region", "category"))
    regions = _owner_choices(request.user, topic.region)
    if not regions:
        raise Http404
    workers = _workers(regions)
    form = InitiativeForm(
        request.POST or None,
        regions=regions,
        workers=workers,
        kind=kind,
        initial={
            "title": f"{topic.region.name}{topic.category.name}{TITLE_SUFFIX[kind]}",
            "region": str(regions[-1].pk),
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                initiative = services.create_initiative(
                    request.user,
                    kind=kind,
                    hot_topic=topic,
                    title=d["title"],
                    region=next((r for r in regions if str(r.pk) == d["region"]), None),
                    owner_worker=next((w for w in workers if str(w.pk) == d["owner_worker"]), None),
                    owner_name=d["owner_name"],
                    plan=d["plan"],
                    measures=d["measures"],
                    month=d.get("month"),
                    due_date=d["due_date"],
                )
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from None
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已创建{initiative.get_kind_display()}“{initiative.title}”")
                return redirect("proactive:detail", number=initiative.number)
        status = 400
    return render(
        request,
        "proactive/initiative_form.html",
        {"form": form, "topic": topic, "kind": kind, "kind_label": InitiativeKind(kind).label},
        status=status,
    )


@login_required
def initiative_edit(request, number):
    require_perm(request.user, services.MANAGE)
    initiative = get_visible(
        Initiative, request.user, number=number, select_related=("region", "cluster_region", "category")
    )
    if not covers(request.user, initiative, "manage"):
        raise Http404
    workers = _workers([initiative.region])
    initial = {
        "title": initiative.title,
        "owner_worker": str(initiative.owner_worker_id or ""),
        "owner_name": initiative.owner_name,
        "plan": initiative.plan,
        "measures": initiative.measures,
        "due_date": initiative.due_date,
    }
    form = InitiativeForm(
        request.POST or None, workers=workers, kind=initiative.kind, editing=True, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_initiative(
                    request.user,
                    initiative,
                    title=d["title"],
                    owner_worker=next((w for w in workers if str(w.pk) == d["owner_worker"]), None),
                    owner_name=d["owner_name"],
                    plan=d["plan"],
                    measures=d["measures"],
                    due_date=d["due_date"],
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已保存")
                return redirect("proactive:detail", number=initiative.number)
        status = 400
    return render(
        request,
        "proactive/initiative_form.html",
        {
            "form": form,
            "initiative": initiative,
            "kind": initiative.kind,
            "kind_label": initiative.get_kind_display(),
        },
        status=status,
    )


def _effect_chart(effect) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"启动前 {effect.days} 天", f"启动后 {effect.days} 天"]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": "诉求数",
                "type": "bar",
                "barMaxWidth": 60,
                "data": [
                    {"value": effect.before, "itemStyle": {"color": "#adb5bd"}},
                    {"value": effect.after, "itemStyle": {"color": "#2fb344"}},
                ],
            }
        ],
    }


@login_required
def initiative_detail(request, number):
    initiative = get_visible(
        Initiative,
        request.user,
        number=number,
        select_related=("region", "cluster_region", "category", "owner_worker", "hot_topic"),
    )
    if initiative.state == InitiativeState.EVALUATED and initiative.effect_days:
        effect = services.Effect(
            initiative.effect_days, initiative.effect_before, initiative.effect_after, initiative.effect_pct
        )
    else:
        effect = services.measure_effect(initiative)
    actions = (
        set(services.TRANSITIONS[initiative.state]) if covers(request.user, initiative, "manage") else set()
    )
    list_url = "proactive:task_list" if initiative.kind == InitiativeKind.TASK else "proactive:theme_list"
    return render(
        request,
        "proactive/initiative_detail.html",
        {
            "initiative": initiative,
            "effect": effect,
            "chart": _effect_chart(effect) if effect else None,
            "actions": actions,
            "list_url": list_url,
            "cluster_url": _cluster_url(initiative),
        },
    )


def _cluster_url(initiative: Initiative) -> str:
    if initiative.hot_topic_id:
        return reverse("proactive:hot_detail", args=[initiative.hot_topic_id])
    return ""


@login_required
@require_POST
def initiative_act(request, number, action):
    initiative = get_visible(Initiative, request.user, number=number, select_related=("cluster_region",))
    if action not in services.ACTION_LABELS or action == "edit":
        raise Http404
    post = request.POST
    with service_messages(request, lambda: f"已{services.ACTION_LABELS[action]}"):
        if action == "start":
            services.start(request.user, initiative)
        elif action == "finish":
            services.finish(request.user, initiative, note=post.get("note", ""))
        elif action == "evaluate":
            services.evaluate(request.user, initiative, evaluation=post.get("evaluation", ""))
        elif action == "cancel":
            services.cancel(request.user, initiative, reason=post.get("reason", ""))
    return redirect("proactive:detail", number=initiative.number)
