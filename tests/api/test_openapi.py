"""The OpenAPI of the foundation routers: stable operation ids, enums, WGS-84 docs, declared errors."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/regions/"): "regions_list",
    ("post", "/api/v1/regions/"): "regions_create",
    ("get", "/api/v1/regions/{code}"): "regions_get",
    ("patch", "/api/v1/regions/{code}"): "regions_update",
    ("delete", "/api/v1/regions/{code}"): "regions_delete",
    ("get", "/api/v1/regions/{code}/children"): "regions_children",
    ("get", "/api/v1/regions/{code}/children.geojson"): "regions_children_geojson",
    ("get", "/api/v1/regions/households/"): "households_list",
    ("post", "/api/v1/regions/households/"): "households_create",
    ("get", "/api/v1/regions/households/{household_id}"): "households_get",
    ("patch", "/api/v1/regions/households/{household_id}"): "households_update",
    ("delete", "/api/v1/regions/households/{household_id}"): "households_delete",
    ("get", "/api/v1/party/orgs/"): "party_orgs_list",
    ("post", "/api/v1/party/orgs/"): "party_orgs_create",
    ("get", "/api/v1/party/orgs/{code}"): "party_orgs_get",
    ("patch", "/api/v1/party/orgs/{code}"): "party_orgs_update",
    ("delete", "/api/v1/party/orgs/{code}"): "party_orgs_delete",
    ("post", "/api/v1/party/orgs/{code}/seats"): "party_seats_create",
    ("delete", "/api/v1/party/orgs/{code}/seats/{seat_id}"): "party_seats_delete",
    ("get", "/api/v1/party/members/"): "party_members_list",
    ("post", "/api/v1/party/members/"): "party_members_create",
    ("get", "/api/v1/party/members/{member_id}"): "party_members_get",
    ("patch", "/api/v1/party/members/{member_id}"): "party_members_update",
    ("post", "/api/v1/party/members/{member_id}/transfer"): "party_members_transfer",
    ("post", "/api/v1/party/members/{member_id}/convert"): "party_members_convert",
    ("get", "/api/v1/party/members/{member_id}/transfers"): "party_members_transfers",
    ("get", "/api/v1/units/"): "units_list",
    ("post", "/api/v1/units/"): "units_create",
    ("get", "/api/v1/units/{code}"): "units_get",
    ("patch", "/api/v1/units/{code}"): "units_update",
    ("delete", "/api/v1/units/{code}"): "units_delete",
    ("get", "/api/v1/units/instructors/"): "units_instructors_list",
    ("post", "/api/v1/units/instructors/"): "units_instructors_create",
    ("get", "/api/v1/units/instructors/{instructor_id}"): "units_instructors_get",
    ("patch", "/api/v1/units/instructors/{instructor_id}"): "units_instructors_update",
    ("get", "/api/v1/people/workers/"): "people_workers_list",
    ("post", "/api/v1/people/workers/"): "people_workers_create",
    ("get", "/api/v1/people/workers/{code}"): "people_workers_get",
    ("patch", "/api/v1/people/workers/{code}"): "people_workers_update",
    ("delete", "/api/v1/people/workers/{code}"): "people_workers_delete",
    ("get", "/api/v1/people/stewards/"): "people_stewards_list",
    ("post", "/api/v1/people/stewards/"): "people_stewards_create",
    ("get", "/api/v1/people/stewards/{steward_id}"): "people_stewards_get",
    ("patch", "/api/v1/people/stewards/{steward_id}"): "people_stewards_update",
    ("delete", "/api/v1/people/stewards/{steward_id}"): "people_stewards_delete",
    ("get", "/api/v1/people/deputies/"): "people_deputies_list",
    ("post", "/api/v1/people/deputies/"): "people_deputies_create",
    ("get", "/api/v1/people/deputies/{deputy_id}"): "people_deputies_get",
    ("patch", "/api/v1/people/deputies/{deputy_id}"): "people_deputies_update",
    ("delete", "/api/v1/people/deputies/{deputy_id}"): "people_deputies_delete",
    ("get", "/api/v1/dashboards/summary"): "dashboards_summary",
}


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    with django_db_blocker.unblock():
        r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_operations_ids_and_declared_errors(spec):
    for (method, path), op_id in OPERATIONS.items():
        op = spec["paths"][path][method]
        assert op["operationId"] == op_id
        assert {"401", "403", "404", "422"} <= set(op["responses"]), op_id
        problem = op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
        assert problem.endswith("/Problem")
        if op_id.endswith("_list") or op_id in ("regions_children", "party_members_transfers"):
            names = {p["name"] for p in op["parameters"]}
            assert {"cursor", "limit"} <= names, op_id
            ok = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            assert set(spec["components"]["schemas"][ok]["properties"]) == {"items", "next_cursor"}


def test_enums_strict_inputs_and_wgs84(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["RegionLevel"]["enum"] == [
        "city",
        "district",
        "street",
        "community",
        "neighborhood",
        "building",
        "entrance",
    ]
    assert (
        "probationary" in schemas["MemberStatus"]["enum"]
        and "owners_committee" in schemas["UnitType"]["enum"]
    )
    for name in (
        "RegionCreate",
        "RegionUpdate",
        "HouseholdCreate",
        "MemberCreate",
        "UnitUpdate",
        "TransferIn",
    ):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["MemberCreate"]["properties"]["id_number"]["maxLength"] == 18
    assert schemas["HouseholdCreate"]["properties"]["room"]["maxLength"] == 20
    for name in ("RegionOut", "RegionDetail", "UnitOut", "RegionCreate", "UnitCreate"):
        props = schemas[name]["properties"]
        for field in ("lng", "lat"):
            assert "WGS-84" in str(props[field]), (name, field)
    assert "WGS-84" in str(schemas["RegionDetail"]["properties"]["polygon"])
    for name, field in (("MemberOut", "id_number"), ("MemberOut", "phone"), ("HouseholdOut", "phone")):
        assert "脱敏" in schemas[name]["properties"][field]["description"]


def test_schema_names_are_unique_across_routers():
    """django-ninja keys OpenAPI components by class name: two routers each defining, say,
    `CoverageOut` silently share one schema, and one endpoint then documents the other's response."""
    import importlib
    import pkgutil

    from ninja import Schema

    import grassroots

    seen: dict[str, str] = {}
    clashes = []
    for mod in pkgutil.iter_modules(grassroots.__path__):
        for sub in ("api", "schemas", "analytics_api"):
            try:
                module = importlib.import_module(f"grassroots.{mod.name}.{sub}")
            except ModuleNotFoundError:
                continue
            for name, obj in vars(module).items():
                if isinstance(obj, type) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                    if name in seen and seen[name] != module.__name__:
                        clashes.append(f"{name}: {seen[name]} and {module.__name__}")
                    seen.setdefault(name, module.__name__)
    assert not clashes, clashes


def test_schema_is_built_once_per_process(monkeypatch, db):
    """The schema was rebuilt on every request (1 to 7 s); now the second request reuses the first."""
    import ninja.main

    from grassroots.core.api import api

    api.__dict__.pop("_schema_cache", None)
    calls = []
    real = ninja.main.get_schema

    def counting(**kwargs):
        calls.append(kwargs["path_prefix"])
        return real(**kwargs)

    monkeypatch.setattr(ninja.main, "get_schema", counting)
    first = Client().get("/api/v1/openapi.json")
    second = Client().get("/api/v1/openapi.json")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert calls == ["/api/v1/"]
