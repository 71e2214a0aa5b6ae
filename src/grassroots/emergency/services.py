"""Emergency services: one function per verb. Each is atomic and audited, checks the transition table
(emergency.workflow), the permission in scope and the input, and refuses with a Chinese ServiceError
before changing anything. Emergency transitions are conditional UPDATEs on (state, version): of two
concurrent requests exactly one wins, the other gets a Conflict.

Declaring is set-based: the call-ups (grid workers, 双报到 members, volunteers of the area's teams,
双报到 units) and one sweep task per household to check are inserted in bulk, never row by row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditAction
from grassroots.core.scoping import covers, grants_for, has_perm
from grassroots.notifications.services import notify
from grassroots.regions.choices import HouseholdTag
from grassroots.regions.models import Household, Region

from .models import (
    DECLARE_LEVELS,
    Callup,
    CallupKind,
    Emergency,
    EmergencyNeed,
    Kind,
    NeedCategory,
    ServiceRecord,
    Severity,
    SweepResult,
    SweepTask,
    callup_owner_q,
)

# The read models moved to emergency.reports; callers use them from here as before.
from .reports import (  # noqa: F401
    callup_counts,
    generate_reports,
    need_counts,
    progress,
    service_summary,
)
from .workflow import (
    CALLUP_TRANSITIONS,
    EMERGENCY_TRANSITIONS,
    NEED_TRANSITIONS,
    OPEN_STATES,
    STEP_LABELS,
    CallupState,
    NeedState,
    TaskState,
)

CHUNK = 2000
MAX_NOTE = 200
MIN_INSTRUCTIONS = 5


# ---------------------------------------------------------------- scope


def _covers_path(user, path: str, perm: str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        perm in g.perms and g.region_path is not None and path.startswith(g.region_path)
        for g in grants_for(user)
    )


def can_declare(user, region: Region) -> bool:
    return region.level in DECLARE_LEVELS and _covers_path(user, region.path, "emergency.declare")


def can_command(user, emergency: Emergency) -> bool:
    """Activate, stand down, close and adjust call-ups: the declaring level and above."""
    return _covers_path(user, emergency.region.path, "emergency.declare")


def can_staff(user, community: Region) -> bool:
    """Staff responding in a community: emergency.respond on a node covering it."""
    return _covers_path(user, community.path, "emergency.respond")


def my_callup(user, emergency_id: int) -> Callup | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Callup.objects.filter(callup_owner_q(user), emergency_id=emergency_id, state=CallupState.CONFIRMED)
        .select_related("grid")
        .first()
    )


def can_sweep(user, task: SweepTask) -> bool:
    if can_staff(user, task.community):
        return True
    callup = my_callup(user, task.emergency_id)
    return callup is not None and callup.grid_id is not None and callup.grid_id == task.grid_id


def get_emergency(user, pk, action: str = "view") -> Emergency:
    try:
        return Emergency.objects.visible_to(user, action).select_related("region", "declared_by").get(pk=pk)
    except (Emergency.DoesNotExist, ValueError, TypeError):
        raise NotFound("应急事件不存在或无权访问") from None


def emergency_actions(user, emergency: Emergency) -> list[str]:
    if not can_command(user, emergency):
        return []
    return [v for v, (sources, _t) in EMERGENCY_TRANSITIONS.items() if emergency.state in sources]


def _require_open(emergency: Emergency) -> None:
    if emergency.state not in OPEN_STATES:
        raise ServiceError(f"应急状态{emergency.get_state_display()}，不能再办理", status=409)


def _note(text: str, label: str = "说明") -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ServiceError(f"{label}不能超过 {MAX_NOTE} 字", field="note")
    return text


# ---------------------------------------------------------------- declare


def _number(prefix: str, model, field: str = "number") -> str:
    today = timezone.localdate()
    stem = f"{prefix}{today:%Y%m%d}"
    n = model.objects.filter(**{f"{field}__startswith": stem}).count() + 1
    while model.objects.filter(**{field: f"{stem}{n:03d}"}).exists():
        n += 1
    return f"{stem}{n:03d}"


def parse_tags(tags: Iterable[str]) -> str:
    tags = [t for t in (tags or []) if t]
    bad = [t for t in tags if t not in HouseholdTag.values]
    if bad:
        raise ServiceError(f"未知的住户标签：{'、'.join(bad)}", field="sweep_tags")
    return ("," + ",".join(sorted(set(tags))) + ",") if tags else ""


def declare(
    user,
    *,
    region: Region,
    title: str,
    kind: str,
    severity: str,
    instructions: str,
    sweep_tags: Iterable[str] = (),
    starts_at: datetime.datetime | None = None,
) -> Emergency:
    """宣布应急状态 over a city, district or street: the call-ups and sweep tasks are created at once."""
    if region.level not in DECLARE_LEVELS:
        raise ServiceError("应急状态只能由市、区或街道宣布，区域须为市、区或街道", field="region")
    if not can_declare(user, region):
        raise PermissionDenied(f"您无权在“{region.name}”宣布应急状态")
    title = (title or "").strip()
    instructions = (instructions or "").strip()
    if not 2 <= len(title) <= 100:
        raise ServiceError("请填写事件名称（2–100 字）", field="title")
    if kind not in Kind.values:
        raise ServiceError("请选择事件类型", field="kind")
    if severity not in Severity.values:
        raise ServiceError("请选择响应级别", field="severity")
    if len(instructions) < MIN_INSTRUCTIONS:
        raise ServiceError(f"工作指令不少于 {MIN_INSTRUCTIONS} 字", field="instructions")
    if len(instructions) > 4000:
        raise ServiceError("工作指令不能超过 4000 字", field="instructions")
    tags = parse_tags(sweep_tags)
    now = timezone.now()
    if starts_at is not None and starts_at > now + datetime.timedelta(days=7):
        raise ServiceError("开始时间不能晚于 7 天之后", field="starts_at")
    overlapping = (
        Emergency.objects.open()
        .filter(Q(region__path__startswith=region.path) | Q(region__path__in=_ancestors(region.path)))
        .filter(kind=kind)
        .first()
    )
    if overlapping is not None:
        raise ServiceError(
            f"该区域已处于“{overlapping.title}”应急状态（{overlapping.get_kind_display()}），请勿重复宣布",
            status=409,
        )
    with transaction.atomic():
        emergency = Emergency.objects.create(
            number=_number("YJ", Emergency),
            title=title,
            kind=kind,
            severity=severity,
            region=region,
            instructions=instructions,
            sweep_tags=tags,
            starts_at=starts_at or now,
            declared_at=now,
            declared_by=user,
        )
        callups = _create_callups(emergency)
        tasks = _create_tasks(emergency)
        audit.record_create(user, emergency)
        audit.record(
            AuditAction.CREATE,
            emergency,
            user=user,
            object_repr=f"{emergency}：召集 {callups} 人（单位），摸排任务 {tasks} 户",
            changes={"callups": [None, callups], "sweep_tasks": [None, tasks]},
        )
        users = list(
            Callup.objects.filter(emergency=emergency, user__isnull=False).values_list("user_id", flat=True)
        )
        notify(
            _users(users),
            kind="emergency.callup",
            title=f"应急召集：{emergency.title}",
            body=f"{region.name}已进入{emergency.get_kind_display()}应急状态（{emergency.get_severity_display()}），"
            f"请尽快确认到岗。工作指令：{instructions[:80]}",
            url=reverse("emergency:mine"),
            obj=emergency,
            channels=("sms",),
        )
    return emergency


def _users(ids):
    from grassroots.accounts.models import User

    return list(User.objects.filter(pk__in=set(ids), is_active=True))


def _ancestors(path: str) -> list[str]:
    step = Region.steplen
    return [path[:i] for i in range(step, len(path), step)]


def _communities(area: Region) -> dict[str, int]:
    return dict(
        Region.objects.filter(path__startswith=area.path, level="community").values_list("path", "id")
    )


def _first_grids(area: Region) -> dict[int, int]:
    """Community id -> its first grid (by code): where a person without a grid of their own works."""
    out: dict[int, int] = {}
    for region_id, grid_id in (
        _grid_model()
        .objects.filter(region__path__startswith=area.path)
        .order_by("code")
        .values_list("region_id", "id")
    ):
        out.setdefault(region_id, grid_id)
    return out


def _grid_model():
    from grassroots.grids.models import Grid

    return Grid


def _create_callups(emergency: Emergency) -> int:
    from grassroots.cobuild.models import Registration, RegKind, RegState
    from grassroots.grids.models import GridAssignment
    from grassroots.volunteers.models import TeamMember

    area = emergency.region
    first_grid = _first_grids(area)
    rows: list[Callup] = []
    now = emergency.declared_at
    common = {"emergency": emergency, "called_at": now}
    seen_workers: set[int] = set()
    for a in (
        GridAssignment.objects.filter(grid__region__path__startswith=area.path)
        .select_related("worker", "grid")
        .order_by("worker_id", "role", "grid__code")
    ):
        if a.worker_id in seen_workers:
            continue
        seen_workers.add(a.worker_id)
        rows.append(
            Callup(
                kind=CallupKind.WORKER,
                name=a.worker.name,
                worker_id=a.worker_id,
                user_id=a.worker.user_id,
                community_id=a.grid.region_id,
                grid_id=a.grid_id,
                **common,
            )
        )
    seen_members: set[int] = set()
    regs = (
        Registration.objects.filter(state=RegState.ACTIVE, community__path__startswith=area.path)
        .select_related("member", "unit")
        .order_by("id")
    )
    for r in regs:
        if r.kind == RegKind.MEMBER and r.member_id and r.member_id not in seen_members:
            seen_members.add(r.member_id)
            rows.append(
                Callup(
                    kind=CallupKind.MEMBER,
                    name=r.member.name,
                    member_id=r.member_id,
                    user_id=r.member.user_id,
                    community_id=r.community_id,
                    grid_id=first_grid.get(r.community_id),
                    **common,
                )
            )
        elif r.kind == RegKind.UNIT and r.unit_id:
            rows.append(
                Callup(
                    kind=CallupKind.UNIT,
                    name=r.unit.name,
                    unit_id=r.unit_id,
                    community_id=r.community_id,
                    grid_id=first_grid.get(r.community_id),
                    **common,
                )
            )
    seen_units: set[int] = set()
    rows = [c for c in rows if not (c.unit_id and (c.unit_id in seen_units or seen_units.add(c.unit_id)))]
    worker_users = {c.user_id for c in rows if c.user_id}
    seen_vols: set[int] = set()
    for tm in (
        TeamMember.objects.filter(team__region__path__startswith=area.path, team__is_active=True)
        .select_related("volunteer", "team")
        .order_by("volunteer_id", "team_id")
    ):
        v = tm.volunteer
        if v.pk in seen_vols or (v.member_id and v.member_id in seen_members) or v.user_id in worker_users:
            continue
        seen_vols.add(v.pk)
        community_id = v.region_id if v.region.path.startswith(area.path) else tm.team.region_id
        rows.append(
            Callup(
                kind=CallupKind.VOLUNTEER,
                name=v.name,
                volunteer_id=v.pk,
                user_id=v.user_id,
                community_id=community_id,
                grid_id=first_grid.get(community_id),
                **common,
            )
        )
    Callup.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


def _create_tasks(emergency: Emergency) -> int:
    """One sweep task per household to check, inserted in chunks from a single streamed query."""
    area = emergency.region
    communities = _communities(area)
    if not communities:
        return 0
    depth = len(next(iter(communities)))
    first_grid = _first_grids(area)
    qs = Household.objects.filter(entrance__path__startswith=area.path)
    tags = emergency.tag_list
    if tags:
        q = Q()
        for t in tags:
            q |= Q(tags__contains=f",{t},")
        qs = qs.filter(q)
    total = 0
    batch: list[SweepTask] = []
    for hid, grid_id, htags, path in qs.values_list("id", "grid_id", "tags", "entrance__path").iterator(
        chunk_size=CHUNK
    ):
        community_id = communities.get(path[:depth])
        if community_id is None:
            continue
        batch.append(
            SweepTask(
                emergency=emergency,
                household_id=hid,
                community_id=community_id,
                grid_id=grid_id or first_grid.get(community_id),
                tags=htags,
            )
        )
        if len(batch) >= CHUNK:
            SweepTask.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    if batch:
        SweepTask.objects.bulk_create(batch)
        total += len(batch)
    return total


# ---------------------------------------------------------------- emergency transitions


def transition(user, emergency: Emergency, verb: str, *, note: str = "") -> Emergency:
    if verb not in EMERGENCY_TRANSITIONS:
        raise ServiceError("未知的操作")
    if not can_command(user, emergency):
        raise PermissionDenied(f"只有宣布层级（{emergency.region.name}）及以上可以{STEP_LABELS[verb]}")
    sources, target = EMERGENCY_TRANSITIONS[verb]
    if emergency.state not in sources:
        raise ServiceError(
            f"应急事件当前为“{emergency.get_state_display()}”，不能{STEP_LABELS[verb]}", status=409
        )
    note = (note or "").strip()
    if verb == "stand_down" and len(note) < 2:
        raise ServiceError("请填写解除说明", field="note")
    if len(note) > 2000:
        raise ServiceError("说明不能超过 2000 字", field="note")
    now = timezone.now()
    changes: dict = {"state": target, "version": F("version") + 1}
    if verb == "activate":
        changes["activated_at"] = now
    elif verb == "stand_down":
        changes.update(stood_down_at=now, stood_down_by=user, stand_down_note=note)
    elif verb == "close":
        changes["closed_at"] = now
    with transaction.atomic():
        won = Emergency.objects.filter(
            pk=emergency.pk, state=emergency.state, version=emergency.version
        ).update(**changes)
        if not won:
            raise Conflict("应急事件已被他人更新，请刷新后重试")
        before = emergency.state
        emergency.refresh_from_db()
        extra = {}
        if verb == "stand_down":
            extra = _close_everything(emergency, now)
            compute_service_records(emergency)
            generate_reports(emergency, timezone.localdate(now))
        elif verb == "close":
            generate_reports(emergency, timezone.localdate(now))
        audit.record_transition(user, emergency, before, target, **({"note": note} if note else {}), **extra)
        if verb == "stand_down":
            users = Callup.objects.filter(emergency=emergency, user__isnull=False).values_list(
                "user_id", flat=True
            )
            notify(
                _users(users),
                kind="emergency.stand_down",
                title=f"应急状态解除：{emergency.title}",
                body=f"{emergency.region.name}的{emergency.get_kind_display()}应急状态已解除，感谢您的坚守。",
                url=reverse("emergency:mine"),
                obj=emergency,
            )
    return emergency


def _close_everything(emergency: Emergency, now) -> dict:
    """Stand-down: every open call-up, sweep task and need is closed (kept, never deleted)."""
    callups = Callup.objects.filter(
        emergency=emergency, state__in=(CallupState.CALLED, CallupState.CONFIRMED)
    ).update(state=CallupState.CLOSED, closed_at=now)
    tasks = (
        SweepTask.objects.filter(emergency=emergency)
        .exclude(state=TaskState.CLOSED)
        .update(state=TaskState.CLOSED, closed_at=now)
    )
    needs = EmergencyNeed.objects.filter(
        emergency=emergency, state__in=(NeedState.RAISED, NeedState.MATCHED)
    ).update(state=NeedState.CLOSED, closed_at=now)
    return {"closed_callups": callups, "closed_tasks": tasks, "closed_needs": needs}


def compute_service_records(emergency: Emergency) -> int:
    """战时档案: one row per call-up — days on duty (confirmation to stand-down), households swept,
    needs delivered. Recomputed idempotently (replaces the emergency's rows)."""
    end = emergency.stood_down_at or timezone.now()
    end_day = timezone.localdate(end)
    callups = list(Callup.objects.filter(emergency=emergency).select_related("worker"))
    swept = dict(
        SweepTask.objects.filter(emergency=emergency, callup__isnull=False, checked_at__isnull=False)
        .values("callup")
        .annotate(n=Count("id"))
        .values_list("callup", "n")
    )
    delivered = dict(
        EmergencyNeed.objects.filter(emergency=emergency, state=NeedState.DELIVERED, callup__isnull=False)
        .values("callup")
        .annotate(n=Count("id"))
        .values_list("callup", "n")
    )
    rows = []
    for c in callups:
        confirmed = _was_confirmed(c)
        days = (end_day - timezone.localdate(c.confirmed_at)).days + 1 if confirmed else 0
        rows.append(
            ServiceRecord(
                emergency=emergency,
                callup=c,
                kind=c.kind,
                name=c.name,
                worker_id=c.worker_id,
                member_id=c.member_id,
                user_id=c.user_id,
                community_id=c.community_id,
                grid_id=c.grid_id,
                confirmed=confirmed,
                days_on_duty=max(days, 0),
                tasks_done=swept.get(c.pk, 0),
                needs_delivered=delivered.get(c.pk, 0),
                computed_at=end,
            )
        )
    ServiceRecord.objects.filter(emergency=emergency).delete()
    ServiceRecord.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


def _was_confirmed(c: Callup) -> bool:
    """A closed call-up was confirmed when it had been (its confirmation time is kept in confirmed_at)."""
    return c.confirmed_at is not None and c.state in (CallupState.CONFIRMED, CallupState.CLOSED)


# ---------------------------------------------------------------- call-ups


def owns(user, callup: Callup) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if callup.user_id:
        return callup.user_id == user.pk
    person = callup.worker or callup.member or callup.volunteer
    return person is not None and person.user_id == user.pk


def get_callup(user, pk) -> Callup:
    c = (
        Callup.objects.select_related(
            "emergency__region", "community", "grid", "worker", "member", "volunteer"
        )
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if c is not None and not (covers(user, c, "view") or owns(user, c)):
        c = None
    if c is None:
        raise NotFound("召集记录不存在或无权访问")
    return c


def can_answer_callup(user, callup: Callup) -> bool:
    if user is None or not user.is_authenticated or not has_perm(user, "emergency.respond"):
        return False
    if callup.kind == CallupKind.UNIT:
        return can_staff(user, callup.community)  # the community answers for a unit
    return owns(user, callup) or user.is_superuser


def respond(user, callup: Callup, verb: str, *, note: str = "") -> Callup:
    if verb not in CALLUP_TRANSITIONS:
        raise ServiceError("未知的操作")
    if not can_answer_callup(user, callup):
        raise PermissionDenied("只能确认本人的召集")
    _require_open(callup.emergency)
    sources, target = CALLUP_TRANSITIONS[verb]
    if callup.state not in sources:
        raise ServiceError(f"召集当前为“{callup.get_state_display()}”，不能{STEP_LABELS[verb]}", status=409)
    note = _note(note)
    if verb == "decline" and len(note) < 2:
        raise ServiceError("请说明无法到岗的原因", field="note")
    now = timezone.now()
    with transaction.atomic():
        changes = {"state": target, "responded_at": now, "note": note}
        if callup.user_id is None and callup.kind != CallupKind.UNIT:
            changes["user"] = user  # link the account that answered (created after the call-up)
        if verb == "confirm":
            changes["confirmed_at"] = now
        won = Callup.objects.filter(pk=callup.pk, state=callup.state).update(**changes)
        if not won:
            raise Conflict("召集已被更新，请刷新后重试")
        before = callup.state
        callup.refresh_from_db()
        audit.record_transition(user, callup, before, target, **({"note": note} if note else {}))
    return callup


def assign_grid(user, callup: Callup, grid) -> Callup:
    if not can_command(user, callup.emergency):
        raise PermissionDenied("只有街道及以上可以调整分配网格")
    _require_open(callup.emergency)
    if grid is None or not grid.region.path.startswith(callup.emergency.region.path):
        raise ServiceError("请选择应急区域内的网格", field="grid")
    with transaction.atomic():
        before = audit.snapshot(callup)
        callup.grid = grid
        callup.save(update_fields=["grid"])
        audit.record_update(user, callup, before)
    if callup.user_id:
        notify(
            _users([callup.user_id]),
            kind="emergency.assign",
            title=f"应急分配网格：{grid.name}",
            body=f"您在“{callup.emergency.title}”中的工作网格调整为{grid.name}。",
            url=reverse("emergency:mine"),
            obj=callup.emergency,
        )
    return callup


# ---------------------------------------------------------------- sweeps


def get_task(user, pk) -> SweepTask:
    task = (
        SweepTask.objects.select_related("emergency__region", "community", "grid", "household__entrance")
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if task is None or not (covers(user, task, "view") or can_sweep(user, task)):
        raise NotFound("摸排任务不存在或无权访问")
    return task


def record_sweep(user, task: SweepTask, result: str, *, note: str = "") -> SweepTask:
    """Record a household's status (two taps on the phone); a later visit may record it again."""
    if result not in SweepResult.values:
        raise ServiceError("请选择摸排结果：安全、需帮扶、无人应答或已转移", field="result")
    if not can_sweep(user, task):
        raise PermissionDenied("该户不在您负责的网格内")
    _require_open(task.emergency)
    if task.state == TaskState.CLOSED:
        raise ServiceError("摸排任务已结束", status=409)
    note = _note(note, "情况说明")
    now = timezone.now()
    name = _display_name(user)
    callup = (
        Callup.objects.filter(callup_owner_q(user), emergency_id=task.emergency_id)
        .exclude(state=CallupState.DECLINED)
        .first()
    )
    with transaction.atomic():
        before = task.state
        before_result = task.result
        task.state, task.result, task.note = TaskState.DONE, result, note
        task.checked_at, task.checked_by, task.checked_by_name = now, user, name
        task.callup = callup
        task.save(
            update_fields=["state", "result", "note", "checked_at", "checked_by", "checked_by_name", "callup"]
        )
        audit.record_transition(user, task, before, TaskState.DONE, result=result, previous=before_result)
    return task


def _display_name(user) -> str:
    worker = getattr(user, "worker", None) if hasattr(user, "worker") else None
    if worker is not None:
        return worker.name
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return (full or user.username)[:100]


# ---------------------------------------------------------------- needs


def can_raise(user, emergency: Emergency, community: Region) -> bool:
    if can_staff(user, community):
        return True
    callup = my_callup(user, emergency.pk)
    return callup is not None and callup.community_id == community.pk


def raise_need(
    user,
    emergency: Emergency,
    *,
    category: str,
    description: str,
    household: Household | None = None,
    community: Region | None = None,
) -> EmergencyNeed:
    _require_open(emergency)
    if category not in NeedCategory.values:
        raise ServiceError("请选择需求类别：物资、药品、转运或其他", field="category")
    description = (description or "").strip()
    if not 2 <= len(description) <= 300:
        raise ServiceError("请填写需求说明（2–300 字）", field="description")
    if household is not None:
        community = Region.objects.filter(
            level="community", path__in=_ancestors(household.entrance.path)
        ).first()
    if community is None or community.level != "community":
        raise ServiceError("请选择需求所在的社区或住户", field="household")
    if not community.path.startswith(emergency.region.path):
        raise ServiceError("该住户不在应急区域内", field="household")
    if not can_raise(user, emergency, community):
        raise PermissionDenied("您无权在该社区登记应急需求")
    grid_id = household.grid_id if household is not None else None
    if grid_id is None:
        grid_id = _first_grids(community).get(community.pk)
    with transaction.atomic():
        Emergency.objects.select_for_update().filter(pk=emergency.pk).first()
        n = EmergencyNeed.objects.filter(emergency=emergency).count() + 1
        need = EmergencyNeed.objects.create(
            emergency=emergency,
            number=f"{emergency.number}-{n:04d}",
            household=household,
            community=community,
            grid_id=grid_id,
            category=category,
            description=description,
            raised_by=user,
        )
        audit.record_create(user, need)
    return need


def get_need(user, pk) -> EmergencyNeed:
    need = (
        EmergencyNeed.objects.select_related(
            "emergency__region", "community", "household", "callup", "resource", "grid"
        )
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if need is None:
        raise NotFound("应急需求不存在或无权访问")
    mine = need.callup_id is not None and need.callup.user_id == getattr(user, "pk", None)
    if not (covers(user, need, "view") or mine):
        raise NotFound("应急需求不存在或无权访问")
    return need


def match_candidates(emergency: Emergency, need: EmergencyNeed):
    """Confirmed people of the need's community first, then of the area; open unit resources."""
    from grassroots.cobuild.models import ItemState, Resource

    people = list(
        Callup.objects.filter(emergency=emergency, state=CallupState.CONFIRMED)
        .exclude(kind=CallupKind.UNIT, user__isnull=True)
        .select_related("community")
        .order_by(F("community_id").desc(nulls_last=True), "kind", "name")[:400]
    )
    people.sort(key=lambda c: (c.community_id != need.community_id, c.kind, c.name))
    resources = list(
        Resource.objects.filter(
            community__path__startswith=emergency.region.path, state__in=(ItemState.OPEN, ItemState.CLAIMED)
        )
        .select_related("unit", "community")
        .order_by("community_id", "title")[:200]
    )
    resources.sort(key=lambda r: r.community_id != need.community_id)
    return people, resources


def match_need(user, need: EmergencyNeed, *, callup: Callup | None = None, resource=None) -> EmergencyNeed:
    _require_open(need.emergency)
    if not can_staff(user, need.community):
        raise PermissionDenied("您无权匹配该需求")
    if not need_can_verb("match", need.state):
        raise ServiceError(f"需求当前为“{need.get_state_display()}”，不能匹配", status=409)
    if callup is None and resource is None:
        raise ServiceError("请选择承接的人员或资源", field="callup")
    if callup is not None and (
        callup.emergency_id != need.emergency_id or callup.state != CallupState.CONFIRMED
    ):
        raise ServiceError("承接人员须是本次应急中已到岗的人员", field="callup")
    if resource is not None and not resource.community.path.startswith(need.emergency.region.path):
        raise ServiceError("承接资源须属于应急区域内的社区", field="resource")
    now = timezone.now()
    with transaction.atomic():
        before = need.state
        need.state, need.callup, need.resource, need.matched_at = NeedState.MATCHED, callup, resource, now
        need.save(update_fields=["state", "callup", "resource", "matched_at"])
        audit.record_transition(
            user,
            need,
            before,
            NeedState.MATCHED,
            callup=callup.name if callup else None,
            resource=resource.title if resource else None,
        )
    if callup is not None and callup.user_id:
        notify(
            _users([callup.user_id]),
            kind="emergency.need",
            title=f"应急需求待送达：{need.get_category_display()}",
            body=f"{need.community.name}：{need.description[:60]}",
            url=reverse("emergency:mine"),
            obj=need.emergency,
            channels=("sms",),
        )
    return need


def need_can_verb(verb: str, state: str) -> bool:
    return state in NEED_TRANSITIONS[verb][0]


def deliver_need(user, need: EmergencyNeed, *, note: str = "") -> EmergencyNeed:
    _require_open(need.emergency)
    mine = need.callup_id is not None and need.callup.user_id == user.pk
    if not (mine or can_staff(user, need.community)):
        raise PermissionDenied("只有承接人员或社区可以确认送达")
    if not need_can_verb("deliver", need.state):
        raise ServiceError(f"需求当前为“{need.get_state_display()}”，不能确认送达", status=409)
    note = _note(note, "送达说明")
    with transaction.atomic():
        won = EmergencyNeed.objects.filter(pk=need.pk, state=need.state).update(
            state=NeedState.DELIVERED, delivered_at=timezone.now(), delivery_note=note
        )
        if not won:
            raise Conflict("需求已被更新，请刷新后重试")
        before = need.state
        need.refresh_from_db()
        audit.record_transition(user, need, before, NeedState.DELIVERED, **({"note": note} if note else {}))
    return need


def cancel_need(user, need: EmergencyNeed, *, note: str = "") -> EmergencyNeed:
    _require_open(need.emergency)
    if not can_staff(user, need.community):
        raise PermissionDenied("您无权撤销该需求")
    if not need_can_verb("cancel", need.state):
        raise ServiceError(f"需求当前为“{need.get_state_display()}”，不能撤销", status=409)
    note = _note(note)
    if len(note) < 2:
        raise ServiceError("请填写撤销原因", field="note")
    with transaction.atomic():
        before = need.state
        need.state, need.closed_at, need.delivery_note = NeedState.CANCELLED, timezone.now(), note
        need.save(update_fields=["state", "closed_at", "delivery_note"])
        audit.record_transition(user, need, before, NeedState.CANCELLED, note=note)
    return need


# ---------------------------------------------------------------- daily reports


def generate_now(user, emergency: Emergency) -> int:
    if not can_command(user, emergency) and not can_staff(user, emergency.region):
        raise PermissionDenied("您无权生成日报")
    with transaction.atomic():
        n = generate_reports(emergency, timezone.localdate())
        audit.record(
            AuditAction.CREATE,
            emergency,
            user=user,
            model_label="emergency.dailyreport",
            object_repr=f"{emergency.title} 日报",
            changes={"reports": [None, n]},
        )
    return n
