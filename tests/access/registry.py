"""The endpoint registry of the role × endpoint matrix (tests/access/test_matrix.py).

Contract for every app (see docs/access-matrix.md):

* Each app declares its endpoints in `tests/<app>/endpoints.py` as a module-level list
  `ENDPOINTS = [...]` built with `page(...)`, `api(...)` and `excluded(...)` from this module.
  Files are collected automatically (`tests/*/endpoints.py`); no registration elsewhere.
* A page is keyed by its URL name (`"regions:household_detail"`); an API operation by
  `"METHOD /api/v1/path/{param}"` exactly as in /api/v1/openapi.json.
* Every URL pattern of the resolver and every OpenAPI operation must be declared exactly once, and
  every declaration must exist: an undeclared or stale endpoint fails test_registry_is_complete.
* `kwargs` / `params`: a function of the world `w` (tests/access/world.py) giving the URL kwargs for
  an object IN the scope of community A; `out`: the same for an object of community B (another street).
  Leave `out` None when the URL names no object (lists, create forms).
* `roles`: the subjects (role codes of accounts.permissions.BUILTIN_ROLES) that may use the endpoint on
  the in-scope object. Build it from permissions with `holders("regions.view")`; own-records roles
  (resident, party_member) are excluded by `holders` unless `own=True`.
  Out-of-scope: allowed only for the roles in `roles` whose scope covers community B (WIDE), else 404.
* Expectations: allowed -> status in `ok` (default 200); denied -> 404. A visible object refused for
  lack of a permission may answer 403 for the roles in `forbidden` (or a status in `refused`, e.g. a
  302 back to the page with an error message). A denied request must write no audit record.
  Endpoints naming no object may answer 403 or 404 to a user without the permission.
  Anonymous: pages redirect to the login page, the API answers 401, unless `public=True`. Never a 5xx.
* Out of scope is requested for the subjects in `roles` (and "nobody"): a subject refused in scope for
  lack of a permission is refused out of scope by the same check.
* `data` / `body`: form data or JSON body (function of `w`) for POST/PUT/PATCH; every request runs in a
  transaction that is rolled back, so writes are safe.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grassroots.accounts.permissions import BUILTIN_ROLES

__all__ = [
    "Endpoint",
    "page",
    "api",
    "excluded",
    "holders",
    "ALL_ROLES",
    "OWN_ROLES",
    "WIDE",
    "SUBJECTS",
    "collect",
]

ALL_ROLES = frozenset(BUILTIN_ROLES)
OWN_ROLES = frozenset(code for code, (_n, _p, kind) in BUILTIN_ROLES.items() if kind == "own")
# Subjects whose scope covers community B too (see world.SCOPES): the city-wide roles.
WIDE = frozenset({"city_admin", "district_admin", "auditor", "system_admin", "security_admin"})
# Every built-in role, a logged-in user without any assignment, and an anonymous visitor.
SUBJECTS = tuple(sorted(ALL_ROLES)) + ("nobody", "anonymous")


def holders(*perms: str, own: bool = False) -> frozenset[str]:
    """Roles whose built-in permission set holds all of `perms` (own-records roles only if own=True)."""
    out = {code for code, (_n, p, _k) in BUILTIN_ROLES.items() if set(perms) <= set(p)}
    return frozenset(out if own else out - OWN_ROLES)


Kw = Callable[[object], dict] | None


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "page" | "api" | "excluded"
    key: str
    roles: frozenset[str] = frozenset()
    kwargs: Kw = None
    out: Kw = None
    method: str = "GET"
    data: Kw = None
    data_out: Kw = None
    query: dict = field(default_factory=dict)
    ok: tuple[int, ...] = (200,)
    forbidden: frozenset[str] = frozenset()
    refused: tuple[int, ...] = ()
    public: bool = False
    reason: str = ""
    source: str = ""

    @property
    def id(self) -> str:
        return self.key if self.kind != "page" or self.method == "GET" else f"{self.method} {self.key}"


def page(
    name: str,
    roles,
    *,
    kwargs: Kw = None,
    out: Kw = None,
    method: str = "GET",
    data: Kw = None,
    data_out: Kw = None,
    query: dict | None = None,
    ok=(200,),
    forbidden=frozenset(),
    refused=(),
    public: bool = False,
) -> Endpoint:
    return Endpoint(
        kind="page",
        key=name,
        roles=frozenset(roles),
        kwargs=kwargs,
        out=out,
        method=method,
        data=data,
        data_out=data_out,
        query=query or {},
        ok=tuple(ok),
        forbidden=frozenset(forbidden),
        refused=tuple(refused),
        public=public,
    )


def api(
    method: str,
    path: str,
    roles,
    *,
    params: Kw = None,
    out: Kw = None,
    body: Kw = None,
    body_out: Kw = None,
    query: dict | None = None,
    ok=(200,),
    forbidden=frozenset(),
    refused=(),
    public: bool = False,
) -> Endpoint:
    return Endpoint(
        kind="api",
        key=f"{method.upper()} {path}",
        roles=frozenset(roles),
        kwargs=params,
        out=out,
        method=method.upper(),
        data=body,
        data_out=body_out,
        query=query or {},
        ok=tuple(ok),
        forbidden=frozenset(forbidden),
        refused=tuple(refused),
        public=public,
    )


def excluded(key: str, reason: str) -> Endpoint:
    """A URL pattern (by name, or by route when unnamed) or an API operation left out, with the reason."""
    if not reason:
        raise ValueError("excluded() needs a reason")
    return Endpoint("excluded", key, reason=reason)


def collect() -> list[Endpoint]:
    """Every ENDPOINTS list of tests/*/endpoints.py."""
    root = Path(__file__).resolve().parent.parent
    out: list[Endpoint] = []
    for path in sorted(root.glob("*/endpoints.py")):
        spec = importlib.util.spec_from_file_location(f"_endpoints_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for e in module.ENDPOINTS:
            out.append(Endpoint(**{**e.__dict__, "source": f"tests/{path.parent.name}/endpoints.py"}))
    return out
