"""Creating 未诉先办 tasks and 每月一题 themes: scope, owner, dates, one theme a month per level node."""

import datetime

import pytest
from django.utils import timezone

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.proactive.models import HotTopic, Initiative

pytestmark = pytest.mark.django_db


def test_task_keeps_the_cluster_and_is_audited(pro, topic, make_initiative):
    before = AuditEvent.objects.count()
    i = make_initiative()
    assert i.number.startswith("WS") and i.state == "draft"
    assert (i.cluster_region, i.category, i.keyword, i.hot_topic) == (pro.c0, pro.cat, "", topic)
    assert AuditEvent.objects.count() == before + 1
    j = make_initiative()
    assert int(j.number[-5:]) == int(i.number[-5:]) + 1


def test_one_theme_per_month_and_level_node(pro, make_initiative, city):
    today = timezone.localdate()
    t = make_initiative("theme", month=today.replace(day=15))
    assert t.month == today.replace(day=1) and t.number.startswith("MY")
    n = Initiative.objects.count()
    with pytest.raises(Conflict, match="每月一题"):
        make_initiative("theme")
    assert Initiative.objects.count() == n
    # Another level node (the city) may have its own theme this month; a cancelled one frees the month.
    make_initiative("theme", user=pro.city_admin, region=city.city)
    from grassroots.proactive import services

    services.cancel(pro.manager, t, reason="改选其他问题")
    assert make_initiative("theme").state == "draft"


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"title": " "}, "请填写名称"),
        ({"plan": ""}, "请填写工作方案"),
        ({"owner_name": ""}, "请填写责任人"),
        ({"due_date": None}, "请填写完成期限"),
        ({"due_date": datetime.date(2020, 1, 1)}, "不能早于今天"),
    ],
)
def test_bad_task_input_is_refused_in_chinese_and_nothing_is_written(pro, make_initiative, kw, message):
    n, a = Initiative.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ServiceError, match=message):
        make_initiative(**kw)
    assert (Initiative.objects.count(), AuditEvent.objects.count()) == (n, a)


def test_theme_needs_measures_and_a_current_month(pro, make_initiative):
    with pytest.raises(ServiceError, match="主要措施"):
        make_initiative("theme", measures="")
    with pytest.raises(ServiceError, match="已过去的月份"):
        make_initiative("theme", month=datetime.date(2020, 1, 1))


def test_owner_must_be_managed_and_contain_the_cluster(pro, make_initiative, city, topic):
    with pytest.raises(PermissionDenied):
        make_initiative(user=pro.viewer, region=pro.c0)
    with pytest.raises(ServiceError, match="管辖范围"):
        make_initiative(region=city.district)  # street admin: the district is above their scope
    with pytest.raises(ServiceError, match="包含热点"):
        make_initiative(region=pro.c1)
    with pytest.raises(NotFound):
        make_initiative(user=pro.other, region=pro.street1)  # street 1 cannot see street 0's topic
    street_topic = HotTopic.objects.get(level="street", region=pro.street0, category=pro.cat, keyword="")
    with pytest.raises(ServiceError, match="包含热点"):
        make_initiative(region=pro.c0, hot_topic=street_topic)


def test_owner_worker_must_work_in_the_owner_region(pro, make_initiative, city):
    inside = next(w for w in city.workers if w.region.path.startswith(pro.street0.path))
    outside = next(w for w in city.workers if not w.region.path.startswith(pro.street0.path))
    i = make_initiative(owner_worker=inside, owner_name="")
    assert i.owner_name == inside.name
    with pytest.raises(ServiceError, match="责任人须是"):
        make_initiative(owner_worker=outside)


def test_each_step_tells_the_people_who_carry_it(pro, city, make_user, make_initiative):
    """Start, evaluation and cancellation reach the owner region's managers and the owner worker's
    account; completion reaches whoever created the task; nobody is told of their own step."""
    from grassroots.notifications.models import Notification
    from grassroots.people.models import Worker
    from grassroots.proactive import services

    community_manager = make_user("pro_c0_admin", "street_admin", pro.c0)  # proactive.manage on c0
    worker_account = make_user("pro_worker", None)
    Worker.objects.filter(pk=city.workers[0].pk).update(user=worker_account)
    task = make_initiative(region=pro.c0, owner_worker=Worker.objects.get(pk=city.workers[0].pk))

    def inbox(user):
        return list(
            Notification.objects.filter(user=user, kind="proactive.initiative")
            .order_by("created_at", "id")
            .values_list("title", flat=True)
        )

    services.start(pro.manager, task)
    assert inbox(community_manager) == ["未诉先办任务已启动：井盖专项治理"]
    assert inbox(worker_account) == ["未诉先办任务已启动：井盖专项治理"]
    assert inbox(pro.manager) == []  # the one who started it
    assert inbox(pro.other) == [] and inbox(pro.viewer) == []  # other street; c0's viewer has no manage

    services.finish(community_manager, task, note="更换井盖 12 个")
    assert inbox(pro.manager) == ["未诉先办任务已完成，请评估：井盖专项治理"]
    services.evaluate(pro.manager, task, evaluation="同类诉求明显下降")
    assert inbox(community_manager)[-1] == "未诉先办任务已评估：井盖专项治理"
    detail = Notification.objects.filter(user=worker_account).order_by("-id").first()
    assert detail.url == f"/proactive/i/{task.number}/" and "同类诉求明显下降" in detail.body

    other = make_initiative(region=pro.c0)
    services.cancel(pro.manager, other, reason="与专项整治合并")
    assert inbox(community_manager)[-1] == "未诉先办任务已取消：井盖专项治理"
