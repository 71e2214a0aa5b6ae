"""居民议事 services: who may do what, the refusals (in Chinese, changing nothing), the tally and the
people told of the outcome."""

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.deliberation import services
from grassroots.deliberation.models import Topic, TopicState, Vote
from grassroots.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_resident_proposes_for_their_own_community_only(delib):
    topic = services.propose(
        delib.resident, community=delib.c0, title="楼道堆物清理", content="三楼楼道堆满杂物"
    )
    assert topic.state == TopicState.PROPOSED and topic.number.startswith("YS")
    assert (
        topic.proposer_name
        and AuditEvent.objects.filter(model="deliberation.topic", action="create").exists()
    )
    with pytest.raises(ServiceError, match="只能参与本社区的议事"):
        services.propose(delib.resident, community=delib.c2, title="别的社区", content="内容")
    # A resident whose household is unknown chooses the community.
    assert (
        services.propose(delib.unlinked, community=delib.c2, title="议题", content="内容").region == delib.c2
    )


def test_proposals_are_validated_and_capped(delib):
    with pytest.raises(ServiceError, match="请填写议题"):
        services.propose(delib.resident, community=delib.c0, title=" ", content="内容")
    with pytest.raises(ServiceError, match="不能超过 60 个字"):
        services.propose(delib.resident, community=delib.c0, title="长" * 61, content="内容")
    with pytest.raises(ServiceError, match="请选择所在社区"):
        services.propose(delib.unlinked, community=None, title="议题", content="内容")
    for i in range(services.MAX_OPEN_PROPOSALS):
        services.propose(delib.resident, community=delib.c0, title=f"议题{i}", content="内容")
    with pytest.raises(ServiceError, match="待社区审核") as exc:
        services.propose(delib.resident, community=delib.c0, title="再提一个", content="内容")
    assert exc.value.status == 429
    assert Topic.objects.filter(proposer=delib.resident).count() == services.MAX_OPEN_PROPOSALS


def test_staff_entry_is_taken_up_at_once_and_only_in_scope(delib):
    topic = services.propose(delib.admin, community=delib.c0, title="议事会收集", content="停车难")
    assert topic.state == TopicState.ACCEPTED and topic.proposer_kind == "community"
    # Another community's admin is not staff there and holds no resident right: refused.
    with pytest.raises(PermissionDenied):
        services.propose(delib.admin1, community=delib.c0, title="越权", content="内容")


def test_screening_needs_the_community_and_a_reason_to_reject(delib):
    topic = services.propose(delib.resident, community=delib.c0, title="加装电梯", content="老楼没有电梯")
    with pytest.raises(NotFound):
        services.screen(delib.admin1, topic, accept=True)
    with pytest.raises(ServiceError, match="请填写审核意见"):
        services.screen(delib.admin, topic, accept=False, note="")
    topic.refresh_from_db()
    assert topic.state == TopicState.PROPOSED
    services.screen(delib.admin, topic, accept=False, note="属于业主大会表决事项")
    assert topic.state == TopicState.REJECTED
    note = Notification.objects.get(user=delib.resident, kind="deliberation.topic")
    assert "属于业主大会表决事项" in note.title
    with pytest.raises(ServiceError, match="不能立项"):
        services.screen(delib.admin, topic, accept=True)


def test_voting_needs_three_fixed_and_two_options(delib):
    topic = services.propose(delib.admin, community=delib.c0, title="充电桩", content="选址")
    with pytest.raises(ServiceError, match="三定"):
        services.open_voting(delib.admin, topic)
    services.schedule(delib.admin, topic, meeting_at=delib.meeting, place="议事厅", theme="选址")
    services.add_option(delib.admin, topic, label="南门")
    with pytest.raises(ServiceError, match="至少需要 2 个方案"):
        services.open_voting(delib.admin, topic)
    with pytest.raises(ServiceError, match="已有同名方案"):
        services.add_option(delib.admin, topic, label="南门")
    services.add_option(delib.admin, topic, label="北门")
    services.open_voting(delib.admin, topic)
    assert Topic.objects.get(pk=topic.pk).state == TopicState.VOTING
    with pytest.raises(ServiceError, match="不能添加方案"):
        services.add_option(delib.admin, topic, label="东门")


