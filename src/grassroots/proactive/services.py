"""Every write of proactive governance, each permission- and scope-checked, atomic and audited.

The initiative's state machine (TRANSITIONS) is the one place that says which step may follow which:
草拟 → 推进中 → 已完成 → 已评估, and 取消 from 草拟 or 推进中. A refused step raises ServiceError
(409) with a Chinese message and changes nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import clean_text as _text
from grassroots.core.services import move_state, require_action, require_managed
from grassroots.regions.models import Region

from . import clustering
from .models import (
    HotTopic,
    HotTopicRun,
    Initiative,
    InitiativeKind,
    InitiativeState,
)

MANAGE = "proactive.manage"
S = InitiativeState
# state -> the actions allowed in it (and the state each leads to, None = stays)
TRANSITIONS: dict[str, dict[str, str | None]] = {
    S.DRAFT: {"edit": None, "start": S.IN_PROGRESS, "cancel": S.CANCELLED},
    S.IN_PROGRESS: {"edit": None, "finish": S.DONE, "cancel": S.CANCELLED},
    S.DONE: {"evaluate": S.EVALUATED},
    S.EVALUATED: {},
    S.CANCELLED: {},
}
ACTION_LABELS = {
    "edit": "修改",
    "start": "启动",
    "finish": "完成",
    "evaluate": "评估",
    "cancel": "取消",
}
OWNER_LEVELS = ("city", "district", "street", "community")


# --------------------------------------------------------------------------- hot topic runs
def start_run(user=None, *, trigger: str = "manual", enqueue: bool = True) -> HotTopicRun:
    """Queue a computation of the hot topics (refused while one is queued or running); the task is
    enqueued after commit. `user` None = the scheduler or the management command."""
    if user is not None and not has_perm(user, MANAGE):
        raise PermissionDenied("没有重新计算热点的权限")
    if clustering.active_run() is not None:
        raise Conflict("热点正在计算中，请稍后刷新查看结果")
    try:
        with transaction.atomic():
            run = HotTopicRun.objects.create(trigger=trigger, requested_by=user)
            audit.record(audit.AuditAction.CREATE, run, user=user, changes={"trigger": [None, trigger]})
    except IntegrityError:
        raise Conflict("热点正在计算中，请稍后刷新查看结果") from None
    if enqueue:
        from .tasks import compute_hot_topics

        transaction.on_commit(lambda: compute_hot_topics.enqueue(run.pk))
    return run


# --------------------------------------------------------------------------- effect
@dataclass(frozen=True)
class Effect:
    days: int  # window length (whole days)
    before: int  # cluster cases in [start - days, start)
    after: int  # cluster cases in [start, start + days)
    pct: int | None  # (after - before) / before × 100, rounded; None when before is 0


def measure_effect(initiative: Initiative, now: datetime.datetime | None = None, *, window_days=None):
    """The measured effect of an initiative on its cluster's case count.

    With s = the moment it was started (启动) and d = min(window_days (PRO-1 effect_window_days),
    whole days elapsed since s), count the cluster's cases (clustering.cluster_cases) submitted in
    [s, s + d) — after — and in the same-length window before, [s - d, s) — before. The change is
    (after - before) / before × 100, rounded to a whole percent; a negative change means fewer cases.
    None while the initiative has not been started or less than one whole day has passed."""
    if initiative.started_at is None:
        return None
    now = now or timezone.now()
    full = window_days or clustering.params()["effect_window_days"]
    days = min(full, (now - initiative.started_at).days)
    if days < 1:
        return None
    s = initiative.started_at
    d = datetime.timedelta(days=days)
    cases = clustering.cluster_cases(initiative.cluster_region, initiative.category_id, initiative.keyword)
    before = cases.filter(submitted_at__gte=s - d, submitted_at__lt=s).count()
    after = cases.filter(submitted_at__gte=s, submitted_at__lt=s + d).count()
    pct = round((after - before) * 100 / before) if before else None
    return Effect(days, before, after, pct)


def _store_effect(initiative: Initiative, effect: Effect | None, now) -> list[str]:
    if effect is None:
        return []
    initiative.effect_days = effect.days
    initiative.effect_before = effect.before
    initiative.effect_after = effect.after
    initiative.effect_pct = effect.pct
    initiative.effect_measured_at = now
    return ["effect_days", "effect_before", "effect_after", "effect_pct", "effect_measured_at"]


def refresh_effects(now: datetime.datetime | None = None) -> int:
    """Re-measure the effect of every started initiative still within its window (the nightly job);
    evaluated ones keep the figures recorded at evaluation. Returns the number updated."""
    now = now or timezone.now()
    full = clustering.params()["effect_window_days"]
    qs = Initiative.objects.filter(
        started_at__isnull=False, state__in=[S.IN_PROGRESS, S.DONE]
    ).select_related("cluster_region")
    changed = []
    for i in qs.iterator(chunk_size=200):
        if i.effect_days == full:
            continue
        if _store_effect(i, measure_effect(i, now, window_days=full), now):
            changed.append(i)
    Initiative.objects.bulk_update(
        changed, ["effect_days", "effect_before", "effect_after", "effect_pct", "effect_measured_at"], 200
    )
    return len(changed)


# --------------------------------------------------------------------------- initiatives
def _require_action(initiative: Initiative, action: str) -> str | None:
    return require_action(initiative, action, TRANSITIONS, ACTION_LABELS)


def _managed(user, initiative: Initiative) -> None:
    require_managed(user, initiative, "没有管理主动治理任务的权限")


def _check_owner(user, region: Region | None, worker, kind: str) -> None:
    if region is None or region.level not in OWNER_LEVELS:
        raise ServiceError("请选择责任区域（市、区、街道或社区）", field="region")
    if not has_perm(user, MANAGE):
        raise PermissionDenied("没有管理主动治理任务的权限")
    probe = Initiative(region=region)
    if not covers(user, probe, "manage"):
        raise ServiceError("责任区域不在您的管辖范围内", field="region", status=403)
    if worker is not None and not worker.region.path.startswith(region.path):
        raise ServiceError("责任人须是责任区域内的社区工作者", field="owner_worker")


def _month(value: datetime.date | None) -> datetime.date:
    if value is None:
        raise ServiceError("请选择月份", field="month")
    return value.replace(day=1)


@transaction.atomic
def create_initiative(
    user,
    *,
    kind: str,
    hot_topic: HotTopic,
    title: str,
    region: Region | None,
    owner_name: str = "",
    owner_worker=None,
    plan: str,
    measures: str = "",
    month: datetime.date | None = None,
    due_date: datetime.date | None = None,
) -> Initiative:
    """A 未诉先办 task or a 每月一题 theme (草拟) aimed at a hot topic's cluster."""
    if kind not in InitiativeKind.values:
        raise ServiceError("类型不正确", field="kind")
    if hot_topic is None or not covers(user, hot_topic, "view"):
        raise NotFound("热点不存在")
    _check_owner(user, region, owner_worker, kind)
    if not hot_topic.region.path.startswith(region.path):
        raise ServiceError("责任区域须包含热点所在区域", field="region")
    title = _text(title, "名称", 60)
    owner_name = _text(owner_name or (owner_worker.name if owner_worker else ""), "责任人", 50)
    plan = _text(plan, "工作方案", 2000)
    measures = _text(measures, "主要措施", 2000, required=kind == InitiativeKind.THEME)
    today = timezone.localdate()
    if kind == InitiativeKind.THEME:
        month = _month(month)
        if month < today.replace(day=1):
            raise ServiceError("不能为已过去的月份确定每月一题", field="month")
        due_date = due_date or _month_end(month)
    else:
        month = None
        if due_date is None:
            raise ServiceError("请填写完成期限", field="due_date")
    if due_date < today:
        raise ServiceError("完成期限不能早于今天", field="due_date")
    initiative = Initiative(
        number="",
        kind=kind,
        title=title,
        region=region,
        owner_worker=owner_worker,
        owner_name=owner_name,
        plan=plan,
        measures=measures,
        month=month,
        due_date=due_date,
        cluster_region=hot_topic.region,
        category_id=hot_topic.category_id,
        keyword=hot_topic.keyword,
        hot_topic=hot_topic,
        created_by=user,
    )
    initiative.number = _next_number(kind)
    try:
        with transaction.atomic():
            initiative.save()
    except IntegrityError:
        raise Conflict(f"{region.name}{month:%Y年%m月}已确定每月一题，每月每级只定一题") from None
    audit.record_create(user, initiative)
    return initiative


