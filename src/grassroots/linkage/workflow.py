"""The assignment state machine: which verb moves which state, and who may use it.

receiver verbs need linkage.respond over the assignment's region; issuer verbs need linkage.issue over
the region that issued it (the task's issuer, or the street for a passed-down assignment).
"""

from __future__ import annotations

from .models import TaskState as S

RECEIVER, ISSUER = "receiver", "issuer"

# verb -> (states it starts from, state it leads to or None = unchanged, side, label)
VERBS: dict[str, tuple[tuple[str, ...], str | None, str, str]] = {
    "receive": ((S.ISSUED,), S.RECEIVED, RECEIVER, "签收"),
    "progress": ((S.RECEIVED, S.IN_PROGRESS, S.RETURNED), S.IN_PROGRESS, RECEIVER, "报告进展"),
    "pass_down": ((S.RECEIVED, S.IN_PROGRESS, S.RETURNED), None, RECEIVER, "分派社区"),
    "complete": ((S.RECEIVED, S.IN_PROGRESS, S.RETURNED), S.DONE, RECEIVER, "报结"),
    "accept": ((S.DONE,), S.ACCEPTED, ISSUER, "验收通过"),
    "return": ((S.DONE,), S.RETURNED, ISSUER, "退回重办"),
}
LABELS = {verb: spec[3] for verb, spec in VERBS.items()} | {"issue": "下发", "escalate": "督办"}
PERM = {RECEIVER: "linkage.respond", ISSUER: "linkage.issue"}


def allowed(verb: str, state: str) -> bool:
    spec = VERBS.get(verb)
    return spec is not None and state in spec[0]


def target(verb: str, state: str) -> str:
    to = VERBS[verb][1]
    return state if to is None else to
