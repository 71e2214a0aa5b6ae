"""Pages of the standards catalog, evaluations, rankings, branch health, rectifications, funding,
demonstration sites and street duty lists. Thin views over standards.services / assess / health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from grassroots.core import exports
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import ServiceError
from grassroots.core.excel import Column
from grassroots.core.pages import (
    PageListView,
    ServiceFormView,
    get_visible,
    require_perm,
    service_messages,
)
from grassroots.core.scoping import covers, has_perm
from grassroots.core.views import export_querystring
from grassroots.regions.models import Region

from . import assess, health, services
from .checks import PERM, Severity
from .filters import BranchHealthFilters, EvaluationFilters
from .forms import (
    DutyCheckForm,
    DutyFilterForm,
    DutyForm,
    EvaluationCreateForm,
    FundingFilterForm,
    FundingForm,
    HonourFilterForm,
    HonourForm,
    ItemFilterForm,
    RectActForm,
    RectCreateForm,
    RectFilterForm,
    RevokeForm,
    TransitionForm,
    region_choices,
)
from .models import (
    BranchHealth,
    Duty,
    EvalState,
    Evaluation,
    FundingRecord,
    HealthRun,
    Honour,
    Item,
    Level,
    Rectification,
    RunState,
    StreetDuty,
)

ASSESS = services.ASSESS


class StandardsListView(PageListView):
    """A standards list: the create button follows standards.assess (not the model's change perm)."""

    create_perm = ASSESS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        can = has_perm(self.request.user, self.create_perm)
        ctx["can_assess"] = can
        ctx["create_url_name"] = self.create_url_name if can else None
        return ctx

    def region_node(self):
        code = self.request.GET.get("region", "").strip()
        if not code:
            return None
        return Region.objects.visible_to(self.request.user, PERM).filter(code=code).first()


def _q(request, name: str) -> str:
    return request.GET.get(name, "").strip()


# ---------------------------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------------------------
class CatalogView(StandardsListView):
    model = Item
    template_name = "standards/catalog.html"
    title = "标准目录"
    filter_form_class = ItemFilterForm
    filters = {"area": "area__code", "applies_to": "applies_to", "measure": "measure"}
    select_related = ("area",)
    ordering = ("area__order", "order", "code")
    paginate_by = 50
    importer = "grassroots.standards.importers.ItemImporter"
    export_title = "标准目录"
    create_perm = "standards.change"

    def base_queryset(self):
        return Item.objects.select_related("area")

    def filter_queryset(self, qs):
        q = _q(self.request, "q")
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(code__iexact=q))
        params = self.applied_filters()
        for name, lookup in self.filters.items():
            if name in params:
                qs = qs.filter(**{lookup: params[name]})
        return qs.order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        from . import indicators

        ctx = super().get_context_data(**kwargs)
        ctx["indicator_labels"] = dict(indicators.choices())
        ctx["duties"] = Duty.objects.select_related("area").order_by("level", "order")
        ctx["levels"] = Level.choices
        ctx["can_import"] = has_perm(self.request.user, "imports.run") and has_perm(
            self.request.user, "standards.change"
        )
        return ctx


@login_required
def indicators_page(request):
    """Every registered indicator measured for one region (a community, street, district or the city)."""
    from . import indicators

    require_perm(request.user, PERM)
    code = _q(request, "region")
    regions = Region.objects.visible_to(request.user, PERM).filter(
        level__in=["city", "district", "street", "community"]
    )
    region = regions.filter(code=code).first() if code else regions.order_by("depth", "path").first()
    if code and region is None:
        raise Http404
    year = timezone.localdate().year
    try:
        year = int(_q(request, "year") or year)
    except ValueError:
        year = timezone.localdate().year
    rows = []
    if region is not None:
        for ind in indicators.REGISTRY.values():
            rows.append({"indicator": ind, "m": ind.measure(region, year)})
    return render(
        request,
        "standards/indicators.html",
        {
            "region": region,
            "rows": rows,
            "year": year,
            "region_choices": region_choices(request.user),
            "years": range(year, year - 6, -1),
        },
    )


