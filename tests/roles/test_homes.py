"""Each role's home answers "what needs me today": its own queues, each figure a link to the list it
counts and equal to that list's count."""

from __future__ import annotations

import re

import pytest
from django.test import Client

FIGURE = re.compile(
    r'<a class="[^"]*today-figure[^"]*" href="([^"]+)" data-today="([^"]+)">'
    r".*?<div[^>]*data-value>([^<]*)</div>",
    re.S,
)


def _client(username):
    from grassroots.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def figures_of(client) -> list[tuple[str, str, str]]:
    r = client.get("/")
    assert r.status_code == 200
    return [
        (label, url.replace("&amp;", "&"), value.strip())
        for url, label, value in FIGURE.findall(r.content.decode())
    ]


def list_count(client, url: str, label: str) -> int:
    r = client.get(url)
    assert r.status_code == 200, (label, url, r.status_code)
    ctx = r.context
    if "/cases/alerts/" in url:
        return ctx["counts"]["total"]
    if "/orglife/mine/" in url:
        return len(ctx["upcoming"])
    if "/volunteers/me/wishes/" in url:
        return len(ctx["wishes"])
    if "/volunteers/me/activities/" in url:
        return ctx["hours"]
    return ctx["page_obj"].paginator.count


EXPECTED = {
    "dept": {"待报到与反馈", "待接单", "已超期"},
    "gridworker": {"在办诉求", "待接单", "今日上报", "巡查待完成", "待走访住户", "今日巡查"},
    "community": {"待分拨", "待派单", "被退单待改派", "诉求预警", "本周活动与会议", "待审核议题"},
    "street": {"待分拨", "待派单", "诉求预警", "本周活动与会议"},
    "admin": {"待分拨", "诉求预警", "今日审计事件"},
    "auditor": {"今日审计事件", "近7日审计事件"},
    "member": {"本支部近期活动", "我认领的微心愿", "我的志愿服务时长（小时）"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_home_figures_equal_the_lists_they_link(demo_city, username):
    client = _client(username)
    figures = figures_of(client)
    labels = {label for label, _url, _v in figures}
    assert EXPECTED[username] <= labels, (username, labels)
    checked = 0
    for label, url, value in figures:
        try:
            number = float(value)
        except ValueError:
            continue  # names and leader figures with units link to pages, not counted lists
        assert list_count(client, url, label) == pytest.approx(number), (username, label, url)
        checked += 1
    assert checked >= 2


@pytest.mark.django_db
def test_department_and_grid_worker_homes_are_their_queues(demo_city):
    for username in ("dept", "gridworker"):
        html = _client(username).get("/").content.decode()
        assert "data-today-section" in html
        assert 'data-stat="orgs"' not in html  # not the party-building overview of the scope
    assert "主要指标" not in _client("dept").get("/").content.decode()  # leaders' figures


@pytest.mark.django_db
def test_department_queue_moves_with_a_dispatched_case(demo_city):
    from grassroots.accounts.models import User
    from grassroots.cases.models import Case, handler_ids_for

    dept = User.objects.get(username="dept")
    client = _client("dept")
    before = dict((label, value) for label, _u, value in figures_of(client))["待接单"]
    case = Case.objects.exclude(state="dispatched").filter(state="triaged").first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(state="dispatched", handler_id=handler_ids_for(dept)[0])
    after = dict((label, value) for label, _u, value in figures_of(client))["待接单"]
    assert int(after) == int(before) + 1


@pytest.mark.django_db
def test_auditor_reads_the_city_and_its_audit_log(demo_city):
    from grassroots.core.models import AuditEvent

    assert AuditEvent.objects.exists()
    client = _client("auditor")
    r = client.get("/core/audit/")
    assert r.status_code == 200 and r.context["page_obj"].paginator.count > 0
    for url in ("/party/members/", "/regions/households/", "/cases/"):
        r = client.get(url)
        assert r.status_code == 200 and r.context["page_obj"].paginator.count > 0, url
