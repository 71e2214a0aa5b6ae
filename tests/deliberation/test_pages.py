"""居民议事 pages: the staff list (search, filter, export, query count), the topic page with only the
actions its state allows, refusals as messages, and the residents' 议事厅 (propose, vote once)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grassroots.deliberation import services
from grassroots.deliberation.models import Topic, Vote

pytestmark = pytest.mark.django_db


def test_list_search_filter_export_and_scope(delib, voting_topic, client_for):
    topic, _ = voting_topic()
    other = services.propose(delib.admin, community=delib.c0, title="楼道灯维修", content="楼道灯坏了")
    c = client_for(delib.admin)
    r = c.get(reverse("deliberation:list"))
    assert r.status_code == 200 and topic.number in r.text and other.number in r.text
    assert "delib_res0" not in r.text  # the proposer's full name is personal data
    r = c.get(reverse("deliberation:list"), {"q": "楼道"})
    assert other.number in r.text and topic.number not in r.text
    r = c.get(reverse("deliberation:list"), {"state": "voting"})
    assert topic.number in r.text and other.number not in r.text
    r = c.get(reverse("deliberation:list"), {"q": "没有这个议题"})
    assert "没有符合条件的记录" in r.text
    ws = load_workbook(io.BytesIO(c.get(reverse("deliberation:list"), {"export": "xlsx"}).content)).active
    rows = list(ws.values)
    assert rows[0][0] == "编号" and {r[0] for r in rows[1:]} == {topic.number, other.number}
    # Another community's administrator sees neither.
    r = client_for(delib.admin1).get(reverse("deliberation:list"))
    assert topic.number not in r.text and "暂无居民议事" in r.text
    assert (
        client_for(delib.admin1).get(reverse("deliberation:detail", args=[topic.number])).status_code == 404
    )


def test_list_queries_do_not_grow_with_rows(delib, client_for, django_assert_max_num_queries):
    for i in range(12):
        services.propose(delib.admin, community=delib.c0, title=f"议题{i:02d}", content="内容")
    c = client_for(delib.admin)
    c.get(reverse("deliberation:list"))
    with django_assert_max_num_queries(12):
        r = c.get(reverse("deliberation:list"))
    assert r.text.count("data-row") == 12


def test_detail_shows_only_the_actions_of_the_state(delib, voting_topic, client_for):
    pending = services.propose(delib.resident, community=delib.c0, title="加装电梯", content="老楼")
    c = client_for(delib.admin)
    r = c.get(reverse("deliberation:detail", args=[pending.number]))
    assert "列入议事" in r.text and "开始表决" not in r.text
    topic, _ = voting_topic()
    r = c.get(reverse("deliberation:detail", args=[topic.number]))
    assert "结束表决并形成决议" in r.text and "列入议事" not in r.text and "添加方案" not in r.text
    # The street sees the topic (in its scope) and may act; a grid worker only reads.
    worker = delib.admin.__class__.objects.create_user(username="gw", password=None)
    from grassroots.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=worker, role=Role.objects.get(code="grid_worker"), region=delib.c0)
    r = client_for(worker).get(reverse("deliberation:detail", args=[topic.number]))
    assert r.status_code == 200 and "data-actions" not in r.text


def test_actions_by_post_and_refusals_as_messages(delib, client_for):
    c = client_for(delib.admin)
    r = c.post(reverse("deliberation:create"), {"community": delib.c0.pk, "title": "", "content": "x"})
    assert r.status_code == 400 and "请填写议题" in r.text
    r = c.post(
        reverse("deliberation:create"), {"community": delib.c0.pk, "title": "停车难", "content": "晚上停车难"}
    )
    topic = Topic.objects.get(title="停车难")
    assert r.status_code == 302 and topic.state == "accepted"

    def act(name, **data):
        return c.post(reverse("deliberation:act", args=[topic.number, name]), data, follow=True)

    r = act("open_voting")
    assert "请先确定议事的时间、地点和主题" in r.text and Topic.objects.get(pk=topic.pk).state == "accepted"
    r = act("schedule", meeting_at="2030-05-01T19:00", place="社区议事厅", theme="夜间停车")
    assert "已确定三定" in r.text
    r = act("schedule", meeting_at="明天", place="x", theme="y")
    assert "议事时间格式不正确" in r.text and Topic.objects.get(pk=topic.pk).meeting_place == "社区议事厅"
    act("add_option", label="错峰共享停车")
    act("add_option", label="划定临时车位")
    r = act("open_voting")
    assert "已开始表决" in r.text and Topic.objects.get(pk=topic.pk).state == "voting"
    r = c.post(reverse("deliberation:act", args=[topic.number, "nonsense"]))
    assert r.status_code == 404


def test_residents_propose_and_vote_once_on_the_phone(delib, voting_topic, client_for):
    topic, (a, b) = voting_topic()
    c = client_for(delib.resident2)
    r = c.get(reverse("deliberation:h5_list"))
    assert r.status_code == 200 and topic.title in r.text and "h5-tabbar" in r.text  # the resident layout
    r = c.post(reverse("deliberation:h5_list"), {"title": "小区健身器材维修", "content": "单杠松动"})
    assert r.status_code == 302 and Topic.objects.filter(title="小区健身器材维修", state="proposed").exists()
    r = c.get(reverse("deliberation:h5_topic", args=[topic.number]))
    assert "投票（每人一票" in r.text and "票 ·" not in r.text  # counts hidden while voting
    r = c.post(reverse("deliberation:h5_vote", args=[topic.number]), {"option": b.pk}, follow=True)
    assert "投票成功" in r.text and "我的选择" in r.text
    r = c.post(reverse("deliberation:h5_vote", args=[topic.number]), {"option": a.pk}, follow=True)
    assert "每人限投一票" in r.text
    assert list(Vote.objects.filter(topic=topic).values_list("option_id", flat=True)) == [b.pk]
    # A resident of another community does not see this community's topic.
    assert (
        client_for(delib.other).get(reverse("deliberation:h5_topic", args=[topic.number])).status_code == 404
    )
    # Staff without the resident right are not sent to the residents' pages.
    assert client_for(delib.admin).get(reverse("deliberation:h5_list")).status_code == 404


def test_h5_home_has_the_tile(delib, client_for):
    r = client_for(delib.resident).get(reverse("h5:home"))
    assert reverse("deliberation:h5_list") in r.text and "议事厅" in r.text
