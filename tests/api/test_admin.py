"""Django admin: scoped for staff, personal fields masked, writes audited, audit log read-only."""

import pytest

from grassroots.core.models import AuditEvent
from grassroots.regions.models import Household
from grassroots.standards.models import Rule

from .conftest import events

pytestmark = pytest.mark.django_db


def test_superuser_pages_show_no_plaintext(city, make_user, client_for):
    c = client_for(make_user("root", is_superuser=True, is_staff=True))
    m, h = city.members[0], city.households[0]
    pages = [
        "/admin/",
        "/admin/regions/region/",
        f"/admin/regions/region/{city.communities[0].pk}/change/",
        "/admin/regions/household/",
        f"/admin/regions/household/{h.pk}/change/",
        "/admin/party/partyorg/",
        f"/admin/party/partyorg/{city.branches[0].pk}/change/",
        "/admin/party/member/",
        f"/admin/party/member/{m.pk}/change/",
        "/admin/party/transfer/",
        "/admin/units/unit/",
        "/admin/people/worker/",
        "/admin/core/auditevent/",
        "/admin/standards/rule/",
    ]
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        for secret in (m.id_number, m.phone, h.phone, city.workers[0].phone):
            assert secret not in body, (url, secret)
    assert "*" * 14 + m.id_number[-4:] in c.get("/admin/party/member/").content.decode()


def test_staff_sees_only_scope(city, make_user, client_for):
    staff = make_user("staff", "community_admin", city.communities[0], is_staff=True)
    c = client_for(staff)
    r = c.get("/admin/regions/household/")
    assert r.status_code == 200
    assert list(r.context["cl"].queryset.values_list("pk", flat=True).order_by("pk")) == [
        h.pk for h in city.households[:2]
    ]
    assert c.get(f"/admin/regions/household/{city.households[0].pk}/change/").status_code == 200
    foreign = c.get(f"/admin/regions/household/{city.households[4].pk}/change/")
    assert foreign.status_code in (302, 404)  # admin redirects "does not exist" to the index
    rule = Rule.objects.order_by("pk").first()
    assert c.get(f"/admin/standards/rule/{rule.pk}/change/").status_code == 200  # standards.view: read only
    assert c.post(f"/admin/standards/rule/{rule.pk}/change/", {"title": "改"}).status_code == 403
    assert Rule.objects.get(pk=rule.pk).title == rule.title
    # no role at all: no admin module
    c2 = client_for(make_user("bare", is_staff=True))
    assert c2.get("/admin/regions/household/").status_code == 403


def test_admin_change_is_audited(city, make_user, client_for):
    staff = make_user("staff", "community_admin", city.communities[0], is_staff=True)
    c = client_for(staff)
    h = city.households[0]
    r = c.post(
        f"/admin/regions/household/{h.pk}/change/",
        {"entrance": h.entrance_id, "size": 5, "tags": "", "note": "改人数", "grid": ""},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    h.refresh_from_db()
    assert h.size == 5 and h.phone  # personal fields untouched by the masked form
    (ev,) = events("regions.household", h.pk)
    assert ev.actor_id == staff.pk and ev.changes["size"] == [3, 5] and ev.changes["note"] == ["", "改人数"]


def test_audit_log_is_read_only(city, make_user, client_for):
    c = client_for(make_user("root", is_superuser=True, is_staff=True))
    AuditEvent.objects.create(action="create", model="x.y", object_repr="样例")
    ev = AuditEvent.objects.get(model="x.y")
    assert c.get("/admin/core/auditevent/add/").status_code == 403
    assert c.get(f"/admin/core/auditevent/{ev.pk}/delete/").status_code == 403
    r = c.post(f"/admin/core/auditevent/{ev.pk}/change/", {"object_repr": "篡改"})
    assert r.status_code == 403
    assert AuditEvent.objects.get(pk=ev.pk).object_repr == "样例"
    assert Household.objects.count() == 8
