"""联户 services: suggestions by building and distance, the community's confirmation (allowed and
refused), contact logs and follow-up cases in the household's grid, scope, 民情日志 items."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grassroots.cases.models import Case, Channel, Visit
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.notifications.models import Notification
from grassroots.outreach import services
from grassroots.outreach.models import ContactLog, HubLink, ItemState, LinkState, LogItem, WorkerLog
from grassroots.outreach.stats import hub_figures, week_start, weekly_summary
from grassroots.people.models import Worker
from tests.factories import png_bytes
from tests.outreach.conftest import make_link

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- suggestions


def test_suggestions_take_the_same_building_first_then_the_neighborhood_then_distance(hubs):
    made = services.suggest_links(hubs.admin, hubs.community, per_hub=4)
    got = [(lk.household_id, lk.reason) for lk in made]
    building = {h.pk for h in hubs.same_building}
    assert {pk for pk, _r in got[:2]} == building
    assert all(r == "同楼栋" for _pk, r in got[:2])
    assert {pk for pk, _r in got[2:]} == {h.pk for h in hubs.same_hood}
    assert all(lk.state == LinkState.SUGGESTED and lk.hub_id == hubs.hub.pk for lk in made)
    assert hubs.own.pk not in {pk for pk, _r in got}  # never the hub's own household


def test_suggestions_reach_other_buildings_only_within_the_distance(hubs):
    made = services.suggest_links(hubs.admin, hubs.community, per_hub=10)
    by_pk = {lk.household_id: lk for lk in made}
    assert hubs.near[0].pk in by_pk and 100 < by_pk[hubs.near[0].pk].distance_m < 300
    assert hubs.far[0].pk not in by_pk  # about 2 km away
    # a second run finds the hub full (open suggestions count) and suggests nothing twice
    assert services.suggest_links(hubs.admin, hubs.community, per_hub=10) == []
    assert HubLink.objects.count() == len(made)


def test_suggestion_is_refused_outside_the_community_and_without_change_permission(hubs):
    with pytest.raises(NotFound):
        services.suggest_links(hubs.other_admin, hubs.community)
    with pytest.raises(NotFound):  # a party member has no regions grant at all
        services.suggest_links(hubs.hub.user, hubs.community)
    assert HubLink.objects.count() == 0


# ---------------------------------------------------------------- confirmation


def test_community_confirms_and_ends_suggestions(hubs):
    made = services.suggest_links(hubs.admin, hubs.community, per_hub=3)
    ids = [lk.pk for lk in made]
    assert services.confirm_links(hubs.admin, hubs.community, ids[:2]) == 2
    assert services.end_links(hubs.admin, hubs.community, ids[2:], reason="住户已搬走") == 1
    states = dict(HubLink.objects.values_list("pk", "state"))
    assert [states[i] for i in ids] == ["confirmed", "confirmed", "ended"]
    confirmed = HubLink.objects.get(pk=ids[0])
    assert confirmed.confirmed_by == hubs.admin and confirmed.confirmed_at is not None
    assert AuditEvent.objects.filter(model="outreach.hublink", action="transition").count() == 3
    note = Notification.objects.get(user=hubs.hub.user)
    assert note.kind == "outreach.links_confirmed" and "2 户联系户" in note.title


def test_confirmation_is_refused_for_others_and_for_wrong_states(hubs):
    made = services.suggest_links(hubs.admin, hubs.community, per_hub=2)
    ids = [lk.pk for lk in made]
    with pytest.raises(NotFound):
        services.confirm_links(hubs.other_admin, hubs.community, ids)
    with pytest.raises(NotFound):
        services.confirm_links(hubs.hub.user, hubs.community, ids)
    with pytest.raises(NotFound):  # ids of another community are not found in this one
        services.confirm_links(hubs.admin, hubs.other, ids)
    with pytest.raises(ServiceError, match="至少选择"):
        services.confirm_links(hubs.admin, hubs.community, [])
    services.confirm_links(hubs.admin, hubs.community, ids[:1])
    with pytest.raises(ServiceError, match="待确认"):
        services.confirm_links(hubs.admin, hubs.community, ids)
    assert HubLink.objects.get(pk=ids[1]).state == LinkState.SUGGESTED  # nothing changed on refusal


# ---------------------------------------------------------------- contacts


def test_hub_logs_a_contact_with_a_photo(hubs):
    link = make_link(hubs, hubs.same_building[0], last_contact_days=40)
    photo = SimpleUploadedFile("door.png", png_bytes(), content_type="image/png")
    log = services.log_contact(
        hubs.hub.user, link, kind="visit", note="老人身体尚好，子女周末回来", photos=[photo]
    )
    link.refresh_from_db()
    assert link.contact_count == 1 and link.last_contact_at == log.at
    assert len(attachments_of(log, "photo")) == 1
    assert log.case is None


def test_contact_follow_up_opens_a_case_in_the_households_grid(hubs):
    link = make_link(hubs, hubs.same_building[0])
    log = services.log_contact(
        hubs.hub.user,
        link,
        kind="call",
        note="电话询问近况",
        matter="楼道声控灯坏了一个多月，老人上下楼不方便",
    )
    case = log.case
    assert case is not None and case.grid_id == hubs.grid.pk and case.region_id == hubs.community.pk
    assert case.reporter_user == hubs.hub.user and case.channel == Channel.H5
    assert "党员中心户联户" in case.description and "1单元" in case.address
    # the grid worker of the community sees it in the case list
    assert Case.objects.visible_to(hubs.gridworker).filter(pk=case.pk).exists()


def test_staff_follow_up_is_a_visit_case(hubs):
    link = make_link(hubs, hubs.same_building[0])
    log = services.log_contact(
        hubs.admin, link, kind="visit", note="代中心户补登走访", matter="单元门禁损坏无法关闭"
    )
    assert log.case.channel == Channel.VISIT and log.case.grid_id == hubs.grid.pk


def test_contact_is_refused_for_another_member_a_suggested_link_and_bad_input(hubs):
    link = make_link(hubs, hubs.same_building[0])
    with pytest.raises(NotFound):
        services.log_contact(hubs.other_member.user, link, kind="visit", note="冒名登记联系")
    with pytest.raises(NotFound):
        services.log_contact(hubs.other_admin, link, kind="visit", note="跨社区登记")
    with pytest.raises(ServiceError, match="联系方式"):
        services.log_contact(hubs.hub.user, link, kind="fax", note="传真联系")
    with pytest.raises(ServiceError, match="情况记录"):
        services.log_contact(hubs.hub.user, link, kind="visit", note=" ")
    future = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ServiceError, match="晚于现在"):
        services.log_contact(hubs.hub.user, link, kind="visit", note="未来的联系", at=future)
    suggested = make_link(hubs, hubs.same_building[1], state=LinkState.SUGGESTED)
    with pytest.raises(ServiceError, match="确认后"):
        services.log_contact(hubs.hub.user, suggested, kind="visit", note="还没确认的联系户")
    assert ContactLog.objects.count() == 0 and Case.objects.count() == 0


def test_an_auditor_may_read_but_not_log(hubs, make_user):
    auditor = make_user("aud", "auditor", hubs.city.city)
    link = make_link(hubs, hubs.same_building[0])
    with pytest.raises(PermissionDenied):
        services.log_contact(auditor, link, kind="visit", note="审计员不能登记")


# ---------------------------------------------------------------- scope


def test_a_hub_sees_only_their_own_links(hubs):
    mine = make_link(hubs, hubs.same_building[0])
    hubs.other_member.is_household_hub = True
    hubs.other_member.save()
    theirs = make_link(hubs, hubs.same_building[1], hub=hubs.other_member)
    assert list(HubLink.objects.visible_to(hubs.hub.user, "outreach.log")) == [mine]
    assert list(HubLink.objects.visible_to(hubs.hub.user, "regions.view")) == []
    with pytest.raises(NotFound):
        services.get_link(hubs.hub.user, theirs.pk)


def test_a_community_admin_sees_only_their_communitys_links(hubs):
    link = make_link(hubs, hubs.same_building[0])
    assert list(HubLink.objects.visible_to(hubs.admin, "regions.view")) == [link]
    assert list(HubLink.objects.visible_to(hubs.other_admin, "regions.view")) == []


def test_figures_count_hubs_links_contacted_and_overdue(hubs):
    make_link(hubs, hubs.same_building[0], last_contact_days=3)
    make_link(hubs, hubs.same_building[1], last_contact_days=50)
    make_link(hubs, hubs.same_hood[0], state=LinkState.SUGGESTED)
    f = hub_figures(hubs.admin, community=hubs.community)
    assert (f["hubs"], f["linked"], f["contacted"], f["overdue"]) == (1, 2, 1, 1)
    g = hub_figures(hubs.admin, grid=hubs.grid)
    assert (g["linked"], g["overdue"]) == (2, 1)
    assert hub_figures(hubs.other_admin, community=hubs.community)["linked"] == 0
    assert hub_figures(hubs.hub.user, community=hubs.community) is None


# ---------------------------------------------------------------- 民情日志


@pytest.fixture
def worker(hubs):
    w = Worker.objects.filter(region=hubs.community).first()
    w.user = hubs.gridworker
    w.save()
    return w


def test_worker_log_items_become_a_case_and_a_visit(hubs, worker):
    a = services.add_item(
        hubs.gridworker, kind="hazard", text="1号楼外墙瓷砖松动，有坠落风险", household=hubs.same_building[0]
    )
    b = services.add_item(hubs.gridworker, kind="opinion", text="居民希望增设电动车充电桩")
    c = services.add_item(hubs.gridworker, kind="help", text="独居老人请社区帮忙联系家政")
    assert WorkerLog.objects.get().items.count() == 3  # one log per worker and day
    case = services.item_to_case(hubs.gridworker, a)
    assert case.channel == Channel.VISIT and case.grid_id == hubs.grid.pk and "民情日志" in case.description
    visit = services.item_to_visit(hubs.gridworker, b)
    assert Visit.objects.get() == visit and visit.heard == b.text and visit.visitor_name == worker.name
    services.close_item(hubs.gridworker, c)
    assert dict(LogItem.objects.values_list("pk", "state")) == {
        a.pk: ItemState.CASE,
        b.pk: ItemState.VISIT,
        c.pk: ItemState.DONE,
    }
    with pytest.raises(ServiceError, match="不能重复处理"):
        services.item_to_case(hubs.gridworker, LogItem.objects.get(pk=a.pk))
    summary = weekly_summary(hubs.admin, hubs.community, week_start(timezone.localdate()))
    assert dict(summary["by_kind"]) == {"民意": 1, "求助": 1, "隐患": 1, "其他": 0}
    assert summary["workers"] == [{"name": worker.name, "days": 1, "items": 3}]
    assert sum(n for _l, n in summary["case_states"]) == 1
    assert (
        weekly_summary(hubs.other_admin, hubs.community, week_start(timezone.localdate()))["total_items"] == 0
    )


def test_worker_log_refusals(hubs, worker):
    with pytest.raises(PermissionDenied):  # no worker record linked to the account
        services.add_item(hubs.admin, kind="opinion", text="没有关联社区工作者")
    with pytest.raises(ServiceError, match="类别"):
        services.add_item(hubs.gridworker, kind="gossip", text="类别不对的条目")
    with pytest.raises(ServiceError, match="未来"):
        services.add_item(
            hubs.gridworker,
            kind="opinion",
            text="明天的日志",
            date=timezone.localdate() + datetime.timedelta(days=1),
        )
    with pytest.raises(ServiceError, match="不在本社区"):
        services.add_item(
            hubs.gridworker, kind="help", text="别的社区的住户", household=hubs.city.households[4]
        )
    assert LogItem.objects.count() == 0
