"""/api/v1/standards/: the rule table, the health-check findings of the caller's scope and COV-3 coverage."""

from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from grassroots.core.api import ERRORS, require_perm

from . import services
from .checks import PERM, Finding
from .models import Rule

router = Router(tags=["standards"])

SeverityCode = Literal["violation", "warning", "suggestion"]
ObjectType = Literal["unit", "org", "member"]


class RuleOut(Schema):
    code: str = Field(description="规则编号，如 ORG-1")
    category: str = Field(description="类别：org 组织设置 / cov 两个覆盖 / life 组织生活 / gov 基层治理")
    title: str
    params: dict[str, Any] = Field(
        description="参数（阈值），键见 param_labels；"
        "ORG-6 的任期为“组织类别: 年数”的对应表，GOV-9 的收入类别为列表"
    )
    param_labels: dict[str, str] = Field(description="参数（及对应表各项）的中文名称")
    action: str = Field(description="整改建议")
    source: str = Field(description="依据：法规或本市文件及条款")
    enabled: bool


class RulePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] | None = Field(
        None,
        description="要修改的参数（只能是规则已有的参数：正整数；对应表参数给出要改的项；列表参数给出完整列表）；"
        "未列出的参数保持不变",
    )
    enabled: bool | None = Field(None, description="启用或停用该规则")


class FindingOut(Schema):
    rule: str = Field(description="规则编号")
    severity: SeverityCode = Field(description="violation 违规 / warning 预警 / suggestion 建议")
    severity_label: str
    object_type: ObjectType = Field(description="unit 驻区单位 / org 党组织 / member 党员")
    object_id: int
    object_name: str
    model: str = Field(description="对象的模型标识，如 units.unit")
    region_name: str = Field(description="对象所在区划（党员为所在党组织）")
    message: str = Field(description="问题及事实")
    action: str = Field(description="整改建议")
    url: str | None = Field(None, description="对象详情页")


class FindingsSummary(Schema):
    total: int = Field(description="筛选规则、级别、对象类型之前的问题总数")
    by_rule: dict[str, int]
    by_severity: dict[str, int]


class FindingsPage(Schema):
    count: int = Field(description="符合筛选条件的问题数")
    limit: int
    offset: int
    summary: FindingsSummary
    errors: list[str] = Field(description="参数有误、未参与检查的规则")
    items: list[FindingOut]


class FindingsQuery(Schema):
    rule: str | None = Field(None, max_length=16, description="规则编号")
    severity: SeverityCode | None = None
    object_type: ObjectType | None = None
    region: str | None = Field(None, max_length=24, description="区划编码：只看该区划及其下级")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class StdCoverageChild(Schema):
    code: str
    name: str
    units: int
    should: int
    covered: int
    rate: float | None


class StdCoverageOut(Schema):
    region: str | None = Field(description="统计的区划编码；为空时为调用者的全部管辖范围")
    units: int = Field(description="单位总数")
    should: int = Field(description="应覆盖单位：有正式党员，或从业人员达到 COV-3 的门槛")
    covered: int = Field(description="应覆盖单位中已建立、联合或挂靠党组织的")
    rate: float | None = Field(description="党的组织覆盖率（%）= covered ÷ should；没有应覆盖单位时为空")
    work_covered: int = Field(
        0,
        description="应覆盖单位中实现党的工作覆盖的"
        "（已有组织覆盖，或已选派党建指导员且无党员单位已建工会和团组织）",
    )
    work_rate: float | None = Field(None, description="党的工作覆盖率（%）= work_covered ÷ should")
    min_employees: int | None = Field(description="COV-3 的从业人员门槛")
    children: list[StdCoverageChild] = Field(description="各下级区划（指定 region 时）")


def _rule_out(rule: Rule) -> dict:
    return {
        "code": rule.code,
        "category": rule.category,
        "title": rule.title,
        "params": rule.params or {},
        "param_labels": {
            k: services.PARAM_LABELS.get(k, k)
            for key, value in (rule.params or {}).items()
            for k in [key, *(value if isinstance(value, dict) else [])]
        },
        "action": rule.action,
        "source": rule.source,
        "enabled": rule.enabled,
    }


