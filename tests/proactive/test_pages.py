"""Proactive pages: hot topic list (levels, filters, chart data, export, query count), topic detail with
the cases behind it masked, the create form, the task/theme lists with the effect, actions."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grassroots.core.models import AuditEvent
from grassroots.proactive import services
from grassroots.proactive.models import HotTopic, HotTopicRun, Initiative

pytestmark = pytest.mark.django_db


def test_hot_list_defaults_to_the_viewers_level_filters_and_exports(pro, hot, client_for):
    c = client_for(pro.manager)
    r = c.get(reverse("proactive:hot_list"))
    assert r.status_code == 200
    street = HotTopic.objects.get(level="street", region=pro.street0, category=pro.cat, keyword="")
    assert reverse("proactive:hot_detail", args=[street.pk]) in r.text
    assert 'data-chart="chart-hot"' in r.text and 'id="chart-hot"' in r.text
    assert "<script>" not in r.text  # CSP: data only (json_script), no inline code
    r = c.get(reverse("proactive:hot_list"), {"level": "community"})
    assert r.text.count("data-row") == HotTopic.objects.filter(level="community").count() == 2
    r = c.get(reverse("proactive:hot_list"), {"level": "all", "q": "没有这个"})
    assert "没有符合条件的记录" in r.text
    ws = load_workbook(
        io.BytesIO(c.get(reverse("proactive:hot_list"), {"level": "all", "export": "xlsx"}).content)
    )
    rows = list(ws.active.values)
    assert (
        rows[0][0] == "层级"
        and len(rows) - 1 == HotTopic.objects.filter(level__in=["community", "street"]).count()
    )
    # The community admin sees only their community's topics.
    r = client_for(pro.viewer).get(reverse("proactive:hot_list"), {"level": "all"})
    assert r.text.count("data-row") == 2 and "重新计算" not in r.text
    assert client_for(pro.other).get(reverse("proactive:hot_detail", args=[street.pk])).status_code == 404


def test_hot_list_queries_do_not_grow(pro, hot, client_for, django_assert_max_num_queries):
    c = client_for(pro.city_admin)
    c.get(reverse("proactive:hot_list"), {"level": "all"})
    with django_assert_max_num_queries(14):
        r = c.get(reverse("proactive:hot_list"), {"level": "all"})
    assert r.text.count("data-row") == HotTopic.objects.count()


def test_detail_lists_the_cases_masked(pro, topic, client_for, django_assert_max_num_queries):
    c = client_for(pro.manager)
    url = reverse("proactive:hot_detail", args=[topic.pk])
    c.get(url)
    with django_assert_max_num_queries(14):
        r = c.get(url)
    assert r.status_code == 200 and r.text.count("data-case>") == 5
    assert "13912345678" not in r.text and "王小明" not in r.text
    assert "转为未诉先办" in r.text and "定为每月一题" in r.text
    assert "转为未诉先办" not in client_for(pro.viewer).get(url).text


def test_create_task_from_a_topic_then_act(pro, topic, client_for):
    c = client_for(pro.manager)
    url = reverse("proactive:create", args=[topic.pk, "task"])
    r = c.get(url)
    assert r.status_code == 200 and pro.street0.name in r.text
    r = c.post(
        url,
        {"title": "", "region": pro.street0.pk, "owner_name": "李", "plan": "方案", "due_date": "2099-01-01"},
    )
    assert r.status_code == 400 and "请填写名称" in r.text and not Initiative.objects.exists()
    r = c.post(
        url,
        {
            "title": "井盖治理",
            "region": pro.street0.pk,
            "owner_name": "李",
            "plan": "方案",
            "due_date": "2099-01-01",
        },
    )
    i = Initiative.objects.get()
    assert r.status_code == 302 and r.url == reverse("proactive:detail", args=[i.number])
    r = c.get(r.url)
    assert "启动推进" in r.text and "标记完成" not in r.text
    c.post(reverse("proactive:act", args=[i.number, "finish"]), {"note": "x"})
    i.refresh_from_db()
    assert i.state == "draft"
    r = c.post(reverse("proactive:act", args=[i.number, "start"]), follow=True)
    i.refresh_from_db()
    assert i.state == "in_progress" and "已启动" in r.text
    r = c.get(reverse("proactive:task_list"))
    assert i.number in r.text and "测算中" in r.text
    assert client_for(pro.viewer).get(url).status_code == 404
    # the viewer reads the task (in their community? no: it belongs to the street) -> 404
    assert client_for(pro.viewer).get(reverse("proactive:detail", args=[i.number])).status_code == 404


def test_theme_form_and_edit(pro, topic, client_for, make_initiative):
    c = client_for(pro.manager)
    r = c.post(
        reverse("proactive:create", args=[topic.pk, "theme"]),
        {
            "title": "井盖攻坚",
            "region": pro.c0.pk,
            "owner_name": "王",
            "plan": "方案",
            "measures": "措施",
            "month": "2099-03",
        },
    )
    i = Initiative.objects.get(kind="theme")
    assert r.status_code == 302 and str(i.month) == "2099-03-01" and str(i.due_date) == "2099-03-31"
    r = c.get(reverse("proactive:theme_list"))
    assert i.number in r.text and "2099年3月" in r.text
    r = c.post(
        reverse("proactive:edit", args=[i.number]),
        {
            "title": "新名称",
            "owner_name": "王",
            "plan": "新方案",
            "measures": "措施",
            "due_date": "2099-03-20",
        },
    )
    i.refresh_from_db()
    assert r.status_code == 302 and i.title == "新名称" and str(i.due_date) == "2099-03-20"
    # the community admin of community 0 sees a theme owned by the community, without actions
    r = client_for(pro.viewer).get(reverse("proactive:detail", args=[i.number]))
    assert r.status_code == 200 and "data-actions" not in r.text


def test_recompute_button_queues_an_audited_run(pro, hot, client_for, django_capture_on_commit_callbacks):
    c = client_for(pro.manager)  # (a login writes its own audit row)
    n = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=False):
        r = c.post(reverse("proactive:hot_recompute"))
    assert r.status_code == 302
    run = HotTopicRun.objects.latest("pk")
    assert run.state == "queued" and run.requested_by == pro.manager and AuditEvent.objects.count() == n + 1
    r = client_for(pro.manager).get(reverse("proactive:hot_list"))
    assert "计算中" in r.text
    r = client_for(pro.viewer).post(reverse("proactive:hot_recompute"), follow=True)
    assert "没有重新计算热点的权限" in r.text


def test_api(pro, topic, client_for, token_for):
    from django.test import Client

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(pro.manager)}")
    r = api.get("/api/v1/proactive/hot-topics", {"level": "community"})
    assert r.status_code == 200 and {i["region"] for i in r.json()["items"]} == {pro.c0.name}
    body = {
        "kind": "task",
        "hot_topic_id": topic.pk,
        "title": "井盖治理",
        "region_code": pro.street0.code,
        "owner_name": "李",
        "plan": "方案",
        "due_date": "2099-01-01",
    }
    r = api.post("/api/v1/proactive/initiatives", body, content_type="application/json")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    r = api.post(
        f"/api/v1/proactive/initiatives/{number}/transitions",
        {"action": "finish", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r["content-type"].startswith("application/problem+json")
    r = api.post(
        f"/api/v1/proactive/initiatives/{number}/transitions",
        {"action": "start"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "in_progress"
    r = api.post(
        "/api/v1/proactive/initiatives", {**body, "due_date": "2020-01-01"}, content_type="application/json"
    )
    assert r.status_code == 400 and "不能早于今天" in r.json()["detail"]
    assert services  # the API goes through the same services
