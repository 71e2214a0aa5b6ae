"""/api/v1/standards/: rules, PATCH params, findings (scoped, filtered, paginated), coverage."""

from __future__ import annotations

import json

import pytest

from grassroots.core.models import AuditEvent
from grassroots.standards.models import Rule
from grassroots.units.models import Unit
from tests.factories import add_unit_members

pytestmark = pytest.mark.django_db


def api(client, method, url, token, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1/standards{url}", **kwargs)


@pytest.fixture
def small_units(city):
    units = [
        Unit.objects.create(code=f"API{i}", name=f"接口单位{i}", type="private", region=c, employees=60)
        for i, c in enumerate(city.communities)
    ]
    for u, branch in zip(units, city.branches, strict=False):
        add_unit_members(u, 2, branch)
    return units


def test_list_rules(city, make_user, token_for, client):
    token = token_for(make_user("c0", "community_admin", city.communities[0]))
    data = api(client, "get", "/rules", token).json()
    by_code = {r["code"]: r for r in data}
    assert by_code["ORG-6"]["params"] == {
        "years": {"committee": 5, "general_branch": 3, "branch": 3},
        "community_years": {"committee": 5, "general_branch": 5, "branch": 5},
        "warn_days": 90,
    }
    assert by_code["ORG-6"]["source"].startswith("中共中央办公厅《关于党的基层组织任期的意见》")
    assert by_code["ORG-6"]["param_labels"]["warn_days"] == "提前预警天数"


def test_patch_rule_needs_standards_change(city, make_user, token_for, client):
    token = token_for(make_user("c0", "community_admin", city.communities[0]))
    resp = api(client, "patch", "/rules/ORG-1", token, {"params": {"min_full_members": 5}})
    assert resp.status_code == 403 and resp["Content-Type"] == "application/problem+json"
    assert Rule.objects.get(code="ORG-1").params == {"min_full_members": 3}
    outsider = token_for(make_user("nobody"))
    assert api(client, "patch", "/rules/ORG-1", outsider, {"enabled": False}).status_code == 403


def test_patch_rule_params(city, make_user, token_for, client, small_units):
    token = token_for(make_user("city", "city_admin", city.city))
    before = api(client, "get", "/findings?rule=ORG-2", token).json()["count"]
    assert before == 4
    resp = api(client, "patch", "/rules/ORG-2", token, {"params": {"min_full_members": 2}})
    assert resp.status_code == 200 and resp.json()["params"] == {"min_full_members": 2}
    assert api(client, "get", "/findings?rule=ORG-2", token).json()["count"] == 0
    assert AuditEvent.objects.filter(model="standards.rule", action="update").count() == 1


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"params": {"min_full_members": 0}}, 400, "min_full_members"),
        ({"params": {"unknown": 3}}, 400, "unknown"),
        ({"params": {"min_full_members": "many"}}, 400, "min_full_members"),
        ({"params": {"min_full_members": {"branch": 3}}}, 400, "min_full_members"),
    ],
)
def test_patch_rule_validation(city, make_user, token_for, client, body, status, field):
    token = token_for(make_user("city", "city_admin", city.city))
    resp = api(client, "patch", "/rules/ORG-1", token, body)
    assert resp.status_code == status
    problem = resp.json()
    assert field in problem["errors"] and problem["detail"]
    assert Rule.objects.get(code="ORG-1").params == {"min_full_members": 3}


def test_patch_unknown_rule_is_404(city, make_user, token_for, client):
    token = token_for(make_user("city", "city_admin", city.city))
    assert api(client, "patch", "/rules/ORG-99", token, {"enabled": False}).status_code == 404


def test_findings_scope_filters_and_pagination(city, make_user, token_for, client, small_units):
    token = token_for(make_user("c0", "community_admin", city.communities[0]))
    data = api(client, "get", "/findings?object_type=unit", token).json()
    assert {i["object_name"] for i in data["items"]} == {"接口单位0"}  # never another community's
    assert {i["rule"] for i in data["items"]} == {"ORG-2", "COV-2", "COV-3"}
    assert data["summary"]["by_rule"]["ORG-9"] == 3
    page = api(client, "get", "/findings?limit=2&offset=1", token).json()
    assert page["count"] == data["summary"]["total"] and len(page["items"]) == 2
    item = data["items"][0]
    assert item["model"] == "units.unit" and item["object_id"] == small_units[0].pk
    assert item["action"] and item["message"]


def test_findings_region_outside_scope_is_404(city, make_user, token_for, client):
    token = token_for(make_user("c0", "community_admin", city.communities[0]))
    assert api(client, "get", f"/findings?region={city.communities[1].code}", token).status_code == 404
    assert api(client, "get", "/findings?severity=bad", token).status_code == 422


def test_coverage(city, make_user, token_for, client, small_units):
    Unit.objects.filter(pk=small_units[0].pk).update(party_work="joint_org", party_org=city.branches[0])
    token = token_for(make_user("city", "city_admin", city.city))
    data = api(client, "get", f"/coverage?region={city.streets[0].code}", token).json()
    assert data["units"] == 4 and data["should"] == 2 and data["covered"] == 1 and data["rate"] == 50.0
    assert [(c["code"], c["rate"]) for c in data["children"]] == [
        (city.communities[0].code, 100.0),
        (city.communities[1].code, 0.0),
    ]
    whole = api(client, "get", "/coverage", token).json()
    assert whole["should"] == 4 and whole["covered"] == 1 and whole["children"] == []


def test_api_needs_standards_view(city, make_user, token_for, client):
    token = token_for(make_user("dept", "department_handler", city.communities[0]))
    assert api(client, "get", "/findings", token).status_code == 403
    assert api(client, "get", "/coverage", token).status_code == 403


def test_patch_rejects_unknown_fields_and_openapi_declares_errors(city, make_user, token_for, client):
    token = token_for(make_user("city", "city_admin", city.city))
    resp = api(client, "patch", "/rules/ORG-1", token, {"enabled": False, "title": "x"})
    assert resp.status_code == 422 and Rule.objects.get(code="ORG-1").enabled is True
    spec = client.get("/api/v1/openapi.json").json()
    ops = {
        ("get", "/api/v1/standards/rules"): "standards_rules",
        ("patch", "/api/v1/standards/rules/{code}"): "standards_rules_update",
        ("get", "/api/v1/standards/findings"): "standards_findings",
        ("get", "/api/v1/standards/coverage"): "standards_coverage",
    }
    for (method, path), op_id in ops.items():
        op = spec["paths"][path][method]
        assert op["operationId"] == op_id
        assert {"400", "401", "403", "404", "422"} <= set(op["responses"])
    severity = spec["components"]["schemas"]["FindingOut"]["properties"]["severity"]
    assert severity.get("enum") == ["violation", "warning", "suggestion"]
