"""Access matrix entries of workers, stewards and deputies (contract: tests/access/registry.py)."""

from tests.access.registry import api, holders, page

VIEW = holders("people.view")
CHANGE = holders("people.change")


def _crud(kind, obj_a, obj_b, key="pk"):
    return [
        page(
            f"people:{kind}_detail",
            VIEW,
            kwargs=lambda w: {"pk": obj_a(w).pk},
            out=lambda w: {"pk": obj_b(w).pk},
        ),
        page(
            f"people:{kind}_edit",
            CHANGE,
            kwargs=lambda w: {"pk": obj_a(w).pk},
            out=lambda w: {"pk": obj_b(w).pk},
            forbidden=VIEW,
        ),
        page(f"people:{kind}_add", CHANGE),
    ]


def _api(path, param, obj_a, obj_b, body_a, body_b, attr="pk"):
    p_a = lambda w: {param: getattr(obj_a(w), attr)}  # noqa: E731
    p_b = lambda w: {param: getattr(obj_b(w), attr)}  # noqa: E731
    return [
        api("GET", f"/api/v1/people/{path}/", VIEW),
        api(
            "POST", f"/api/v1/people/{path}/", CHANGE, body=body_a, body_out=body_b, ok=(201,), forbidden=VIEW
        ),
        api("GET", f"/api/v1/people/{path}/{{{param}}}", VIEW, params=p_a, out=p_b),
        api(
            "PATCH",
            f"/api/v1/people/{path}/{{{param}}}",
            CHANGE,
            params=p_a,
            out=p_b,
            body=lambda w: {"name": "改名"},
            forbidden=VIEW,
        ),
        api(
            "DELETE",
            f"/api/v1/people/{path}/{{{param}}}",
            CHANGE,
            params=p_a,
            out=p_b,
            ok=(200, 204, 409),
            forbidden=VIEW,
        ),
    ]


ENDPOINTS = [
    page("people:workers", VIEW),
    page("people:stewards", VIEW),
    page("people:deputies", VIEW),
    *_crud("worker", lambda w: w.worker_a, lambda w: w.worker_b),
    *_crud("steward", lambda w: w.steward_a, lambda w: w.steward_b),
    *_crud("deputy", lambda w: w.deputy_a, lambda w: w.deputy_b),
    *_api(
        "workers",
        "code",
        lambda w: w.worker_a,
        lambda w: w.worker_b,
        lambda w: {"code": "WNEWA", "name": "新社工", "region_code": w.A.code, "post": "staff", "grade": 15},
        lambda w: {"code": "WNEWB", "name": "新社工", "region_code": w.B.code, "post": "staff", "grade": 15},
        attr="code",
    ),
    *_api(
        "stewards",
        "steward_id",
        lambda w: w.steward_a,
        lambda w: w.steward_b,
        lambda w: {"name": "新楼长", "role": "neighborhood", "region_code": w.hood_a.code},
        lambda w: {"name": "新楼长", "role": "neighborhood", "region_code": w.hood_b.code},
    ),
    *_api(
        "deputies",
        "deputy_id",
        lambda w: w.deputy_a,
        lambda w: w.deputy_b,
        lambda w: {"name": "新代表", "kind": "npc", "level": "district", "region_code": w.A.code},
        lambda w: {"name": "新代表", "kind": "npc", "level": "district", "region_code": w.B.code},
    ),
]
