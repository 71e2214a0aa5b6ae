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

from . import rules_data
from .checks import OBJECT_TYPES, PERM, Checker, Finding, Severity, should_cover_q, work_covered_q
from .models import Rule, RuleCategory

__all__ = [
    "HealthReport",
    "run_health_check",
    "filter_findings",
    "coverage_stats",
    "update_rule",
    "checked_rules",
    "PARAM_LABELS",
    "param_label",
    "param_display",
]

PARAM_LABELS = rules_data.PARAM_LABELS
# Values of rule parameters as users read them (LIFE-* kind and period).
PERIOD_LABELS = {"week": "每周", "month": "每月", "quarter": "每季度", "half_year": "每半年", "year": "每年"}


def param_label(rule_code: str, key: str) -> str:
    """A rule parameter's Chinese label: the rule's own label from rules_data.RULE_PARAM_LABELS
    ({rule code: {key: label}}) when present, else the shared PARAM_LABELS, else the key."""
    from . import rules_data

    per_rule = (getattr(rules_data, "RULE_PARAM_LABELS", None) or {}).get(rule_code) or {}
    return per_rule.get(key) or PARAM_LABELS.get(key) or key


def param_display(key: str, value) -> str:
    """A rule parameter's value as users read it (activity kinds and periods by name, 是/否)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "kind" and isinstance(value, str):
        from grassroots.orglife.models import ActivityKind

        return dict(ActivityKind.choices).get(value, value)
    if key == "period" and isinstance(value, str):
        return PERIOD_LABELS.get(value, value)
    return value


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
    min_employees employees; it *is covered* (organisation coverage, `rate`) when its party_work is
    not none (own, joint or attached organisation); `work_rate` counts work coverage
    (checks.work_covered_q). Units outside both (no member, few employees) are counted in `units` only.
    """
    min_employees = cov3_min_employees()
    units = Unit.objects.visible_to(user, action)
    if parent is not None:
        units = units.filter(region__path__startswith=parent.path)
    should = should_cover_q(min_employees)
    covered = ~Q(party_work=PartyWork.NONE)
    agg = dict(
        units=Count("id"),
        should=Count("id", filter=should),
        covered=Count("id", filter=should & covered),
        covered_all=Count("id", filter=covered),
        work_covered=Count("id", filter=should & work_covered_q()),
    )
    total = units.aggregate(**agg)
    total["rate"] = _rate(total["covered"], total["should"])
    total["work_rate"] = _rate(total["work_covered"], total["should"])
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


def _int_value(raw, label: str, errors: dict, key: str):
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
        return value
    return None


def _list_value(raw, label: str, errors: dict, key: str):
    """A list parameter (e.g. GOV-9's income kinds): a list, or text separated by commas or 、."""
    import re

    items = raw if isinstance(raw, list) else re.split(r"[,，、\s]+", str(raw or ""))
    items = [str(x).strip() for x in items if str(x).strip()]
    if not items or not all(re.fullmatch(r"[a-z_]{1,32}", x) for x in items):
        errors.setdefault(key, []).append(f"“{label}”应为一个或多个类别代码，用逗号分隔")
        return None
    return items


def _clean_params(rule: Rule, params: dict) -> dict:
    """Validate new values for the rule's existing parameters: positive integers; a mapping parameter
    (ORG-6's years by org kind) takes a mapping of positive integers over its existing keys; a list
    parameter takes a non-empty list of codes."""
    errors: dict[str, list[str]] = {}
    current = rule.params or {}
    clean = dict(current)
    for key, raw in params.items():
        label = PARAM_LABELS.get(key, key)
        if key not in current:
            errors.setdefault(key, []).append(f"规则 {rule.code} 没有参数“{label}”")
            continue
        if isinstance(current[key], dict):
            if not isinstance(raw, dict):
                errors.setdefault(key, []).append(f"“{label}”应按组织类别分别填写")
                continue
            mapping = dict(current[key])
            for sub, sub_raw in raw.items():
                sub_label = f"{label}·{PARAM_LABELS.get(sub, sub)}"
                if sub not in mapping:
                    errors.setdefault(key, []).append(f"“{label}”没有“{PARAM_LABELS.get(sub, sub)}”一项")
                    continue
                value = _int_value(sub_raw, sub_label, errors, key)
                if value is not None:
                    mapping[sub] = value
            clean[key] = mapping
        elif isinstance(current[key], list):
            value = _list_value(raw, label, errors, key)
            if value is not None:
                clean[key] = value
        else:
            value = _int_value(raw, label, errors, key)
            if value is not None:
                clean[key] = value
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], errors=errors)
    return clean


