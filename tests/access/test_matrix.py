"""Role × endpoint matrix: every URL and every API operation × every subject × in/out of scope.

Endpoints are declared in tests/<app>/endpoints.py (contract: tests/access/registry.py). A new URL or
API operation without a declaration fails test_registry_is_complete, naming it.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.registry import SUBJECTS, WIDE, collect

# The mark makes pytest-django create the test database; each test runs in a transaction rolled back
# inside the module's world (tests/access/conftest.py).
pytestmark = pytest.mark.django_db

ENDPOINTS = collect()
CHECKED = [e for e in ENDPOINTS if e.kind != "excluded"]


def walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            n = ":".join(x for x in (ns, p.namespace or "") if x)
            yield from walk(p.url_patterns, prefix + str(p.pattern), n)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield prefix + str(p.pattern), name


def api_operations() -> set[str]:
    from grassroots.api_routes import api

    schema = api.get_openapi_schema()
    ops = set()
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.add(f"{method.upper()} {path}")
    return ops


def _route_as_openapi(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _excluded(key: str, excluded: list[str]) -> bool:
    return any(key == x or (x.endswith("*") and key.startswith(x[:-1])) for x in excluded)


def test_registry_is_complete():
    from collections import Counter

    seen = Counter((e.key, e.method) for e in ENDPOINTS)
    dupes = sorted(f"{m} {k}" for (k, m), n in seen.items() if n > 1)
    excluded = [e.key for e in ENDPOINTS if e.kind == "excluded"]
    ops = api_operations()
    op_paths = {o.split(" ", 1)[1] for o in ops}
    pages = set()
    for route, name in walk(get_resolver().url_patterns):
        if name.startswith("api:") and _route_as_openapi(route) in op_paths:
            continue  # an API operation: checked through the OpenAPI schema below
        pages.add(name or route)
    page_keys = {e.key for e in ENDPOINTS if e.kind == "page"}
    api_keys = {e.key for e in ENDPOINTS if e.kind == "api"}
    missing = sorted(k for k in pages | ops if k not in page_keys | api_keys and not _excluded(k, excluded))
    stale = sorted((page_keys - pages) | (api_keys - ops))
    stale += sorted(x for x in excluded if not any(_excluded(k, [x]) for k in pages | ops))
    problems = []
    if missing:
        problems.append(
            "Endpoints missing from the access matrix (declare them in tests/<app>/endpoints.py, "
            "see tests/access/registry.py):\n  " + "\n  ".join(missing)
        )
    if stale:
        problems.append("Declared endpoints that no longer exist:\n  " + "\n  ".join(stale))
    if dupes:
        problems.append("Declared twice:\n  " + "\n  ".join(dupes))
    assert not problems, "\n".join(problems)


def _request(w, ep, subject: str, case: str):
    kwargs_fn = ep.kwargs if case == "in" else ep.out
    data_fn = ep.data if case == "in" else (ep.data_out or ep.data)
    kwargs = kwargs_fn(w) if kwargs_fn else {}
    if ep.kind == "page":
        url = reverse(ep.key, kwargs=kwargs) if kwargs else reverse(ep.key)
    else:
        url = ep.key.split(" ", 1)[1].format(**kwargs)
    client = Client(raise_request_exception=False)
    headers = {}
    if subject != "anonymous":
        if ep.kind == "page":
            client.cookies = copy.deepcopy(w.cookies[subject])
        else:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {w.tokens[subject]}"
    data = data_fn(w) if data_fn else None
    method = ep.method.lower()
    from grassroots.core.models import AuditEvent

    with transaction.atomic():
        before = AuditEvent.objects.count()
        if ep.kind == "api" and method != "get":
            body = json.dumps(data or {})
            qs = ("?" + "&".join(f"{k}={v}" for k, v in ep.query.items())) if ep.query else ""
            r = getattr(client, method)(url + qs, body, content_type="application/json", **headers)
        elif method == "get":
            r = client.get(url, ep.query, **headers)
        else:
            r = getattr(client, method)(url, data or {}, **headers)
        r.audit_rows = AuditEvent.objects.count() - before
        transaction.set_rollback(True)
    return url, r


def _verdict(ep, subject: str, case: str, r) -> str | None:
    problem = _status_verdict(ep, subject, case, r)
    if problem is None and not _allowed(ep, subject, case) and r.audit_rows:
        problem = (
            f"{r.status_code} but refused requests must change nothing ({r.audit_rows} audit rows written)"
        )
    return problem


def _allowed(ep, subject: str, case: str) -> bool:
    if subject == "anonymous":
        return ep.public
    return ep.public or (subject in ep.roles and (case == "in" or subject in WIDE))


def _status_verdict(ep, subject: str, case: str, r) -> str | None:
    status = r.status_code
    if status >= 500:
        return f"{status} server error"
    if subject == "anonymous" and not ep.public:
        if ep.kind == "api":
            return None if status == 401 else f"{status}, expected 401"
        if status == 302 and r["Location"].startswith("/accounts/login/"):
            return None
        return f"{status}, expected a redirect to the login page"
    if _allowed(ep, subject, case):
        return None if status in ep.ok else f"{status}, expected allowed {ep.ok}"
    if case == "out" and subject not in WIDE:
        return None if status == 404 else f"{status}, expected 404 (out of scope)"
    if case == "out" and subject in ep.forbidden:
        return None if status in (403, 404, *ep.refused) else f"{status}, expected 403/404"
    if ep.kwargs is None:
        return None if status in (403, 404) else f"{status}, expected 403/404 (no permission)"
    expected = {404} | ({403, *ep.refused} if subject in ep.forbidden else set())
    return None if status in expected else f"{status}, expected {sorted(expected)}"


@pytest.mark.parametrize("ep", CHECKED, ids=[e.id for e in CHECKED])
def test_endpoint(w, ep):
    failures = []
    cases = ["in"] + (["out"] if ep.out is not None or ep.data_out is not None else [])
    for subject in SUBJECTS:
        for case in cases:
            if case == "out" and subject not in ep.roles | ep.forbidden | {"nobody"}:
                continue  # refused in scope for lack of the permission: the same check refuses out of scope
            url, r = _request(w, ep, subject, case)
            problem = _verdict(ep, subject, case, r)
            if problem:
                failures.append(f"{subject:<18} {case:<3} {ep.method} {url}: {problem}")
    assert not failures, f"{ep.key} ({ep.source}):\n" + "\n".join(failures)
