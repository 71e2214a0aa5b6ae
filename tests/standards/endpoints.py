"""Access matrix entries of standards (contract: tests/access/registry.py). Rules are not scoped."""

from tests.access.registry import ALL_ROLES, api, holders, page

VIEW = holders("standards.view")
CHANGE = holders("standards.change")
# Rules are one table for the whole installation: no scope, so a missing permission may answer 403.
EVERYONE = ALL_ROLES | {"nobody"}

ENDPOINTS = [
    page("standards:health", VIEW),
    page("standards:rules", VIEW),
    page("standards:rule_edit", CHANGE, kwargs=lambda w: {"code": "ORG-1"}, forbidden=EVERYONE),
    api("GET", "/api/v1/standards/rules", VIEW),
    api(
        "GET", "/api/v1/standards/rules/{code}", VIEW, params=lambda w: {"code": "ORG-1"}, forbidden=EVERYONE
    ),
    api(
        "PATCH",
        "/api/v1/standards/rules/{code}",
        CHANGE,
        params=lambda w: {"code": "ORG-1"},
        body=lambda w: {"enabled": True},
        forbidden=EVERYONE,
    ),
]

ENDPOINTS += [
    api("GET", "/api/v1/standards/findings", VIEW),
    api("GET", "/api/v1/standards/coverage", VIEW),
]
