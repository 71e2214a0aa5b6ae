"""The case state machine, in one place. Services look up every verb here before changing anything;
the UI shows only the actions allowed from the current state; the API exports the states as an enum.

    submitted → triaged → dispatched → accepted → in_progress → resolved → evaluated → closed
    side exits: returned (handler refuses, names the right handler; back to the dispatcher)
                reopen (resident unsatisfied the first time: back to the same handler)
                closed_unresolved (unsatisfied a second time; counts against the handler)
                merged (duplicate of another case) · closed directly from triaged for 私事 (GOV-1)
"""

from __future__ import annotations

from django.db import models


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", "待分拨"
    TRIAGED = "triaged", "待派单"
    DISPATCHED = "dispatched", "待接单"
    ACCEPTED = "accepted", "已接单"
    IN_PROGRESS = "in_progress", "办理中"
    RETURNED = "returned", "已退单"
    RESOLVED = "resolved", "待评价"
    EVALUATED = "evaluated", "已评价"
    CLOSED = "closed", "已结案"
    CLOSED_UNRESOLVED = "closed_unresolved", "未解决结案"
    MERGED = "merged", "已合并"


S = CaseState

# verb -> (allowed source states, target state). A verb whose target depends on input (evaluate)
# lists every possible target in OUTCOMES; the service picks one of them.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "triage": (frozenset({S.SUBMITTED}), S.TRIAGED),
    "dispatch": (frozenset({S.TRIAGED, S.RETURNED}), S.DISPATCHED),
    "accept": (frozenset({S.DISPATCHED}), S.ACCEPTED),
    "return": (frozenset({S.DISPATCHED, S.ACCEPTED}), S.RETURNED),
    "log_work": (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.IN_PROGRESS),
    "resolve": (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RESOLVED),
    "evaluate": (frozenset({S.RESOLVED}), S.EVALUATED),
    "reopen": (frozenset({S.RESOLVED}), S.DISPATCHED),
    "close": (frozenset({S.EVALUATED, S.RESOLVED, S.TRIAGED}), S.CLOSED),
    "close_unresolved": (frozenset({S.RESOLVED}), S.CLOSED_UNRESOLVED),
    "merge": (frozenset({S.SUBMITTED, S.TRIAGED}), S.MERGED),
}

# Who performs a verb: the permission checked in the case's scope ("handle" also via handler membership).
VERB_PERMISSION = {
    "triage": "dispatch",
    "dispatch": "dispatch",
    "accept": "handle",
    "return": "handle",
    "log_work": "handle",
    "resolve": "handle",
    "reopen": "dispatch",
    "close": "dispatch",
    "merge": "dispatch",
}

VERB_LABELS = {
    "submit": "提交",
    "triage": "分拨",
    "dispatch": "派单",
    "accept": "接单",
    "return": "退单",
    "log_work": "纪实",
    "resolve": "办结",
    "evaluate": "评价",
    "reopen": "重办",
    "close": "结案",
    "close_unresolved": "未解决结案",
    "merge": "合并",
    # not a transition: the reporter's 补充说明 on the timeline (cases.public.add_update)
    "resident_update": "居民补充",
}

OPEN_STATES = frozenset({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS})
FINAL_STATES = frozenset({S.CLOSED, S.CLOSED_UNRESOLVED, S.MERGED})
# Waiting for the first dispatch: the GOV-5 response deadline runs (a returned case was responded to).
AWAITING_RESPONSE = frozenset({S.SUBMITTED, S.TRIAGED})


def allowed_verbs(state: str) -> list[str]:
    return [verb for verb, (sources, _t) in TRANSITIONS.items() if state in sources]


def can(verb: str, state: str) -> bool:
    sources, _target = TRANSITIONS[verb]
    return state in sources
