"""Access matrix entries of cases (contract: tests/access/registry.py).

case_a (community A) was reported by the matrix resident; case_b (community B) by another resident.
"""

from tests.access.registry import ALL_ROLES, api, holders, page

# The world makes the department handler a member of a handler (whistle's department): members see the
# list of cases dispatched to their handler.
LIST = holders("cases.view", own=True) | {"department_handler"}
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
    # Moderating the public text answers like acting: a redirect with a message (saved, or no right).
    page("cases:moderate", SEE, method="POST", kwargs=_A, out=_B, ok=(302,)),
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


# ---------------------------------------------------------------- intake, visits, configuration
def _track(w):
    from grassroots.cases.services import tracking_token

    return {"token": tracking_token(w.case_a)}


def _visit(region, place):
    from django.utils import timezone

    from grassroots.cases.models import Visit

    visit, _ = Visit.objects.get_or_create(
        region=region,
        place=place,
        defaults={
            "kind": "night",
            "visitor_name": "矩阵走访人",
            "visited_at": timezone.now(),
            "whom": "居民代表",
            "heard": "楼道照明不足，希望加装路灯",
        },
    )
    return visit


def _handler(region):
    from grassroots.cases.models import Handler

    handler, _ = Handler.objects.get_or_create(
        kind="community", name=f"{region.name}矩阵居委会", region=region
    )
    return handler


STAFF_SUBMIT = holders("cases.submit")
STAFF_VIEW = holders("cases.view")
CONFIG = holders("cases.config")
_VA = lambda w: {"pk": _visit(w.A, "矩阵走访点A").pk}  # noqa: E731
_VB = lambda w: {"pk": _visit(w.B, "矩阵走访点B").pk}  # noqa: E731
_HA = lambda w: {"kind": "handlers", "pk": _handler(w.A).pk}  # noqa: E731
_HB = lambda w: {"kind": "handlers", "pk": _handler(w.B).pk}  # noqa: E731

ENDPOINTS += [
    # The resident's H5 form, its helpers and the tracking page need no login (signed link).
    page("cases:report", ALL_ROLES | {"nobody"}, public=True),
    page("cases:suggest", ALL_ROLES | {"nobody"}, query={"description": "小区门口垃圾堆放很久"}, public=True),
    page("cases:buildings", ALL_ROLES | {"nobody"}, query={"community": "1"}, public=True),
    page("cases:track", ALL_ROLES | {"nobody"}, kwargs=_track, public=True),
    page("cases:mine", ALL_ROLES | {"nobody"}),
    page("cases:intake", STAFF_SUBMIT),
    page("cases:hotline_import", holders("cases.submit", "imports.run")),
    page("cases:visits", STAFF_VIEW),
    page("cases:visit_create", STAFF_SUBMIT),
    page("cases:visit_detail", STAFF_VIEW, kwargs=_VA, out=_VB),
    page("cases:config_home", CONFIG, ok=(302,)),
    page("cases:config", CONFIG, kwargs=lambda w: {"kind": "categories"}),
    page("cases:config_new", CONFIG, kwargs=lambda w: {"kind": "rules"}),
    page("cases:config_edit", CONFIG, kwargs=_HA, out=_HB),
    page("cases:config_toggle", CONFIG, method="POST", kwargs=_HA, out=_HB, ok=(302,)),
    page(
        "cases:holiday_add",
        CONFIG,
        method="POST",
        data=lambda w: {"date": "2031-10-01", "is_workday": "0", "name": "国庆节"},
        ok=(302,),
    ),
    page("cases:retrain", CONFIG, method="POST", ok=(302,)),
]


def _visit_body(community):
    return {
        "kind": "night",
        "community": community.code,
        "visitor_name": "矩阵走访人",
        "visited_at": "2026-01-05T20:00:00+08:00",
        "place": "小区广场",
        "whom": "居民代表",
        "heard": "楼道照明不足，希望加装路灯",
    }


ENDPOINTS += [
    api(
        "GET",
        "/api/v1/cases/suggestions/",
        ALL_ROLES | {"nobody"},
        query={"description": "楼道里堆满杂物把消防通道堵了"},
    ),
    api("GET", "/api/v1/cases/{number}/duplicates", SEE, params=_NA, out=_NB),
    api("GET", "/api/v1/cases/visits/", STAFF_VIEW),
    api(
        "POST",
        "/api/v1/cases/visits/",
        STAFF_SUBMIT,
        body=lambda w: _visit_body(w.A),
        body_out=lambda w: _visit_body(w.B),
        ok=(201,),
    ),
]


# ---------------------------------------------------------------- 身边诉求 (cases.public)
# Public cases are not scoped: every visitor reads them, and any resident may follow any case of the
# city, so these entries name no out-of-scope object. The form posts answer with a redirect for
# everyone: back to the case with a message (done, or why not), or to the resident login page.
FOLLOW = holders("cases.follow", own=True)
NOT_FOLLOWERS = (ALL_ROLES | {"nobody"}) - FOLLOW
EVERYONE = ALL_ROLES | {"nobody"}

ENDPOINTS += [
    page("cases:public_map", EVERYONE, public=True),
    page("cases:public_case", EVERYONE, kwargs=_NA, public=True),
    page("cases:public_follow", EVERYONE, method="POST", kwargs=_NB, ok=(302,), public=True),
    page("cases:public_unfollow", EVERYONE, method="POST", kwargs=_NB, ok=(302,), public=True),
    page(
        "cases:public_update",
        EVERYONE,
        method="POST",
        kwargs=_NA,
        data=lambda w: {"text": "问题仍然存在"},
        ok=(302,),
        public=True,
    ),
    api("GET", "/api/v1/public/cases", EVERYONE, public=True),
    api("GET", "/api/v1/public/cases/{number}", EVERYONE, params=_NA, public=True),
    # case_b was reported by another account: the matrix resident and party member may follow it (the
    # party member follows case_a in the world, not case_b).
    api(
        "POST",
        "/api/v1/public/cases/{number}/follow",
        FOLLOW,
        params=_NB,
        ok=(201,),
        forbidden=NOT_FOLLOWERS,
    ),
    # The world has the matrix party member follow case_a; the resident reported it and follows nothing
    # (a Chinese 400 「您未关注该诉求」).
    api(
        "DELETE",
        "/api/v1/public/cases/{number}/follow",
        FOLLOW,
        params=_NA,
        ok=(200, 400),
        forbidden=NOT_FOLLOWERS,
    ),
    # Only the reporter adds 补充说明: the matrix resident reported case_a.
    api(
        "POST",
        "/api/v1/public/cases/{number}/updates",
        {"resident"},
        params=_NA,
        body=lambda w: {"text": "问题仍然存在"},
        ok=(201,),
        forbidden=(ALL_ROLES | {"nobody"}) - {"resident"},
    ),
]
