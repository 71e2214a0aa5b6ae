"""Access matrix entries of regions and households (contract: tests/access/registry.py)."""

from tests.access.registry import ALL_ROLES, api, holders, page

VIEW = holders("regions.view")
LIST = holders("regions.view", own=True)  # residents open the lists and see their own household
CHANGE = holders("regions.change")
HH_VIEW = VIEW | {"resident"}  # the matrix resident is linked to household_a

ENDPOINTS = [
    page("regions:tree", LIST),
    page(
        "regions:tree_children",
        VIEW,
        kwargs=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
    ),
    # Look-ups answer every signed-in user (empty options without the view permission).
    page("regions:lookup", ALL_ROLES | {"nobody"}, query={"q": "团岛"}),
    page("regions:households", LIST),
    page("regions:household_add", CHANGE),
    page(
        "regions:household_detail",
        HH_VIEW,
        kwargs=lambda w: {"pk": w.household_a.pk},
        out=lambda w: {"pk": w.household_b.pk},
    ),
    page(
        "regions:household_edit",
        CHANGE,
        kwargs=lambda w: {"pk": w.household_a.pk},
        out=lambda w: {"pk": w.household_b.pk},
        forbidden=HH_VIEW,
    ),
    page("regions:detail", VIEW, kwargs=lambda w: {"code": w.A.code}, out=lambda w: {"code": w.B.code}),
    page(
        "regions:add_child",
        CHANGE,
        kwargs=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
        forbidden=VIEW,
    ),
    page(
        "regions:edit",
        CHANGE,
        kwargs=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/regions/households/", LIST),
    api(
        "POST",
        "/api/v1/regions/households/",
        CHANGE,
        body=lambda w: {"entrance_code": w.entrance_a.code, "room": "909", "head_name": "新户主"},
        body_out=lambda w: {"entrance_code": w.entrance_b.code, "room": "909", "head_name": "新户主"},
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/regions/households/{household_id}",
        HH_VIEW,
        params=lambda w: {"household_id": w.household_a.pk},
        out=lambda w: {"household_id": w.household_b.pk},
    ),
    api(
        "PATCH",
        "/api/v1/regions/households/{household_id}",
        CHANGE,
        params=lambda w: {"household_id": w.household_a.pk},
        out=lambda w: {"household_id": w.household_b.pk},
        body=lambda w: {"note": "核实"},
        forbidden=HH_VIEW,
    ),
    api(
        "DELETE",
        "/api/v1/regions/households/{household_id}",
        CHANGE,
        params=lambda w: {"household_id": w.household_a.pk},
        out=lambda w: {"household_id": w.household_b.pk},
        # The matrix households hold emergency sweep records, which keep them: 409 with the reason.
        ok=(200, 204, 409),
        forbidden=HH_VIEW,
    ),
    api("GET", "/api/v1/regions/", LIST),
    api(
        "POST",
        "/api/v1/regions/",
        CHANGE,
        body=lambda w: {"parent_code": w.A.code, "code": w.A.code + "009", "name": "新小区"},
        body_out=lambda w: {"parent_code": w.B.code, "code": w.B.code + "009", "name": "新小区"},
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/regions/{code}",
        VIEW,
        params=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
    ),
    api(
        "PATCH",
        "/api/v1/regions/{code}",
        CHANGE,
        params=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
        body=lambda w: {"address": "新地址"},
        forbidden=VIEW,
    ),
    api(
        "DELETE",
        "/api/v1/regions/{code}",
        CHANGE,
        params=lambda w: {"code": w.spare_entrance_a.code},
        out=lambda w: {"code": w.spare_entrance_b.code},
        ok=(200, 204, 409),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/regions/{code}/children",
        VIEW,
        params=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
    ),
    api(
        "GET",
        "/api/v1/regions/{code}/children.geojson",
        VIEW,
        params=lambda w: {"code": w.A.code},
        out=lambda w: {"code": w.B.code},
    ),
]
