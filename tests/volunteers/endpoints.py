"""Access matrix entries of volunteers (contract: tests/access/registry.py).

World objects (tests/access/world.py _add_volunteers): in A and B a published wish, a volunteer with
50 points (A: the matrix resident), a team led by that volunteer, a volunteer activity the volunteer
signed up for, a catalogue item and a redemption of it.

Staff pages need volunteers.view (changes: volunteers.change); a unit liaison holds volunteers.view
over its party org only, which reaches wishes its units claimed but no community object: 404 there.
Residents, party members and unit liaisons (volunteers.join) use the mobile pages. The wish wall
is public; the wish pool, volunteer activities and the catalogue are open to every volunteer of the
city (no out-of-scope case).
"""

from tests.access.registry import ALL_ROLES, api, holders, page

VIEW = holders("volunteers.view")
CHANGE = holders("volunteers.change")
JOIN = holders("volunteers.join", own=True)
STAFF = VIEW - {"unit_liaison"}  # community objects: the liaison's org grant doesn't reach them
REFUSED_VIEWERS = STAFF - CHANGE  # the auditor: sees, may not change
A_CODE = "370202001001"


def _pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def _staff_post(url, obj, data=None):
    """A staff action: done (302 with a message) for changers, refused (302 with a message) for viewers."""
    return page(
        url,
        CHANGE,
        method="POST",
        kwargs=_pk(f"{obj}_a"),
        out=_pk(f"{obj}_b"),
        data=data,
        ok=(302,),
        forbidden=REFUSED_VIEWERS,
        refused=(302,),
    )


