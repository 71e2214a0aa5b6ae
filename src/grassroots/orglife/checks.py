"""LIFE-1..8 health checks, registered with the standards rules engine from OrglifeConfig.ready().

LIFE-1..7: a branch in the checker's scope that missed the last complete period of the rule is a
violation; one that has not yet met the current period with fewer than WARN_DAYS days left is a
warning. LIFE-8 (silent branch): no done activity of the branch or its groups for [days] days
(branches established within that window are not flagged). One grouped query per rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils import timezone

from .models import ActivityKind
from .periods import period_of
from .stats import (
    MET,
    MISSED,
    NA,
    branch_rows,
    counted_activities,
    evaluate,
    group_rows,
    last_activity,
    rule_kind,
)

WARN_DAYS = 7


def _branches(c) -> list[dict]:
    cached = getattr(c, "_orglife_branches", None)
    if cached is None:
        cached = branch_rows(c.orgs())
        c._orglife_branches = cached
    return cached


def check_life(c, rule) -> Iterator:
    from grassroots.core.rules import RuleParamError, Severity

    try:
        kind, period_kind, need = rule_kind(rule)
    except ValueError as exc:
        raise RuleParamError(str(exc)) from exc
    label = ActivityKind(kind).label
    current = period_of(c.today, period_kind)
    last = current.previous()
    branches = _branches(c)
    states = evaluate(branches, [rule], {rule.code: [last, current]}, c.today)
    if kind == ActivityKind.GROUP_MEETING:
        # LIFE-3 is owed by each 党小组: one finding per group (rolled up to its branch by the health run).
        groups = group_rows(branches)
        branches = [g for b in branches for g in groups.get(b["path"], [])]
    for b in branches:
        past, now = states.get((b["id"], rule.code), [None, None])
        if past is not None and past.state == MISSED:
            yield c._org(
                rule,
                Severity.VIOLATION,
                b,
                f"{last.label}{label}计入 {past.count} 次，要求至少 {need} 次",
            )
        elif now is not None and now.state not in (MET, NA) and now.period.days_left(c.today) < WARN_DAYS:
            yield c._org(
                rule,
                Severity.WARNING,
                b,
                f"{current.label}{label}尚未完成（已计入 {now.count} 次，要求 {need} 次），"
                f"距期末还有 {now.period.days_left(c.today)} 天",
            )


def check_silent(c, rule) -> Iterator:
    from grassroots.core.rules import Severity, int_param

    days = int_param(rule, "days")
    branches = _branches(c)
    since = c.today - datetime.timedelta(days=days)
    last = last_activity(branches)
    for b in branches:
        if b["established_on"] and b["established_on"] > since:
            continue
        at = last.get(b["id"])
        if at is None:
            yield c._org(rule, Severity.VIOLATION, b, f"无任何已完成的活动记录（{days} 天以上）")
            continue
        at_day = timezone.localtime(at).date()
        if at_day < since:
            yield c._org(
                rule,
                Severity.VIOLATION,
                b,
                f"最近一次活动为 {at_day:%Y-%m-%d}，已 {(c.today - at_day).days} 天无活动记录",
            )


def attendance_params(rule) -> tuple[list[str], int, int, int]:
    from grassroots.core.rules import RuleParamError, int_param

    kinds = (rule.params or {}).get("kinds")
    if not isinstance(kinds, list) or not kinds or not all(k in ActivityKind.values for k in kinds):
        raise RuleParamError(f"{rule.code} 的参数 kinds 应为活动类型列表")
    num, den, days = int_param(rule, "numerator"), int_param(rule, "denominator"), int_param(rule, "days")
    if num > den:
        raise RuleParamError(f"{rule.code} 的出席比例分子不能大于分母")
    return kinds, num, den, days


def check_attendance(c, rule) -> Iterator:
    """LIFE-9: a counted meeting of [kinds] held in the last [days] days whose attendance (attended ÷
    attendance list) is below [numerator]/[denominator]: a warning on the org that held it."""
    from django.db.models import Count, Q

    from grassroots.core.rules import Severity

    from .models import SignupStatus
    from .stats import local_start

    kinds, num, den, days = attendance_params(rule)
    since = c.today - datetime.timedelta(days=days)
    listed = Q(signups__status__in=[SignupStatus.ATTENDED, SignupStatus.ABSENT, SignupStatus.SIGNED_UP])
    qs = (
        counted_activities()
        .filter(kind__in=kinds, starts_at__gte=local_start(since), starts_at__lt=local_start(c.today))
        .filter(party_org__in=c.orgs().values("pk"))
        .annotate(
            attended=Count("signups", filter=Q(signups__status=SignupStatus.ATTENDED)),
            listed=Count("signups", filter=listed),
        )
        .filter(listed__gt=0)
        .values(
            "id",
            "kind",
            "starts_at",
            "attended",
            "listed",
            "party_org_id",
            "party_org__code",
            "party_org__name",
            "party_org__region__path",
            "party_org__region__name",
        )
        .order_by("starts_at")
    )
    for row in qs:
        if row["attended"] * den >= num * row["listed"]:
            continue
        org = {
            "id": row["party_org_id"],
            "code": row["party_org__code"],
            "name": row["party_org__name"],
            "region__path": row["party_org__region__path"],
            "region__name": row["party_org__region__name"],
        }
        day = timezone.localtime(row["starts_at"]).date()
        yield c._org(
            rule,
            Severity.WARNING,
            org,
            f"{day:%Y-%m-%d} {ActivityKind(row['kind']).label}"
            f"应到 {row['listed']} 人、实到 {row['attended']} 人，"
            f"出席率 {row['attended'] * 100 // row['listed']}%，低于 {num}/{den}",
        )


def register() -> None:
    from grassroots.core.rules import register_check

    for i in range(1, 8):
        register_check(f"LIFE-{i}", check_life)
    register_check("LIFE-8", check_silent)
    register_check("LIFE-9", check_attendance)