def _finding_out(f: Finding) -> dict:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "severity_label": f.severity_label,
        "object_type": f.object_type,
        "object_id": f.pk,
        "object_name": f.name,
        "model": f.model,
        "region_name": f.region_name,
        "message": f.message,
        "action": f.action,
        "url": f.url,
    }


def _rule_or_404(code: str) -> Rule:
    from grassroots.core.errors import NotFound

    rule = Rule.objects.filter(code=code).first()
    if rule is None:
        raise NotFound("规则不存在")
    return rule


@router.get(
    "/rules", response={200: list[RuleOut], **ERRORS}, operation_id="standards_rules", summary="规则表"
)
def list_rules(request):
    require_perm(request.user, PERM)
    return [_rule_out(r) for r in Rule.objects.order_by("category", "code")]


@router.get(
    "/rules/{code}",
    response={200: RuleOut, **ERRORS},
    operation_id="standards_rules_get",
    summary="一条规则",
)
def get_rule(request, code: str):
    require_perm(request.user, PERM)
    return _rule_out(_rule_or_404(code))


@router.patch(
    "/rules/{code}",
    response={200: RuleOut, **ERRORS},
    operation_id="standards_rules_update",
    summary="修改规则参数或启停",
    description="需要“修改规则参数”权限。参数只能是规则已有的键，取值为正整数；修改记入审计日志。",
)
def patch_rule(request, code: str, payload: RulePatch):
    require_perm(request.user, PERM)
    rule = _rule_or_404(code)
    services.update_rule(request.user, rule, params=payload.params, enabled=payload.enabled)
    return _rule_out(rule)


@router.get(
    "/findings",
    response={200: FindingsPage, **ERRORS},
    operation_id="standards_findings",
    summary="组织体检问题清单",
    description="按已启用的 ORG、COV 规则检查调用者管辖范围内的单位、党组织和党员。",
)
def list_findings(request, filters: Query[FindingsQuery]):
    require_perm(request.user, PERM)
    within = services.resolve_region(request.user, filters.region, PERM) if filters.region else None
    report = services.run_health_check(request.user, within=within)
    rows = services.filter_findings(
        report.findings,
        rule=filters.rule or "",
        severity=filters.severity or "",
        object_type=filters.object_type or "",
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": len(rows),
        "limit": filters.limit,
        "offset": filters.offset,
        "summary": {
            "total": len(report.findings),
            "by_rule": dict(report.by_rule),
            "by_severity": dict(report.by_severity),
        },
        "errors": report.errors,
        "items": [_finding_out(f) for f in page],
    }


@router.get(
    "/coverage",
    response={200: StdCoverageOut, **ERRORS},
    operation_id="standards_coverage",
    summary="单位党组织覆盖率（COV-3）",
    description="党的组织覆盖率 = 应覆盖单位中已建立、联合组建或挂靠党组织的 ÷ 应覆盖单位；党的工作覆盖率 = "
    "应覆盖单位中已实现组织覆盖、或已选派党建指导员（无党员单位还须建立工会和共青团组织）的 ÷ 应覆盖单位。"
    "指定 region 时同时给出各下级区划的组织覆盖率。",
)
def coverage(request, region: str | None = Query(None, max_length=24, description="区划编码")):
    require_perm(request.user, PERM)
    parent = services.resolve_region(request.user, region, PERM) if region else None
    stats = services.coverage_stats(request.user, parent=parent, action=PERM)
    return {
        "region": parent.code if parent else None,
        "units": stats["units"],
        "should": stats["should"],
        "covered": stats["covered"],
        "rate": stats["rate"],
        "work_covered": stats["work_covered"],
        "work_rate": stats["work_rate"],
        "min_employees": stats["min_employees"],
        "children": stats["children"],
    }


