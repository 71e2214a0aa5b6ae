"""Access matrix entries of dashboards (contract: tests/access/registry.py)."""

from tests.access.registry import api, holders, page

VIEW = holders("dashboards.view")
# The leader dashboard is a region view: a unit liaison (party-org scope) has none.
LEADER = VIEW - {"unit_liaison"}
REFRESH = holders("dashboards.view", "standards.assess")

ENDPOINTS = [
    page("dashboards:map", VIEW),
    page("dashboards:leader", LEADER),
    page("dashboards:rollup", LEADER),
    page(
        "dashboards:rollup",
        REFRESH,
        method="POST",
        data=lambda w: {"next": "/dashboards/leader/"},
        ok=(302,),
        forbidden=LEADER - REFRESH,
    ),
    api("GET", "/api/v1/dashboards/summary", VIEW),
]
