"""/api/v1/standards/ (mounted on standards.api.router): the catalog of items and duties, indicator values,
evaluations (self-assessment, review, approval) and rankings."""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from grassroots.core.api import CursorPagination, require_perm, visible_or_404
from grassroots.core.crud import endpoint
from grassroots.core.errors import NotFound as _NotFound
from grassroots.core.resolvers import from_attr
from grassroots.regions.models import Region

from . import assess, indicators, services
from .checks import PERM
from .filters import EvaluationFilters
from .models import (
    Duty,
    Evaluation,
    Item,
)

router = Router(tags=["standards"])

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

    resolve_area = from_attr("area.code")
    resolve_area_name = from_attr("area.name")


class StdDutyOut(Schema):
    code: str
    level: str = Field(description="city / district / street / community")
    area: str | None
    text: str

    resolve_area = from_attr("area.code")


class StdCatalogOut(Schema):
    items: list[StdItemOut]
    duties: list[StdDutyOut]


@endpoint(router.get, "/catalog", StdCatalogOut, "standards_catalog", "标准目录")
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


@endpoint(router.get, "/indicators", list[StdIndicatorOut], "standards_indicators", "区划的各项系统指标")
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


@endpoint(router.get, "/evaluations", list[StdEvaluationOut], "standards_evaluations", "考评列表")
@paginate(CursorPagination)
def evaluations(request, filters: Query[EvaluationFilters.schema()]):
    require_perm(request.user, PERM)
    qs = Evaluation.objects.visible_to(request.user, PERM).select_related("region")
    return EvaluationFilters.from_request(request).apply(qs)


@endpoint(
    router.post, "/evaluations", StdEvaluationDetail, "standards_evaluations_create", "发起考评",
    status=201, description="为社区或街道发起某年度的考评，计算系统指标并生成自评初始得分。需要考评权限。",
)  # fmt: skip
def evaluation_create(request, payload: StdEvaluationIn):
    node = _region(request.user, payload.region)
    ev = assess.open_evaluation(request.user, region=node, period=payload.period)
    return Status(201, _detail(request.user, ev))


@endpoint(
    router.get, "/evaluations/{int:evaluation_id}", StdEvaluationDetail, "standards_evaluations_get",
    "考评详情",
)  # fmt: skip
def evaluation_get(request, evaluation_id: int):
    # Objects: missing, out of scope and without the permission all answer 404.
    ev = visible_or_404(Evaluation, request.user, PERM, select_related=("region",), pk=evaluation_id)
    return _detail(request.user, ev)


@endpoint(
    router.patch, "/evaluations/{int:evaluation_id}/scores", StdEvaluationDetail,
    "standards_evaluations_scores", "填写当前步骤的得分",
    description="自评阶段填自评分，审核阶段填审核分，确认阶段填确认分；得分在 0 至条目分值之间。",
)  # fmt: skip
def evaluation_scores(request, evaluation_id: int, payload: StdScoresIn):
    # Objects: missing, out of scope and without the permission all answer 404.
    ev = visible_or_404(Evaluation, request.user, PERM, select_related=("region",), pk=evaluation_id)
    data = {code: {"score": s.score, "comment": s.comment} for code, s in payload.scores.items()}
    ev = assess.save_scores(request.user, ev, data)
    return _detail(request.user, ev)


@endpoint(
    router.post, "/evaluations/{int:evaluation_id}/actions/{verb}", StdEvaluationDetail,
    "standards_evaluations_act", "考评流程操作",
    description="submit 提交自评、approve 审核通过、return_self 退回自评、"
    "confirm 确认结果、return_review 退回审核；"
    "退回须填写意见。",
)  # fmt: skip
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


@endpoint(router.get, "/rankings", list[StdRankOut], "standards_rankings", "考评排名与红黑榜")
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
