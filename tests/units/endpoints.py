"""Access matrix entries of units and instructors (contract: tests/access/registry.py)."""

from tests.access.registry import ALL_ROLES, api, holders, page

LIST = holders("units.view")
# Units and instructors hang off the region tree only: a party-org grant (unit liaison) doesn't reach them.
VIEW = LIST - {"unit_liaison"}
CHANGE = holders("units.change")

ENDPOINTS = [
    page("units:list", LIST),
    page("units:add", CHANGE),
    # Look-ups answer every signed-in user (empty options without the view permission).
    page("units:lookup", ALL_ROLES | {"nobody"}, query={"q": "物业"}),
    page("units:detail", VIEW, kwargs=lambda w: {"pk": w.unit_a.pk}, out=lambda w: {"pk": w.unit_b.pk}),
    page(
        "units:edit",
        CHANGE,
        kwargs=lambda w: {"pk": w.unit_a.pk},
        out=lambda w: {"pk": w.unit_b.pk},
        forbidden=VIEW,
    ),
    page("units:instructors", LIST),
    page("units:instructor_add", CHANGE),
    page(
        "units:instructor_detail",
        VIEW,
        kwargs=lambda w: {"pk": w.instructor_a.pk},
        out=lambda w: {"pk": w.instructor_b.pk},
    ),
    page(
        "units:instructor_edit",
        CHANGE,
        kwargs=lambda w: {"pk": w.instructor_a.pk},
        out=lambda w: {"pk": w.instructor_b.pk},
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/units/instructors/", LIST),
    api(
        "POST",
        "/api/v1/units/instructors/",
        CHANGE,
        body=lambda w: {"name": "新指导员", "region_code": w.A.code},
        body_out=lambda w: {"name": "新指导员", "region_code": w.B.code},
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/units/instructors/{instructor_id}",
        VIEW,
        params=lambda w: {"instructor_id": w.instructor_a.pk},
        out=lambda w: {"instructor_id": w.instructor_b.pk},
    ),
    api(
        "PATCH",
        "/api/v1/units/instructors/{instructor_id}",
        CHANGE,
        params=lambda w: {"instructor_id": w.instructor_a.pk},
        out=lambda w: {"instructor_id": w.instructor_b.pk},
        body=lambda w: {"name": "改名"},
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/units/", LIST),
    api(
        "POST",
        "/api/v1/units/",
        CHANGE,
        body=lambda w: {"code": "UNEW-A", "name": "新单位", "type": "private", "region_code": w.A.code},
        body_out=lambda w: {
            "code": "UNEW-B",
            "name": "新单位",
            "type": "private",
            "region_code": w.B.code,
        },
        ok=(201,),
        forbidden=VIEW,
    ),
    api(
        "GET",
        "/api/v1/units/{code}",
        VIEW,
        params=lambda w: {"code": w.unit_a.code},
        out=lambda w: {"code": w.unit_b.code},
    ),
    api(
        "PATCH",
        "/api/v1/units/{code}",
        CHANGE,
        params=lambda w: {"code": w.unit_a.code},
        out=lambda w: {"code": w.unit_b.code},
        body=lambda w: {"address": "新地址"},
        forbidden=VIEW,
    ),
    api(
        "DELETE",
        "/api/v1/units/{code}",
        CHANGE,
        params=lambda w: {"code": w.unit_a.code},
        out=lambda w: {"code": w.unit_b.code},
        ok=(200, 204, 409),
        forbidden=VIEW,
    ),
]