# =============================================================================================
# Catalog, indicators, evaluations, rankings, health runs, rectifications, funding, honours, duties
# =============================================================================================
import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from ninja.pagination import paginate  # noqa: E402

from grassroots.core.api import CursorPagination, visible_or_404  # noqa: E402
from grassroots.core.errors import NotFound as _NotFound  # noqa: E402
from grassroots.regions.models import Region  # noqa: E402

from . import assess, health, indicators  # noqa: E402
from .models import (  # noqa: E402
    BranchHealth,
    Duty,
    Evaluation,
    FundingRecord,
    HealthRun,
    Honour,
    Item,
    Rectification,
    StreetDuty,
)

ASSESS = services.ASSESS


def _region(user, code: str, perm: str = PERM) -> Region:
    node = Region.objects.visible_to(user, perm).filter(code=code).first()
    if node is None:
        raise _NotFound(f"区划“{code}”不存在或不在管辖范围内")
    return node


class StdItemOut(Schema):
    code: str
    area: str = Field(description="领域编号")
    area_name: str
    title: str
    applies_to: str = Field(description="community 社区 / street 街道 / all 街道和社区")
    measure: str = Field(description="indicator 系统指标 / evidence 佐证材料")
    indicator: str
    max_score: float
    enabled: bool

    @staticmethod
    def resolve_area(obj):
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj):
        return obj.area.name


class StdDutyOut(Schema):
    code: str
    level: str = Field(description="city / district / street / community")
    area: str | None
    text: str

    @staticmethod
    def resolve_area(obj):
        return obj.area.code if obj.area_id else None


class StdCatalogOut(Schema):
    items: list[StdItemOut]
    duties: list[StdDutyOut]


@router.get(
    "/catalog", response={200: StdCatalogOut, **ERRORS}, operation_id="standards_catalog", summary="标准目录"
)
def catalog(request):
    require_perm(request.user, PERM)
    return {
        "items": list(Item.objects.select_related("area").order_by("area__order", "order", "code")),
        "duties": list(Duty.objects.select_related("area").order_by("level", "order")),
    }


class StdIndicatorOut(Schema):
    code: str
    label: str
    unit: str
    value: float | None = Field(description="当前值；为空表示暂无数据")
    target: float | None
    facts: str


@router.get(
    "/indicators",
    response={200: list[StdIndicatorOut], **ERRORS},
    operation_id="standards_indicators",
    summary="区划的各项系统指标",
)
def indicator_values(
    request,
    region: str | None = Query(
        None, max_length=24, description="区划编码；为空时为调用者管辖范围的最高层区划"
    ),
    year: int | None = Query(None, ge=2000, le=2100),
):
    require_perm(request.user, PERM)
    if region:
        node = _region(request.user, region)
    else:
        node = (
            Region.objects.visible_to(request.user, PERM)
            .filter(level__in=["city", "district", "street", "community"])
            .order_by("depth", "path")
            .first()
        )
        if node is None:
            raise _NotFound("没有可查看的区划")
    out = []
    for ind in indicators.REGISTRY.values():
        m = ind.measure(node, year)
        out.append(
            {
                "code": ind.code,
                "label": ind.label,
                "unit": ind.unit,
                "value": m.value,
                "target": m.target,
                "facts": m.facts,
            }
        )
    return out


# --- evaluations -----------------------------------------------------------------------------
class StdEvaluationOut(Schema):
    id: int
    period: int
    region: str
    region_name: str
    level: str
    state: str = Field(description="self 自评中 / review 待街道审核 / confirm 待区级确认 / confirmed 已确认")
    state_label: str
    total: float | None
    max_total: float
    grade: str
    area_scores: dict

    @staticmethod
    def resolve_region(obj):
        return obj["region"] if isinstance(obj, dict) else obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj["region_name"] if isinstance(obj, dict) else obj.region.name

    @staticmethod
    def resolve_state_label(obj):
        return obj["state_label"] if isinstance(obj, dict) else obj.get_state_display()


