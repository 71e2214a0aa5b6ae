"""Co-building services: state machines (allowed and refused), scope, validation, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from grassroots.cobuild import services, stats
from grassroots.cobuild.models import Meeting, Need, Registration, Resolution, Resource
from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _audits(obj):
    return AuditEvent.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))


def test_unit_registration_lifecycle_and_refusals(cb):
    reg = services.register_unit(
        cb.liaison,
        unit=cb.unit_a,
        community=cb.A,
        items=["开放会议室", "  ", "每季度志愿服务一次"],
        signed_on=datetime.date(2026, 1, 5),
        contact_name="王经理",
        contact_phone="13812345678",
    )
    assert reg.state == "pending" and reg.agreement.items == ["开放会议室", "每季度志愿服务一次"]
    # a second live registration of the same unit is refused
    with pytest.raises(Conflict):
        services.register_unit(cb.admin, unit=cb.unit_a, community=cb.A, items=["x"])
    # the unit side can't confirm; community B can't see it
    with pytest.raises(PermissionDenied):
        services.confirm_registration(cb.liaison, reg)
    with pytest.raises(NotFound):
        services.confirm_registration(cb.admin_b, reg)
    services.confirm_registration(cb.admin, reg)
    reg.refresh_from_db()
    assert reg.state == "active" and reg.confirmed_at
    with pytest.raises(Conflict, match="不能变为"):
        services.confirm_registration(cb.admin, reg)
    services.end_registration(cb.admin, reg)
    reg.refresh_from_db()
    assert reg.state == "ended"
    with pytest.raises(Conflict):
        services.end_registration(cb.admin, reg)
    states = [e.changes["state"] for e in _audits(reg).filter(action="transition").order_by("pk")]
    assert states == [["pending", "active"], ["active", "ended"]]
    # the audit log never holds the phone in clear
    created = _audits(reg).get(action="create")
    assert "13812345678" not in str(created.changes)


def test_unit_registration_validation_changes_nothing(cb):
    with pytest.raises(ServiceError, match="至少填写一项"):
        services.register_unit(cb.admin, unit=cb.unit_a, community=cb.A, items=[" "])
    with pytest.raises(ServiceError, match="届满"):
        services.register_unit(
            cb.admin,
            unit=cb.unit_a,
            community=cb.A,
            items=["a"],
            term_start=datetime.date(2026, 5, 1),
            term_end=datetime.date(2026, 1, 1),
        )
    # liaison of community A can't act for a unit of community B
    with pytest.raises(NotFound):
        services.register_unit(cb.liaison, unit=cb.unit_b, community=cb.B, items=["a"])
    assert Registration.objects.count() == 0


def test_member_registration_flow(cb):
    with pytest.raises(ServiceError, match="至少选择一个"):
        services.register_member(cb.member_user, community=cb.A, posts=[])
    other_post = services.add_post(cb.admin_b, community=cb.B, name="政策宣传")
    with pytest.raises(ServiceError, match="不属于该社区"):
        services.register_member(cb.member_user, community=cb.A, posts=[other_post])
    reg = services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:2])
    assert reg.kind == "member" and reg.org == cb.member.party_org
    assert set(reg.posts.values_list("name", flat=True)) == {"政策宣传", "环境整治"}
    with pytest.raises(Conflict, match="不能重复"):
        services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:1])
    # the member sees their own record; hours only after confirmation
    assert list(Registration.objects.visible_to(cb.member_user, "register")) == [reg]
    assert list(Registration.objects.visible_to(cb.member_user)) == []  # no cobuild.view
    with pytest.raises(Conflict):
        services.record_service(cb.admin, reg, served_on=timezone.localdate(), activity="宣讲", hours=2)
    services.confirm_registration(cb.admin, reg)
    reg.refresh_from_db()
    rec = services.record_service(
        cb.admin, reg, served_on=timezone.localdate(), activity="政策宣讲", hours="2.5"
    )
    assert rec.hours == Decimal("2.5")
    with pytest.raises(ServiceError):
        services.record_service(cb.admin, reg, served_on=timezone.localdate(), activity="x", hours=30)
    # the community notification reached the admin
    from grassroots.notifications.models import Notification

    assert Notification.objects.filter(user=cb.admin, kind="cobuild.registered").count() == 1


def test_member_without_in_service_flag_is_refused(cb):
    from grassroots.party.models import Member

    Member.objects.filter(pk=cb.member.pk).update(in_service=False)
    with pytest.raises(ServiceError, match="在职党员"):
        services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:1])
    with pytest.raises(PermissionDenied):
        services.register_member(cb.admin, community=cb.A, posts=cb.posts[:1])


def test_reject_needs_reason(cb):
    reg = services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:1])
    with pytest.raises(ServiceError, match="退回原因"):
        services.reject_registration(cb.admin, reg, "")
    services.reject_registration(cb.admin, reg, "不在本社区居住")
    reg.refresh_from_db()
    assert reg.state == "rejected"
    # after a rejection the member may register again
    again = services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:1])
    assert again.pk != reg.pk


def test_need_claim_release_done_and_refusals(cb):
    need = services.post_need(
        cb.admin, community=cb.A, title="老年人助餐志愿者", category="service", quantity=3
    )
    assert need.org == cb.city.community_orgs[0]
    with pytest.raises(NotFound):
        services.claim_need(cb.liaison, need, cb.unit_b)  # not a unit the liaison represents
    services.claim_need(cb.liaison, need, cb.unit_a)
    need.refresh_from_db()
    assert need.state == "claimed" and need.claimed_unit == cb.unit_a and need.claimed_by == cb.liaison
    with pytest.raises(Conflict, match="已被其他单位认领"):
        services.claim_need(cb.liaison2, need, cb.unit_a)
    with pytest.raises(Conflict):
        services.cancel_item(cb.admin, need)  # claimed items can't be withdrawn
    services.release_need(cb.liaison, need, "人手不足")
    need.refresh_from_db()
    assert need.state == "open" and need.claimed_unit is None
    with pytest.raises(Conflict):
        services.release_need(cb.liaison, need)
    services.claim_need(cb.liaison2, need, cb.unit_a)
    with pytest.raises(PermissionDenied):
        services.finish_item(cb.liaison, need)
    services.finish_item(cb.admin, need)
    need.refresh_from_db()
    assert need.state == "done"
    with pytest.raises(Conflict):
        services.release_need(cb.liaison, need)
    assert [e.changes["state"] for e in _audits(need).filter(action="transition").order_by("pk")] == [
        ["open", "claimed"],
        ["claimed", "open"],
        ["open", "claimed"],
        ["claimed", "done"],
    ]


def test_expired_need_cannot_be_claimed(cb):
    need = services.post_need(cb.admin, community=cb.A, title="旧需求", category="funds")
    Need.objects.filter(pk=need.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(Conflict, match="有效期"):
        services.claim_need(cb.liaison, need, cb.unit_a)
    with pytest.raises(ServiceError, match="有效期"):
        services.post_need(
            cb.admin, community=cb.A, title="x", category="funds", valid_until=datetime.date(2000, 1, 1)
        )
    with pytest.raises(ServiceError):
        services.post_need(cb.admin, community=cb.A, title="x", category="nonsense")
    with pytest.raises(NotFound):
        services.post_need(cb.admin, community=cb.B, title="x", category="funds")


def test_resource_claimed_by_community(cb):
    res = services.offer_resource(cb.liaison, unit=cb.unit_a, title="会议室", category="venue", quantity=30)
    assert res.community == cb.A and res.state == "open"
    with pytest.raises(NotFound):
        services.claim_resource(cb.admin, res, cb.B)
    services.claim_resource(cb.admin, res, cb.A)
    res.refresh_from_db()
    assert res.state == "claimed" and res.claimed_community == cb.A
    with pytest.raises(Conflict, match="已被其他社区认领"):
        services.claim_resource(cb.street, res, cb.city.communities[1])
    # the offering unit may take it back
    services.release_resource(cb.liaison, res)
    res.refresh_from_db()
    assert res.state == "open"
    services.cancel_item(cb.liaison, res)
    res.refresh_from_db()
    assert res.state == "cancelled"


def test_matching_ranks_and_explains(cb):
    from grassroots.cobuild.models import Rating  # noqa: F401

    need = services.post_need(
        cb.admin, community=cb.A, title="活动场地", category="venue", quantity=20, lng=120.30, lat=36.06
    )
    near = services.offer_resource(
        cb.admin, unit=cb.unit_a, title="会议室", category="venue", quantity=40, lng=120.31, lat=36.06
    )
    far_other = services.offer_resource(
        cb.street, unit=cb.city.units[1], title="资金", category="funds", quantity=5, lng=120.40, lat=36.10
    )
    services.register_unit(cb.admin, unit=cb.unit_a, community=cb.A, items=["场地"])
    services.rate(
        cb.admin,
        side="c2u",
        community=cb.A,
        unit=cb.unit_a,
        period="2026Q1",
        scores={"participation": 5, "commitment": 4, "effect": 5},
    )
    got = stats.suggest_resources(cb.street, need)
    assert [s.item for s in got] == [near, far_other]
    assert got[0].why == "同类别 · 0.9 公里 · 容量满足 · 历史评分 4.7"
    assert "同类别" not in got[1].why
    back = stats.suggest_needs(cb.street, near)
    assert back[0].item == need and back[0].reasons[0] == "同类别"


def test_rating_once_per_quarter_and_summary(cb):
    services.register_unit(cb.admin, unit=cb.unit_a, community=cb.A, items=["场地"])
    scores = {"participation": 5, "commitment": 3, "effect": 4}
    with pytest.raises(ServiceError, match="1–5"):
        services.rate(cb.admin, side="c2u", community=cb.A, unit=cb.unit_a, period="2026Q2",
                      scores={**scores, "effect": 9})  # fmt: skip
    with pytest.raises(ServiceError, match="格式"):
        services.rate(cb.admin, side="c2u", community=cb.A, unit=cb.unit_a, period="2026-2", scores=scores)
    r = services.rate(cb.admin, side="c2u", community=cb.A, unit=cb.unit_a, period="2026q2", scores=scores)
    assert r.score == Decimal("4.00") and r.period == "2026Q2"
    with pytest.raises(Conflict, match="重复评价"):
        services.rate(cb.admin, side="c2u", community=cb.A, unit=cb.unit_a, period="2026Q2", scores=scores)
    u = services.rate(
        cb.liaison,
        side="u2c",
        community=cb.A,
        unit=cb.unit_a,
        period="2026Q2",
        scores={"support": 5, "communication": 5, "effect": 4},
    )
    assert str(u.score) == "4.67"
    with pytest.raises(NotFound):  # the community side can't rate on behalf of the unit
        services.rate(cb.admin_b, side="u2c", community=cb.A, unit=cb.unit_a, period="2026Q2",
                      scores={"support": 5, "communication": 5, "effect": 4})  # fmt: skip
    summary = stats.rating_summary(cb.admin, side="c2u", group="unit")
    assert (
        summary == [{"unit__name": cb.unit_a.name, "avg": Decimal("4.00"), "n": 1}]
        or float(summary[0]["avg"]) == 4.0
    )
    assert _audits(r).filter(action="create").count() == 1


def test_period_bounds():
    assert services.parse_period("2026Q1") == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert services.parse_period("2026Q4") == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert services.current_period(datetime.date(2026, 8, 3)) == "2026Q3"


def test_project_from_claims_and_lifecycle(cb):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.core.attachments import attachments_of
    from tests.factories import png_bytes

    need = services.post_need(cb.admin, community=cb.A, title="楼道照明", category="equipment")
    services.claim_need(cb.liaison, need, cb.unit_a)
    need.refresh_from_db()
    p = services.create_project(
        cb.admin, community=cb.A, title="楼道亮化", budget_fen=1_250_000, needs=[need]
    )
    need.refresh_from_db()
    assert need.project == p and list(p.units.all()) == [cb.unit_a] and p.budget_yuan == "12,500.00"
    with pytest.raises(Conflict, match="已关联"):
        services.create_project(cb.admin, community=cb.A, title="重复", needs=[need])
    with pytest.raises(Conflict):
        services.evaluate_project(cb.admin, p, score=5)
    with pytest.raises(Conflict):
        services.set_project_state(cb.admin, p, "done")  # planning -> done is not allowed
    services.set_project_state(cb.admin, p, "ongoing")
    m = services.add_milestone(cb.admin, p, title="采购灯具", due=timezone.localdate())
    services.complete_milestone(cb.admin, m)
    with pytest.raises(Conflict):
        services.complete_milestone(cb.admin, m)
    out = services.add_output(
        cb.admin, p, title="完工照片", photos=[SimpleUploadedFile("a.png", png_bytes())]
    )
    assert attachments_of(out, "photo").count() == 1
    with pytest.raises(ServiceError):
        services.add_output(cb.admin, p, title="坏图", photos=[SimpleUploadedFile("a.png", b"not an image")])
    services.set_project_state(cb.admin, p, "done")
    with pytest.raises(ServiceError):
        services.evaluate_project(cb.admin, p, score=7)
    p = services.evaluate_project(cb.admin, p, score=5, evaluation="居民满意")
    assert p.evaluation_score == 5
    with pytest.raises(NotFound):
        services.set_project_state(cb.admin_b, p, "cancelled")


def test_committee_sessions_resolutions(cb):
    c = services.create_committee(
        cb.street,
        region=cb.city.streets[0],
        name="八大峡街道联席会议",
        place="街道党群服务中心",
        day_of_month=10,
    )
    from grassroots.regions.models import Region

    building = Region.objects.filter(path__startswith=cb.A.path, level="building").first()
    with pytest.raises(ServiceError, match="街道、社区或小区"):
        services.create_committee(cb.street, region=building, name="x", place="y")
    with pytest.raises(NotFound):
        services.create_committee(cb.admin, region=cb.city.streets[0], name="x", place="y")
    person = services.add_committee_member(
        cb.street, c, name="张委员", unit=cb.unit_a, member_user=cb.liaison
    )
    today = timezone.localdate()
    y, m = (today.year, today.month - 2) if today.month > 2 else (today.year - 1, today.month + 10)
    start = datetime.date(y, m, 1)  # two months ago: sessions M-2, M-1, M, M+1
    made = services.schedule_meetings(cb.street, c, start=start, months=4, themes=["环境整治"])
    assert len(made) == 4 and made[0].theme == "环境整治" and made[1].theme == "共驻共建议事"
    assert services.schedule_meetings(cb.street, c, start=start, months=4) == []
    assert all(timezone.localtime(m.starts_at).day == 10 for m in made)
    first, future = made[0], made[-1]
    with pytest.raises(ServiceError, match="纪要"):
        services.hold_meeting(cb.street, first, attendee_ids=[person.pk], minutes="")
    with pytest.raises(Conflict, match="尚未召开"):
        services.hold_meeting(cb.street, future, attendee_ids=[person.pk], minutes="纪要")
    services.hold_meeting(cb.street, first, attendee_ids=[person.pk], minutes="研究了三件事")
    first.refresh_from_db()
    assert first.state == "held" and list(first.attendees.all()) == [person]
    with pytest.raises(Conflict):
        services.cancel_meeting(cb.street, first)
    item = services.raise_issue(cb.street, first, issue="小区停车难", raised_by="团岛社区")
    assert item.status() == "open"
    with pytest.raises(ServiceError, match="责任主体"):
        services.resolve_issue(cb.street, item, decision="错峰停车", owner="", duty="开放车位", due=None)
    with pytest.raises(Conflict):
        services.complete_resolution(cb.street, item, result="x")
    past = timezone.localdate() - datetime.timedelta(days=1)
    services.resolve_issue(cb.street, item, decision="错峰停车", owner="物业公司", duty="开放车位", due=past)
    item.refresh_from_db()
    assert item.status() == "overdue"
    assert item.status(today=past - datetime.timedelta(days=2)) == "due_soon"
    services.complete_resolution(cb.street, item, result="已开放 40 个车位")
    item.refresh_from_db()
    assert item.status() == "done"
    with pytest.raises(Conflict):
        services.complete_resolution(cb.street, item, result="again")
    counts = stats.scope_counts(cb.street)
    assert counts["meetings"] == 1 and counts["issues"] == 1 and counts["resolved"] == 1
    # community A admin does not see the street's committee
    assert stats.scope_counts(cb.admin)["meetings"] == 0


def test_reminders_once_within_window(cb):
    from grassroots.notifications.models import Notification

    c = services.create_committee(
        cb.admin, region=cb.A, name="团岛社区联席会议", place="社区会议室", remind_days=2
    )
    services.add_committee_member(cb.admin, c, name="李", member_user=cb.liaison)
    now = timezone.now()
    soon = Meeting.objects.create(
        committee=c, starts_at=now + datetime.timedelta(days=1), place="p", theme="t"
    )
    Meeting.objects.create(committee=c, starts_at=now + datetime.timedelta(days=5), place="p", theme="t")
    assert services.send_reminders(now) == 1
    assert services.send_reminders(now) == 0
    soon.refresh_from_db()
    assert soon.reminded_at is not None
    assert Notification.objects.filter(user=cb.liaison, kind="cobuild.meeting_reminder").count() == 1
    from grassroots.cobuild.tasks import send_meeting_reminders

    assert send_meeting_reminders.call() == 0


def test_home_figures_and_quarter_report(cb, make_user, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):  # the home figures move after commit
        reg = services.register_member(cb.member_user, community=cb.A, posts=cb.posts[:1])
        services.confirm_registration(cb.admin, reg)
        services.record_service(cb.admin, reg, served_on=today, activity="宣讲", hours=2)
        services.record_service(cb.admin, reg, served_on=today, activity="清扫", hours="1.5")
        services.post_need(cb.admin, community=cb.A, title="n", category="funds")
    figures = {f["label"]: f["value"] for f in stats.home_figures(cb.admin)}
    assert figures["报到在职党员"] == 1 and figures["待认领需求"] == 1 and figures["报到单位"] == 0
    assert stats.home_figures(cb.admin_b)[1]["value"] == 0
    nobody = make_user("cb_nobody")
    assert stats.home_figures(nobody) == []
    # the member's org (workplace side) sees the quarter report
    workplace = make_user("cb_workplace", "unit_liaison", cb.member.party_org)
    rep = stats.quarter_report(workplace, cb.member.party_org, services.current_period())
    assert len(rep.rows) == 1 and rep.rows[0].hours == Decimal("3.5") and rep.rows[0].activities == 2
    assert rep.rows[0].posts == "政策宣传"
    assert rep.total_hours == Decimal("3.5")
    empty = stats.quarter_report(workplace, cb.member.party_org, "2020Q1")
    assert empty.rows == []


def test_resolution_scope_and_visible_lists(cb):
    c = services.create_committee(cb.admin, region=cb.A, name="A 联席会议", place="会议室")
    assert Resolution.objects.visible_to(cb.admin_b).count() == 0
    assert list(Meeting.objects.visible_to(cb.admin)) == []
    assert c.org == cb.city.community_orgs[0]
    # liaison of A's community committee sees A's committee (party-org scope)
    from grassroots.cobuild.models import Committee

    assert list(Committee.objects.visible_to(cb.liaison)) == [c]
    assert Resource.objects.visible_to(cb.liaison_b if hasattr(cb, "liaison_b") else cb.admin_b).count() == 0


def test_agreement_amended_by_the_community_audited_and_refusals_change_nothing(cb, client_for):
    from grassroots.cobuild.models import Agreement

    reg = services.register_unit(
        cb.liaison, unit=cb.unit_a, community=cb.A, items=["开放会议室"], signed_on=datetime.date(2026, 1, 5)
    )
    services.confirm_registration(cb.admin, reg)
    services.update_agreement(
        cb.admin,
        reg,
        items=["开放会议室", "  ", "每月志愿服务一次"],
        signed_on=datetime.date(2026, 6, 1),
        term_start=datetime.date(2026, 7, 1),
        term_end=datetime.date(2028, 6, 30),
    )
    agreement = Agreement.objects.get(registration=reg)
    assert agreement.items == ["开放会议室", "每月志愿服务一次"] and agreement.term_end.year == 2028
    changes = _audits(agreement).get(action="update").changes
    assert changes["items"][1] == ["开放会议室", "每月志愿服务一次"]

    def unchanged():
        return Agreement.objects.filter(pk=agreement.pk).values("items", "term_start", "term_end").get()

    before = unchanged()
    with pytest.raises(ServiceError, match="至少填写一项"):
        services.update_agreement(cb.admin, reg, items=["  "])
    with pytest.raises(ServiceError, match="晚于起始"):
        services.update_agreement(
            cb.admin,
            reg,
            items=["x"],
            term_start=datetime.date(2027, 1, 1),
            term_end=datetime.date(2026, 1, 1),
        )
    with pytest.raises(NotFound):  # the unit side and another community may not amend it
        services.update_agreement(cb.liaison, reg, items=["改了"])
    with pytest.raises(NotFound):
        services.update_agreement(cb.admin_b, reg, items=["改了"])
    # the page: a bad date comes back as a message, nothing changes
    page = client_for(cb.admin)
    url = f"/cobuild/registrations/{reg.pk}/agreement/"
    resp = page.post(url, {"items": "新事项", "term_start": "2027-13-01"}, follow=True)
    assert "协议起始格式不正确" in resp.content.decode()
    assert unchanged() == before
    services.end_registration(cb.admin, reg)
    reg.refresh_from_db()
    with pytest.raises(Conflict, match="不能再修改"):
        services.update_agreement(cb.admin, reg, items=["改了"])
    assert unchanged() == before


def test_agreement_form_on_the_registration_page(cb, client_for):
    reg = services.register_unit(cb.admin, unit=cb.unit_a, community=cb.A, items=["开放会议室"])
    page = client_for(cb.admin)
    html = page.get(f"/cobuild/registrations/{reg.pk}/").content.decode()
    assert "data-agreement-edit" in html and "开放会议室</textarea>" in html
    resp = page.post(
        f"/cobuild/registrations/{reg.pk}/agreement/",
        {"items": "开放会议室\r\n共建文明小区", "signed_on": "2026-03-01"},
        follow=True,
    )
    assert "已更新共驻共建协议" in resp.content.decode()
    reg.agreement.refresh_from_db()
    assert reg.agreement.items == ["开放会议室", "共建文明小区"]
    assert (
        "data-agreement-edit"
        not in client_for(cb.liaison).get(f"/cobuild/registrations/{reg.pk}/").content.decode()
    )
