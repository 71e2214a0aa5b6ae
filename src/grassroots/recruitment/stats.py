"""Reads of recruitment: the schedule of many candidates at once (what is due, what is overdue), the
branch pipeline (how many at each stage), the health checks of the REC rules."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from . import rules
from .models import Candidate, StepRecord
from .steps import ACTIVE_STAGES, PIPELINE_STAGES, STEPS, Stage

SOON_DAYS = 14


@dataclass
class Due:
    candidate: Candidate
    step: int
    earliest: datetime.date | None
    due: datetime.date | None
    why: str
    today: datetime.date

    @property
    def info(self):
        return STEPS[self.step]

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < self.today

    @property
    def days_over(self) -> int:
        return (self.today - self.due).days if self.overdue else 0

    @property
    def ready(self) -> bool:
        return self.earliest is None or self.earliest <= self.today


def active_candidates(qs):
    return qs.filter(stage__in=ACTIVE_STAGES).select_related("party_org__region", "member")


def due_items(candidates, p: dict | None = None, today: datetime.date | None = None) -> list[Due]:
    """For each candidate, its first next step with a deadline or a minimum interval (the one that
    matters for the pipeline), sorted: overdue first, then by deadline, then by earliest day."""
    p = p or rules.params()
    today = today or timezone.localdate()
    out = []
    for c in candidates:
        for nxt in rules.schedule(c, p):
            if nxt.due or nxt.earliest:
                out.append(Due(c, nxt.step, nxt.earliest, nxt.due, nxt.why, today))
                break
    far = datetime.date.max
    out.sort(key=lambda d: (not d.overdue, d.due or far, d.earliest or far, d.candidate.pk))
    return out


def pipeline(qs) -> dict:
    """Counts per stage (one grouped query) and the due list of the active candidates."""
    counts = Counter(dict(qs.values_list("stage").annotate(n=Count("id")).order_by()))
    stages = [{"code": s.value, "label": s.label, "n": counts.get(s.value, 0)} for s in PIPELINE_STAGES]
    ended = [
        {"code": s.value, "label": s.label, "n": counts.get(s.value, 0)}
        for s in (Stage.DISQUALIFIED, Stage.STOPPED)
    ]
    return {"stages": stages, "ended": ended, "total": sum(counts.values())}


def per_branch(qs) -> list[dict]:
    """Per branch: candidates at each stage (one grouped query)."""
    rows: dict[int, dict] = {}
    for org_id, name, code, stage, n in (
        qs.values_list("party_org_id", "party_org__name", "party_org__code", "stage")
        .annotate(n=Count("id"))
        .order_by("party_org__path")
    ):
        row = rows.setdefault(
            org_id, {"id": org_id, "name": name, "code": code, **{s.value: 0 for s in Stage}}
        )
        row[stage] = n
    return list(rows.values())


# ------------------------------------------------------------------------- health check
# The rule whose deadline a step is due by (step 23's is ORG-8's, checked on the member by standards).
DEADLINE_RULES = {2: "REC-1", 6: "REC-2", 16: "REC-5", 17: "REC-5", 22: "REC-6"}


def check_rec(c, rule) -> Iterator:
    """REC-1, REC-2, REC-5, REC-6: an active candidate whose next step under this rule is past its
    deadline. One finding per candidate, on its branch (the health run scores branches)."""
    from grassroots.core.rules import Severity

    items = getattr(c, "_recruitment_due", None)
    if items is None:  # one evaluation for the four deadline rules of a run
        qs = active_candidates(
            Candidate.objects.visible_to(c.user, "standards.view").filter(party_org__in=c.orgs())
        )
        items = c._recruitment_due = due_items(qs, None, c.today)
    for d in items:
        if not d.overdue or DEADLINE_RULES.get(d.step) != rule.code:
            continue
        yield c._org(
            rule,
            Severity.WARNING,
            _org_row(d.candidate.party_org),
            f"{d.candidate.get_stage_display()}{d.candidate.name}：{d.info.name}"
            f"应于 {d.due:%Y-%m-%d} 前办理，已超期 {d.days_over} 天",
        )


def check_rec_3(c, rule) -> Iterator:
    """REC-3: a concentrated training (step 11) recorded with fewer class hours than [min_hours] (e.g.
    recorded before the city raised the parameter)."""
    from grassroots.core.rules import Severity, int_param

    need = int_param(rule, "min_hours")
    qs = (
        StepRecord.objects.visible_to(c.user, "standards.view")
        .filter(step=11, hours__lt=need, candidate__party_org__in=c.orgs())
        .select_related("candidate__party_org__region")
    )
    for r in qs:
        yield c._org(
            rule,
            Severity.WARNING,
            _org_row(r.candidate.party_org),
            f"{r.candidate.name}的集中培训（{r.on:%Y-%m-%d}）仅 {r.hours} 学时，少于 {need} 学时",
        )


def check_rec_4(c, rule) -> Iterator:
    """REC-4: a pre-review by the higher committee (step 13) before the 公示 had lasted
    [publicity_working_days] working days."""
    from grassroots.cases.workdays import WorkCalendar
    from grassroots.core.rules import Severity, int_param

    days = int_param(rule, "publicity_working_days")
    qs = (
        Candidate.objects.visible_to(c.user, "standards.view")
        .filter(last_step__gte=13, party_org__in=c.orgs())
        .exclude(stage=Stage.STOPPED)
        .select_related("party_org__region")
    )
    rows = [(cand, cand.step_date(12), cand.step_date(13)) for cand in qs]
    rows = [r for r in rows if r[1] and r[2]]
    if not rows:
        return
    cal = WorkCalendar.load(min(r[1].year for r in rows), max(r[1].year for r in rows) + 1)
    for cand, start, review in rows:
        end = rules.add_working_days(start, days, cal)
        if review <= end:
            yield c._org(
                rule,
                Severity.WARNING,
                _org_row(cand.party_org),
                f"{cand.name}自 {start:%Y-%m-%d} 起公示，{review:%Y-%m-%d} 即报上级党委预审，"
                f"公示不足 {days} 个工作日",
            )


def _org_row(org) -> dict:
    return {
        "id": org.pk,
        "code": org.code,
        "name": org.name,
        "region__path": org.region.path,
        "region__name": org.region.name,
    }
