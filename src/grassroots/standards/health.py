"""Branch health check (智能体检): every branch scored from the ORG-*, LIFE-* (registered by orglife) and
dues (ORG-9) rules, with red / yellow / green and the failing facts; runs, and rectification tasks.

A run (HealthRun) evaluates the enabled ORG and LIFE rules over the whole installation once (set-based,
checks.Checker with an unrestricted system scope), groups the findings by branch (an org finding counts
for the branch itself or the branch above it; a member finding for the member's branch) and stores
one BranchHealth row per branch. Score = 100 - violations x STD-1 violation_points - warnings x
warning_points (suggestions cost nothing), floored at 0; green >= green_min, yellow >= yellow_min,
else red. Runs nightly (the scheduler's standards.nightly_health job at 02:00; `grassroots health_run`
runs one from the console) and on demand (a button); a
second run is refused while one is queued or running (a partial unique constraint backs the check).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, PermissionDenied, ServiceError
from grassroots.core.scoping import has_perm
from grassroots.party.choices import OrgKind
from grassroots.party.models import Member, PartyOrg

from .checks import Checker, Severity
from .models import BranchHealth, HealthRun, Light, Rectification, RectState, Rule, RuleCategory, RunState
from .services import ASSESS, require_assess

# An unrestricted scope for the nightly run (visible_to returns everything for a superuser).
SYSTEM = SimpleNamespace(is_authenticated=True, is_superuser=True, pk=None, username="系统")
BATCH = 500
RULE_CATEGORIES = [RuleCategory.ORG, RuleCategory.LIFE]


def score_params() -> dict:
    p = {"violation_points": 20, "warning_points": 10, "green_min": 90, "yellow_min": 60}
    rule = Rule.objects.filter(code="STD-1").only("params").first()
    if rule:
        p.update(
            {k: v for k, v in (rule.params or {}).items() if isinstance(v, int) and not isinstance(v, bool)}
        )
    return p


def light_for(score: int, p: dict) -> str:
    if score >= p["green_min"]:
        return Light.GREEN
    if score >= p["yellow_min"]:
        return Light.YELLOW
    return Light.RED


def active_run() -> HealthRun | None:
    return HealthRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).first()


def latest_run() -> HealthRun | None:
    return HealthRun.objects.filter(state=RunState.DONE).order_by("-finished_at", "-id").first()


def start_run(user=None, *, trigger: str = "manual", enqueue: bool = True) -> HealthRun:
    """Queue a run (refused while one is queued or running) and enqueue the task after commit."""
    if user is not None and not has_perm(user, ASSESS):
        raise PermissionDenied("没有发起支部体检的权限")
    if active_run() is not None:
        raise Conflict("已有一次体检正在进行，请等待完成后再发起")
    try:
        with transaction.atomic():
            run = HealthRun.objects.create(trigger=trigger, started_by=user if user is not None else None)
            audit.record(audit.AuditAction.CREATE, run, user=user, changes={"trigger": [None, trigger]})
    except IntegrityError:
        raise Conflict("已有一次体检正在进行，请等待完成后再发起") from None
    if enqueue:
        from .tasks import run_health_check

        transaction.on_commit(lambda: run_health_check.enqueue(run.pk))
    return run


def _branch_of(path: str, branches: dict[str, int]) -> int | None:
    """The branch at `path` or above it (a group's branch), else None."""
    for k in range(len(path), 0, -PartyOrg.steplen):
        pk = branches.get(path[:k])
        if pk is not None:
            return pk
    return None


def execute_run(run_id: int, *, today: datetime.date | None = None) -> HealthRun:
    """Evaluate every branch and store the results of run `run_id` (the task body)."""
    claimed = HealthRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now()
    )
    run = HealthRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        _execute(run, today or timezone.localdate())
    except Exception as exc:  # the run must not stay "running" forever
        HealthRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, finished_at=timezone.now(), error=str(exc)[:500]
        )
        raise
    run.refresh_from_db()
    return run


def evaluate(today: datetime.date, *, within_path: str = "") -> tuple[list[dict], list[str]]:
    """[{org id, score, light, violations, warnings, findings}] for every branch (under within_path)."""
    p = score_params()
    rules = Rule.objects.filter(enabled=True, category__in=RULE_CATEGORIES)
    checker = Checker(SYSTEM, today=today, rules=rules)
    findings = checker.run()
    branch_qs = PartyOrg.objects.filter(kind=OrgKind.BRANCH)
    if within_path:
        branch_qs = branch_qs.filter(region__path__startswith=within_path)
    branches = dict(branch_qs.values_list("path", "id"))
    org_paths = dict(
        PartyOrg.objects.filter(pk__in={f.pk for f in findings if f.object_type == "org"}).values_list(
            "id", "path"
        )
    )
    member_ids = [f.pk for f in findings if f.object_type == "member"]
    member_paths: dict[int, str] = {}
    for i in range(0, len(member_ids), 900):
        member_paths.update(
            Member.objects.filter(pk__in=member_ids[i : i + 900]).values_list("id", "party_org__path")
        )
    per_branch: dict[int, list] = {pk: [] for pk in branches.values()}
    for f in findings:
        if f.object_type == "org":
            path = org_paths.get(f.pk)
        elif f.object_type == "member":
            path = member_paths.get(f.pk)
        else:
            continue
        branch = _branch_of(path, branches) if path else None
        if branch is not None:
            per_branch[branch].append(f)
    out = []
    for org_id, items in per_branch.items():
        violations = sum(1 for f in items if f.severity == Severity.VIOLATION)
        warnings = sum(1 for f in items if f.severity == Severity.WARNING)
        score = max(0, 100 - violations * p["violation_points"] - warnings * p["warning_points"])
        out.append(
            {
                "org_id": org_id,
                "score": score,
                "light": light_for(score, p),
                "violations": violations,
                "warnings": warnings,
                "findings": [
                    {
                        "rule": f.rule,
                        "severity": f.severity,
                        "object": f.name,
                        "object_type": f.object_type,
                        "message": f.message,
                        "action": f.action,
                    }
                    for f in items
                ],
            }
        )
    return out, checker.errors


