"""Standards services: the health check (组织体检) over a user's scope, coverage statistics (COV-3) and
editing a rule's parameters."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import has_perm
from grassroots.regions.models import Region
from grassroots.units.choices import PartyWork
from grassroots.units.models import Unit

from .checks import OBJECT_TYPES, PERM, Checker, Finding, Severity, should_cover_q
from .models import Rule, RuleCategory

__all__ = [
    "HealthReport",
    "run_health_check",
    "filter_findings",
    "coverage_stats",
    "update_rule",
    "checked_rules",
    "PARAM_LABELS",
]

PARAM_LABELS = {
    "min_full_members": "正式党员人数门槛",
    "min_members": "党员人数门槛",
    "branch_years": "支部、总支任期（年）",
    "committee_years": "党委任期（年）",
    "warn_days": "提前预警天数",
    "probation_days": "预备期（天）",
    "months": "连续未交纳月数",
    "min_employees": "从业人员人数门槛",
}
PARAM_MAX = 100_000


def checked_rules():
    """The rules the health check evaluates (enabled or not), for filters and summaries."""
    return Rule.objects.filter(category__in=[RuleCategory.ORG, RuleCategory.COV]).order_by("code")


@dataclass
class HealthReport:
    findings: list[Finding]
    errors: list[str] = field(default_factory=list)

    @property
    def by_rule(self) -> Counter:
        return Counter(f.rule for f in self.findings)

    @property
    def by_severity(self) -> Counter:
        return Counter(f.severity for f in self.findings)

    @property
    def worst_severity(self) -> dict[str, str]:
        """The most serious severity among each rule's findings."""
        worst: dict[str, str] = {}
        for f in self.findings:
            if f.rule not in worst or Severity.order[f.severity] < Severity.order[worst[f.rule]]:
                worst[f.rule] = f.severity
        return worst

    def __len__(self):
        return len(self.findings)


def run_health_check(
    user, *, within: Region | None = None, today: datetime.date | None = None
) -> HealthReport:
    """Every finding of the enabled ORG/COV rules over the objects the user may see with
    standards.view (optionally narrowed to a region subtree)."""
    if not has_perm(user, PERM):
        return HealthReport([])
    checker = Checker(user, within=within, today=today)
    findings = checker.run()
    return HealthReport(findings, checker.errors)


def filter_findings(
    findings: list[Finding], *, rule: str = "", severity: str = "", object_type: str = ""
) -> list[Finding]:
    return [
        f
        for f in findings
        if (not rule or f.rule == rule)
        and (not severity or f.severity == severity)
        and (not object_type or f.object_type == object_type)
    ]


def resolve_region(user, code: str, action: str = "view") -> Region:
    """A region by code within the user's scope, else NotFound (404)."""
    node = Region.objects.visible_to(user, action).filter(code=code).first()
    if node is None:
        raise NotFound("行政区划不存在或不在管辖范围内")
    return node


def cov3_min_employees() -> int | None:
    """COV-3's employee threshold of "should be covered", None when the parameter is unusable."""
    rule = Rule.objects.filter(code="COV-3").only("params").first()
    value = (rule.params or {}).get("min_employees") if rule else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def coverage_stats(user, *, parent: Region | None = None, action: str = "view") -> dict:
    """COV-3 coverage: covered ÷ should-be-covered units in the user's scope (under `parent` when
    given), overall and per child region of `parent`.

    A unit *should be covered* when it has at least one full member or at least COV-3's
    min_employees employees; it *is covered* when its party_work is not none (own, joint or attached
    organisation). Units outside both (no member, few employees) are counted in `units` only.
    """
    min_employees = cov3_min_employees()
    units = Unit.objects.visible_to(user, action)
    if parent is not None:
        units = units.filter(region__path__startswith=parent.path)
    should = should_cover_q(min_employees) if min_employees else Q(full_members__gte=1)
    covered = ~Q(party_work=PartyWork.NONE)
    agg = dict(
        units=Count("id"),
        should=Count("id", filter=should),
        covered=Count("id", filter=should & covered),
        covered_all=Count("id", filter=covered),
    )
    total = units.aggregate(**agg)
    total["rate"] = _rate(total["covered"], total["should"])
    total["min_employees"] = min_employees
    children = []
    if parent is not None:
        width = (parent.depth + 1) * Region.steplen
        grouped = {
            row["prefix"]: row
            for row in units.annotate(prefix=Substr("region__path", 1, width))
            .values("prefix")
            .annotate(**agg)
            .order_by()
        }
        for child in Region.objects.get_children(parent).order_by("path").only("code", "name", "path"):
            row = grouped.get(child.path, {"units": 0, "should": 0, "covered": 0, "covered_all": 0})
            children.append(
                {
                    "code": child.code,
                    "name": child.name,
                    "units": row["units"],
                    "should": row["should"],
                    "covered": row["covered"],
                    "rate": _rate(row["covered"], row["should"]),
                }
            )
    total["children"] = children
    return total


def _rate(covered: int, should: int) -> float | None:
    return round(100 * covered / should, 1) if should else None


def _clean_params(rule: Rule, params: dict) -> dict:
    errors: dict[str, list[str]] = {}
    current = rule.params or {}
    clean = dict(current)
    for key, raw in params.items():
        label = PARAM_LABELS.get(key, key)
        if key not in current:
            errors.setdefault(key, []).append(f"规则 {rule.code} 没有参数“{label}”")
            continue
        value = raw
        if isinstance(raw, str):
            text = raw.strip()
            value = int(text) if text.isdigit() else None
        if isinstance(value, bool) or not isinstance(value, int):
            errors.setdefault(key, []).append(f"“{label}”应为正整数")
        elif value < 1:
            errors.setdefault(key, []).append(f"“{label}”应为正整数（不小于 1）")
        elif value > PARAM_MAX:
            errors.setdefault(key, []).append(f"“{label}”不能超过 {PARAM_MAX}")
        else:
            clean[key] = value
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], errors=errors)
    return clean


def update_rule(user, rule: Rule, *, params: dict | None = None, enabled: bool | None = None) -> Rule:
    """Change a rule's parameters (positive integers, only the parameters the rule has) and/or switch it
    on or off. Needs standards.change; writes one audit record."""
    if not has_perm(user, "standards.change"):
        if has_perm(user, PERM):
            raise PermissionDenied("没有修改规则参数的权限")
        raise NotFound()
    before = audit.snapshot(rule)
    if params is not None:
        rule.params = _clean_params(rule, params)
    if enabled is not None:
        rule.enabled = bool(enabled)
    with transaction.atomic():
        rule.save(update_fields=["params", "enabled"])
        audit.record_update(user, rule, before)
    return rule


SEVERITY_CHOICES = Severity.choices
OBJECT_CHOICES = [(k, v[0]) for k, v in OBJECT_TYPES.items()]