# ---------------------------------------------------------------------------------------------
# Evaluations
# ---------------------------------------------------------------------------------------------
EVAL_COLUMNS = [
    Column("年度", "period", width=8),
    Column("考评对象", lambda e: e.region.name, width=20),
    Column("区划编码", lambda e: e.region.code, width=16),
    Column("层级", lambda e: e.get_level_display(), width=8),
    Column("状态", lambda e: e.get_state_display(), width=10),
    Column("总分", lambda e: float(e.total) if e.total is not None else "", width=8),
    Column("满分", lambda e: float(e.max_total), width=8),
    Column("等次", "grade", width=8),
]


class EvaluationListView(StandardsListView):
    model = Evaluation
    template_name = "standards/evaluation_list.html"
    title = "考评"
    list_filters = EvaluationFilters
    select_related = ("region",)
    ordering = ("-period", "region__path")
    export_columns = EVAL_COLUMNS
    export_title = "考评结果"
    create_url_name = "standards:evaluation_create"
    empty_hint = "选择社区或街道和年度即可发起考评。"


class EvaluationCreateView(ServiceFormView):
    form_class = EvaluationCreateForm
    perm = ASSESS
    title = "发起考评"
    submit_label = "发起"
    success_message = "已发起考评，系统指标已计算"

    service = assess.open_evaluation
    object_url_name = "standards:evaluation_detail"
    list_url_name = "standards:evaluations"


SCORE_COLUMNS = [
    Column("标准编号", lambda s: s.item.code, width=10),
    Column("领域", lambda s: s.item.area.name, width=10),
    Column("标准内容", lambda s: s.item.title, width=50),
    Column("考评方式", lambda s: s.item.get_measure_display(), width=10),
    Column("分值", lambda s: float(s.item.max_score), width=6),
    Column("指标值", lambda s: s.value if s.value is not None else "", width=10),
    Column("目标值", lambda s: s.target if s.target is not None else "", width=10),
    Column("指标说明", "facts", width=30),
    Column("自评分", lambda s: float(s.self_score) if s.self_score is not None else "", width=8),
    Column("审核分", lambda s: float(s.review_score) if s.review_score is not None else "", width=8),
    Column("确认分", lambda s: float(s.final_score) if s.final_score is not None else "", width=8),
    Column("说明", "comment", width=30),
]


def _evidence_map(scores) -> dict[int, list]:
    from django.contrib.contenttypes.models import ContentType

    from grassroots.core.models import Attachment

    from .models import EvaluationScore

    ct = ContentType.objects.get_for_model(EvaluationScore)
    out: dict[int, list] = {}
    for a in Attachment.objects.filter(
        content_type=ct, object_id__in=[s.pk for s in scores], role="evidence"
    ):
        out.setdefault(a.object_id, []).append(a)
    return out


@login_required
def evaluation_detail(request, pk: int):
    require_perm(request.user, PERM)
    ev = get_visible(Evaluation, request.user, action=PERM, select_related=("region",), pk=pk)
    scores = list(ev.scores.select_related("item__area"))
    if request.GET.get("export") == "xlsx":
        return exports.respond(
            request,
            f"{ev.region.name}{ev.period}年度考评",
            SCORE_COLUMNS,
            scores,
            model_label="standards.evaluationscore",
            filters={"evaluation": ev.pk},
        )
    evidence = _evidence_map(scores)
    for s in scores:
        s.evidence = evidence.get(s.pk, [])
    field = assess.SCORE_FIELD.get(ev.state)
    return render(
        request,
        "standards/evaluation_detail.html",
        {
            "ev": ev,
            "scores": scores,
            "steps": ev.steps.select_related("actor"),
            "verbs": [(v, assess.VERB_LABELS[v]) for v in assess.allowed_verbs(request.user, ev)],
            "can_edit": assess.can_edit(request.user, ev),
            "score_field": field,
            "score_label": {"self_score": "自评分", "review_score": "审核分", "final_score": "确认分"}.get(
                field, ""
            ),
            "is_self": ev.state == EvalState.SELF,
            "form": TransitionForm(),
            "percent": round(float(100 * ev.total / ev.max_total), 1)
            if ev.total is not None and ev.max_total
            else None,
        },
    )


