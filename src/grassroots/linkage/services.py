"""Every write of the linkage app: permission + scope check, atomic, audited, notified."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.scoping import covers, has_perm
from grassroots.core.services import full_clean, save_changes
from grassroots.regions.models import Region

from . import workflow
from .models import (
    FINISHED_STATES,
    OPEN_STATES,
    ContactPoint,
    Leader,
    LeaderLevel,
    LinkageTask,
    TaskAssignment,
    TaskEvent,
)

# issuer level -> the level its tasks go to (市/区 → 街道, 街道 → 社区)
TARGET_LEVEL = {"city": "street", "district": "street", "street": "community"}
LEVEL_LABEL = {"city": "市", "district": "区", "street": "街道", "community": "社区"}
MAX_FILES = 9


def _require_region(user, region: Region, perm: str) -> None:
    if covers(user, region, perm):
        return
    if covers(user, region, "regions.view") or covers(user, region, "linkage.view"):
        raise PermissionDenied()
    raise NotFound()


def admins_of(regions, perm: str):
    """Users holding `perm` through an assignment on exactly one of these regions."""
    from grassroots.accounts.models import RoleAssignment

    ids = [r.pk for r in regions]
    rows = RoleAssignment.objects.filter(region_id__in=ids).select_related("role", "user")
    return list({a.user for a in rows if perm in (a.role.permissions or []) and a.user.is_active})


def _notify(users, *, kind, title, body, url, obj) -> None:
    from grassroots.notifications.services import notify

    notify(users, kind=kind, title=title, body=body, url=url, obj=obj)


# ------------------------------------------------------------------ leaders and contact points
def create_leader(user, *, name: str, post: str, level: str, region: Region, account=None) -> Leader:
    name, post = (name or "").strip(), (post or "").strip()
    if not name:
        raise ServiceError("请填写领导姓名", field="name")
    if not post:
        raise ServiceError("请填写职务", field="post")
    if level not in LeaderLevel.values:
        raise ServiceError("层级只能是市级或区级", field="level")
    if region is None or region.level != level:
        raise ServiceError("市级领导应属于市，区级领导应属于区（县、旗）", field="region")
    _require_region(user, region, "linkage.issue")
    leader = Leader(name=name, post=post, level=level, region=region, user=account)
    full_clean(leader)
    with transaction.atomic():
        leader.save()
        audit.record_create(user, leader)
    return leader


def assign_contact_point(
    user, leader: Leader, region: Region, *, start_on: datetime.date | None = None, note: str = ""
) -> ContactPoint:
    """Make `region` (a street or community inside the leader's city or district) a contact point."""
    from .stats import gov7_params

    _require_region(user, leader.region, "linkage.issue")
    if not leader.active:
        raise ServiceError("该领导已离任，不能新增联系点", field="leader")
    if region is None or region.level not in ("street", "community"):
        raise ServiceError("联系点只能是街道或社区", field="region")
    if not region.path.startswith(leader.region.path):
        raise ServiceError("联系点应在该领导所属的市或区范围内", field="region")
    start_on = start_on or timezone.localdate()
    active = ContactPoint.objects.filter(leader=leader, end_on__isnull=True)
    if active.filter(region=region).exists():
        raise ServiceError(f"{leader.name}已联系{region.name}，无需重复设置", field="region")
    limit = gov7_params()["max_points_per_leader"]
    if active.count() >= limit:
        raise ServiceError(
            f"每位领导最多联系 {limit} 个街道或社区（GOV-7），{leader.name}已达上限", field="leader"
        )
    point = ContactPoint(leader=leader, region=region, start_on=start_on, note=(note or "").strip())
    full_clean(point)
    with transaction.atomic():
        point.save()
        audit.record_create(user, point)
    return point


def end_contact_point(user, point: ContactPoint, *, end_on: datetime.date | None = None) -> ContactPoint:
    _require_region(user, point.leader.region, "linkage.issue")
    if point.end_on is not None:
        raise ServiceError("该联系点已结束")
    end_on = end_on or timezone.localdate()
    if end_on < point.start_on:
        raise ServiceError("结束日期不能早于起始日期", field="end_on")
    with transaction.atomic():
        return save_changes(user, point, end_on=end_on)


# ------------------------------------------------------------------ cross-level tasks
def issue_task(
    user,
    *,
    issuer_region: Region,
    title: str,
    content: str,
    deadline: datetime.date,
    targets=None,
    files=(),
) -> LinkageTask:
    """Issue a task to `targets` (regions one level down; all of them when None)."""
    from grassroots.core.attachments import attach, validate_files

    if issuer_region is None or issuer_region.level not in TARGET_LEVEL:
        raise ServiceError("只有市、区、街道可以下发联动任务", field="issuer_region")
    _require_region(user, issuer_region, "linkage.issue")
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        raise ServiceError("请填写任务名称", field="title")
    if not content:
        raise ServiceError("请填写任务要求", field="content")
    if deadline is None:
        raise ServiceError("请填写完成时限", field="deadline")
    if deadline < timezone.localdate():
        raise ServiceError("完成时限不能早于今天", field="deadline")
    level = TARGET_LEVEL[issuer_region.level]
    below = Region.objects.filter(path__startswith=issuer_region.path, level=level)
    if targets is None:
        regions = list(below.order_by("path"))
    else:
        ids = {r.pk for r in targets}
        regions = list(below.filter(pk__in=ids).order_by("path"))
        if len(regions) != len(ids):
            raise ServiceError(f"承办单位只能是本级所辖的{LEVEL_LABEL[level]}", field="targets")
    if not regions:
        raise ServiceError(f"请至少选择一个承办{LEVEL_LABEL[level]}", field="targets")
    prepared = validate_files(files, max_files=MAX_FILES, images_only=False, user=user) if files else None
    task = LinkageTask(
        issuer_region=issuer_region,
        issuer=user,
        title=title,
        content=content,
        deadline=deadline,
        target_level=level,
    )
    full_clean(task)
    now = timezone.now()
    with transaction.atomic():
        task.save()
        if prepared:
            attach(user, task, prepared, role="task", max_files=MAX_FILES, images_only=False)
        rows = TaskAssignment.objects.bulk_create(
            [TaskAssignment(task=task, region=r, deadline=deadline, updated_at=now) for r in regions]
        )
        TaskEvent.objects.bulk_create(
            [TaskEvent(assignment=a, verb="issue", actor=user, note=title, at=now) for a in rows]
        )
        audit.record_create(user, task)
        for a in rows:
            _notify(
                admins_of([a.region], "linkage.respond"),
                kind="linkage.issued",
                title=f"新的联动任务：{title}",
                body=f"{issuer_region.name}下发，完成时限 {deadline:%Y-%m-%d}",
                url=reverse("linkage:assignment_detail", args=[a.pk]),
                obj=a,
            )
    return task


def _load(assignment: TaskAssignment) -> TaskAssignment:
    """Lock the row and re-read it (state checks see committed data)."""
    return (
        TaskAssignment.objects.select_for_update(of=("self",))
        .select_related("task", "task__issuer_region", "region", "parent", "parent__region")
        .get(pk=assignment.pk)
    )


def _authorize(user, a: TaskAssignment, verb: str) -> None:
    side = workflow.VERBS[verb][2]
    region = a.region if side == workflow.RECEIVER else a.issuer_region
    if covers(user, region, workflow.PERM[side]):
        return
    if covers(user, a, "view") or LinkageTask.objects.visible_to(user).filter(pk=a.task_id).exists():
        raise PermissionDenied()
    raise NotFound()


def act(
    user,
    assignment: TaskAssignment,
    verb: str,
    *,
    note: str = "",
    progress=None,
    override: str = "",
    files=(),
    communities=None,
    deadline=None,
) -> TaskAssignment:
    """Apply `verb` to the assignment. Refusals raise before anything is written."""
    from grassroots.core.attachments import attach, validate_files

    if verb not in workflow.VERBS:
        raise NotFound()
    _authorize(user, assignment, verb)
    note = (note or "").strip()
    prepared = None
    if files and verb == "complete":
        prepared = validate_files(files, max_files=MAX_FILES, images_only=False, user=user)
    with transaction.atomic():
        a = _load(assignment)
        if not workflow.allowed(verb, a.state):
            raise ServiceError(
                f"当前状态为“{a.get_state_display()}”，不能{workflow.LABELS[verb]}", status=409
            )
        before = a.state
        now = timezone.now()
        children = []
        if verb == "progress":
            try:
                value = int(progress)
            except (TypeError, ValueError):
                raise ServiceError("进度应为 0 到 100 之间的整数", field="progress") from None
            if not 0 <= value <= 100:
                raise ServiceError("进度应为 0 到 100 之间的整数", field="progress")
            if not note:
                raise ServiceError("请填写进展情况", field="note")
            a.progress, a.progress_note = value, note
        elif verb == "complete":
            if not note:
                raise ServiceError("请填写完成情况", field="note")
            pending = [c for c in a.children.select_related("region") if c.state not in FINISHED_STATES]
            override = (override or "").strip()
            if pending and not override:
                names = "、".join(c.region.name for c in pending[:5])
                raise ServiceError(
                    f"下级社区尚未完成（{names}等 {len(pending)} 个），请待其报结或填写提前报结的理由",
                    field="override",
                )
            a.evidence, a.override_reason = note, override if pending else ""
            a.progress, a.done_at, a.return_reason = 100, now, ""
        elif verb == "receive":
            a.received_at = now
        elif verb == "accept":
            a.accepted_at = now
        elif verb == "return":
            if not note:
                raise ServiceError("请填写退回理由", field="note")
            a.return_reason, a.done_at = note[:300], None
        elif verb == "pass_down":
            if a.region.level != "street":
                raise ServiceError("只有街道可以将任务分派到社区")
            children = _children_for(a, communities, deadline)
        a.state = workflow.target(verb, a.state)
        a.updated_at = now
        a.save()
        if prepared:
            attach(user, a, prepared, role="evidence", max_files=MAX_FILES, images_only=False)
        event_note = note
        if verb == "pass_down":
            event_note = "分派至" + "、".join(c.region.name for c in children)
        TaskEvent.objects.create(assignment=a, verb=verb, actor=user, note=event_note, at=now)
        audit.record_transition(user, a, before, a.state, verb=verb, note=event_note[:200])
        _after(user, a, verb, children)
    return a


def _children_for(a: TaskAssignment, communities, deadline) -> list[TaskAssignment]:
    below = Region.objects.filter(path__startswith=a.region.path, level="community")
    if communities is None:
        regions = list(below.order_by("path"))
    else:
        ids = {r.pk for r in communities}
        regions = list(below.filter(pk__in=ids).order_by("path"))
        if len(regions) != len(ids):
            raise ServiceError("只能分派给本街道所辖社区", field="communities")
    taken = set(a.children.values_list("region_id", flat=True))
    regions = [r for r in regions if r.pk not in taken]
    if not regions:
        raise ServiceError("请选择尚未分派的社区", field="communities")
    deadline = deadline or a.deadline
    if deadline > a.deadline:
        raise ServiceError("社区完成时限不能晚于街道的完成时限", field="deadline")
    if deadline < timezone.localdate():
        raise ServiceError("完成时限不能早于今天", field="deadline")
    now = timezone.now()
    rows = TaskAssignment.objects.bulk_create(
        [TaskAssignment(task=a.task, parent=a, region=r, deadline=deadline, updated_at=now) for r in regions]
    )
    TaskEvent.objects.bulk_create(
        [TaskEvent(assignment=c, verb="issue", note=f"{a.region.name}分派", at=now) for c in rows]
    )
    for c in rows:
        c.region = next(r for r in regions if r.pk == c.region_id)
    return rows


def _after(user, a: TaskAssignment, verb: str, children) -> None:
    url = reverse("linkage:assignment_detail", args=[a.pk])
    title = a.task.title
    if verb == "return":
        _notify(
            admins_of([a.region], "linkage.respond"),
            kind="linkage.returned",
            title=f"联动任务被退回重办：{title}",
            body=a.return_reason,
            url=url,
            obj=a,
        )
    elif verb == "complete":
        issuer = [a.task.issuer] if not a.parent_id and a.task.issuer else []
        _notify(
            issuer + admins_of([a.issuer_region], "linkage.issue"),
            kind="linkage.done",
            title=f"{a.region.name}已报结：{title}",
            body=a.evidence[:200],
            url=url,
            obj=a,
        )
    elif verb == "pass_down":
        for c in children:
            _notify(
                admins_of([c.region], "linkage.respond"),
                kind="linkage.issued",
                title=f"新的联动任务：{title}",
                body=f"{a.region.name}分派，完成时限 {c.deadline:%Y-%m-%d}",
                url=reverse("linkage:assignment_detail", args=[c.pk]),
                obj=c,
            )


def escalate_overdue(today: datetime.date | None = None) -> int:
    """督办: every open assignment past its deadline and not yet escalated is flagged once, with
    its receiver's admins and its issuer notified. Idempotent (escalated_at is set in the same step)."""
    today = today or timezone.localdate()
    ids = list(
        TaskAssignment.objects.filter(
            state__in=OPEN_STATES, deadline__lt=today, escalated_at__isnull=True
        ).values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            a = (
                TaskAssignment.objects.select_for_update(of=("self",))
                .select_related("task", "task__issuer", "task__issuer_region", "region", "parent__region")
                .filter(pk=pk, state__in=OPEN_STATES, escalated_at__isnull=True)
                .first()
            )
            if a is None:
                continue
            now = timezone.now()
            a.escalated_at = now
            a.save(update_fields=["escalated_at"])
            days = (today - a.deadline).days
            note = f"超过完成时限 {days} 天，系统督办"
            TaskEvent.objects.create(assignment=a, verb="escalate", note=note, at=now)
            audit.record(
                audit.AuditAction.UPDATE, a, user=None, changes={"escalated_at": [None, now.isoformat()]}
            )
            issuer = [a.task.issuer] if not a.parent_id and a.task.issuer else []
            _notify(
                admins_of([a.region], "linkage.respond")
                + issuer
                + admins_of([a.issuer_region], "linkage.issue"),
                kind="linkage.escalated",
                title=f"督办：{a.region.name}「{a.task.title}」已超期",
                body=note,
                url=reverse("linkage:assignment_detail", args=[a.pk]),
                obj=a,
            )
            done += 1
    return done


def can(user, a: TaskAssignment, verb: str) -> bool:
    side = workflow.VERBS[verb][2]
    region = a.region if side == workflow.RECEIVER else a.issuer_region
    return (
        workflow.allowed(verb, a.state)
        and covers(user, region, workflow.PERM[side])
        and (verb != "pass_down" or a.region.level == "street")
    )


def issuer_regions(user):
    """Regions from which the user may issue tasks (city, district, street), one query."""
    from grassroots.core.scoping import grants_for

    qs = Region.objects.filter(level__in=list(TARGET_LEVEL)).order_by("path")
    if user.is_superuser:
        return qs
    if not has_perm(user, "linkage.issue"):
        return qs.none()
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    paths = [g.region_path for g in grants_for(user) if "linkage.issue" in g.perms and g.region_path]
    if not paths:
        return qs.none()
    return qs.filter(reduce(or_, [Q(path__startswith=p) for p in paths]))
