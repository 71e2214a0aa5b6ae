"""Access matrix entries of Open311 GeoReport v2 (contract: tests/access/registry.py).

The spec's reads are public (they carry no personal data unless the api_key's account may see the
case: tests/open311/test_open311.py); POST needs an api_key and answers 403 without one."""

from tests.access.registry import ALL_ROLES, page

EVERYONE = ALL_ROLES | {"nobody"}
_JSON = lambda w: {"fmt": "json"}  # noqa: E731

ENDPOINTS = [
    page("open311:discovery", EVERYONE, public=True, kwargs=_JSON),
    page("open311:services", EVERYONE, public=True, kwargs=lambda w: {"fmt": "xml"}),
    page("open311:service", EVERYONE, public=True, kwargs=lambda w: {"code": "1101", "fmt": "json"}),
    page("open311:service_alias", EVERYONE, public=True, kwargs=lambda w: {"code": "1101", "fmt": "xml"}),
    page("open311:requests", EVERYONE, public=True, kwargs=_JSON),
    page(
        "open311:request", EVERYONE, public=True, kwargs=lambda w: {"number": w.case_a.number, "fmt": "json"}
    ),
    page("open311:token", EVERYONE, public=True, kwargs=lambda w: {"token": w.case_a.number, "fmt": "xml"}),
]