@login_required
@require_POST
def evaluation_scores(request, pk: int):
    require_perm(request.user, PERM)
    ev = get_visible(Evaluation, request.user, action=PERM, pk=pk)
    codes = list(ev.scores.values_list("item__code", flat=True))
    scores = {}
    for code in codes:
        if f"score_{code}" in request.POST:
            scores[code] = {
                "score": request.POST.get(f"score_{code}"),
                "comment": request.POST.get(f"comment_{code}"),
            }
    files = {
        code: request.FILES.getlist(f"files_{code}")
        for code in codes
        if request.FILES.getlist(f"files_{code}")
    }
    try:
        assess.save_scores(request.user, ev, scores, files=files)
    except ServiceError as exc:
        detail = "；".join(f"{k}：{v[0]}" for k, v in list(exc.errors.items())[:5]) or exc.message
        messages.error(request, f"未保存：{detail}")
    else:
        messages.success(request, "已保存得分")
    return redirect("standards:evaluation_detail", pk=ev.pk)


@login_required
@require_POST
def evaluation_act(request, pk: int, verb: str):
    require_perm(request.user, PERM)
    ev = get_visible(Evaluation, request.user, action=PERM, pk=pk)
    form = TransitionForm(request.POST)
    comment = form.data.get("comment", "")
    try:
        if verb == "refresh":
            assess.refresh_indicators(request.user, ev)
            messages.success(request, "已重新计算系统指标")
        else:
            ev = assess.transition(request.user, ev, verb, comment=comment)
            messages.success(request, f"已{assess.VERB_LABELS.get(verb, '')}")
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect("standards:evaluation_detail", pk=ev.pk)


# ---------------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------------
RANK_COLUMNS = [
    Column("名次", "rank", width=6),
    Column("单位", lambda r: r["region"].name, width=20),
    Column("区划编码", lambda r: r["region"].code, width=16),
    Column("总分", lambda r: float(r["total"] or 0), width=8),
    Column("满分", lambda r: float(r["max"] or 0), width=8),
    Column("得分率（%）", "percent", width=10),
    Column("等次", "grade", width=8),
    Column("榜单", "list", width=8),
]


@login_required
def rankings(request):
    require_perm(request.user, PERM)
    this_year = timezone.localdate().year
    try:
        period = int(_q(request, "period") or this_year - 1)
    except ValueError:
        period = this_year - 1
    level = _q(request, "level") or "community"
    if level not in ("community", "street"):
        level = "community"
    within = None
    if code := _q(request, "region"):
        within = Region.objects.visible_to(request.user, PERM).filter(code=code).first()
        if within is None:
            raise Http404
    data = assess.ranking(request.user, period=period, level=level, within=within)
    red_ids = {r["evaluation"].pk for r in data["red"]}
    black_ids = {r["evaluation"].pk for r in data["black"]}
    for r in data["rows"]:
        r["list"] = (
            "红榜" if r["evaluation"].pk in red_ids else ("黑榜" if r["evaluation"].pk in black_ids else "")
        )
    if request.GET.get("export") == "xlsx":
        return exports.respond(
            request,
            f"{period}年度{'社区' if level == 'community' else '街道'}考评排名",
            RANK_COLUMNS,
            data["rows"],
            model_label="standards.evaluation",
            filters={"period": period, "level": level},
        )
    return render(
        request,
        "standards/rankings.html",
        {
            **data,
            "period": period,
            "level": level,
            "region_code": code if within else "",
            "years": range(this_year, this_year - 6, -1),
            "region_choices": region_choices(request.user, ["city", "district", "street"]),
            "export_querystring": export_querystring(request.GET),
        },
    )


# ---------------------------------------------------------------------------------------------
# Branch health
# ---------------------------------------------------------------------------------------------
BRANCH_COLUMNS = [
    Column("党支部", lambda b: b.org.name, width=30),
    Column("组织编码", lambda b: b.org.code, width=16),
    Column("所在区划", lambda b: b.org.region.name, width=16),
    Column("得分", "score", width=6),
    Column("结果", lambda b: b.get_light_display(), width=8),
    Column("违规", "violations", width=6),
    Column("预警", "warnings", width=6),
    Column(
        "问题",
        lambda b: "；".join(f"{f['rule']} {f['object']}：{f['message']}" for f in b.findings),
        width=80,
    ),
]


