"""Access matrix entries of co-building (contract: tests/access/registry.py).

Rows carry both the community (region grants) and a party org (party-org grants): the unit liaison
of A's community committee sees A's co-building rows. Claims: units claim needs (cobuild.claim, for
a unit the user represents), communities claim resources (cobuild.claim over the community).
"""

from tests.access.registry import api, holders, page
from tests.cobuild.world import cobuild_world as cw

VIEW = holders("cobuild.view")
CHANGE = holders("cobuild.change")
CLAIM = holders("cobuild.claim")
# claiming a resource is the community side's: a party-org grant names no community
CLAIM_RESOURCE = CLAIM - {"unit_liaison"}
REGISTER = holders("cobuild.register", own=True)


def _pk(name):
    return (lambda w: {"pk": getattr(cw(w), f"{name}_a").pk}), (
        lambda w: {"pk": getattr(cw(w), f"{name}_b").pk}
    )


def _verb(name, verb):
    return (
        lambda w: {"pk": getattr(cw(w), f"{name}_a").pk, "verb": verb},
        lambda w: {"pk": getattr(cw(w), f"{name}_b").pk, "verb": verb},
    )


def _detail(url_name, obj):
    kw, out = _pk(obj)
    return page(url_name, VIEW, kwargs=kw, out=out)


def _action(url_name, obj, verb, roles, data, forbidden=frozenset(), refused=()):
    kw, out = _verb(obj, verb)
    return page(
        url_name,
        roles,
        kwargs=kw,
        out=out,
        method="POST",
        data=data,
        ok=(302,),
        forbidden=forbidden,
        refused=refused,
    )


def _api_obj(method, path, roles, key, obj, **kw):
    return api(
        method,
        path,
        roles,
        params=lambda w: {key: getattr(cw(w), f"{obj}_a").pk},
        out=lambda w: {key: getattr(cw(w), f"{obj}_b").pk},
        **kw,
    )


ENDPOINTS = [
    page("cobuild:index", VIEW),
    page("cobuild:registrations", VIEW),
    page("cobuild:register_unit", CLAIM),
    _detail("cobuild:registration", "reg"),
    _action("cobuild:registration_action", "reg", "confirm", CHANGE, lambda w: {}),
    page("cobuild:posts", VIEW),
    page("cobuild:join", REGISTER),
    page("cobuild:join_find", REGISTER, query={"q": "团岛"}),
    page("cobuild:needs", VIEW),
    page("cobuild:need_add", CHANGE),
    _detail("cobuild:need", "need"),
    _action(
        "cobuild:need_action",
        "need",
        "claim",
        CLAIM,
        lambda w: {"unit": w.unit_a.code},
        forbidden=VIEW - CLAIM,
        refused=(302,),
    ),
    page("cobuild:resources", VIEW),
    page("cobuild:resource_add", CLAIM),
    _detail("cobuild:resource", "res"),
    _action(
        "cobuild:resource_action",
        "res",
        "claim",
        CLAIM_RESOURCE,
        lambda w: {"community": w.A.code},
        forbidden=VIEW - CLAIM_RESOURCE,
        refused=(302,),
    ),
    page("cobuild:projects", VIEW),
    page("cobuild:project_add", CHANGE),
    _detail("cobuild:project", "project"),
    _action("cobuild:project_action", "project", "state", CHANGE, lambda w: {"state": "ongoing"}),
    page("cobuild:committees", VIEW),
    page("cobuild:committee_add", CHANGE),
    _detail("cobuild:committee", "committee"),
    _action("cobuild:committee_action", "committee", "member", CHANGE, lambda w: {"name": "新委员"}),
    page("cobuild:meetings", VIEW),
    _detail("cobuild:meeting", "meeting"),
    _action("cobuild:meeting_action", "meeting", "issue", CHANGE, lambda w: {"issue": "停车难"}),
    page("cobuild:resolutions", VIEW),
    _action(
        "cobuild:resolution_action",
        "resolution",
        "resolve",
        CHANGE,
        lambda w: {"decision": "错峰停车", "owner": "物业", "duty": "开放车位", "due": "2030-01-01"},
    ),
    page("cobuild:ratings", VIEW),
    page("cobuild:rating_add", CLAIM),
    page("cobuild:report", VIEW),
    # ---- API
    api("GET", "/api/v1/cobuild/needs/", VIEW),
    api(
        "POST",
        "/api/v1/cobuild/needs/",
        CHANGE,
        body=lambda w: {"community_code": w.A.code, "title": "助餐", "category": "service"},
        body_out=lambda w: {"community_code": w.B.code, "title": "助餐", "category": "service"},
        ok=(201,),
    ),
    _api_obj("GET", "/api/v1/cobuild/needs/{need_id}", VIEW, "need_id", "need"),
    _api_obj(
        "POST",
        "/api/v1/cobuild/needs/{need_id}/claim",
        CLAIM,
        "need_id",
        "need",
        body=lambda w: {"unit_code": w.unit_a.code},
    ),
    _api_obj(
        "POST",
        "/api/v1/cobuild/needs/{need_id}/release",
        CHANGE | {"unit_liaison"},
        "need_id",
        "need_claimed",
        body=lambda w: {"reason": "人手不足"},
        forbidden=VIEW - CHANGE - {"unit_liaison"},
    ),
    _api_obj("GET", "/api/v1/cobuild/needs/{need_id}/suggestions", VIEW, "need_id", "need"),
    api("GET", "/api/v1/cobuild/resources/", VIEW),
    _api_obj("GET", "/api/v1/cobuild/resources/{resource_id}", VIEW, "resource_id", "res"),
    _api_obj(
        "POST",
        "/api/v1/cobuild/resources/{resource_id}/claim",
        CLAIM_RESOURCE,
        "resource_id",
        "res",
        body=lambda w: {"community_code": w.A.code},
    ),
    _api_obj(
        "POST",
        "/api/v1/cobuild/resources/{resource_id}/release",
        CHANGE | {"unit_liaison"},
        "resource_id",
        "res_claimed",
        body=lambda w: {"reason": ""},
        forbidden=VIEW - CHANGE - {"unit_liaison"},
    ),
    api("GET", "/api/v1/cobuild/registrations/", VIEW),
    api("GET", "/api/v1/cobuild/projects/", VIEW),
    api("GET", "/api/v1/cobuild/meetings/", VIEW),
    api("GET", "/api/v1/cobuild/resolutions/", VIEW),
    api("GET", "/api/v1/cobuild/stats", VIEW),
]