class StdScoreOut(Schema):
    item: str
    title: str
    measure: str
    max_score: float
    value: float | None
    target: float | None
    facts: str
    self_score: float | None
    review_score: float | None
    final_score: float | None
    comment: str


class StdStepOut(Schema):
    verb: str
    from_state: str
    to_state: str
    actor: str | None
    comment: str
    at: datetime.datetime


class StdEvaluationDetail(StdEvaluationOut):
    scores: list[StdScoreOut]
    steps: list[StdStepOut]
    allowed_actions: list[str] = Field(description="调用者当前可执行的操作")


class StdEvaluationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(max_length=24, description="社区或街道的区划编码")
    period: int = Field(description="考评年度")


class StdScoreIn(Schema):
    model_config = ConfigDict(extra="forbid")
    score: Decimal | None = None
    comment: str | None = Field(None, max_length=500)


class StdScoresIn(Schema):
    model_config = ConfigDict(extra="forbid")
    scores: dict[str, StdScoreIn] = Field(description="标准编号 -> 当前步骤的得分和说明")


class StdActionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=500)


class StdEvaluationFilter(Schema):
    period: int | None = None
    level: Literal["community", "street"] | None = None
    state: Literal["self", "review", "confirm", "confirmed"] | None = None
    region: str | None = Field(None, max_length=24)


def _f(v):
    return float(v) if v is not None else None


def _detail(user, ev: Evaluation) -> dict:
    scores = [
        {
            "item": s.item.code,
            "title": s.item.title,
            "measure": s.item.measure,
            "max_score": float(s.item.max_score),
            "value": s.value,
            "target": s.target,
            "facts": s.facts,
            "self_score": _f(s.self_score),
            "review_score": _f(s.review_score),
            "final_score": _f(s.final_score),
            "comment": s.comment,
        }
        for s in ev.scores.select_related("item__area")
    ]
    steps = [
        {
            "verb": st.verb,
            "from_state": st.from_state,
            "to_state": st.to_state,
            "actor": st.actor.username if st.actor_id else None,
            "comment": st.comment,
            "at": st.at,
        }
        for st in ev.steps.select_related("actor")
    ]
    return {
        "id": ev.pk,
        "period": ev.period,
        "region": ev.region.code,
        "region_name": ev.region.name,
        "level": ev.level,
        "state": ev.state,
        "state_label": ev.get_state_display(),
        "total": _f(ev.total),
        "max_total": float(ev.max_total),
        "grade": ev.grade,
        "area_scores": ev.area_scores,
        "scores": scores,
        "steps": steps,
        "allowed_actions": assess.allowed_verbs(user, ev),
    }


@router.get(
    "/evaluations",
    response={200: list[StdEvaluationOut], **ERRORS},
    operation_id="standards_evaluations",
    summary="考评列表",
)
@paginate(CursorPagination)
def evaluations(request, filters: Query[StdEvaluationFilter]):
    require_perm(request.user, PERM)
    qs = Evaluation.objects.visible_to(request.user, PERM).select_related("region")
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.region:
        qs = qs.filter(region__path__startswith=_region(request.user, filters.region).path)
    return qs


@router.post(
    "/evaluations",
    response={201: StdEvaluationDetail, **ERRORS},
    operation_id="standards_evaluations_create",
    summary="发起考评",
    description="为社区或街道发起某年度的考评，计算系统指标并生成自评初始得分。需要考评权限。",
)
def evaluation_create(request, payload: StdEvaluationIn):
    node = _region(request.user, payload.region)
    ev = assess.open_evaluation(request.user, region=node, period=payload.period)
    return Status(201, _detail(request.user, ev))


