"""Access matrix entries of party orgs and members (contract: tests/access/registry.py)."""

from tests.access.registry import api, holders, page

VIEW = holders("party.view")
LIST = holders("party.view", own=True)
CHANGE = holders("party.change")
MEMBER_VIEW = VIEW | {"party_member"}  # the matrix party member is member_a


def _member(w, org):
    from tests.factories import id_number

    return {
        "name": "新党员",
        "gender": "female",
        "id_number": id_number(),
        "party_org_code": org.code,
        "status": "full",
        "joined_on": "2015-07-01",
    }


ENDPOINTS = [
    page("party:tree", LIST),
    page(
        "party:tree_children",
        VIEW,
        kwargs=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
    ),
    page("party:lookup", LIST, query={"q": "团岛"}),
    page("party:orgs", LIST),
    page(
        "party:org_detail",
        VIEW,
        kwargs=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
    ),
    page(
        "party:org_add_child",
        CHANGE,
        kwargs=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
        forbidden=VIEW,
    ),
    page(
        "party:org_edit",
        CHANGE,
        kwargs=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
        forbidden=VIEW,
    ),
    page(
        "party:seat_add",
        CHANGE,
        kwargs=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
        forbidden=VIEW,
    ),
    page(
        "party:seat_remove",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.seat_a.pk},
        out=lambda w: {"pk": w.seat_b.pk},
        ok=(200, 302),
        forbidden=VIEW,
    ),
    page("party:members", LIST),
    page("party:member_add", CHANGE),
    page(
        "party:member_detail",
        MEMBER_VIEW,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
    ),
    page(
        "party:member_edit",
        CHANGE,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
        forbidden=MEMBER_VIEW,
    ),
    page(
        "party:member_transfer",
        CHANGE,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
        forbidden=MEMBER_VIEW,
    ),
    page(
        "party:member_convert",
        CHANGE,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
        forbidden=MEMBER_VIEW,
    ),
    page("party:contact_campaign", LIST),
    page(
        "party:member_contact",
        CHANGE,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
        forbidden=MEMBER_VIEW,
    ),
    page(
        "party:member_contact_log",
        CHANGE,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
        forbidden=MEMBER_VIEW,
    ),
    page(
        "party:member_extend_probation",
        CHANGE,
        kwargs=lambda w: {"pk": w.member_a.pk},
        out=lambda w: {"pk": w.member_b.pk},
        forbidden=MEMBER_VIEW,
    ),
    api("GET", "/api/v1/party/orgs/", LIST),
    api(
        "POST",
        "/api/v1/party/orgs/",
        CHANGE,
        body=lambda w: {
            "parent_code": w.org_a.code,
            "code": "NEW-A",
            "name": "新支部",
            "kind": "branch",
            "region_code": w.A.code,
        },
        body_out=lambda w: {
            "parent_code": w.org_b.code,
            "code": "NEW-B",
            "name": "新支部",
            "kind": "branch",
            "region_code": w.B.code,
        },
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/party/orgs/{code}",
        VIEW,
        params=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
    ),
    api(
        "PATCH",
        "/api/v1/party/orgs/{code}",
        CHANGE,
        params=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
        body=lambda w: {"short_name": "新简称"},
        forbidden=VIEW,
    ),
    api(
        "DELETE",
        "/api/v1/party/orgs/{code}",
        CHANGE,
        params=lambda w: {"code": w.spare_org_a.code},
        out=lambda w: {"code": w.spare_org_b.code},
        ok=(200, 204, 409),
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/party/members/", LIST),
    api(
        "POST",
        "/api/v1/party/members/",
        CHANGE,
        body=lambda w: _member(w, w.branch_a),
        body_out=lambda w: _member(w, w.branch_b),
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/party/members/{member_id}",
        MEMBER_VIEW,
        params=lambda w: {"member_id": w.member_a.pk},
        out=lambda w: {"member_id": w.member_b.pk},
    ),
    api(
        "PATCH",
        "/api/v1/party/members/{member_id}",
        CHANGE,
        params=lambda w: {"member_id": w.member_a.pk},
        out=lambda w: {"member_id": w.member_b.pk},
        body=lambda w: {"room": "1201"},
        forbidden=MEMBER_VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/members/{member_id}/transfer",
        CHANGE,
        params=lambda w: {"member_id": w.member_a.pk},
        out=lambda w: {"member_id": w.member_b.pk},
        body=lambda w: {"to_org": w.spare_org_a.code},
        ok=(200, 201),
        forbidden=MEMBER_VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/members/{member_id}/convert",
        CHANGE,
        params=lambda w: {"member_id": w.member_a.pk},
        out=lambda w: {"member_id": w.member_b.pk},
        body=lambda w: {"on": "2026-01-01"},
        ok=(200, 400, 409),
        forbidden=MEMBER_VIEW,
    ),
    api(
        "GET",
        "/api/v1/party/members/{member_id}/transfers",
        MEMBER_VIEW,
        params=lambda w: {"member_id": w.member_a.pk},
        out=lambda w: {"member_id": w.member_b.pk},
    ),
]

ENDPOINTS += [
    api(
        "POST",
        "/api/v1/party/orgs/{code}/seats",
        CHANGE,
        params=lambda w: {"code": w.org_a.code},
        out=lambda w: {"code": w.org_b.code},
        body=lambda w: {"post": "member", "holder_name": "新委员"},
        ok=(200, 201),
        forbidden=VIEW,
    ),
    api(
        "DELETE",
        "/api/v1/party/orgs/{code}/seats/{seat_id}",
        CHANGE,
        params=lambda w: {"code": w.org_a.code, "seat_id": w.seat_a.pk},
        out=lambda w: {"code": w.org_b.code, "seat_id": w.seat_b.pk},
        ok=(200, 204),
        forbidden=VIEW,
    ),
]
