"""Access matrix entries of grids (contract: tests/access/registry.py). Grids are regions.* data."""

from tests.access.registry import ALL_ROLES, api, holders, page

LIST = holders("regions.view", own=True)
# The grid API's lists and maps answer 200 with only the visible grids (none) to any logged-in user.
EVERYONE = ALL_ROLES | {"nobody"}
VIEW = holders("regions.view")
CHANGE = holders("regions.change")
IMPORT = holders("imports.run")

_A = lambda w: {"code": w.grid_a.code}  # noqa: E731
_B = lambda w: {"code": w.grid_b.code}  # noqa: E731


def _polygon(k):
    """The right half of community k's square (grid 001 of the world holds the left half)."""
    from tests.access.world import _square

    return _square(k, 0.005, 0.01)


ENDPOINTS = [
    page("grids:list", LIST),
    page("grids:map", LIST),
    page("grids:coverage", LIST),
    page("grids:validate", LIST),
    page("grids:import", IMPORT),
    page("grids:export_geojson", LIST),
    page("grids:route", LIST, query={"lng": 120.305, "lat": 36.065}),
    page("grids:duties", VIEW),
    page(
        "grids:duty_set",
        CHANGE,
        method="POST",
        data=lambda w: {"region": w.A.code, "level": "community", "cadre_name": "王包保", "post": "社区书记"},
        data_out=lambda w: {"region": w.B.code, "level": "community", "cadre_name": "王包保"},
        ok=(302,),
        forbidden=VIEW,
        refused=(302,),
    ),
    page("grids:detail", VIEW, kwargs=_A, out=_B),
    page("grids:edit", CHANGE, kwargs=_A, out=_B, forbidden=VIEW),
    page(
        "grids:repair",
        CHANGE,
        method="POST",
        kwargs=_A,
        out=_B,
        ok=(200, 302),
        forbidden=VIEW,
        refused=(302,),
    ),
    page(
        "grids:assign",
        CHANGE,
        method="POST",
        kwargs=_A,
        out=_B,
        ok=(200, 302, 400),
        forbidden=VIEW,
        refused=(302,),
    ),
    page(
        "grids:unassign",
        CHANGE,
        method="POST",
        kwargs=lambda w: {"code": w.grid_a.code, "pk": w.grid_assignment_a.pk},
        out=lambda w: {"code": w.grid_b.code, "pk": w.grid_assignment_b.pk},
        ok=(200, 302),
        forbidden=VIEW,
        refused=(302,),
    ),
    page(
        "grids:duty",
        CHANGE,
        method="POST",
        kwargs=_A,
        out=_B,
        ok=(200, 302, 400),
        forbidden=VIEW,
        refused=(302,),
    ),
    # Patrols and care-household visits (grids.care_views)
    page("grids:patrol_list", LIST),
    page("grids:patrol_due", LIST),
    page("grids:visit_list", LIST),
    page("grids:visit_due", LIST),
    page(
        "grids:patrol_start",
        CHANGE,
        method="POST",
        data=lambda w: {"grid": w.grid_a.pk},
        data_out=lambda w: {"grid": w.grid_b.pk},
        ok=(302,),
    ),
    page(
        "grids:patrol_detail",
        VIEW,
        kwargs=lambda w: {"pk": w.patrol_a.pk},
        out=lambda w: {"pk": w.patrol_b.pk},
    ),
    page(
        "grids:visit_create",
        CHANGE,
        kwargs=lambda w: {"household": w.household_a.pk},
        out=lambda w: {"household": w.household_b.pk},
    ),
    api("GET", "/api/v1/grids/", EVERYONE),
    api(
        "POST",
        "/api/v1/grids/",
        CHANGE,
        body=lambda w: {
            "code": w.A.code + "002",
            "name": "新网格",
            "community": w.A.code,
            "polygon": _polygon(0),
        },
        body_out=lambda w: {
            "code": w.B.code + "002",
            "name": "新网格",
            "community": w.B.code,
            "polygon": _polygon(2),
        },
        ok=(201,),
        forbidden=VIEW,
    ),
    api("GET", "/api/v1/grids/geojson", EVERYONE),
    api("GET", "/api/v1/grids/route", LIST, query={"lng": 120.305, "lat": 36.065}),
    api(
        "POST",
        "/api/v1/grids/route/batch",
        LIST,
        body=lambda w: {"points": [{"lng": 120.305, "lat": 36.065}]},
    ),
    api(
        "POST",
        "/api/v1/grids/route/address",
        LIST,
        body=lambda w: {"address": "团岛小区1号楼"},
        ok=(200, 404),
    ),
    api("GET", "/api/v1/grids/validate", VIEW, query={"region": "370202001001"}),
    api("GET", "/api/v1/grids/coverage", EVERYONE),
    api(
        "POST",
        "/api/v1/grids/import",
        IMPORT,
        body=lambda w: {"geojson": {"type": "FeatureCollection", "features": []}, "dry_run": True},
        ok=(200, 400),
    ),
    api("GET", "/api/v1/grids/{code}", VIEW, params=_A, out=_B),
    api(
        "PATCH",
        "/api/v1/grids/{code}",
        CHANGE,
        params=_A,
        out=_B,
        body=lambda w: {"name": "改名"},
        forbidden=VIEW,
    ),
    api("DELETE", "/api/v1/grids/{code}", CHANGE, params=_A, out=_B, ok=(204, 409), forbidden=VIEW),
]
