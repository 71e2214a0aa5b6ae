"""The micro-wish state machine: verb -> (source states, target state, permission action).

Staff verbs need volunteers.change over the wish's community; claimant verbs need volunteers.join
(claim: any published wish; abandon / fulfil: the wish the user or their unit claimed)."""

from __future__ import annotations

from .models import WishState as S

TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "approve": (frozenset({S.SUBMITTED}), S.PUBLISHED, "change"),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED, "change"),
    "claim": (frozenset({S.PUBLISHED}), S.CLAIMED, "join"),
    "abandon": (frozenset({S.CLAIMED}), S.PUBLISHED, "join"),
    "fulfil": (frozenset({S.CLAIMED}), S.FULFILLED, "join"),
    "confirm": (frozenset({S.FULFILLED}), S.CONFIRMED, "change"),
    "release": (frozenset({S.CLAIMED}), S.PUBLISHED, "change"),
    "expire": (frozenset({S.PUBLISHED}), S.EXPIRED, "change"),
}

VERB_LABELS = {
    "approve": "审核通过并发布",
    "reject": "退回",
    "claim": "认领",
    "abandon": "放弃认领",
    "fulfil": "提交完成",
    "confirm": "确认完成",
    "release": "退回心愿池",
    "expire": "下架",
}

STAFF_VERBS = [v for v, (_s, _t, a) in TRANSITIONS.items() if a == "change"]
CLAIMANT_VERBS = ["abandon", "fulfil"]


def allowed_verbs(state: str) -> list[str]:
    return [v for v, (sources, _t, _a) in TRANSITIONS.items() if state in sources]