@router.get(
    "/evaluations/{int:evaluation_id}",
    response={200: StdEvaluationDetail, **ERRORS},
    operation_id="standards_evaluations_get",
    summary="考评详情",
)
def evaluation_get(request, evaluation_id: int):
    # Objects: missing, out of scope and without the permission all answer 404.
    ev = visible_or_404(Evaluation, request.user, PERM, select_related=("region",), pk=evaluation_id)
    return _detail(request.user, ev)


@router.patch(
    "/evaluations/{int:evaluation_id}/scores",
    response={200: StdEvaluationDetail, **ERRORS},
    operation_id="standards_evaluations_scores",
    summary="填写当前步骤的得分",
    description="自评阶段填自评分，审核阶段填审核分，确认阶段填确认分；得分在 0 至条目分值之间。",
)
def evaluation_scores(request, evaluation_id: int, payload: StdScoresIn):
    # Objects: missing, out of scope and without the permission all answer 404.
    ev = visible_or_404(Evaluation, request.user, PERM, select_related=("region",), pk=evaluation_id)
    data = {code: {"score": s.score, "comment": s.comment} for code, s in payload.scores.items()}
    ev = assess.save_scores(request.user, ev, data)
    return _detail(request.user, ev)


@router.post(
    "/evaluations/{int:evaluation_id}/actions/{verb}",
    response={200: StdEvaluationDetail, **ERRORS},
    operation_id="standards_evaluations_act",
    summary="考评流程操作",
    description="submit 提交自评、approve 审核通过、return_self 退回自评、"
    "confirm 确认结果、return_review 退回审核；"
    "退回须填写意见。",
)
def evaluation_act(
    request,
    evaluation_id: int,
    verb: Literal["submit", "approve", "return_self", "confirm", "return_review"],
    payload: StdActionIn,
):
    # Objects: missing, out of scope and without the permission all answer 404.
    ev = visible_or_404(Evaluation, request.user, PERM, select_related=("region",), pk=evaluation_id)
    ev = assess.transition(request.user, ev, verb, comment=payload.comment)
    return _detail(request.user, ev)


class StdRankOut(Schema):
    rank: int
    region: str
    region_name: str
    total: float
    max_total: float
    percent: float
    grade: str
    list: str = Field(description="red 红榜 / black 黑榜 / 空")


@router.get(
    "/rankings",
    response={200: list[StdRankOut], **ERRORS},
    operation_id="standards_rankings",
    summary="考评排名与红黑榜",
)
def rankings(
    request,
    period: int = Query(..., ge=2000, le=2100),
    level: Literal["community", "street"] = "community",
    region: str | None = Query(None, max_length=24),
):
    require_perm(request.user, PERM)
    within = _region(request.user, region) if region else None
    data = assess.ranking(request.user, period=period, level=level, within=within)
    red = {r["evaluation"].pk for r in data["red"]}
    black = {r["evaluation"].pk for r in data["black"]}
    return [
        {
            "rank": r["rank"],
            "region": r["region"].code,
            "region_name": r["region"].name,
            "total": float(r["total"] or 0),
            "max_total": float(r["max"] or 0),
            "percent": r["percent"],
            "grade": r["grade"],
            "list": "red" if r["evaluation"].pk in red else ("black" if r["evaluation"].pk in black else ""),
        }
        for r in data["rows"]
    ]


# --- health runs and branch results -------------------------------------------------------------
class StdRunOut(Schema):
    id: int
    state: str
    trigger: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    total: int
    done: int
    progress: int
    red: int
    yellow: int
    green: int
    error: str


class StdBranchOut(Schema):
    org: str
    org_name: str
    region_name: str
    score: int
    light: str = Field(description="red / yellow / green")
    violations: int
    warnings: int
    findings: list[dict]

    @staticmethod
    def resolve_org(obj):
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_region_name(obj):
        return obj.org.region.name


@router.get(
    "/health-runs",
    response={200: list[StdRunOut], **ERRORS},
    operation_id="standards_runs",
    summary="支部体检批次",
)
def runs(request):
    require_perm(request.user, PERM)
    return list(HealthRun.objects.order_by("-created_at", "-id")[:20])


