"""Access matrix entries of emergency mode (contract: tests/access/registry.py).

emergency_a is declared over street 0 (community A's street), emergency_b over street 1. An emergency
is seen from inside its area (the community and grid worker of A) and from above it; the matrix party
member (双报到 to A, confirmed, assigned to grid_a) and resident (a volunteer of team_a) see the one
they are called up in.
"""

from tests.access.registry import api, holders, page

VIEW = holders("emergency.view", own=True)
COMMAND = holders("emergency.declare")
STAFF = holders("emergency.respond")  # region-scoped responders
SWEEP = STAFF | {"party_member"}
SEE_OTHERS = VIEW - COMMAND
_E = lambda w: {"pk": w.emergency_a.pk}  # noqa: E731
_EB = lambda w: {"pk": w.emergency_b.pk}  # noqa: E731


def _declare(street):
    return lambda w: {
        "region": street(w).code,
        "title": "高层住宅火灾",
        "kind": "fire",
        "severity": "3",
        "instructions": "疏散楼内居民，摸排独居老人",
        "sweep_tags": ["elderly_alone"],
    }


ENDPOINTS = [
    page("emergency:list", VIEW),
    page("emergency:declare", COMMAND),
    page("emergency:mine", holders("emergency.respond", own=True)),
    page("emergency:records", VIEW),
    page("emergency:detail", VIEW, kwargs=_E, out=_EB),
    page("emergency:live", VIEW, kwargs=_E, out=_EB),
    page("emergency:live_fragment", VIEW, kwargs=_E, out=_EB),
    page("emergency:callups", VIEW, kwargs=_E, out=_EB),
    page("emergency:needs", VIEW, kwargs=_E, out=_EB),
    page("emergency:reports", VIEW, kwargs=_E, out=_EB),
    page("emergency:sweep", SWEEP, kwargs=_E, out=_EB),
    page("emergency:need_create", SWEEP, kwargs=_E, out=_EB),
    page(
        "emergency:act",
        COMMAND,
        method="POST",
        kwargs=lambda w: {**_E(w), "verb": "activate"},
        out=lambda w: {**_EB(w), "verb": "activate"},
        ok=(302,),
        forbidden=SEE_OTHERS,
        refused=(302,),
    ),
    page(
        "emergency:report_generate",
        COMMAND,
        method="POST",
        kwargs=_E,
        out=_EB,
        ok=(302,),
        forbidden=SEE_OTHERS,
        refused=(302,),
    ),
    page(
        "emergency:callup_assign",
        COMMAND,
        method="POST",
        kwargs=lambda w: {**_E(w), "callup_pk": w.member_callup_a.pk},
        out=lambda w: {**_EB(w), "callup_pk": w.member_callup_b.pk},
        data=lambda w: {"grid": w.grid_a.code},
        data_out=lambda w: {"grid": w.grid_b.code},
        ok=(302,),
        forbidden=STAFF - COMMAND | {"auditor", "party_member"},
        refused=(302,),
    ),
    page(
        "emergency:callup_respond",
        {"resident"},
        method="POST",
        kwargs=lambda w: {"callup_pk": w.vol_callup_a.pk, "verb": "confirm"},
        out=lambda w: {"callup_pk": w.vol_callup_b.pk, "verb": "confirm"},
        ok=(302,),
        forbidden=STAFF | {"auditor"},
        refused=(302,),
    ),
    page(
        "emergency:sweep_record",
        SWEEP,
        method="POST",
        kwargs=lambda w: {"task_pk": w.task_a.pk},
        out=lambda w: {"task_pk": w.task_b.pk},
        data=lambda w: {"result": "safe"},
        ok=(302,),
        forbidden={"auditor"},
        refused=(302,),
    ),
    page(
        "emergency:need_act",
        STAFF,
        method="POST",
        kwargs=lambda w: {"need_pk": w.need_a.pk, "verb": "cancel"},
        out=lambda w: {"need_pk": w.need_b.pk, "verb": "cancel"},
        data=lambda w: {"note": "家属已送药"},
        ok=(302,),
        forbidden={"auditor"},
        refused=(302,),
    ),
    api("GET", "/api/v1/emergency/", VIEW),
    api("GET", "/api/v1/emergency/records", VIEW),
    api("GET", "/api/v1/emergency/{pk}", VIEW, params=_E, out=_EB),
    api("GET", "/api/v1/emergency/{pk}/progress", VIEW, params=_E, out=_EB),
    api(
        "POST",
        "/api/v1/emergency/",
        COMMAND,
        body=_declare(lambda w: w.streets[0]),
        body_out=_declare(lambda w: w.streets[1]),
        ok=(201,),
    ),
    api(
        "POST",
        "/api/v1/emergency/{pk}/transition",
        COMMAND,
        params=_E,
        out=_EB,
        body=lambda w: {"verb": "activate"},
        forbidden=SEE_OTHERS,
    ),
    api(
        "POST",
        "/api/v1/emergency/tasks/{task_id}/sweep",
        SWEEP,
        params=lambda w: {"task_id": w.task_a.pk},
        out=lambda w: {"task_id": w.task_b.pk},
        body=lambda w: {"result": "safe"},
        forbidden={"auditor"},
    ),
]
