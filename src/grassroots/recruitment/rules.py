"""Intervals and deadlines of the 25 steps, read from the Rule table (REC-1…REC-6, ORG-8 for the
probation, MEM-AGE for the age), and the schedule of a candidate: for each step that may come next,
the earliest day it may be recorded and the day it is due.

公示 (REC-4) counts working days on the official calendar of cases.workdays (Holiday rows override
Monday–Friday), the same calendar as the case deadlines (GOV-5).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .steps import STEPS, Decision

DAY = datetime.timedelta(days=1)

DEFAULTS = {
    "REC-1": {"talk_within_days": 30},
    "REC-2": {"min_cultivation_days": 365, "review_interval_days": 183, "min_reviews": 2},
    "REC-3": {"min_hours": 24},
    "REC-4": {"publicity_working_days": 5},
    "REC-5": {"approval_within_days": 90},
    "REC-6": {"apply_days_before_end": 30},
    "MEM-AGE": {"min_age": 18},
}


def params() -> dict:
    """Every parameter of the recruitment rules (flat: names are distinct), from the Rule rows; a
    disabled rule bounds nothing (its parameters become 0), a missing or invalid value falls back to
    the default of RULES.md. Plus ORG-8's probation parameters."""
    from grassroots.core.rules import Rule
    from grassroots.party.services import probation_params

    rows = {r.code: r for r in Rule.objects.filter(code__in=list(DEFAULTS)).only("code", "params", "enabled")}
    out: dict = {}
    for code, defaults in DEFAULTS.items():
        rule = rows.get(code)
        for key, default in defaults.items():
            value = (rule.params or {}).get(key, default) if rule else default
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                value = default
            out[key] = value if (rule is None or rule.enabled) else 0
    out.update(probation_params())
    return out


def add_working_days(start: datetime.date, days: int, cal=None) -> datetime.date:
    """The day the 公示 that starts on `start` has lasted `days` working days (start counts when it is a
    working day). `cal`: a cases.workdays.WorkCalendar covering start's year and the next."""
    from grassroots.cases.workdays import WorkCalendar

    if days <= 0:
        return start
    cal = cal or WorkCalendar.load(start.year, start.year + 1)
    day, count = start, 0
    while True:
        if cal.is_workday(day):
            count += 1
            if count >= days:
                return day
        day += DAY


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Next:
    step: int
    earliest: datetime.date | None  # not before (minimum interval), None = any day after the last step
    due: datetime.date | None  # deadline, None = none
    why: str = ""  # the rule behind earliest/due, in Chinese

    @property
    def info(self):
        return STEPS[self.step]


def probation_end(candidate, p: dict) -> datetime.date | None:
    from grassroots.party.services import probation_end as end

    member = candidate.member
    if member is None:
        return None
    return end(member, p)


def schedule(candidate, p: dict) -> list[Next]:
    """The steps that may follow, with their earliest day and deadline."""
    out = []
    for n in candidate.next_steps:
        out.append(_next(candidate, n, p))
    return out


def _next(c, n: int, p: dict) -> Next:
    d = c.step_date
    earliest, due, why = None, None, ""
    if n == 2 and p["talk_within_days"]:
        due = d(1) + p["talk_within_days"] * DAY
        why = f"REC-1：递交申请后 {p['talk_within_days']} 天内谈话"
    elif n in (6, 7) and c.last_step >= 3:
        if p["review_interval_days"]:
            base = d(6) if c.reviews else d(3)
            if n == 6:
                due = base + p["review_interval_days"] * DAY
                why = f"REC-2：每 {p['review_interval_days']} 天考察一次"
        if n == 7 and p["min_cultivation_days"]:
            earliest = d(3) + p["min_cultivation_days"] * DAY
            why = f"REC-2：确定为入党积极分子后培养 {p['min_cultivation_days']} 天以上"
    elif n == 13 and p["publicity_working_days"]:
        earliest = add_working_days(d(12), p["publicity_working_days"]) + DAY
        why = f"REC-4：公示不少于 {p['publicity_working_days']} 个工作日"
    elif n in (16, 17) and p["approval_within_days"]:
        due = d(15) + p["approval_within_days"] * DAY
        why = f"REC-5：支部大会通过后 {p['approval_within_days']} 天内审批"
    elif n in (21, 22, 23):
        end = probation_end(c, p)
        if end is not None:
            if n == 22:
                earliest = end - p["apply_days_before_end"] * DAY
                due = end
                why = f"REC-6、ORG-8：预备期 {end:%Y-%m-%d} 期满"
            elif n == 23:
                earliest = due = end
                why = f"ORG-8：预备期 {end:%Y-%m-%d} 期满，期满前不得讨论转正，期满应及时讨论"
    return Next(n, earliest, due, why)


def refusal(c, n: int, on: datetime.date, p: dict, *, today: datetime.date) -> str | None:
    """Why step `n` on day `on` is refused for candidate `c` (Chinese), or None."""
    step = STEPS.get(n)
    if step is None:
        return "没有这个步骤"
    allowed = c.next_steps
    if not allowed:
        return f"{c.get_stage_display()}的发展程序已结束，不能再记录步骤"
    if n not in allowed:
        names = "或".join(STEPS[k].label for k in allowed)
        return f"步骤顺序不对：{c.name}下一步应为{names}，不能办理{step.label}"
    if on > today:
        return "步骤日期不能晚于今天"
    if c.last_on and on < c.last_on:
        return f"步骤日期不能早于上一步骤（{STEPS[c.last_step].name}，{c.last_on:%Y-%m-%d}）"
    nxt = _next(c, n, p)
    if nxt.earliest and on < nxt.earliest:
        return f"时间未到：{nxt.why}，{step.name}最早可于 {nxt.earliest:%Y-%m-%d} 办理"
    if n == 7 and c.reviews < p["min_reviews"]:
        return (
            f"REC-2：确定发展对象前应至少考察 {p['min_reviews']} 次（每半年一次），目前已考察 {c.reviews} 次"
        )
    return None


def decision_refusal(c, decision: str, extend_until, p: dict) -> str | None:
    if decision not in Decision.values:
        return "请选择支部大会的决定（按期转正、延长预备期或取消预备党员资格）"
    if decision == Decision.EXTEND:
        member = c.member
        if member is not None and member.probation_extended_to:
            return f"预备期已延长至 {member.probation_extended_to:%Y-%m-%d}，不能再次延长（ORG-8）"
        if extend_until is None:
            return "延长预备期须填写延长至的日期"
        end = probation_end(c, p)
        if end is not None:
            lo = end + p["min_extension_days"] * DAY
            hi = end + p["max_extension_days"] * DAY
            if not lo <= extend_until <= hi:
                return (
                    f"ORG-8：预备期原定 {end:%Y-%m-%d} 期满，延长期限应在 {lo:%Y-%m-%d} 至 {hi:%Y-%m-%d} 之间"
                )
    return None