@router.post(
    "/health-runs",
    response={202: StdRunOut, **ERRORS},
    operation_id="standards_runs_start",
    summary="立即体检",
    description="排队运行一次支部体检；已有体检在排队或运行时返回 409。",
)
def run_start(request):
    require_perm(request.user, PERM)
    return Status(202, health.start_run(request.user))


@router.get(
    "/health-runs/{int:run_id}",
    response={200: StdRunOut, **ERRORS},
    operation_id="standards_runs_get",
    summary="体检进度",
)
def run_get(request, run_id: int):
    require_perm(request.user, PERM)
    run = HealthRun.objects.filter(pk=run_id).first()
    if run is None:
        raise _NotFound("体检批次不存在")
    return run


class StdBranchFilter(Schema):
    light: Literal["red", "yellow", "green"] | None = None
    region: str | None = Field(None, max_length=24)


@router.get(
    "/branches",
    response={200: list[StdBranchOut], **ERRORS},
    operation_id="standards_branches",
    summary="最近一次支部体检结果",
)
@paginate(CursorPagination)
def branches(request, filters: Query[StdBranchFilter]):
    require_perm(request.user, PERM)
    run = health.latest_run()
    qs = BranchHealth.objects.visible_to(request.user, PERM).select_related("org__region")
    if run is None:
        return qs.none()
    qs = qs.filter(run=run)
    if filters.light:
        qs = qs.filter(light=filters.light)
    if filters.region:
        qs = qs.filter(org__region__path__startswith=_region(request.user, filters.region).path)
    return qs


# --- rectifications ----------------------------------------------------------------------------
class StdRectOut(Schema):
    id: int
    org: str
    org_name: str
    rule: str
    problem: str
    measure: str
    owner_name: str
    deadline: datetime.date
    state: str = Field(description="open 待整改 / in_progress 整改中 / done 已整改 / verified 已验收")
    overdue: bool
    result: str

    @staticmethod
    def resolve_org(obj):
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name


class StdRectIn(Schema):
    model_config = ConfigDict(extra="forbid")
    org: str = Field(max_length=32, description="党组织编码")
    problem: str = Field(max_length=500)
    owner_name: str = Field(max_length=50)
    deadline: datetime.date
    rule: str = Field("", max_length=16)
    measure: str = Field("", max_length=500)


class StdRectActIn(Schema):
    model_config = ConfigDict(extra="forbid")
    result: str = Field("", max_length=500)


@router.get(
    "/rectifications",
    response={200: list[StdRectOut], **ERRORS},
    operation_id="standards_rects",
    summary="整改任务",
)
@paginate(CursorPagination)
def rectifications(
    request,
    state: Literal["open", "in_progress", "done", "verified"] | None = None,
    overdue: bool | None = None,
):
    require_perm(request.user, PERM)
    qs = Rectification.objects.visible_to(request.user, PERM).select_related("org")
    if state:
        qs = qs.filter(state=state)
    if overdue is True:
        qs = qs.filter(health.overdue_q())
    elif overdue is False:
        qs = qs.exclude(health.overdue_q())
    return qs


@router.post(
    "/rectifications",
    response={201: StdRectOut, **ERRORS},
    operation_id="standards_rects_create",
    summary="下达整改任务",
)
def rect_create(request, payload: StdRectIn):
    from grassroots.party.models import PartyOrg

    org = PartyOrg.objects.visible_to(request.user, PERM).filter(code=payload.org).first()
    if org is None:
        raise _NotFound(f"党组织“{payload.org}”不存在或不在管辖范围内")
    source = BranchHealth.objects.filter(org=org).order_by("-run__created_at").first()
    rect = health.create_rectification(
        request.user,
        org=org,
        problem=payload.problem,
        owner_name=payload.owner_name,
        deadline=payload.deadline,
        rule=payload.rule,
        measure=payload.measure,
        source=source,
    )
    return Status(201, rect)