class BranchHealthListView(StandardsListView):
    model = BranchHealth
    template_name = "standards/branch_list.html"
    title = "支部体检"
    list_filters = BranchHealthFilters
    select_related = ("org", "org__region")
    ordering = ("score", "org__path")
    export_columns = BRANCH_COLUMNS
    export_title = "支部体检结果"
    empty_hint = "尚无体检结果：点击“立即体检”运行一次。"

    def base_queryset(self):
        self.run = health.latest_run()
        qs = super().base_queryset()
        return qs.filter(run=self.run) if self.run else qs.none()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["run"] = self.run
        ctx["active"] = health.active_run()
        ctx["counts"] = _light_counts(self.get_queryset().order_by()) if self.run else {}
        return ctx


def _light_counts(qs) -> dict:
    from django.db.models import Count

    return dict(qs.values_list("light").annotate(n=Count("id")).order_by())


@login_required
@require_POST
def health_run_start(request):
    require_perm(request.user, PERM)
    with service_messages(request, "已发起体检，完成后结果自动更新", not_found=False):
        health.start_run(request.user)
    return redirect("standards:branch_health")


@login_required
def health_run_progress(request, pk: int):
    """The run's progress bar (htmx polls it every 2 s until the run ends)."""
    require_perm(request.user, PERM)
    run = HealthRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404
    response = render(request, "standards/_run_progress.html", {"active": run})
    if run.state in (RunState.DONE, RunState.FAILED) and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def branch_detail(request, code: str):
    from grassroots.party.models import PartyOrg

    require_perm(request.user, PERM)
    org = get_visible(PartyOrg, request.user, action=PERM, select_related=("region",), code=code)
    history = list(
        BranchHealth.objects.filter(org=org).select_related("run").order_by("-run__created_at")[:12]
    )
    latest = history[0] if history else None
    rects = Rectification.objects.filter(org=org).order_by("-created_at")
    can = covers(request.user, org, ASSESS)
    return render(
        request,
        "standards/branch_detail.html",
        {
            "org": org,
            "latest": latest,
            "history": history,
            "rects": rects,
            "severity_labels": Severity.labels,
            "severity_badge": Severity.badge,
            "can_assess": can,
            "rect_form": RectCreateForm(user=request.user) if can else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Rectifications
# ---------------------------------------------------------------------------------------------
RECT_COLUMNS = [
    Column("党组织", lambda r: r.org.name, width=28),
    Column("规则", "rule", width=8),
    Column("问题", "problem", width=40),
    Column("整改措施", "measure", width=30),
    Column("责任人", "owner_name", width=10),
    Column("整改时限", "deadline", width=12),
    Column("状态", lambda r: r.get_state_display(), width=8),
    Column("是否超期", lambda r: "是" if r.overdue else "否", width=8),
    Column("整改结果", "result", width=30),
]


class RectificationListView(StandardsListView):
    model = Rectification
    template_name = "standards/rect_list.html"
    title = "整改任务"
    filter_form_class = RectFilterForm
    filters = {"state": "state"}
    select_related = ("org", "org__region")
    ordering = ("deadline", "id")
    region_filter = "org__region"
    export_columns = RECT_COLUMNS
    export_title = "整改任务"
    empty_hint = "在支部体检结果页为问题支部下达整改任务。"

    def filter_queryset(self, qs):
        q = _q(self.request, "q")
        overdue = _q(self.request, "overdue")
        self.search_fields = None
        qs = super().filter_queryset(qs)
        if q:
            qs = qs.filter(Q(problem__icontains=q) | Q(owner_name__icontains=q) | Q(org__name__icontains=q))
        if overdue == "true":
            qs = qs.filter(health.overdue_q())
        elif overdue == "false":
            qs = qs.exclude(health.overdue_q())
        return qs

    def applied_filters(self):
        out = super().applied_filters()
        if v := _q(self.request, "overdue"):
            out["overdue"] = v
        return out


@login_required
@require_POST
def rect_create(request, code: str):
    from grassroots.party.models import PartyOrg

    require_perm(request.user, PERM)
    org = get_visible(PartyOrg, request.user, action=PERM, code=code)
    form = RectCreateForm(request.POST, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        source = BranchHealth.objects.filter(org=org).order_by("-run__created_at").first()
        with service_messages(request, "已下达整改任务"):
            health.create_rectification(request.user, org=org, source=source, **d)
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("standards:branch_detail", code=org.code)


@login_required
@require_POST
def rect_act(request, pk: int, verb: str):
    require_perm(request.user, PERM)
    rect = get_visible(Rectification, request.user, action=PERM, pk=pk)
    form = RectActForm(request.POST)
    with service_messages(request, "已更新整改任务"):
        health.act_rectification(request.user, rect, verb, result=form.data.get("result", ""))
    back = request.POST.get("back", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("standards:rectifications")


# ---------------------------------------------------------------------------------------------
# Funding
# ---------------------------------------------------------------------------------------------
FUNDING_COLUMNS = [
    Column("社区", lambda r: r.community.name, width=16),
    Column("社区编码", lambda r: r.community.code, width=16),
    Column("年度", "year", width=8),
    Column("收支", lambda r: r.get_direction_display(), width=6),
    Column("来源/用途", lambda r: r.get_kind_display(), width=16),
    Column("金额（元）", lambda r: float(r.amount), width=14),
    Column("日期", "on_date", width=12),
    Column("摘要", "note", width=30),
]


class FundingListView(StandardsListView):
    model = FundingRecord
    template_name = "standards/funding_list.html"
    title = "社区经费"
    filter_form_class = FundingFilterForm
    filters = {"year": "year", "direction": "direction", "kind": "kind"}
    search_fields = None
    select_related = ("community",)
    ordering = ("-on_date", "-id")
    region_filter = "community"
    export_columns = FUNDING_COLUMNS
    export_title = "社区经费收支"
    create_url_name = "standards:funding_create"
    empty_hint = "登记社区收到的工作经费和支出，系统对照年度标准统计达标情况。"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year = _q(self.request, "year")
        if year.isdigit():
            year = int(year)
        else:  # the latest year with records in scope, else this year
            from django.db.models import Max

            latest = self.base_queryset().aggregate(y=Max("year"))["y"]
            year = latest or timezone.localdate().year
        communities = Region.objects.visible_to(self.request.user, PERM).filter(level="community")
        node = self.region_node()
        if node is not None:
            communities = communities.filter(path__startswith=node.path)
        communities = list(communities.order_by("path")[:500])
        status = services.funding_status(communities, year)
        ctx["status_year"] = year
        ctx["status_rows"] = [{"community": c, **status[c.pk]} for c in communities]
        ctx["status_met"] = sum(1 for c in communities if status[c.pk]["meets"])
        ctx["minimum"] = services.funding_minimum()
        from .models import FundingKind

        labels = dict(FundingKind.choices)
        ctx["counted_kinds"] = "、".join(labels.get(k, k) for k in services.funding_income_kinds())
        return ctx


class FundingCreateView(ServiceFormView):
    form_class = FundingForm
    perm = ASSESS
    title = "登记社区经费"
    success_message = "已登记"

    list_url_name = "standards:funding"

    def save(self, form):
        d = form.service_data()
        return services.record_funding(self.request.user, year=d["on_date"].year, **d)


@login_required
@require_POST
def funding_delete(request, pk: int):
    require_perm(request.user, PERM)
    rec = get_visible(FundingRecord, request.user, action=PERM, pk=pk)
    with service_messages(request, "已删除", not_found=False):
        services.delete_funding(request.user, rec)
    return redirect("standards:funding")


# ---------------------------------------------------------------------------------------------
# Demonstration sites
# ---------------------------------------------------------------------------------------------
HONOUR_COLUMNS = [
    Column("示范点", "name", width=30),
    Column("所在区划", lambda h: h.region.name, width=16),
    Column("区划编码", lambda h: h.region.code, width=16),
    Column("命名年度", "year", width=8),
    Column("命名层级", lambda h: h.get_level_display(), width=8),
    Column("命名理由", "citation", width=40),
    Column("撤销日期", lambda h: h.revoked_at or "", width=12),
    Column("撤销原因", "revoke_reason", width=30),
]


class HonourListView(StandardsListView):
    model = Honour
    template_name = "standards/honour_list.html"
    title = "示范点"
    filter_form_class = HonourFilterForm
    filters = {"year": "year", "level": "level"}
    search_fields = ("name", "name")
    select_related = ("region",)
    ordering = ("-year", "region__path", "id")
    region_filter = "region"
    export_columns = HONOUR_COLUMNS
    export_title = "示范点"
    create_url_name = "standards:honour_create"
    empty_hint = "命名示范点后在此查看和撤销。"

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        revoked = _q(self.request, "revoked")
        if revoked == "true":
            qs = qs.filter(revoked_at__isnull=False)
        elif revoked == "false":
            qs = qs.filter(revoked_at__isnull=True)
        return qs

    def applied_filters(self):
        out = super().applied_filters()
        if v := _q(self.request, "revoked"):
            out["revoked"] = v
        return out

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["revoke_form"] = RevokeForm()
        return ctx


class HonourCreateView(ServiceFormView):
    form_class = HonourForm
    perm = ASSESS
    title = "命名示范点"
    success_message = "已命名示范点"

    service = services.designate_site
    list_url_name = "standards:honours"


@login_required
@require_POST
def honour_revoke(request, pk: int):
    require_perm(request.user, PERM)
    honour = get_visible(Honour, request.user, action=PERM, pk=pk)
    with service_messages(request, "已撤销示范点", not_found=False):
        services.revoke_site(request.user, honour, reason=request.POST.get("reason", ""))
    return redirect("standards:honours")


# ---------------------------------------------------------------------------------------------
# Street duty lists
# ---------------------------------------------------------------------------------------------
class DutyListView(StandardsListView):
    model = StreetDuty
    template_name = "standards/duty_list.html"
    title = "街道职责清单与赋权事项"
    filter_form_class = DutyFilterForm
    filters = {"kind": "kind", "status": "status"}
    search_fields = None
    select_related = ("street",)
    ordering = ("street__path", "kind", "code")
    region_filter = "street"
    importer = "grassroots.standards.importers.StreetDutyImporter"
    export_title = "街道职责清单与赋权事项"
    create_url_name = "standards:duty_create"
    empty_hint = "逐项登记或批量导入街道职责清单（如 282 项）和县级赋权事项（如 60 项）。"

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        if q := _q(self.request, "q"):
            qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = services.duty_summary(self.get_queryset().order_by())
        ctx["can_import"] = has_perm(self.request.user, "imports.run") and has_perm(self.request.user, ASSESS)
        return ctx


class DutyCreateView(ServiceFormView):
    form_class = DutyForm
    perm = ASSESS
    title = "登记街道事项"
    success_message = "已登记"

    service = services.add_street_duty
    object_url_name = "standards:duty_detail"
    list_url_name = "standards:duties"


@login_required
def duty_detail(request, pk: int):
    require_perm(request.user, PERM)
    duty = get_visible(StreetDuty, request.user, action=PERM, select_related=("street", "checked_by"), pk=pk)
    form = DutyCheckForm(request.POST or None, initial={"status": duty.status, "note": duty.check_note})
    status = 200
    can = covers(request.user, duty, ASSESS)
    if request.method == "POST":
        if not can:
            raise Http404
        if form.is_valid():
            try:
                services.check_street_duty(
                    request.user,
                    duty,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    uploads=request.FILES.getlist("files"),
                )
            except ServiceError as exc:
                form.add_error("note" if exc.field == "note" else None, exc.message)
            else:
                messages.success(request, "已记录核查结果")
                return redirect("standards:duty_detail", pk=duty.pk)
        status = 400
    return render(
        request,
        "standards/duty_detail.html",
        {"duty": duty, "form": form, "can_assess": can, "evidence": attachments_of(duty, "evidence")},
        status=status,
    )
