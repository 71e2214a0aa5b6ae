"""组织找党员: members out of contact (流动党员, 失联党员), contact logs, ORG-11 and the campaign page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.party import contact, services
from grassroots.party.models import ContactLog, Member, MemberContact
from grassroots.standards.models import Rule
from grassroots.standards.services import run_health_check

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def side(city, make_user):
    admin = make_user("c0_admin", "community_admin", city.communities[0])
    mine = Member.objects.filter(party_org__region__path__startswith=city.communities[0].path)
    other = Member.objects.exclude(party_org__region__path__startswith=city.communities[0].path).first()
    return admin, list(mine[:3]), other


def _state(member):
    c = MemberContact.objects.filter(member=member).values().first()
    return (
        c,
        list(ContactLog.objects.filter(member=member).values_list("pk", flat=True)),
        AuditEvent.objects.count(),
    )


def test_set_mobile_and_lost_with_validation_and_audit(side):
    admin, (m1, m2, _m3), _other = side
    today = timezone.localdate()
    for kwargs, field in (
        ({"status": "mobile"}, "destination"),
        ({"status": "lost"}, "since"),
        ({"status": "lost", "since": today + DAY}, "since"),
        ({"status": "lost", "since": m1.joined_on - DAY}, "since"),
        ({"status": "gone"}, "status"),
    ):
        before = _state(m1)
        with pytest.raises(ServiceError) as info:
            services.set_contact_status(admin, m1, **kwargs)
        assert info.value.field == field and any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
        assert _state(m1) == before
    c = services.set_contact_status(
        admin,
        m1,
        status="mobile",
        since=today - 30 * DAY,
        destination="广东省深圳市",
        contact_person="李四",
        contact_phone="13900001111",
    )
    assert c.status == "mobile" and c.contact_phone == "13900001111"
    assert AuditEvent.objects.filter(
        model="party.membercontact", object_id=str(c.pk), action="create"
    ).exists()
    services.set_contact_status(admin, m2, status="lost", since=today - 400 * DAY)
    assert MemberContact.objects.get(member=m2).status == "lost"


def test_out_of_scope_member_is_404_and_nothing_written(side):
    admin, _mine, other = side
    before = _state(other)
    with pytest.raises(NotFound):
        services.set_contact_status(admin, other, status="mobile", destination="北京")
    with pytest.raises(NotFound):
        services.log_contact(
            admin, other, contacted_on=timezone.localdate(), method="phone", reached=True, note="联系上了"
        )
    assert _state(other) == before


def test_reaching_a_lost_member_needs_their_new_status_and_moves_last_contact(side):
    admin, (m1, _m2, _m3), _other = side
    today = timezone.localdate()
    services.set_contact_status(admin, m1, status="lost", since=today - 300 * DAY)
    entry = services.log_contact(
        admin, m1, contacted_on=today - 10 * DAY, method="visit", reached=False, note="上门未见到本人"
    )
    assert entry.reached is False and MemberContact.objects.get(member=m1).last_contact_on is None
    before = _state(m1)
    with pytest.raises(ServiceError) as info:
        services.log_contact(admin, m1, contacted_on=today, method="phone", reached=True, note="电话联系上")
    assert info.value.field == "found_status" and _state(m1) == before
    with pytest.raises(ServiceError):
        services.log_contact(admin, m1, contacted_on=today + DAY, method="phone", reached=True, note="x联系")
    services.log_contact(
        admin, m1, contacted_on=today, method="phone", reached=True, note="电话联系上", found_status="normal"
    )
    c = MemberContact.objects.get(member=m1)
    assert (c.status, c.last_contact_on, c.since) == ("normal", today, None)
    assert ContactLog.objects.filter(member=m1).count() == 2


def test_org_11_flags_members_not_reached_for_the_configured_months(side, city):
    admin, (m1, m2, m3), _other = side
    today = timezone.localdate()
    services.set_contact_status(admin, m1, status="lost", since=today - 400 * DAY)  # never reached
    services.set_contact_status(admin, m2, status="mobile", since=today - 400 * DAY, destination="上海")
    services.log_contact(
        admin, m2, contacted_on=today - 20 * DAY, method="phone", reached=True, note="近况良好"
    )
    services.set_contact_status(admin, m3, status="mobile", since=today - 200 * DAY, destination="杭州")
    findings = run_health_check(admin).findings
    flagged = {f.pk: f for f in findings if f.rule == "ORG-11"}
    assert set(flagged) == {m1.pk, m3.pk}  # m2 was reached 20 days ago
    assert flagged[m1.pk].severity == "violation" and "从未联系上" in flagged[m1.pk].message
    assert flagged[m3.pk].severity == "warning"
    rule = Rule.objects.get(code="ORG-11")
    rule.params = {"no_contact_months": 7}
    rule.save()
    assert contact.stale_months() == 7


def test_campaign_page_counts_equal_the_members_listed(side, client_for):
    admin, (m1, m2, m3), _other = side
    today = timezone.localdate()
    services.set_contact_status(admin, m1, status="lost", since=today - 400 * DAY)
    services.set_contact_status(admin, m2, status="mobile", since=today - 20 * DAY, destination="上海")
    services.set_contact_status(admin, m3, status="normal")
    client = client_for(admin)
    page = client.get(reverse("party:contact_campaign"))
    html = page.content.decode()
    assert page.status_code == 200
    assert m1.name in html and m2.name in html and f'href="/party/members/{m3.pk}/"' not in html
    rows, totals = contact.campaign_rows(admin)
    assert (totals["mobile"], totals["lost"], totals["stale"]) == (1, 1, 1)
    stale = client.get(reverse("party:contact_campaign") + "?stale=true").content.decode()
    assert f"/party/members/{m1.pk}/" in stale and f"/party/members/{m2.pk}/" not in stale
    lost = client.get(reverse("party:contact_campaign") + "?status=lost").content.decode()
    assert f"/party/members/{m1.pk}/" in lost and f"/party/members/{m2.pk}/" not in lost
    # The contact phone is masked on the page; the member page shows the status and the logs.
    detail = client.get(reverse("party:member_detail", args=[m1.pk])).content.decode()
    assert "失联党员" in detail and "更新联系状态" in detail


def test_forms_save_through_the_services(side, client_for):
    admin, (m1, _m2, _m3), _other = side
    client = client_for(admin)
    url = reverse("party:member_contact", args=[m1.pk])
    bad = client.post(url, {"status": "mobile", "destination": ""})
    assert bad.status_code == 400 and "流入地" in bad.content.decode()
    ok = client.post(url, {"status": "mobile", "destination": "江苏省南京市", "since": "2026-01-05"})
    assert ok.status_code == 302 and MemberContact.objects.get(member=m1).destination == "江苏省南京市"
    log_url = reverse("party:member_contact_log", args=[m1.pk])
    ok = client.post(
        log_url,
        {
            "contacted_on": timezone.localdate().isoformat(),
            "method": "phone",
            "reached": "on",
            "note": "联系上",
        },
    )
    assert ok.status_code == 302
    assert MemberContact.objects.get(member=m1).last_contact_on == timezone.localdate()