@router.post(
    "/rectifications/{int:rect_id}/actions/{verb}",
    response={200: StdRectOut, **ERRORS},
    operation_id="standards_rects_act",
    summary="整改任务流转",
    description="start 开始整改、finish 整改完成（须填整改结果）、"
    "verify 验收通过、reject 验收不通过（须填原因）。",
)
def rect_act(
    request, rect_id: int, verb: Literal["start", "finish", "verify", "reject"], payload: StdRectActIn
):
    # Objects: missing, out of scope and without the permission all answer 404.
    rect = visible_or_404(Rectification, request.user, PERM, select_related=("org",), pk=rect_id)
    return health.act_rectification(request.user, rect, verb, result=payload.result)


# --- funding -------------------------------------------------------------------------------------
class StdFundingOut(Schema):
    id: int
    community: str
    community_name: str
    year: int
    direction: str = Field(description="received 收入 / spent 支出")
    kind: str
    kind_label: str
    amount: float
    on_date: datetime.date
    note: str

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj):
        return obj.community.name

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()


class StdFundingIn(Schema):
    model_config = ConfigDict(extra="forbid")
    community: str = Field(max_length=24)
    direction: Literal["received", "spent"]
    kind: Literal[
        "finance",
        "service",
        "party",
        "other_in",
        "activity",
        "services",
        "operation",
        "training",
        "other_out",
    ]
    amount: Decimal = Field(description="金额（元）")
    on_date: datetime.date
    note: str = Field("", max_length=200)


class StdFundingStatusOut(Schema):
    community: str
    community_name: str
    year: int
    received: float = Field(description="全部收入（元）")
    counted: float = Field(0, description="计入 GOV-9 标准的收入（规则所列收入类别，默认服务群众专项经费）")
    spent: float
    balance: float
    minimum: int = Field(description="GOV-9 年度经费标准（元）")
    meets: bool
    records: int


@router.get(
    "/funding",
    response={200: list[StdFundingOut], **ERRORS},
    operation_id="standards_funding",
    summary="社区经费",
)
@paginate(CursorPagination)
def funding(request, year: int | None = None, community: str | None = Query(None, max_length=24)):
    require_perm(request.user, PERM)
    qs = FundingRecord.objects.visible_to(request.user, PERM).select_related("community")
    if year:
        qs = qs.filter(year=year)
    if community:
        qs = qs.filter(community__path__startswith=_region(request.user, community).path)
    return qs


@router.post(
    "/funding",
    response={201: StdFundingOut, **ERRORS},
    operation_id="standards_funding_create",
    summary="登记社区经费",
)
def funding_create(request, payload: StdFundingIn):
    node = _region(request.user, payload.community)
    rec = services.record_funding(
        request.user,
        community=node,
        year=payload.on_date.year,
        direction=payload.direction,
        kind=payload.kind,
        amount=payload.amount,
        on_date=payload.on_date,
        note=payload.note,
    )
    return Status(201, rec)


@router.get(
    "/funding/status",
    response={200: list[StdFundingStatusOut], **ERRORS},
    operation_id="standards_funding_status",
    summary="社区经费达标情况（GOV-9）",
)
def funding_status(
    request, year: int = Query(..., ge=2000, le=2100), region: str | None = Query(None, max_length=24)
):
    require_perm(request.user, PERM)
    qs = Region.objects.visible_to(request.user, PERM).filter(level="community")
    if region:
        qs = qs.filter(path__startswith=_region(request.user, region).path)
    communities = list(qs.order_by("path")[:2000])
    status = services.funding_status(communities, year)
    return [
        {
            "community": c.code,
            "community_name": c.name,
            "year": year,
            "received": float(status[c.pk]["received"]),
            "counted": float(status[c.pk]["counted"]),
            "spent": float(status[c.pk]["spent"]),
            "balance": float(status[c.pk]["balance"]),
            "minimum": status[c.pk]["minimum"],
            "meets": status[c.pk]["meets"],
            "records": status[c.pk]["records"],
        }
        for c in communities
    ]


