"""Every public read of a case's free text is redacted (issue 14.4): Open311 without a key, the tracking
page. Staff with dispatch rights over the case moderate the public text (edit or hide), audited."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from grassroots.cases import moderation
from grassroots.cases import services as cases
from grassroots.cases.models import Case, Category, Channel
from grassroots.core.errors import PermissionDenied
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SECRET_TEXT = "联系电话13800138000，3号楼2单元501"
SECRETS = ("13800138000", "3号楼", "2单元", "501")


@pytest.fixture
def pub(city, make_user, token_for):
    community = city.communities[0]
    resident = make_user("resident_p", "resident")
    case = cases.submit(
        resident,
        channel=Channel.H5,
        region=community,
        category=Category.objects.get(code="1101"),
        description=f"楼道灯坏了，{SECRET_TEXT}，联系人王小明",
        lng=120.3051234,
        lat=36.0652345,
        address="幸福路 8 号",
    )
    admin = make_user("c_admin_p", "community_admin", community)
    worker = make_user("gw_p", "grid_worker", community)
    return type("P", (), {"case": case, "admin": admin, "worker": worker, "key": token_for(admin)})


def _open311(number, **params):
    r = Client().get(f"/open311/v2/requests/{number}.json", {"jurisdiction_id": "", **params})
    assert r.status_code == 200
    return r, json.loads(r.content)[0]


def test_open311_without_key_reads_the_description_redacted(pub):
    r, req = _open311(pub.case.number)
    for secret in (*SECRETS, "王小明"):
        assert secret not in r.content.decode(), secret
    assert req["description"].startswith("楼道灯坏了") and "＊＊" in req["description"]
    r = Client().get(f"/open311/v2/requests/{pub.case.number}.xml")
    assert all(s not in r.content.decode() for s in SECRETS)
    listed = Client().get("/open311/v2/requests.json", {"jurisdiction_id": ""}).content.decode()
    assert pub.case.number in listed and all(s not in listed for s in SECRETS)
    # The stored text is unchanged, and a key that may see the case reads it in full.
    assert Case.objects.get(pk=pub.case.pk).description.endswith("联系人王小明")
    _, full = _open311(pub.case.number, api_key=pub.key)
    assert SECRET_TEXT in full["description"]


def test_resolution_in_status_notes_is_redacted(pub):
    Case.objects.filter(pk=pub.case.pk).update(state="closed", resolution="已联系 13900001111 更换灯泡")
    r, req = _open311(pub.case.number)
    assert "13900001111" not in r.content.decode() and "更换灯泡" in req["status_notes"]


def test_tracking_page_shows_the_redacted_text(pub):
    html = Client().get(f"/cases/track/{cases.tracking_token(pub.case)}/").content.decode()
    assert "楼道灯坏了" in html
    for secret in (*SECRETS, "王小明"):
        assert secret not in html, secret


def test_staff_edit_and_hide_the_public_text_audited(pub, client_for):
    c = client_for(pub.admin)
    detail = c.get(f"/cases/{pub.case.pk}/").content.decode()
    assert "data-public-text" in detail and f'action="/cases/{pub.case.pk}/moderate/"' in detail
    r = c.post(
        f"/cases/{pub.case.pk}/moderate/", {"public_description": "楼道灯损坏，请物业维修 13700001111"}
    )
    assert r.status_code == 302
    _, req = _open311(pub.case.number)
    assert req["description"].startswith("楼道灯损坏，请物业维修") and "13700001111" not in req["description"]
    c.post(f"/cases/{pub.case.pk}/moderate/", {"public_description": "", "public_hidden": "on"})
    case = Case.objects.get(pk=pub.case.pk)
    assert case.public_hidden and case.public_description == ""
    _, req = _open311(pub.case.number)
    assert req["description"] == Case.PUBLIC_HIDDEN_TEXT
    html = Client().get(f"/cases/track/{cases.tracking_token(case)}/").content.decode()
    assert "楼道灯" not in html and Case.PUBLIC_HIDDEN_TEXT in html
    events = AuditEvent.objects.filter(model="cases.case", object_id=str(case.pk), action="update")
    assert [sorted(e.changes) for e in events.order_by("id")] == [
        ["public_description"],
        ["public_description", "public_hidden"],
    ]
    assert case.description.endswith("联系人王小明")  # the original is kept for staff


def test_moderation_needs_dispatch_rights_in_scope(pub, client_for, city, make_user):
    with pytest.raises(PermissionDenied):
        moderation.moderate_public_text(pub.worker, pub.case, public_hidden=True)
    r = client_for(pub.worker).post(f"/cases/{pub.case.pk}/moderate/", {"public_hidden": "on"})
    assert r.status_code == 302
    other = make_user("c_admin_other", "community_admin", city.communities[1])
    assert (
        client_for(other).post(f"/cases/{pub.case.pk}/moderate/", {"public_hidden": "on"}).status_code == 404
    )
    assert not Case.objects.get(pk=pub.case.pk).public_hidden
    assert not AuditEvent.objects.filter(model="cases.case", action="update").exists()