def test_one_vote_per_resident_and_only_where_they_live(delib, voting_topic):
    topic, (south, north) = voting_topic()
    services.vote(delib.resident, topic, south.pk)
    with pytest.raises(Conflict, match="每人限投一票"):
        services.vote(delib.resident, topic, north.pk)
    with pytest.raises(ServiceError, match="只能参与本社区的议事"):
        services.vote(delib.other, topic, north.pk)
    with pytest.raises(PermissionDenied):
        services.vote(delib.admin, topic, north.pk)
    with pytest.raises(ServiceError, match="请选择一个方案"):
        services.vote(delib.resident2, topic, 0)
    assert list(Vote.objects.filter(topic=topic).values_list("voter__username", "option__label")) == [
        ("delib_res0", "方案0")
    ]


def test_close_adopts_the_most_voted_option_and_tells_everyone_who_took_part(delib, voting_topic):
    topic, (a, b) = voting_topic()
    services.vote(delib.resident, topic, b.pk)
    services.vote(delib.resident2, topic, b.pk)
    services.vote(delib.unlinked, topic, a.pk)
    with pytest.raises(ServiceError, match="请填写决议内容"):
        services.close_voting(delib.admin, topic, resolution="")
    services.close_voting(delib.admin, topic, resolution="在北门建设充电车棚")
    topic.refresh_from_db()
    assert (topic.state, topic.chosen_option) == (TopicState.DECIDED, b)
    told = set(
        Notification.objects.filter(title__contains="已形成决议").values_list("user__username", flat=True)
    )
    assert told == {"delib_res0", "delib_res0b", "delib_free"}
    event = AuditEvent.objects.filter(model="deliberation.topic", action="transition").order_by("-id").first()
    assert event.changes["state"] == ["voting", "decided"] and event.changes["votes"][1] == {
        "方案0": 1,
        "方案1": 2,
    }


def test_a_tie_needs_the_meeting_to_name_one_of_the_tied_options(delib, voting_topic):
    topic, (a, b, c) = voting_topic(3)
    services.vote(delib.resident, topic, a.pk)
    services.vote(delib.resident2, topic, b.pk)
    with pytest.raises(ServiceError, match="票数相同"):
        services.close_voting(delib.admin, topic, resolution="决议")
    with pytest.raises(ServiceError, match="票数相同"):
        services.close_voting(delib.admin, topic, resolution="决议", option_id=c.pk)  # not among the tied
    services.close_voting(delib.admin, topic, resolution="决议", option_id=b.pk)
    assert Topic.objects.get(pk=topic.pk).chosen_option == b


def test_no_resolution_without_votes(delib, voting_topic):
    topic, _ = voting_topic()
    with pytest.raises(ServiceError, match="还没有人投票"):
        services.close_voting(delib.admin, topic, resolution="决议")


def test_project_to_done_is_published_to_participants(delib, voting_topic):
    topic, (a, _b) = voting_topic()
    services.vote(delib.resident2, topic, a.pk)
    services.close_voting(delib.admin, topic, resolution="南门建车棚")
    with pytest.raises(ServiceError, match="不能早于今天"):
        services.start_project(
            delib.admin,
            topic,
            title="建车棚",
            owner="王主任",
            due=timezone.localdate() - datetime.timedelta(days=1),
        )
    services.start_project(
        delib.admin,
        topic,
        title="南门充电车棚",
        owner="王主任",
        due=timezone.localdate() + datetime.timedelta(30),
    )
    with pytest.raises(ServiceError, match="请填写办结情况"):
        services.finish(delib.admin, topic, note=" ")
    services.finish(delib.admin, topic, note="车棚已建成，安装充电插座 24 个")
    topic.refresh_from_db()
    assert topic.state == TopicState.DONE and topic.done_at is not None
    done = Notification.objects.filter(title__contains="已办结")
    assert set(done.values_list("user__username", flat=True)) == {"delib_res0", "delib_res0b"}


def test_public_topic_reads(delib, voting_topic):
    topic, _ = voting_topic()
    assert services.public_topic(delib.resident2, topic.number) == topic
    assert services.public_topic(delib.unlinked, topic.number) == topic
    with pytest.raises(NotFound):
        services.public_topic(delib.other, topic.number)  # lives in another community
    pending = services.propose(delib.resident, community=delib.c0, title="待审", content="内容")
    assert services.public_topic(delib.resident, pending.number) == pending  # the proposer
    assert services.public_topic(delib.admin, pending.number) == pending  # staff in scope
    with pytest.raises(NotFound):
        services.public_topic(delib.resident2, pending.number)
