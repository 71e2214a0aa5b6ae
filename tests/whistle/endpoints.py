"""Access matrix entries of the whistle (contract: tests/access/registry.py).

whistle_a (community A) is addressed to dept_a, whose member is the matrix department handler;
whistle_b (community B) to dept_b, which has no matrix member. Departments hold no region-wide
whistle.view: they see only what is addressed to a department they belong to.
"""

from tests.access.registry import api, holders, page

VIEW = holders("whistle.view")
SEE = VIEW | {"department_handler"}
SUMMON = holders("whistle.summon")
ASSESS = holders("standards.assess") - {"community_admin"}  # the street is above a community's scope
_A = lambda w: {"pk": w.whistle_a.pk}  # noqa: E731
_B = lambda w: {"pk": w.whistle_b.pk}  # noqa: E731
_NA = lambda w: {"number": w.whistle_a.number}  # noqa: E731
_NB = lambda w: {"number": w.whistle_b.number}  # noqa: E731
STREET_A, STREET_B = "370202001000", "370202002000"


def _summons_body(community, dept):
    return {
        "region": community.code,
        "subject": "违规停车整治",
        "description": "小区门口长期违规停车，堵塞消防通道",
        "handler_ids": [dept.pk],
    }


def _assess(street):
    return lambda w: {"street": street, "period": "2026-Q4", "handler": w.dept_a.pk, "score": "90"}


ENDPOINTS = [
    page("whistle:list", SEE),
    page("whistle:create", SUMMON),
    page("whistle:inbox", {"department_handler"}),
    page("whistle:ranking", VIEW),
    page("whistle:detail", SEE, kwargs=_A, out=_B),
    # Acting answers with a redirect to the summons and a message (done, or why not) for whoever sees it.
    page(
        "whistle:act",
        SUMMON,
        method="POST",
        kwargs=lambda w: {**_A(w), "verb": "close"},
        out=lambda w: {**_B(w), "verb": "close"},
        data=lambda w: {"close-reason": "部门均已反馈，事项办结"},
        ok=(302,),
        forbidden={"grid_worker", "auditor", "department_handler"},
        refused=(302,),
    ),
    page(
        "whistle:target_act",
        {"department_handler"},
        method="POST",
        kwargs=lambda w: {**_A(w), "target_pk": w.target_a.pk, "verb": "check_in"},
        out=lambda w: {**_B(w), "target_pk": w.target_b.pk, "verb": "check_in"},
        data=lambda w: {f"c{w.target_a.pk}-mode": "online"},
        data_out=lambda w: {f"c{w.target_b.pk}-mode": "online"},
        ok=(302,),
        forbidden=VIEW,
        refused=(302,),
    ),
    page(
        "whistle:assess",
        ASSESS,
        method="POST",
        data=_assess(STREET_A),
        data_out=_assess(STREET_B),
        ok=(302,),
        forbidden={"auditor"},
    ),
    api("GET", "/api/v1/whistle/", SEE),
    api("GET", "/api/v1/whistle/{number}", SEE, params=_NA, out=_NB),
    api(
        "POST",
        "/api/v1/whistle/",
        SUMMON,
        body=lambda w: _summons_body(w.A, w.dept_a),
        body_out=lambda w: _summons_body(w.B, w.dept_a),
        ok=(201,),
        forbidden={"grid_worker", "auditor", "department_handler"},
    ),
    api(
        "POST",
        "/api/v1/whistle/{number}/actions/{verb}",
        SUMMON,
        params=lambda w: {**_NA(w), "verb": "close"},
        out=lambda w: {**_NB(w), "verb": "close"},
        body=lambda w: {"note": "部门均已反馈，事项办结"},
        ok=(200, 409),
        forbidden={"grid_worker", "auditor", "department_handler"},
    ),
    api(
        "POST",
        "/api/v1/whistle/{number}/targets/{target_id}/check-in",
        {"department_handler"},
        params=lambda w: {**_NA(w), "target_id": w.target_a.pk},
        out=lambda w: {**_NB(w), "target_id": w.target_b.pk},
        body=lambda w: {"mode": "online"},
        forbidden=VIEW,
    ),
    api(
        "POST",
        "/api/v1/whistle/{number}/targets/{target_id}/report",
        {"department_handler"},
        params=lambda w: {**_NA(w), "target_id": w.target_a.pk},
        out=lambda w: {**_NB(w), "target_id": w.target_b.pk},
        body=lambda w: {"text": "已到现场处置完毕"},
        ok=(200, 409),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/whistle/scores",
        holders("whistle.view") - {"community_admin", "grid_worker"},
        query={"street": STREET_A, "period": "2026"},
    ),
    api(
        "PUT",
        "/api/v1/whistle/assessments",
        ASSESS,
        body=lambda w: {"street": STREET_A, "handler_id": w.dept_a.pk, "period": "2026-Q4", "score": 90},
        body_out=lambda w: {"street": STREET_B, "handler_id": w.dept_a.pk, "period": "2026-Q4", "score": 90},
        forbidden={"auditor"},
    ),
]
