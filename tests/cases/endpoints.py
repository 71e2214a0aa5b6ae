"""Access matrix entries of cases (contract: tests/access/registry.py).

case_a (community A) was reported by the matrix resident; case_b (community B) by another resident.
"""

from tests.access.registry import ALL_ROLES, api, holders, page

LIST = holders("cases.view", own=True)
# The resident reported case_a. Department handlers hold no region-wide case permission: they see only
# the cases dispatched to a handler they are a member of, so for them case_a is out of scope like
# case_b (test_workflow / test_pages test the membership route).
SEE = holders("cases.view") | {"resident"}
_A = lambda w: {"pk": w.case_a.pk}  # noqa: E731
_B = lambda w: {"pk": w.case_b.pk}  # noqa: E731
_NA = lambda w: {"number": w.case_a.number}  # noqa: E731
_NB = lambda w: {"number": w.case_b.number}  # noqa: E731


def _case_body(community):
    return {"channel": "patrol", "community": community.code, "description": "小区路灯一直不亮，夜间出行不便"}


ENDPOINTS = [
    page("cases:list", LIST),
    page("cases:detail", SEE, kwargs=_A, out=_B),
    # Acting answers with a redirect to the case and a message (done, or why not) for whoever sees it.
    page(
        "cases:act",
        SEE,
        method="POST",
        kwargs=lambda w: {**_A(w), "verb": "accept"},
        out=lambda w: {**_B(w), "verb": "accept"},
        ok=(302,),
    ),
    # The evaluation link needs no session: an unknown token is refused to everyone.
    page(
        "cases:evaluate",
        ALL_ROLES | {"nobody"},
        kwargs=lambda w: {"token": "not-a-token"},
        ok=(400, 403, 404, 410),
        public=True,
    ),
    # The category tree is reference data, open to every signed-in account.
    api("GET", "/api/v1/cases/categories", ALL_ROLES | {"nobody"}),
    api("GET", "/api/v1/cases/", LIST),
    api("GET", "/api/v1/cases/{number}", SEE, params=_NA, out=_NB),
    api(
        "POST",
        "/api/v1/cases/",
        holders("cases.submit"),
        body=lambda w: _case_body(w.A),
        body_out=lambda w: _case_body(w.B),
        ok=(201,),
    ),
    api(
        "POST",
        "/api/v1/cases/{number}/actions/{verb}",
        SEE,
        params=lambda w: {**_NA(w), "verb": "accept"},
        out=lambda w: {**_NB(w), "verb": "accept"},
        body=lambda w: {},
        ok=(200, 400, 403, 409),
    ),
]
