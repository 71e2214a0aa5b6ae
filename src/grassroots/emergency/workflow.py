"""The emergency state machines, in one place (services check every verb here before changing anything).

Emergency:  declared → active (the response starts) → standing_down (解除: every open call-up, sweep
            and need is closed, 战时档案 computed) → closed (archived; the record stays readable).
            A declared emergency may also be stood down directly (a false alarm).
Callup:     called → confirmed | declined; called/confirmed → closed at stand-down.
SweepTask:  pending → done (a result recorded; may be recorded again while open) → closed at stand-down.
Need:       raised → matched → delivered; raised/matched → closed at stand-down (or cancelled).
"""

from __future__ import annotations

from django.db import models


class EmergencyState(models.TextChoices):
    DECLARED = "declared", "已宣布"
    ACTIVE = "active", "响应中"
    STANDING_DOWN = "standing_down", "已解除（收尾）"
    CLOSED = "closed", "已归档"


class CallupState(models.TextChoices):
    CALLED = "called", "待确认"
    CONFIRMED = "confirmed", "已到岗"
    DECLINED = "declined", "无法到岗"
    CLOSED = "closed", "已结束"


class TaskState(models.TextChoices):
    PENDING = "pending", "待摸排"
    DONE = "done", "已摸排"
    CLOSED = "closed", "已结束"


class NeedState(models.TextChoices):
    RAISED = "raised", "待匹配"
    MATCHED = "matched", "已匹配"
    DELIVERED = "delivered", "已送达"
    CANCELLED = "cancelled", "已撤销"
    CLOSED = "closed", "已结束"


E, C, N = EmergencyState, CallupState, NeedState

# verb -> (allowed source states, target state)
EMERGENCY_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({E.DECLARED}), E.ACTIVE),
    "stand_down": (frozenset({E.DECLARED, E.ACTIVE}), E.STANDING_DOWN),
    "close": (frozenset({E.STANDING_DOWN}), E.CLOSED),
}
CALLUP_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "confirm": (frozenset({C.CALLED, C.DECLINED}), C.CONFIRMED),
    "decline": (frozenset({C.CALLED}), C.DECLINED),
}
NEED_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "match": (frozenset({N.RAISED, N.MATCHED}), N.MATCHED),
    "deliver": (frozenset({N.MATCHED}), N.DELIVERED),
    "cancel": (frozenset({N.RAISED, N.MATCHED}), N.CANCELLED),
}
# Work (call-ups, sweeps, needs) happens only while the emergency is open.
OPEN_STATES = frozenset({E.DECLARED, E.ACTIVE})

STEP_LABELS = {
    "declare": "宣布应急状态",
    "activate": "启动响应",
    "stand_down": "解除应急状态",
    "close": "归档",
    "confirm": "确认到岗",
    "decline": "无法到岗",
    "assign": "调整网格",
    "sweep": "记录摸排结果",
    "raise": "登记需求",
    "match": "匹配",
    "deliver": "确认送达",
    "cancel": "撤销需求",
}


def emergency_can(verb: str, state: str) -> bool:
    return state in EMERGENCY_TRANSITIONS[verb][0]


def callup_can(verb: str, state: str) -> bool:
    return state in CALLUP_TRANSITIONS[verb][0]


def need_can(verb: str, state: str) -> bool:
    return state in NEED_TRANSITIONS[verb][0]
