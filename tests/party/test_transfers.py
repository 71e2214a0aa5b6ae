"""组织关系转接 with two sides: in transit, accepted or returned by the receiving side, cancelled by the
sender, outside-bound closed on a receipt, incoming from outside creating the member; scope, letter,
verification page, ORG-7, ORG-12."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification
from grassroots.party import transfers
from grassroots.party.models import DuesPayment, Member, PartyOrg, Transfer, TransferState
from grassroots.standards.models import Rule
from tests.factories import add_member, id_number

pytestmark = pytest.mark.django_db


def counts(*orgs) -> list[int]:
    rows = dict(
        Member.objects.filter(party_org__in=orgs)
        .values("party_org")
        .annotate(n=Count("pk"))
        .values_list("party_org", "n")
    )
    return [rows.get(o.pk, 0) for o in orgs]


def snapshot(member: Member) -> tuple:
    t_rows = tuple(Transfer.objects.order_by("pk").values_list("pk", "state", "member_id"))
    return (Member.objects.get(pk=member.pk).party_org_id, t_rows, Member.objects.count())


# ---------------------------------------------------------------------------- the bar scenario
def test_transfer_across_streets_moves_the_member_only_on_acceptance(city, sender, receiver, client_for):
    a, b = city.branches[0], city.branches[2]  # street 1 and street 2
    m = city.members[0]
    DuesPayment.objects.create(
        member=m, month=datetime.date(2026, 10, 1), amount_fen=500, paid_on=datetime.date(2026, 10, 5)
    )
    assert counts(a, b) == [3, 3]
    t = transfers.issue_transfer(sender, m, to_org=b, reason="工作调动")
    assert t.state == TransferState.ISSUED and t.letter_no.startswith(f"{timezone.localdate().year}-")
    assert t.dues_paid_to == datetime.date(2026, 10, 1)
    assert t.deadline == t.issued_on + datetime.timedelta(days=30)  # ORG-12 accept_days
    # in transit: the member and the dues stay with the sender
    assert counts(a, b) == [3, 3]
    assert Member.objects.get(pk=m.pk).party_org == a
    DuesPayment.objects.create(
        member=m, month=datetime.date(2026, 11, 1), amount_fen=500, paid_on=timezone.localdate()
    )
    assert DuesPayment.objects.visible_to(sender).filter(member=m).count() == 2
    # the sender's member page shows the flag; the receiving side is told
    body = client_for(sender).get(reverse("party:member_detail", args=[m.pk])).content.decode()
    assert "data-in-transit" in body and "转出中" in body
    assert Notification.objects.filter(user=receiver, kind="party.transfer_incoming").count() == 1
    # both sides list it; the sender cannot open the receiving org's pages
    rc = client_for(receiver)
    assert t.letter_no in rc.get(reverse("party:transfers_in")).content.decode()
    assert t.letter_no in client_for(sender).get(reverse("party:transfers_out")).content.decode()
    assert client_for(sender).get(reverse("party:org_detail", args=[b.code])).status_code == 404
    # accepted by the receiving side
    r = rc.post(reverse("party:transfer_accept", args=[t.pk]))
    assert r.status_code == 302
    assert counts(a, b) == [2, 4]
    m.refresh_from_db()
    assert m.party_org == b
    t.refresh_from_db()
    assert (
        t.state == TransferState.ACCEPTED
        and t.accepted_by == receiver
        and t.transferred_on == timezone.localdate()
    )
    assert Notification.objects.filter(user=sender, kind="party.transfer_accepted").count() == 1
    # history on both sides: the sender still sees the transfer, no longer the member
    assert client_for(sender).get(reverse("party:transfer_detail", args=[t.pk])).status_code == 200
    assert client_for(sender).get(reverse("party:member_detail", args=[m.pk])).status_code == 404
    assert rc.get(reverse("party:member_detail", args=[m.pk])).status_code == 200
    states = list(
        AuditEvent.objects.filter(model="party.transfer", object_id=str(t.pk))
        .order_by("pk")
        .values_list("changes__state", flat=True)
    )
    assert states == [["", "issued"], ["issued", "accepted"]]
    assert AuditEvent.objects.filter(model="party.member", object_id=str(m.pk), action="update").exists()


def test_returned_transfer_restores_the_member_to_the_sender(city, sender, receiver, client_for):
    a, b = city.branches[0], city.branches[2]
    m = city.members[1]
    t = transfers.issue_transfer(sender, m, to_org=b)
    rc = client_for(receiver)
    r = rc.post(reverse("party:transfer_return", args=[t.pk]), {"reason": ""})
    assert r.status_code == 400 and Transfer.objects.get(pk=t.pk).state == TransferState.ISSUED
    r = rc.post(reverse("party:transfer_return", args=[t.pk]), {"reason": "介绍信所填党费交纳情况与实际不符"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.state == TransferState.RETURNED and t.return_reason.startswith("介绍信")
    assert Member.objects.get(pk=m.pk).party_org == a and counts(a, b) == [3, 3]
    assert transfers.open_transfer(m) is None
    n = Notification.objects.get(user=sender, kind="party.transfer_returned")
    assert "党费" in n.body
    # the sender may issue again
    again = transfers.issue_transfer(sender, m, to_org=b)
    assert again.letter_no != t.letter_no


# ---------------------------------------------------------------------------- refusals change nothing
def _refused(fn, match: str, m: Member):
    before = snapshot(m)
    with pytest.raises(ServiceError, match=match):
        fn()
    assert snapshot(m) == before


def test_issue_refusals(city, sender, make_user):
    m = city.members[0]
    functional = PartyOrg.objects.add_child(
        city.community_orgs[2],
        create_kwargs={
            "code": "F-1",
            "name": "流动党员功能型党支部",
            "kind": "branch",
            "region": city.communities[2],
            "is_functional": True,
        },
    )
    group = PartyOrg.objects.add_child(
        city.branches[2],
        create_kwargs={"code": "G-1", "name": "第一党小组", "kind": "group", "region": city.communities[2]},
    )
    _refused(lambda: transfers.issue_transfer(sender, m, to_org=functional), "ORG-7", m)
    _refused(lambda: transfers.issue_transfer(sender, m, to_org=group), "党小组", m)
    _refused(lambda: transfers.issue_transfer(sender, m, to_org=city.branches[0]), "相同", m)
    _refused(lambda: transfers.issue_transfer(sender, m), "请选择转入党组织", m)
    _refused(
        lambda: transfers.issue_transfer(sender, m, to_org=city.branches[2], outside_org_name="某地党委"),
        "不填写",
        m,
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _refused(lambda: transfers.issue_transfer(sender, m, to_org=city.branches[2], on=tomorrow), "晚于今天", m)
    # out of scope: the receiving side cannot issue for the sender's member
    other = make_user("other", "community_admin", city.communities[2])
    with pytest.raises(NotFound):
        transfers.issue_transfer(other, m, to_org=city.branches[2])
    # one open transfer at a time
    transfers.issue_transfer(sender, m, to_org=city.branches[2])
    _refused(lambda: transfers.issue_transfer(sender, m, to_org=city.branches[3]), "正在办理", m)


def test_functional_sender_is_refused(city, sender):
    functional = PartyOrg.objects.add_child(
        city.community_orgs[0],
        create_kwargs={
            "code": "F-0",
            "name": "功能型党支部",
            "kind": "branch",
            "region": city.communities[0],
        },
    )
    m = add_member(functional, "功能党员")
    PartyOrg.objects.filter(pk=functional.pk).update(is_functional=True)
    m = Member.objects.select_related("party_org").get(pk=m.pk)
    _refused(lambda: transfers.issue_transfer(sender, m, to_org=city.branches[2]), "ORG-7", m)


def test_each_side_may_only_do_its_own_steps(city, sender, receiver):
    m = city.members[0]
    t = transfers.issue_transfer(sender, m, to_org=city.branches[2])
    _refused(lambda: transfers.accept_transfer(sender, t), "接收", m)
    _refused(lambda: transfers.return_transfer(sender, t, reason="不接收"), "接收", m)
    _refused(lambda: transfers.cancel_transfer(receiver, t), "转出党组织", m)
    _refused(
        lambda: transfers.record_receipt(sender, t, receipt_on=timezone.localdate(), receipt_ref="回执 1 号"),
        "平台外",
        m,
    )
    transfers.accept_transfer(receiver, t)
    for fn in (
        lambda: transfers.accept_transfer(receiver, t),
        lambda: transfers.return_transfer(receiver, t, reason="不接收"),
        lambda: transfers.cancel_transfer(sender, t),
    ):
        _refused(fn, "不能再办理", m)


def test_cancel_by_the_sender_before_acceptance(city, sender, receiver):
    m = city.members[0]
    t = transfers.issue_transfer(sender, m, to_org=city.branches[2])
    transfers.cancel_transfer(sender, t, reason="本人放弃调动")
    assert Transfer.objects.get(pk=t.pk).state == TransferState.CANCELLED
    assert Member.objects.get(pk=m.pk).party_org == city.branches[0]
    assert Notification.objects.filter(user=receiver, kind="party.transfer_cancelled").exists()
    _refused(lambda: transfers.accept_transfer(receiver, t), "不能再办理", m)


def test_outside_bound_transfer_closes_on_a_receipt(city, sender, client_for):
    m = city.members[2]
    t = transfers.issue_transfer(
        sender, m, outside_org_name="中共某县某镇委员会", outside_org_address="某省某县"
    )
    assert t.kind == "out" and t.deadline is None and counts(city.branches[0]) == [3]
    _refused(
        lambda: transfers.record_receipt(
            sender, t, receipt_on=t.issued_on - datetime.timedelta(days=1), receipt_ref="回执"
        ),
        "早于",
        m,
    )
    r = client_for(sender).post(
        reverse("party:transfer_receipt", args=[t.pk]),
        {"receipt_on": timezone.localdate().isoformat(), "receipt_ref": "某镇党委回执第 12 号"},
    )
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.state == TransferState.CLOSED and t.member_id is None and t.person_name == m.name
    assert not Member.objects.filter(pk=m.pk).exists() and counts(city.branches[0]) == [2]
    assert AuditEvent.objects.filter(model="party.member", object_id=str(m.pk), action="delete").exists()
    body = client_for(sender).get(reverse("party:transfer_detail", args=[t.pk])).content.decode()
    assert "某镇党委回执第 12 号" in body


def test_incoming_from_outside_creates_the_member_on_acceptance(city, receiver, client_for):
    b = city.branches[2]
    number = id_number()
    data = {
        "to_org": b.code,
        "outside_org_name": "中共某市某区委组织部",
        "outside_letter_no": "组转 2026-88",
        "issued_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "name": "外来党员",
        "gender": "female",
        "id_number": number,
        "status": "full",
        "joined_on": "2010-07-01",
        "converted_on": "2011-07-01",
    }
    c = client_for(receiver)
    r = c.post(reverse("party:transfer_register"), {**data, "id_number": "123"})
    assert r.status_code == 400 and not Transfer.objects.exists()
    r = c.post(reverse("party:transfer_register"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    t = Transfer.objects.get()
    assert t.kind == "in" and t.member_id is None and counts(b) == [3]
    r = c.post(reverse("party:transfer_register"), data)
    assert r.status_code in (400, 409) and Transfer.objects.count() == 1
    transfers.accept_transfer(receiver, t)
    from grassroots.core.crypto import lookup_hash

    created = Member.objects.get(id_number_hash=lookup_hash(number))
    assert created.party_org == b and created.name == "外来党员" and counts(b) == [4]
    assert Transfer.objects.get(pk=t.pk).member == created


def test_incoming_for_a_platform_member_is_refused(city, receiver):
    existing = city.members[0]
    with pytest.raises(ServiceError, match="平台内"):
        transfers.register_incoming(
            receiver,
            city.branches[2],
            outside_org_name="外地党委",
            outside_letter_no="1",
            issued_on=timezone.localdate(),
            name="重复",
            gender="male",
            id_number=existing.id_number,
            status="full",
            joined_on=datetime.date(2000, 7, 1),
        )
    assert not Transfer.objects.exists()


# ---------------------------------------------------------------------------- scope
def test_scope_on_either_side_and_nobody_else(city, sender, receiver, make_user):
    t = transfers.issue_transfer(sender, city.members[0], to_org=city.branches[2])
    third = make_user("third", "community_admin", city.communities[1])
    street2 = make_user("street2", "street_admin", city.streets[1])
    assert list(Transfer.objects.visible_to(sender)) == [t]
    assert list(Transfer.objects.visible_to(receiver)) == [t]
    assert list(Transfer.objects.visible_to(street2)) == [t]
    assert not Transfer.objects.visible_to(third).exists()
    assert transfers.sides(sender, t) == {"sender"} and transfers.sides(receiver, t) == {"receiver"}
    assert set(transfers.allowed_actions(receiver, t)) == {"accept", "return"}
    assert set(transfers.allowed_actions(sender, t)) == {"cancel", "letter"}
    with pytest.raises(NotFound):
        transfers.accept_transfer(third, t)


def test_pages_of_each_side(city, sender, receiver, make_user, client_for):
    t = transfers.issue_transfer(sender, city.members[0], to_org=city.branches[2])
    third = client_for(make_user("third", "community_admin", city.communities[1]))
    assert third.get(reverse("party:transfer_detail", args=[t.pk])).status_code == 404
    assert third.post(reverse("party:transfer_accept", args=[t.pk])).status_code == 404
    sc, rc = client_for(sender), client_for(receiver)
    s_body = sc.get(reverse("party:transfer_detail", args=[t.pk])).content.decode()
    assert "data-accept" not in s_body and "data-cancel" in s_body and "data-letter" in s_body
    r_body = rc.get(reverse("party:transfer_detail", args=[t.pk])).content.decode()
    assert "data-accept" in r_body and "data-cancel" not in r_body and "data-letter" not in r_body
    # the receiving side sees the person masked and cannot open the member page or print the letter
    assert city.members[0].id_number not in r_body
    assert rc.get(reverse("party:member_detail", args=[city.members[0].pk])).status_code == 404
    assert rc.get(reverse("party:transfer_letter_pdf", args=[t.pk])).status_code == 404
    assert sc.post(reverse("party:transfer_accept", args=[t.pk])).status_code == 403
    assert Transfer.objects.get(pk=t.pk).state == TransferState.ISSUED


# ---------------------------------------------------------------------------- letter and verification
def test_letter_pdf_and_print_view(city, sender, client_for):
    t = transfers.issue_transfer(sender, city.members[0], to_org=city.branches[2])
    c = client_for(sender)
    r = c.get(reverse("party:transfer_letter_pdf", args=[t.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert b"STSong-Light" in r.content
    body = c.get(reverse("party:transfer_letter", args=[t.pk])).content.decode()
    assert "存根" in body and t.letter_no in body and "<svg" in body
    assert transfers.verify_url(t) in body
    assert city.members[0].id_number not in body


def test_verification_page_shows_only_the_letter_facts(city, sender, receiver, client):
    m = city.members[0]
    t = transfers.issue_transfer(sender, m, to_org=city.branches[2], reason="工作调动")
    token = transfers.letter_token(t)
    assert t.token_hash == transfers.token_hash(token) and token not in str(
        Transfer.objects.filter(pk=t.pk).values().get()
    )
    r = client.get(reverse("party:transfer_verify", args=[token]))
    body = r.content.decode()
    assert r.status_code == 200 and 'data-valid="yes"' in body
    assert t.letter_no in body and city.branches[0].name in body and "转接中" in body
    for secret in (m.name, m.id_number, city.branches[2].name, "工作调动", m.phone):
        assert secret not in body
    assert m.name[0] in body  # the masked name keeps the family name
    transfers.accept_transfer(receiver, t)
    body = client.get(reverse("party:transfer_verify", args=[token])).content.decode()
    assert 'data-valid="no"' in body and "已接收" in body
    assert client.get(reverse("party:transfer_verify", args=["x" * 32])).status_code == 404


# ---------------------------------------------------------------------------- lists, rule, health
def test_lists_filter_overdue_and_export(city, sender, receiver, client_for):
    t = transfers.issue_transfer(
        sender,
        city.members[0],
        to_org=city.branches[2],
        on=timezone.localdate() - datetime.timedelta(days=40),
    )
    transfers.issue_transfer(sender, city.members[1], to_org=city.branches[2])
    assert Transfer.objects.get(pk=t.pk).overdue
    rc = client_for(receiver)
    body = rc.get(reverse("party:transfers_in") + "?overdue=true").content.decode()
    assert body.count("data-row") == 1 and t.letter_no in body
    body = client_for(sender).get(reverse("party:transfers_out") + "?overdue=true").content.decode()
    assert body.count("data-row") == 1
    assert client_for(sender).get(reverse("party:transfers_in")).content.decode().count("data-row") == 0
    r = rc.get(reverse("party:transfers_in") + "?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_deadline_comes_from_the_rule_and_overdue_is_a_finding(city, sender, make_user):
    Rule.objects.filter(code="ORG-12").update(params={"accept_days": 10, "letter_valid_days": 60})
    t = transfers.issue_transfer(
        sender,
        city.members[0],
        to_org=city.branches[2],
        on=timezone.localdate() - datetime.timedelta(days=11),
    )
    assert t.deadline == t.issued_on + datetime.timedelta(days=10) and t.validity_days == 60
    from grassroots.standards.checks import Checker

    admin = make_user("city", "city_admin", city.city)
    rule = Rule.objects.get(code="ORG-12")
    from grassroots.party.transfers import check_org_12

    findings = list(check_org_12(Checker(admin), rule))
    assert [f.key for f in findings] == [city.branches[2].code]
    assert "10 日" in findings[0].message


def test_transfer_lists_have_no_n_plus_one(city, sender, receiver, client_for, django_assert_max_num_queries):
    for m in city.members[:3]:
        transfers.issue_transfer(sender, m, to_org=city.branches[2])
    c = client_for(receiver)
    c.get(reverse("party:transfers_in"))
    with django_assert_max_num_queries(14):
        r = c.get(reverse("party:transfers_in"))
    assert r.content.decode().count("data-row") == 3


def test_a_member_sees_their_own_transfer_and_nothing_to_act_on(city, sender, make_user, client_for):
    m = city.members[0]
    own = make_user("own", "party_member")
    Member.objects.filter(pk=m.pk).update(user=own)
    t = transfers.issue_transfer(sender, Member.objects.get(pk=m.pk), to_org=city.branches[2])
    other = transfers.issue_transfer(sender, city.members[1], to_org=city.branches[2])
    assert list(Transfer.objects.visible_to(own)) == [t]
    c = client_for(own)
    body = c.get(reverse("party:transfer_detail", args=[t.pk])).content.decode()
    assert "data-accept" not in body and "data-cancel" not in body and "data-letter" not in body
    assert c.get(reverse("party:transfer_detail", args=[other.pk])).status_code == 404
    assert c.get(reverse("party:transfer_letter_pdf", args=[t.pk])).status_code == 404
    assert c.post(reverse("party:transfer_cancel", args=[t.pk])).status_code == 404
    assert Transfer.objects.get(pk=t.pk).state == TransferState.ISSUED