def _month_end(month: datetime.date) -> datetime.date:
    nxt = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return nxt - datetime.timedelta(days=1)


def _next_number(kind: str) -> str:
    prefix = ("WS" if kind == InitiativeKind.TASK else "MY") + f"{timezone.localdate():%Y}"
    last = (
        Initiative.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def update_initiative(
    user,
    initiative: Initiative,
    *,
    title: str,
    owner_name: str,
    owner_worker=None,
    plan: str,
    measures: str = "",
    due_date: datetime.date | None = None,
) -> Initiative:
    """Edit the plan, owner, measures and due date while 草拟 or 推进中 (the cluster and month stay)."""
    _managed(user, initiative)
    _require_action(initiative, "edit")
    _check_owner(user, initiative.region, owner_worker, initiative.kind)
    before = audit.snapshot(initiative)
    initiative.title = _text(title, "名称", 60)
    initiative.owner_worker = owner_worker
    initiative.owner_name = _text(owner_name or (owner_worker.name if owner_worker else ""), "责任人", 50)
    initiative.plan = _text(plan, "工作方案", 2000)
    initiative.measures = _text(measures, "主要措施", 2000, required=initiative.kind == InitiativeKind.THEME)
    if due_date is None:
        raise ServiceError("请填写完成期限", field="due_date")
    if due_date != initiative.due_date and due_date < timezone.localdate():
        raise ServiceError("完成期限不能早于今天", field="due_date")
    initiative.due_date = due_date
    initiative.updated_at = timezone.now()
    initiative.save()
    audit.record_update(user, initiative, before)
    return initiative


def _move(user, initiative: Initiative, to_state: str, fields: list[str], **extra) -> Initiative:
    move_state(user, initiative, to_state, fields, **extra)
    _tell(user, initiative, to_state)
    return initiative


def owners_of(initiative: Initiative) -> list:
    """Who carries an initiative: the accounts managing its owner region (proactive.manage assigned on
    that very node) and the owner worker's own account."""
    from grassroots.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(region_id=initiative.region_id).select_related("role", "user")
    users = [a.user for a in rows if MANAGE in (a.role.permissions or [])]
    worker = initiative.owner_worker
    if worker is not None and worker.user_id:
        users.append(worker.user)
    return users


def _tell(actor, initiative: Initiative, to_state: str) -> None:
    """Inbox messages on each step, to whoever did not take it: the owners learn that their task has
    started, was evaluated or cancelled; the one who created it learns that it is done and waits for
    the evaluation."""
    from grassroots.notifications.services import notify

    title = initiative.title
    label = initiative.get_kind_display() + ("任务" if initiative.kind == "task" else "")
    due = f"完成期限 {initiative.due_date:%Y-%m-%d}。" if initiative.due_date else ""
    if to_state == InitiativeState.DONE:
        users = [initiative.created_by]
        head, body = f"{label}已完成，请评估：{title}", initiative.done_note[:200]
    elif to_state == InitiativeState.IN_PROGRESS:
        users = owners_of(initiative)
        head, body = f"{label}已启动：{title}", due + f"工作方案：{initiative.plan[:120]}"
    elif to_state == InitiativeState.EVALUATED:
        users = owners_of(initiative)
        change = "" if initiative.effect_pct is None else f"同类诉求变化 {initiative.effect_pct:+d}%。"
        head, body = f"{label}已评估：{title}", change + initiative.evaluation[:160]
    elif to_state == InitiativeState.CANCELLED:
        users = owners_of(initiative)
        head, body = f"{label}已取消：{title}", f"取消原因：{initiative.cancel_reason}"
    else:
        return
    users = [u for u in users if u is not None and u.pk != getattr(actor, "pk", None)]
    notify(
        users,
        kind="proactive.initiative",
        title=head,
        body=body,
        url=reverse("proactive:detail", args=[initiative.number]),
        obj=initiative,
    )


@transaction.atomic
def start(user, initiative: Initiative) -> Initiative:
    """推进: from now on the effect is measured against the same-length window before."""
    _managed(user, initiative)
    to = _require_action(initiative, "start")
    initiative.started_at = timezone.now()
    return _move(user, initiative, to, ["started_at"])


@transaction.atomic
def finish(user, initiative: Initiative, *, note: str) -> Initiative:
    _managed(user, initiative)
    to = _require_action(initiative, "finish")
    initiative.done_note = _text(note, "完成情况", 2000)
    initiative.done_at = timezone.now()
    return _move(user, initiative, to, ["done_note", "done_at"])


@transaction.atomic
def evaluate(user, initiative: Initiative, *, evaluation: str) -> Initiative:
    """评估: the effect measured now is recorded with the evaluation and kept from then on."""
    _managed(user, initiative)
    to = _require_action(initiative, "evaluate")
    initiative.evaluation = _text(evaluation, "评估意见", 2000)
    now = timezone.now()
    initiative.evaluated_at = now
    effect = measure_effect(initiative, now)
    fields = _store_effect(initiative, effect, now)
    extra = {"effect": [effect.before, effect.after, effect.pct]} if effect else {}
    return _move(user, initiative, to, ["evaluation", "evaluated_at", *fields], **extra)


@transaction.atomic
def cancel(user, initiative: Initiative, *, reason: str) -> Initiative:
    _managed(user, initiative)
    to = _require_action(initiative, "cancel")
    initiative.cancel_reason = _text(reason, "取消原因", 200)
    return _move(user, initiative, to, ["cancel_reason"], reason=initiative.cancel_reason)
