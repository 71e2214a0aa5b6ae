"""The whistle state machines, in one place (services check every verb here before changing anything).

Summons:  open → escalated (street → district, 街呼区应) → open (district answered by summoning)
          open → closed (every summoned department has reported) · open → cancelled
Target:   summoned → checked_in (on site or online) → reported
"""

from __future__ import annotations

from django.db import models


class SummonsState(models.TextChoices):
    OPEN = "open", "办理中"
    ESCALATED = "escalated", "已上报区级"
    CLOSED = "closed", "已办结"
    CANCELLED = "cancelled", "已撤销"


class TargetState(models.TextChoices):
    SUMMONED = "summoned", "待报到"
    CHECKED_IN = "checked_in", "已报到"
    REPORTED = "reported", "已反馈"


S, T = SummonsState, TargetState

# verb -> (allowed source states, target state)
SUMMONS_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "add_targets": (frozenset({S.OPEN}), S.OPEN),
    "escalate": (frozenset({S.OPEN}), S.ESCALATED),
    "answer": (frozenset({S.ESCALATED}), S.OPEN),
    "close": (frozenset({S.OPEN}), S.CLOSED),
    "cancel": (frozenset({S.OPEN, S.ESCALATED}), S.CANCELLED),
}
TARGET_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "check_in": (frozenset({T.SUMMONED}), T.CHECKED_IN),
    "report": (frozenset({T.CHECKED_IN}), T.REPORTED),
}
# A department may check in / report only while the summons is being handled.
RESPONDABLE_SUMMONS_STATES = frozenset({S.OPEN, S.ESCALATED})

STEP_LABELS = {
    "summon": "吹哨",
    "add_targets": "追加召集",
    "remind": "报到提醒",
    "check_in": "报到",
    "report": "反馈",
    "escalate": "上报区级",
    "answer": "区级响应",
    "close": "办结",
    "cancel": "撤销",
}


def summons_can(verb: str, state: str) -> bool:
    return state in SUMMONS_TRANSITIONS[verb][0]


def target_can(verb: str, state: str) -> bool:
    return state in TARGET_TRANSITIONS[verb][0]