ENDPOINTS = [
    # staff lists and forms
    page("volunteers:wishes", VIEW),
    page("volunteers:wish_add", CHANGE),
    page("volunteers:wish_stats", VIEW),
    page("volunteers:wish_detail", STAFF, kwargs=_pk("wish_a"), out=_pk("wish_b")),
    page(
        "volunteers:wish_act",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.wish_a.pk, "verb": "expire"},
        out=lambda w: {"pk": w.wish_b.pk, "verb": "expire"},
        ok=(302,),
        forbidden=REFUSED_VIEWERS,
        refused=(302,),
    ),
    page("volunteers:volunteers", VIEW),
    page("volunteers:volunteer_add", CHANGE),
    page("volunteers:volunteer_detail", STAFF, kwargs=_pk("vol_a"), out=_pk("vol_b")),
    page("volunteers:teams", VIEW),
    page("volunteers:team_add", CHANGE),
    page("volunteers:team_detail", STAFF, kwargs=_pk("team_a"), out=_pk("team_b")),
    page(
        "volunteers:team_member_add",
        CHANGE,
        method="POST",
        kwargs=_pk("team_a"),
        out=_pk("team_b"),
        data=lambda w: {"volunteer": w.vol_a.pk},
        data_out=lambda w: {"volunteer": w.vol_b.pk},
        ok=(302,),
        forbidden=REFUSED_VIEWERS,
        refused=(302,),
    ),
    _staff_post("volunteers:team_member_remove", "team_member"),
    _staff_post("volunteers:team_leader", "team_member"),
    page("volunteers:activities", VIEW),
    page("volunteers:activity_add", CHANGE),
    page("volunteers:activity_detail", STAFF, kwargs=_pk("vact_a"), out=_pk("vact_b")),
    page(
        "volunteers:activity_qr",
        CHANGE,
        kwargs=lambda w: {"pk": w.vact_a.pk, "kind": "in"},
        out=lambda w: {"pk": w.vact_b.pk, "kind": "in"},
    ),
    _staff_post("volunteers:activity_cancel", "vact", data=lambda w: {"reason": "天气原因取消"}),
    page("volunteers:points", VIEW),
    page(
        "volunteers:point_grant",
        CHANGE,
        method="POST",
        data=lambda w: {"volunteer": w.vol_a.pk, "amount": 5, "reason": "参加社区清洁"},
        data_out=lambda w: {"volunteer": w.vol_b.pk, "amount": 5, "reason": "参加社区清洁"},
        ok=(302,),
    ),
    _staff_post("volunteers:point_revoke", "entry", data=lambda w: {"reason": "重复发放撤销"}),
    page("volunteers:items", VIEW),
    page("volunteers:item_add", CHANGE),
    page("volunteers:item_edit", CHANGE, kwargs=_pk("item_a"), out=_pk("item_b")),
    _staff_post("volunteers:item_stock", "item", data=lambda w: {"delta": 3, "reason": "捐赠入库"}),
    page("volunteers:redemptions", VIEW),
    # The resident redeemed redemption_a: they see it but only staff hand it over.
    page(
        "volunteers:redemption_act",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.redemption_a.pk, "action": "deliver"},
        out=lambda w: {"pk": w.redemption_b.pk, "action": "deliver"},
        ok=(302,),
        forbidden=REFUSED_VIEWERS | {"resident"},
        refused=(302,),
    ),
    page("volunteers:rankings", VIEW),
    # residents, party members, unit liaisons
    page("volunteers:wall", ALL_ROLES | {"nobody"}, kwargs=lambda w: {"code": w.A.code}, public=True),
    page("volunteers:pool", JOIN),
    page("volunteers:my_wishes", JOIN),
    page("volunteers:my_activities", JOIN),
    page("volunteers:my_points", JOIN),
    page("volunteers:shop", JOIN),
    page("volunteers:activity_signup", JOIN, method="POST", kwargs=_pk("vact_a"), ok=(302,)),
    page(
        "volunteers:signup_cancel",
        {"resident"},
        method="POST",
        kwargs=_pk("vsignup_a"),
        out=_pk("vsignup_b"),
        ok=(302,),
    ),
    page("volunteers:shop_redeem", JOIN, method="POST", kwargs=_pk("item_a"), ok=(302,)),
    # A scanned token that is not one: refused to every signed-in account.
    page("volunteers:scan", ALL_ROLES | {"nobody"}, kwargs=lambda w: {"token": "not-a-token"}, ok=(404,)),
    # API
    api("GET", "/api/v1/volunteers/wishes/", VIEW),
    api("GET", "/api/v1/volunteers/wishes/pool", JOIN),
    api("GET", "/api/v1/volunteers/wishes/mine", JOIN),
    api(
        "GET",
        "/api/v1/volunteers/wishes/{wish_id}",
        STAFF,
        params=lambda w: {"wish_id": w.wish_a.pk},
        out=lambda w: {"wish_id": w.wish_b.pk},
    ),
    api(
        "POST",
        "/api/v1/volunteers/wishes/",
        CHANGE,
        body=lambda w: {"community": w.A.code, "title": "想要一副老花镜", "beneficiary_name": "李桂兰"},
        body_out=lambda w: {"community": w.B.code, "title": "想要一副老花镜", "beneficiary_name": "李桂兰"},
        ok=(201,),
        forbidden=REFUSED_VIEWERS | {"department_handler"},
    ),
    api(
        "POST",
        "/api/v1/volunteers/wishes/{wish_id}/actions/{verb}",
        CHANGE,
        params=lambda w: {"wish_id": w.wish_a.pk, "verb": "expire"},
        out=lambda w: {"wish_id": w.wish_b.pk, "verb": "expire"},
        body=lambda w: {"note": "长期无人认领"},
        forbidden=REFUSED_VIEWERS,
    ),
    api("GET", "/api/v1/volunteers/stats/wishes", VIEW),
    api("GET", "/api/v1/volunteers/points/me", JOIN),
    api("GET", "/api/v1/volunteers/points/", VIEW),
    api(
        "POST",
        "/api/v1/volunteers/points/grants",
        CHANGE,
        body=lambda w: {"volunteer_id": w.vol_a.pk, "amount": 5, "reason": "参加社区清洁"},
        body_out=lambda w: {"volunteer_id": w.vol_b.pk, "amount": 5, "reason": "参加社区清洁"},
        ok=(201,),
        forbidden=REFUSED_VIEWERS,
    ),
    api(
        "POST",
        "/api/v1/volunteers/points/{entry_id}/revoke",
        CHANGE,
        params=lambda w: {"entry_id": w.entry_a.pk},
        out=lambda w: {"entry_id": w.entry_b.pk},
        body=lambda w: {"reason": "重复发放撤销"},
        ok=(201,),
        forbidden=REFUSED_VIEWERS,
    ),
    api("GET", "/api/v1/volunteers/items", VIEW | JOIN, query={"community": A_CODE}),
    # The resident has points (201); a party member or liaison without any gets a 409.
    api(
        "POST",
        "/api/v1/volunteers/redemptions",
        JOIN,
        body=lambda w: {"item_id": w.item_a.pk},
        ok=(201, 409),
    ),
    api(
        "POST",
        "/api/v1/volunteers/redemptions/{redemption_id}/cancel",
        CHANGE | {"resident"},
        params=lambda w: {"redemption_id": w.redemption_a.pk},
        out=lambda w: {"redemption_id": w.redemption_b.pk},
        forbidden=REFUSED_VIEWERS,
    ),
    api("GET", "/api/v1/volunteers/teams/", VIEW),
    api("GET", "/api/v1/volunteers/activities/", VIEW | JOIN),
    # The resident already signed up (409); other volunteers get a place (201).
    api(
        "POST",
        "/api/v1/volunteers/activities/{activity_id}/signup",
        JOIN,
        params=lambda w: {"activity_id": w.vact_a.pk},
        ok=(201, 409),
    ),
    api("GET", "/api/v1/volunteers/rankings", VIEW),
]
