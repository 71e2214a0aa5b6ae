"""Bad input on API writes: malformed JSON, wrong types, oversize fields and unknown codes get a 4xx
problem+json with a Chinese message, and nothing changes (row counts and the audit log)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def _models():
    from grassroots.party.models import Member
    from grassroots.people.models import Worker
    from grassroots.regions.models import Household
    from grassroots.units.models import Unit

    return {"household": Household, "member": Member, "unit": Unit, "worker": Worker}


# (method, path, model key, valid body, field to break with a wrong type, text field, code field)
TARGETS = [
    (
        "POST",
        "/api/v1/regions/households/",
        "household",
        lambda c: {"entrance_code": _entrance(c).code, "room": "808", "head_name": "张三"},
        "size",
        "head_name",
        "entrance_code",
    ),
    (
        "POST",
        "/api/v1/party/members/",
        "member",
        lambda c: {
            "name": "李四",
            "gender": "male",
            "id_number": "370202199001019999",
            "party_org_code": c.branches[0].code,
            "status": "full",
            "joined_on": "2015-07-01",
        },
        "joined_on",
        "name",
        "party_org_code",
    ),
    (
        "POST",
        "/api/v1/units/",
        "unit",
        lambda c: {
            "code": "UBAD1",
            "name": "某公司",
            "type": "private",
            "region_code": c.communities[0].code,
        },
        "employees",
        "name",
        "region_code",
    ),
    (
        "POST",
        "/api/v1/people/workers/",
        "worker",
        lambda c: {
            "code": "WBAD1",
            "name": "王五",
            "region_code": c.communities[0].code,
            "post": "staff",
            "grade": 15,
        },
        "grade",
        "name",
        "region_code",
    ),
    (
        "PATCH",
        "/api/v1/regions/households/{household}",
        "household",
        lambda c: {"note": "备注"},
        "size",
        "note",
        "entrance_code",
    ),
]


def _entrance(c):
    from grassroots.regions.models import Region

    return Region.objects.filter(path__startswith=c.communities[0].path, level="entrance").first()


def _bad_bodies(valid: dict, type_field: str, text_field: str, code_field: str):
    yield "malformed JSON", '{"room": "1", '
    yield "not an object", "[1, 2, 3]"
    yield "wrong type", json.dumps({**valid, type_field: {"nested": ["x"]}})
    yield "oversize", json.dumps({**valid, text_field: "长" * 5000})
    yield "unknown code", json.dumps({**valid, code_field: "999999999999999"})


@pytest.mark.parametrize("target", TARGETS, ids=[f"{t[0]} {t[1]}" for t in TARGETS])
def test_bad_input_is_4xx_in_chinese_and_changes_nothing(city, make_user, token_for, target):
    method, path, key, valid_fn, type_field, text_field, code_field = target
    admin = make_user("admin", "city_admin", city.city)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(admin)}")
    model = _models()[key]
    path = path.format(household=city.households[0].pk)
    snapshot = list(model.objects.order_by("pk").values())
    audit = AuditEvent.objects.count()
    for label, body in _bad_bodies(valid_fn(city), type_field, text_field, code_field):
        call = getattr(client, method.lower())
        r = call(path, body, content_type="application/json")
        assert 400 <= r.status_code < 500, f"{label}: {r.status_code} {r.content[:200]}"
        assert r["Content-Type"] == "application/problem+json", label
        problem = r.json()
        assert CJK.search(problem["title"]) and CJK.search(problem["detail"]), f"{label}: {problem}"
        assert list(model.objects.order_by("pk").values()) == snapshot, f"{label} changed {key} rows"
        assert AuditEvent.objects.count() == audit, f"{label} wrote an audit record"
    # The valid body works: the failures above were about the input, not the endpoint.
    r = getattr(client, method.lower())(path, json.dumps(valid_fn(city)), content_type="application/json")
    assert r.status_code in (200, 201), r.content[:300]
    assert AuditEvent.objects.count() == audit + 1


def test_unmask_requires_a_purpose_and_is_audited(city, make_user, token_for):
    admin = make_user("admin", "community_admin", city.communities[0])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(admin)}")
    member = city.members[0]
    body = {"model": "party.member", "id": member.pk, "field": "id_number"}
    r = client.post("/api/v1/personal/unmask", {**body, "purpose": ""}, content_type="application/json")
    assert r.status_code == 422 and CJK.search(r.json()["detail"])
    r = client.post("/api/v1/personal/unmask", {**body, "field": "name"}, content_type="application/json")
    assert r.status_code == 422
    r = client.post(
        "/api/v1/personal/unmask",
        {**body, "field": "name", "purpose": "核实"},
        content_type="application/json",
    )
    assert r.status_code == 404  # not a personal field
    assert not AuditEvent.objects.filter(action="unmask").exists()
    r = client.post(
        "/api/v1/personal/unmask", {**body, "purpose": "核实身份"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["value"] == member.id_number
    ev = AuditEvent.objects.get(action="unmask")
    assert (
        ev.purpose == "核实身份"
        and ev.actor_id == admin.pk
        and member.id_number not in json.dumps(ev.changes)
    )
    # masked everywhere else: the member detail in the API never carries the plaintext
    r = client.get(f"/api/v1/party/members/{member.pk}")
    assert member.id_number not in r.content.decode() and member.phone not in r.content.decode()
