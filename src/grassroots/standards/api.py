"""/api/v1/standards/: the rule table, the health-check findings of the caller's scope and COV-3 coverage.
The assessment operations live in api_assess.py and api_followup.py, mounted on this router."""

from typing import Any, Literal

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from grassroots.core.api import require_perm
from grassroots.core.crud import endpoint

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


@endpoint(router.get, "/rules", list[RuleOut], "standards_rules", "规则表")
def list_rules(request):
    require_perm(request.user, PERM)
    return [_rule_out(r) for r in Rule.objects.order_by("category", "code")]


@endpoint(router.get, "/rules/{code}", RuleOut, "standards_rules_get", "一条规则")
def get_rule(request, code: str):
    require_perm(request.user, PERM)
    return _rule_out(_rule_or_404(code))


@endpoint(
    router.patch, "/rules/{code}", RuleOut, "standards_rules_update", "修改规则参数或启停",
    description="需要“修改规则参数”权限。参数只能是规则已有的键，取值为正整数；修改记入审计日志。",
)  # fmt: skip
def patch_rule(request, code: str, payload: RulePatch):
    require_perm(request.user, PERM)
    rule = _rule_or_404(code)
    services.update_rule(request.user, rule, params=payload.params, enabled=payload.enabled)
    return _rule_out(rule)


@endpoint(
    router.get, "/findings", FindingsPage, "standards_findings", "组织体检问题清单",
    description="按已启用的 ORG、COV 规则检查调用者管辖范围内的单位、党组织和党员。",
)  # fmt: skip
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


@endpoint(
    router.get, "/coverage", StdCoverageOut, "standards_coverage", "单位党组织覆盖率（COV-3）",
    description="党的组织覆盖率 = 应覆盖单位中已建立、联合组建或挂靠党组织的 ÷ 应覆盖单位；党的工作覆盖率 = "
    "应覆盖单位中已实现组织覆盖、或已选派党建指导员（无党员单位还须建立工会和共青团组织）的 ÷ 应覆盖单位。"
    "指定 region 时同时给出各下级区划的组织覆盖率。",
)  # fmt: skip
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


# The rest of /api/v1/standards/, split along its seams (same paths and operation ids as before).
from .api_assess import router as _assess_router  # noqa: E402
from .api_followup import router as _followup_router  # noqa: E402

router.add_router("", _assess_router)
router.add_router("", _followup_router)
