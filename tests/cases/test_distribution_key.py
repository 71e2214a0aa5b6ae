"""Citus on paper (docs/SCALE.md): every scoped list a street administrator opens must filter on the
distribution key — the region (or party-org) path prefix of one of the user's grants, which starts with
the path of the city the rows belong to — so that, sharded by city, each list is a single-shard query.

The list views are found from the URL conf (every ScopedListView subclass routed), not from a hand-kept
list, so a new list that forgets its scope fails here.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import EmptyResultSet
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from grassroots.core.scoping import grants_for
from grassroots.core.views import ScopedListView

# Lists of reference tables (docs/SCALE.md: replicated to every node, the same for every city): they
# need no distribution key. Anything else unscoped fails.
REFERENCE_TABLES = {"standards_item"}


def _patterns(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def scoped_list_views():
    seen, out = set(), []
    for route, p in _patterns(get_resolver()):
        cls = getattr(p.callback, "view_class", None)
        if cls is None or not issubclass(cls, ScopedListView) or "<" in route or cls in seen:
            continue
        seen.add(cls)
        out.append((route, cls))
    return out


def test_the_url_conf_routes_many_scoped_lists():
    routes = [route for route, _ in scoped_list_views()]
    assert len(routes) >= 20, routes
    assert "cases/" in routes


@pytest.mark.django_db
def test_every_scoped_list_of_a_street_admin_filters_on_the_distribution_key(city, make_user):
    street = city.streets[0]
    user = make_user("street_dist", "street_admin", street)
    prefixes = {g.region_path for g in grants_for(user) if g.region_path} | {
        g.org_path for g in grants_for(user) if g.org_path
    }
    # The street's region path starts with its city's (the root of the region tree): the shard key.
    assert street.path in prefixes and street.path.startswith(city.city.path)
    checked, missing, reference = [], [], []
    for route, cls in scoped_list_views():
        request = RequestFactory().get("/" + route)
        request.user = user
        view = cls()
        view.setup(request)
        try:
            qs = view.get_queryset()
        except Exception as exc:  # a list the role may not open at all (403/404) has no query to check
            if type(exc).__name__ in ("Http404", "PermissionDenied"):
                continue
            raise
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:  # nothing in scope: Django sends no query at all, nothing to route
            continue
        if qs.model._meta.db_table in REFERENCE_TABLES:
            reference.append(route)
            continue
        if "LIKE" not in sql.upper() and not params:
            missing.append((route, sql))
            continue
        if any(isinstance(v, str) and v.endswith("%") and v[:-1] in prefixes for v in params):
            checked.append(route)
        else:
            missing.append((route, sql % tuple(repr(v) for v in params)))
    assert not missing, "\n".join(f"{r}: {s}" for r, s in missing)
    assert "cases/" in checked
    assert reference == ["standards/catalog/"]
    assert len(checked) >= 15, checked
