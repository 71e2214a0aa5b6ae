"""Query budgets on every list: each ScopedListView page (found through the URL resolver) and each API
list operation (found in the OpenAPI schema) answers the administrator, over the generated demo city,
within a fixed number of queries. A list doing one query per row (N+1) blows the budget as soon as the
page holds more rows than the budget's slack; every list here is checked to hold rows where the demo
has them, so the budget is measured with data present."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Pages: the list itself, its filters, its region choices, the menu and the session: no row may cost
# a query. The API: authentication, scope and the page of rows.
PAGE_BUDGET = 40
API_BUDGET = 20
API_PAGE = 50
# Answers computed over a fixed set, not pages of rows: the health check (a few queries per ORG/COV
# rule) and the indicators of one region (a few queries per registered indicator). Both stay fixed
# whatever the number of rows.
API_BUDGETS = {"/api/v1/standards/findings": 30, "/api/v1/standards/indicators": 45}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def list_pages() -> list[str]:
    """Paths of every ScopedListView without URL parameters (the lists a menu links to)."""
    from grassroots.core.views import ScopedListView

    out = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, ScopedListView):
            continue
        if "<" in route or "(" in route or "^" in route:
            continue  # a list under an object (its detail's tab): reached through its parent
        out.append("/" + route)
    return sorted(set(out))


def api_lists() -> list[str]:
    """Paths of every API GET operation without path parameters whose answer is a page of items."""
    from grassroots.core.api import api

    schema = api.get_openapi_schema()
    out = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if op is None or "{" in path:
            continue
        ok = op.get("responses", {}).get(200) or op.get("responses", {}).get("200") or {}
        ref = ok.get("content", {}).get("application/json", {}).get("schema", {})
        name = ref.get("$ref", "").rsplit("/", 1)[-1]
        body = schema.get("components", {}).get("schemas", {}).get(name, {})
        if ref.get("type") == "array" or "items" in body.get("properties", {}):
            out.append(path)
    return sorted(out)


def test_enumeration_finds_the_lists():
    pages, apis = list_pages(), api_lists()
    assert "/cases/" in pages and "/party/members/" in pages and len(pages) > 40, pages
    assert "/api/v1/cases/" in apis and len(apis) > 40, apis


@pytest.fixture(scope="module")
def admin_client(demo_city, django_db_blocker):
    from grassroots.accounts.models import User

    with django_db_blocker.unblock():
        c = Client()
        c.force_login(User.objects.get(username="admin"))
    return c


@pytest.mark.django_db
@pytest.mark.parametrize("path", list_pages())
def test_list_page_within_budget(admin_client, path, django_assert_max_num_queries):
    admin_client.get(path)  # warm the per-process caches (menu, rules) the way a second visit finds them
    with django_assert_max_num_queries(PAGE_BUDGET):
        r = admin_client.get(path)
    assert r.status_code in (200, 302, 403), (path, r.status_code)
    if r.status_code == 200 and r.context and "page_obj" in r.context:
        page = r.context["page_obj"]
        if page.paginator.count:
            assert len(page.object_list) == min(page.paginator.count, page.paginator.per_page)


@pytest.mark.django_db
@pytest.mark.parametrize("path", api_lists())
def test_api_list_within_budget(admin_client, path, django_assert_max_num_queries):
    url = f"{path}?limit={API_PAGE}"
    admin_client.get(url)
    with django_assert_max_num_queries(API_BUDGETS.get(path, API_BUDGET)):
        r = admin_client.get(url)
    # 404: a list of the caller's own role that this account doesn't hold (a household hub's links).
    assert r.status_code in (200, 400, 403, 404, 422), (path, r.status_code, r.content[:300])