def param_rows(rule: Rule) -> list[tuple[str, str, str]]:
    """[(Chinese label, key, display value)] of a rule's parameters; mappings and lists spelled out."""
    rows = []
    for key, value in (rule.params or {}).items():
        if isinstance(value, dict):
            shown = "；".join(f"{PARAM_LABELS.get(k, k)} {v}" for k, v in value.items())
        elif isinstance(value, list):
            labels = _list_labels()
            shown = "、".join(str(labels.get(v, v)) for v in value)
        else:
            shown = param_display(key, value)
        rows.append((param_label(rule.code, key), key, shown))
    return rows


def _list_labels() -> dict:
    from grassroots.orglife.models import ActivityKind

    from .models import FundingKind

    return {**dict(FundingKind.choices), **dict(ActivityKind.choices)}


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


# ---------------------------------------------------------------------------------------------
# Shared checks of the standards records (funding, honours, duties, evaluations, rectifications)
# ---------------------------------------------------------------------------------------------
ASSESS = "standards.assess"


def require_assess(user, obj) -> None:
    """The user may act on obj: standards.assess in scope; visible but not allowed -> 403; else 404."""
    from grassroots.core.scoping import covers

    if covers(user, obj, ASSESS):
        return
    if covers(user, obj, PERM):
        raise PermissionDenied("没有在该范围内执行此操作的权限")
    raise NotFound()


def require_region_assess(user, region: Region, levels: tuple[str, ...], what: str) -> None:
    """The user may record standards data for `region`: in scope (else 404), of the right level (400),
    with standards.assess there (else 403)."""
    from grassroots.core.scoping import covers

    if region is None or not covers(user, region, PERM):
        raise NotFound("区划不存在或不在管辖范围内")
    if region.level not in levels:
        raise ServiceError(f"{what}只能是{'、'.join(LEVEL_LABELS[x] for x in levels)}", field="region")
    if not covers(user, region, ASSESS):
        raise PermissionDenied("没有在该区划内执行此操作的权限")


LEVEL_LABELS = {"city": "市", "district": "区", "street": "街道", "community": "社区"}


def _full_clean(obj) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        first = next(iter(errors.values()))[0]
        raise ServiceError(first, errors=errors) from None


# ---------------------------------------------------------------------------------------------
# Funding (GOV-9)
# ---------------------------------------------------------------------------------------------
def funding_minimum() -> int:
    rule = Rule.objects.filter(code="GOV-9").only("params").first()
    value = (rule.params or {}).get("min_yuan") if rule else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 200000


def funding_income_kinds() -> list[str]:
    """GOV-9's [income_kinds]: the income kinds that count toward the yearly minimum (default the
    服务群众专项经费 kind); other income does not count."""
    from .models import SOURCES, FundingKind

    rule = Rule.objects.filter(code="GOV-9").only("params").first()
    value = (rule.params or {}).get("income_kinds") if rule else None
    if isinstance(value, list) and value and all(v in SOURCES for v in value):
        return list(value)
    return [FundingKind.SERVICE.value]


def funding_status(communities, year: int) -> dict[int, dict]:
    """{community pk: received, counted, spent, balance, records, meets} for one year, in one grouped
    query. `counted` is the income of GOV-9's income kinds; `meets` compares it with the minimum."""
    from decimal import Decimal

    from django.db.models import Sum

    from .models import FundingDirection, FundingRecord

    ids = [c.pk for c in communities]
    minimum = funding_minimum()
    kinds = set(funding_income_kinds())
    out = {
        pk: {"received": Decimal(0), "counted": Decimal(0), "spent": Decimal(0), "records": 0} for pk in ids
    }
    rows = (
        FundingRecord.objects.filter(community_id__in=ids, year=year)
        .values("community_id", "direction", "kind")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by()
    )
    for row in rows:
        slot = out[row["community_id"]]
        total = row["total"] or Decimal(0)
        if row["direction"] == FundingDirection.RECEIVED:
            slot["received"] += total
            if row["kind"] in kinds:
                slot["counted"] += total
        else:
            slot["spent"] += total
        slot["records"] += row["n"]
    for slot in out.values():
        slot["balance"] = slot["received"] - slot["spent"]
        slot["minimum"] = minimum
        slot["meets"] = slot["counted"] >= minimum
    return out


def record_funding(
    user, *, community: Region, year: int, direction: str, kind: str, amount, on_date, note=""
):
    """Record money a community received (by source) or spent (by purpose). Needs standards.assess over
    the community; the kind must match the direction and the date the year."""
    from decimal import Decimal, InvalidOperation

    from .models import SOURCES, FundingDirection, FundingRecord

    require_region_assess(user, community, ("community",), "经费所属单位")
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ServiceError("金额应为数字", field="amount") from None
    if amount <= 0:
        raise ServiceError("金额应大于 0", field="amount")
    if amount >= Decimal("1e10"):
        raise ServiceError("金额过大", field="amount")
    if direction == FundingDirection.RECEIVED and kind not in SOURCES:
        raise ServiceError("收入请选择经费来源", field="kind")
    if direction == FundingDirection.SPENT and kind in SOURCES:
        raise ServiceError("支出请选择经费用途", field="kind")
    if on_date is not None and on_date.year != year:
        raise ServiceError(f"日期应在 {year} 年内", field="on_date")
    rec = FundingRecord(
        community=community,
        year=year,
        direction=direction,
        kind=kind,
        amount=amount.quantize(Decimal("0.01")),
        on_date=on_date,
        note=note or "",
    )
    _full_clean(rec)
    with transaction.atomic():
        rec.save()
        audit.record_create(user, rec)
    return rec


