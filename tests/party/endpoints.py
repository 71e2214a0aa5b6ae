"""Access matrix entries of party orgs and members (contract: tests/access/registry.py)."""

from tests.access.registry import ALL_ROLES, api, holders, page

VIEW = holders("party.view")
LIST = holders("party.view", own=True)
CHANGE = holders("party.change")
MEMBER_VIEW = VIEW | {"party_member"}
EVERYONE = ALL_ROLES | {"nobody"}  # the matrix party member is member_a


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


# ---- 组织关系转接 (two sides; tests/party/test_transfers.py covers the cross-street sides)
def _letter_token(w):
    from grassroots.party.transfers import letter_token

    return {"token": letter_token(w.transfer_a)}


ENDPOINTS += [
    page("party:transfers_out", LIST),
    page("party:transfers_in", LIST),
    page("party:transfer_register", CHANGE),
    page("party:transfer_targets", CHANGE, query={"q": "团岛"}),
    page(
        "party:transfer_detail",
        VIEW,
        kwargs=lambda w: {"pk": w.transfer_a.pk},
        out=lambda w: {"pk": w.transfer_b.pk},
    ),
    page(
        "party:transfer_accept",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.transfer_a.pk},
        out=lambda w: {"pk": w.transfer_b.pk},
        ok=(302,),
    ),
    page(
        "party:transfer_return",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.transfer_a.pk},
        out=lambda w: {"pk": w.transfer_b.pk},
        data=lambda w: {"reason": "材料不全，请补充"},
        data_out=lambda w: {"reason": "材料不全，请补充"},
        ok=(302,),
    ),
    page(
        "party:transfer_cancel",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.transfer_a.pk},
        out=lambda w: {"pk": w.transfer_b.pk},
        data=lambda w: {"reason": ""},
        data_out=lambda w: {"reason": ""},
        ok=(302,),
    ),
    page(
        "party:transfer_receipt",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"pk": w.transfer_ext_a.pk},
        out=lambda w: {"pk": w.transfer_ext_b.pk},
        data=lambda w: {"receipt_on": w.transfer_ext_a.issued_on.isoformat(), "receipt_ref": "回执第 1 号"},
        data_out=lambda w: {
            "receipt_on": w.transfer_ext_b.issued_on.isoformat(),
            "receipt_ref": "回执第 1 号",
        },
        ok=(302,),
    ),
    page(
        "party:transfer_letter",
        VIEW,
        kwargs=lambda w: {"pk": w.transfer_a.pk},
        out=lambda w: {"pk": w.transfer_b.pk},
    ),
    page(
        "party:transfer_letter_pdf",
        VIEW,
        kwargs=lambda w: {"pk": w.transfer_a.pk},
        out=lambda w: {"pk": w.transfer_b.pk},
    ),
    # The QR code's page: public, shows the letter number, validity, state, issuer and a masked name.
    page("party:transfer_verify", EVERYONE, public=True, kwargs=_letter_token),
    api("GET", "/api/v1/party/transfers/", LIST, query={"direction": "in"}),
    api(
        "GET",
        "/api/v1/party/transfers/{transfer_id}",
        VIEW,
        params=lambda w: {"transfer_id": w.transfer_a.pk},
        out=lambda w: {"transfer_id": w.transfer_b.pk},
    ),
    api(
        "POST",
        "/api/v1/party/transfers/",
        CHANGE,
        body=lambda w: {"member_id": w.member_a.pk, "to_org": w.branch_b.code, "reason": "工作调动"},
        ok=(201,),
        forbidden=MEMBER_VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/transfers/incoming",
        CHANGE,
        body=lambda w: {
            "to_org": w.branch_a.code,
            "outside_org_name": "中共某市某区委组织部",
            "outside_letter_no": "组转 88 号",
            "issued_on": "2026-01-05",
            "name": "外来党员",
            "gender": "male",
            "id_number": _member(w, w.branch_a)["id_number"],
            "status": "full",
            "joined_on": "2010-07-01",
        },
        ok=(201,),
        forbidden=MEMBER_VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/transfers/{transfer_id}/accept",
        CHANGE,
        params=lambda w: {"transfer_id": w.transfer_a.pk},
        out=lambda w: {"transfer_id": w.transfer_b.pk},
        body=lambda w: {},
        forbidden=VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/transfers/{transfer_id}/return",
        CHANGE,
        params=lambda w: {"transfer_id": w.transfer_a.pk},
        out=lambda w: {"transfer_id": w.transfer_b.pk},
        body=lambda w: {"reason": "材料不全"},
        forbidden=VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/transfers/{transfer_id}/cancel",
        CHANGE,
        params=lambda w: {"transfer_id": w.transfer_a.pk},
        out=lambda w: {"transfer_id": w.transfer_b.pk},
        body=lambda w: {"reason": ""},
        forbidden=VIEW,
    ),
    api(
        "POST",
        "/api/v1/party/transfers/{transfer_id}/receipt",
        CHANGE,
        params=lambda w: {"transfer_id": w.transfer_ext_a.pk},
        out=lambda w: {"transfer_id": w.transfer_ext_b.pk},
        body=lambda w: {"receipt_on": w.transfer_ext_a.issued_on.isoformat(), "receipt_ref": "回执第 1 号"},
        forbidden=VIEW,
    ),
]
