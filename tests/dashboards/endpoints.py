"""Access matrix entries of dashboards (contract: tests/access/registry.py)."""

from tests.access.registry import api, holders, page

VIEW = holders("dashboards.view")

ENDPOINTS = [
    page("dashboards:map", VIEW),
    api("GET", "/api/v1/dashboards/summary", VIEW),
]
