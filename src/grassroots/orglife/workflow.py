"""The activity state machine: plan → published → (ongoing) → done, or → cancelled before it starts.

Services call `check(activity, verb)`; a refused verb raises a ServiceError whose Chinese message
names the current state.
"""

from __future__ import annotations

from grassroots.core.errors import ServiceError

from .models import ActivityStatus as S

# verb -> (allowed from-states, to-state, label)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "publish": (frozenset({S.PLAN}), S.PUBLISHED, "发布"),
    "start": (frozenset({S.PUBLISHED}), S.ONGOING, "开始"),
    "finish": (frozenset({S.PUBLISHED, S.ONGOING}), S.DONE, "完成"),
    "cancel": (frozenset({S.PLAN, S.PUBLISHED}), S.CANCELLED, "取消"),
}

# States in which the plan (title, time, place, capacity...) may still be edited.
EDITABLE = frozenset({S.PLAN, S.PUBLISHED})
# States in which people may sign up / check in.
OPEN = frozenset({S.PUBLISHED, S.ONGOING})
# States in which minutes, photos and attendance may be recorded.
RECORDING = frozenset({S.PUBLISHED, S.ONGOING, S.DONE})


def allowed_verbs(status: str) -> list[str]:
    return [verb for verb, (sources, _to, _label) in TRANSITIONS.items() if status in sources]


def check(activity, verb: str) -> str:
    """The target state of `verb` from the activity's state, or a ServiceError (409)."""
    sources, target, label = TRANSITIONS[verb]
    if activity.status not in sources:
        raise ServiceError(
            f"活动当前为“{activity.get_status_display()}”，不能{label}", field="status", status=409
        )
    return target