def delete_funding(user, rec) -> None:
    require_assess(user, rec)
    with transaction.atomic():
        audit.record_delete(user, rec)
        rec.delete()


# ---------------------------------------------------------------------------------------------
# Demonstration sites (示范点)
# ---------------------------------------------------------------------------------------------
def designate_site(user, *, region: Region, name: str, year: int, level: str, citation: str):
    """Name a demonstration site. The designating level must be the user's own level or above the region."""
    from .models import Honour

    require_region_assess(user, region, ("district", "street", "community"), "示范点所在区划")
    name, citation = (name or "").strip(), (citation or "").strip()
    if not name:
        raise ServiceError("请填写示范点名称", field="name")
    if not citation:
        raise ServiceError("请填写命名理由", field="citation")
    if Honour.objects.filter(region=region, year=year, name=name, revoked_at__isnull=True).exists():
        raise ServiceError("该区划本年度已有同名示范点", field="name")
    honour = Honour(region=region, name=name, year=year, level=level, citation=citation)
    _full_clean(honour)
    with transaction.atomic():
        honour.save()
        audit.record_create(user, honour)
    return honour


def revoke_site(user, honour, *, reason: str, on=None):
    from django.utils import timezone

    require_assess(user, honour)
    reason = (reason or "").strip()
    if honour.revoked_at is not None:
        raise ServiceError("该示范点已撤销")
    if not reason:
        raise ServiceError("请填写撤销原因", field="reason")
    with transaction.atomic():
        honour.revoked_at = on or timezone.localdate()
        honour.revoke_reason = reason[:300]
        honour.save(update_fields=["revoked_at", "revoke_reason"])
        audit.record_transition(user, honour, "named", "revoked", reason=honour.revoke_reason)
    return honour


# ---------------------------------------------------------------------------------------------
# Street duty lists and delegated powers
# ---------------------------------------------------------------------------------------------
def add_street_duty(user, *, street: Region, kind: str, code: str, title: str, category="", basis=""):
    from .models import StreetDuty, make_duty_uid

    require_region_assess(user, street, ("street",), "职责清单所属单位")
    code, title = (code or "").strip(), (title or "").strip()
    if not code:
        raise ServiceError("请填写事项编号", field="code")
    if not title:
        raise ServiceError("请填写事项名称", field="title")
    if StreetDuty.objects.filter(uid=make_duty_uid(street.code, code)).exists():
        raise ServiceError(f"本街道已有编号为“{code}”的事项", field="code")
    duty = StreetDuty(
        street=street, kind=kind, code=code, title=title, category=category or "", basis=basis or ""
    )
    duty.uid = make_duty_uid(street.code, code)
    _full_clean(duty)
    with transaction.atomic():
        duty.save()
        audit.record_create(user, duty)
    return duty


def check_street_duty(user, duty, *, status: str, note: str = "", uploads=()):
    """Record the check of a duty (已落实 / 未落实, with a note and evidence files)."""
    from django.utils import timezone

    from grassroots.core.attachments import attach, validate_files

    from .models import CheckStatus

    require_assess(user, duty)
    if status not in (CheckStatus.OK, CheckStatus.ISSUE):
        raise ServiceError("请选择核查结果", field="status")
    note = (note or "").strip()
    if status == CheckStatus.ISSUE and not note:
        raise ServiceError("未落实的事项请说明原因", field="note")
    before_status = duty.status
    uploads = validate_files(uploads, images_only=False, user=user) if uploads else uploads
    with transaction.atomic():
        if uploads:
            attach(user, duty, uploads, role="evidence", images_only=False)
        duty.status, duty.check_note = status, note[:300]
        duty.checked_at, duty.checked_by = timezone.now(), user
        duty.save(update_fields=["status", "check_note", "checked_at", "checked_by"])
        audit.record_transition(user, duty, before_status, status, note=duty.check_note)
    return duty


def duty_summary(qs) -> dict:
    from .models import CheckStatus

    agg = qs.aggregate(
        n=Count("id"),
        ok=Count("id", filter=Q(status=CheckStatus.OK)),
        issue=Count("id", filter=Q(status=CheckStatus.ISSUE)),
    )
    agg["pending"] = agg["n"] - agg["ok"] - agg["issue"]
    return agg
