"""Access matrix entries of 联户 and 民情日志 (contract: tests/access/registry.py).

Staff read hubs and links with regions.view, workers' logs with people.view; the hub member's
phone pages answer only the hub (member_a, the matrix party member); 我的民情日志 only a user
with a worker record (the matrix grid worker). Confirming links needs regions.change: a visible
community refused for lack of it redirects back with a message.
"""

from tests.access.registry import api, holders, page

VIEW = holders("regions.view")
PEOPLE = holders("people.view")
CHANGE = holders("regions.change")
LOG = holders("outreach.log")
ACT = holders("outreach.log", "regions.change")
_CA = lambda w: {"code": w.A.code}  # noqa: E731
_CB = lambda w: {"code": w.B.code}  # noqa: E731

ENDPOINTS = [
    page("outreach:hubs", VIEW),
    page("outreach:overdue", VIEW),
    page(
        "outreach:hub_detail",
        VIEW,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
    ),
    page("outreach:community", VIEW, kwargs=_CA, out=_CB),
    page(
        "outreach:community_act",
        CHANGE,
        method="POST",
        kwargs=lambda w: {**_CA(w), "verb": "confirm"},
        out=lambda w: {**_CB(w), "verb": "confirm"},
        data=lambda w: {"ids": [w.hubsuggest_a.pk]},
        data_out=lambda w: {"ids": [w.hubsuggest_b.pk]},
        ok=(302,),
        forbidden=VIEW - CHANGE,
        refused=(302,),
    ),
    page("outreach:weekly", PEOPLE, kwargs=_CA, out=_CB),
    page("outreach:my_links", {"party_member"}),
    page(
        "outreach:contact",
        {"party_member"},
        kwargs=lambda w: {"pk": w.hublink_a.pk},
        out=lambda w: {"pk": w.hublink_b.pk},
    ),
    page("outreach:my_log", {"grid_worker"}),
    page(
        "outreach:item_act",
        ACT,
        method="POST",
        kwargs=lambda w: {"pk": w.logitem_a.pk, "verb": "done"},
        out=lambda w: {"pk": w.logitem_b.pk, "verb": "done"},
        ok=(302,),
    ),
    page("outreach:logs", PEOPLE),
    page(
        "outreach:log_detail",
        PEOPLE,
        kwargs=lambda w: {"pk": w.worklog_a.pk},
        out=lambda w: {"pk": w.worklog_b.pk},
    ),
    api("GET", "/api/v1/outreach/links", {"party_member"}),
    api(
        "POST",
        "/api/v1/outreach/links/{link_id}/contacts",
        LOG | {"party_member"},
        params=lambda w: {"link_id": w.hublink_a.pk},
        out=lambda w: {"link_id": w.hublink_b.pk},
        body=lambda w: {"kind": "call", "note": "电话联系了解近况"},
        ok=(201,),
    ),
]