def _execute(run: HealthRun, today: datetime.date) -> None:
    HealthRun.objects.filter(pk=run.pk).update(today=today)
    results, errors = evaluate(today)
    HealthRun.objects.filter(pk=run.pk).update(total=len(results), done=0)
    counts = {Light.RED: 0, Light.YELLOW: 0, Light.GREEN: 0}
    for i in range(0, len(results), BATCH):
        chunk = results[i : i + BATCH]
        BranchHealth.objects.bulk_create([BranchHealth(run=run, **row) for row in chunk])
        for row in chunk:
            counts[row["light"]] += 1
        HealthRun.objects.filter(pk=run.pk).update(done=i + len(chunk))
    HealthRun.objects.filter(pk=run.pk).update(
        state=RunState.DONE,
        finished_at=timezone.now(),
        red=counts[Light.RED],
        yellow=counts[Light.YELLOW],
        green=counts[Light.GREEN],
        error="；".join(errors)[:500],
    )
    run.refresh_from_db()
    audit.record(
        audit.AuditAction.UPDATE,
        run,
        changes={"state": [RunState.RUNNING, RunState.DONE], "counts": [None, f"{counts}"]},
    )


# ---------------------------------------------------------------------------------------------
# Rectification tasks
# ---------------------------------------------------------------------------------------------
RECT_TRANSITIONS = {
    "start": (RectState.OPEN, RectState.IN_PROGRESS, "开始整改"),
    "finish": (RectState.IN_PROGRESS, RectState.DONE, "整改完成"),
    "verify": (RectState.DONE, RectState.VERIFIED, "验收通过"),
    "reject": (RectState.DONE, RectState.IN_PROGRESS, "验收不通过"),
}


def create_rectification(
    user,
    *,
    org: PartyOrg,
    problem: str,
    owner_name: str,
    deadline: datetime.date,
    rule: str = "",
    measure: str = "",
    owner=None,
    source: BranchHealth | None = None,
) -> Rectification:
    problem, owner_name = (problem or "").strip(), (owner_name or "").strip()
    rect = Rectification(
        org=org,
        rule=(rule or "")[:16],
        problem=problem[:500],
        measure=(measure or "").strip()[:500],
        owner=owner,
        owner_name=owner_name[:50],
        deadline=deadline,
        source=source,
        created_by=user,
    )
    require_assess(user, rect)
    errors = {}
    if not problem:
        errors["problem"] = ["请填写问题"]
    if not owner_name:
        errors["owner_name"] = ["请填写责任人"]
    if deadline is None:
        errors["deadline"] = ["请填写整改时限"]
    elif deadline < timezone.localdate():
        errors["deadline"] = ["整改时限不能早于今天"]
    if source is not None and source.org_id != org.pk:
        errors["source"] = ["体检结果与党组织不一致"]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        rect.save()
        audit.record_create(user, rect)
    if owner is not None:
        from grassroots.notifications.services import notify

        notify(
            [owner],
            kind="standards.rectification",
            title="新的整改任务",
            body=f"{org.name}：{problem[:80]}，时限 {deadline:%Y-%m-%d}",
            obj=rect,
        )
    return rect


def act_rectification(user, rect: Rectification, verb: str, *, result: str = "") -> Rectification:
    require_assess(user, rect)
    if verb not in RECT_TRANSITIONS:
        raise ServiceError("未知的操作")
    src, dst, label = RECT_TRANSITIONS[verb]
    result = (result or "").strip()
    if verb == "finish" and not result:
        raise ServiceError("请填写整改结果", field="result")
    if verb == "reject" and not result:
        raise ServiceError("请填写验收不通过的原因", field="result")
    with transaction.atomic():
        locked = Rectification.objects.select_for_update().get(pk=rect.pk)
        if locked.state != src:
            raise Conflict(f"当前状态为“{RectState(locked.state).label}”，不能{label}")
        locked.state = dst
        if result:
            locked.result = result[:500]
        locked.closed_at = timezone.now() if dst == RectState.VERIFIED else None
        locked.save(update_fields=["state", "result", "closed_at"])
        audit.record_transition(user, locked, src, dst, verb=verb, result=result)
    return locked


def rect_allowed(rect: Rectification) -> list[tuple[str, str]]:
    return [(v, t[2]) for v, t in RECT_TRANSITIONS.items() if t[0] == rect.state]


def overdue_q() -> Q:
    return Q(state__in=[RectState.OPEN, RectState.IN_PROGRESS], deadline__lt=timezone.localdate())
