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
from .stats import MET, MISSED, NA, branch_rows, evaluate, last_activity, rule_kind

WARN_DAYS = 7


def _branches(c) -> list[dict]:
    cached = getattr(c, "_orglife_branches", None)
    if cached is None:
        cached = branch_rows(c.orgs())
        c._orglife_branches = cached
    return cached


def check_life(c, rule) -> Iterator:
    from grassroots.standards.checks import RuleParamError, Severity

    try:
        kind, period_kind, need = rule_kind(rule)
    except ValueError as exc:
        raise RuleParamError(str(exc)) from exc
    label = ActivityKind(kind).label
    current = period_of(c.today, period_kind)
    last = current.previous()
    branches = _branches(c)
    states = evaluate(branches, [rule], {rule.code: [last, current]}, c.today)
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
    from grassroots.standards.checks import Severity, int_param

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


def register() -> None:
    from grassroots.standards.checks import register_check

    for i in range(1, 8):
        register_check(f"LIFE-{i}", check_life)
    register_check("LIFE-8", check_silent)