# --- demonstration sites -------------------------------------------------------------------------
class StdHonourOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    year: int
    level: str
    citation: str
    revoked_at: datetime.date | None
    revoke_reason: str

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name


class StdHonourIn(Schema):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(max_length=24)
    name: str = Field(max_length=100)
    year: int = Field(ge=2000, le=2100)
    level: Literal["city", "district", "street"]
    citation: str = Field(max_length=500)


class StdRevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=300)


@router.get(
    "/honours",
    response={200: list[StdHonourOut], **ERRORS},
    operation_id="standards_honours",
    summary="示范点",
)
@paginate(CursorPagination)
def honours(request, year: int | None = None, revoked: bool | None = None):
    require_perm(request.user, PERM)
    qs = Honour.objects.visible_to(request.user, PERM).select_related("region")
    if year:
        qs = qs.filter(year=year)
    if revoked is not None:
        qs = qs.filter(revoked_at__isnull=not revoked)
    return qs


@router.post(
    "/honours",
    response={201: StdHonourOut, **ERRORS},
    operation_id="standards_honours_create",
    summary="命名示范点",
)
def honour_create(request, payload: StdHonourIn):
    node = _region(request.user, payload.region)
    site = services.designate_site(
        request.user,
        region=node,
        name=payload.name,
        year=payload.year,
        level=payload.level,
        citation=payload.citation,
    )
    return Status(201, site)


@router.post(
    "/honours/{int:honour_id}/revoke",
    response={200: StdHonourOut, **ERRORS},
    operation_id="standards_honours_revoke",
    summary="撤销示范点",
)
def honour_revoke(request, honour_id: int, payload: StdRevokeIn):
    # Objects: missing, out of scope and without the permission all answer 404.
    honour = visible_or_404(Honour, request.user, PERM, select_related=("region",), pk=honour_id)
    return services.revoke_site(request.user, honour, reason=payload.reason)


# --- street duties -------------------------------------------------------------------------------
class StdStreetDutyOut(Schema):
    id: int
    street: str
    street_name: str
    kind: str = Field(description="duty 街道职责清单 / power 赋权事项")
    code: str
    category: str
    title: str
    basis: str
    status: str = Field(description="pending 未核查 / ok 已落实 / issue 未落实")
    check_note: str
    checked_at: datetime.datetime | None

    @staticmethod
    def resolve_street(obj):
        return obj.street.code

    @staticmethod
    def resolve_street_name(obj):
        return obj.street.name


class StdDutyCheckIn(Schema):
    model_config = ConfigDict(extra="forbid")
    status: Literal["ok", "issue"]
    note: str = Field("", max_length=300)


@router.get(
    "/street-duties",
    response={200: list[StdStreetDutyOut], **ERRORS},
    operation_id="standards_duties",
    summary="街道职责清单与赋权事项",
)
@paginate(CursorPagination)
def street_duties(
    request,
    kind: Literal["duty", "power"] | None = None,
    status: Literal["pending", "ok", "issue"] | None = None,
    street: str | None = Query(None, max_length=24),
):
    require_perm(request.user, PERM)
    qs = StreetDuty.objects.visible_to(request.user, PERM).select_related("street")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if street:
        qs = qs.filter(street__path__startswith=_region(request.user, street).path)
    return qs


@router.post(
    "/street-duties/{int:duty_id}/check",
    response={200: StdStreetDutyOut, **ERRORS},
    operation_id="standards_duties_check",
    summary="核查街道事项",
    description="记录事项是否落实；未落实须说明原因。佐证材料在页面上传。",
)
def street_duty_check(request, duty_id: int, payload: StdDutyCheckIn):
    # Objects: missing, out of scope and without the permission all answer 404.
    duty = visible_or_404(StreetDuty, request.user, PERM, select_related=("street",), pk=duty_id)
    return services.check_street_duty(request.user, duty, status=payload.status, note=payload.note)
