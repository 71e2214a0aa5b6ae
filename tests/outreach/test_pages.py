"""Pages: staff lists with filters, export and a bounded number of queries; the community page's
bulk confirmation; the phone pages of the hub and the worker; counts on grid and community pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.outreach import services
from grassroots.outreach.models import HubLink, LinkState
from grassroots.party.models import Member
from grassroots.people.models import Worker
from tests.factories import add_member
from tests.outreach.conftest import make_link

pytestmark = pytest.mark.django_db


def _more_hubs(hubs, n):
    for k in range(n):
        m = add_member(hubs.city.branches[0], f"中心户{k}", residence=hubs.e1, room=f"9{k:02d}")
        Member.objects.filter(pk=m.pk).update(is_household_hub=True)
        make_link(hubs, hubs.same_hood[k % 2] if k < 2 else hubs.near[0], hub=m, last_contact_days=40)


def test_hub_list_queries_do_not_grow_with_rows(hubs, client_for):
    make_link(hubs, hubs.same_building[0], last_contact_days=40)
    client = client_for(hubs.admin)
    client.get("/outreach/")
    with CaptureQueriesContext(connection) as few:
        r = client.get("/outreach/")
    assert r.status_code == 200 and "1 户" in r.content.decode()
    HubLink.objects.all().delete()
    _more_hubs(hubs, 3)
    with CaptureQueriesContext(connection) as more:
        r = client.get("/outreach/?overdue=1")
    assert r.status_code == 200 and r.content.decode().count("data-overdue") == 3
    assert len(more) <= len(few) + 1


def test_overdue_list_search_and_export(hubs, client_for):
    make_link(hubs, hubs.same_building[0], last_contact_days=40)
    make_link(hubs, hubs.same_building[1], last_contact_days=3)
    client = client_for(hubs.admin)
    body = client.get("/outreach/overdue/").content.decode()
    assert body.count("<tr data-row>") == 1
    assert client.get("/outreach/overdue/?q=zzz").content.decode().count("<tr data-row>") == 0
    r = client.get("/outreach/overdue/?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(hubs.other_admin).get("/outreach/overdue/").content.decode().count("<tr data-row>") == 0


def test_community_page_confirms_in_bulk_and_refuses_without_change(hubs, client_for, make_user):
    made = services.suggest_links(hubs.admin, hubs.community, per_hub=3)
    client = client_for(hubs.admin)
    code = hubs.community.code
    assert "生成推荐" in client.get(f"/outreach/communities/{code}/").content.decode()
    r = client.post(f"/outreach/communities/{code}/confirm/", {"ids": [lk.pk for lk in made[:2]]})
    assert r.status_code == 302
    assert HubLink.objects.filter(state=LinkState.CONFIRMED).count() == 2
    auditor = make_user("aud2", "auditor", hubs.city.city)
    r = client_for(auditor).post(f"/outreach/communities/{code}/confirm/", {"ids": [made[2].pk]}, follow=True)
    assert "没有维护该社区联户关系的权限" in r.content.decode()
    assert HubLink.objects.get(pk=made[2].pk).state == LinkState.SUGGESTED
    assert client_for(hubs.other_admin).get(f"/outreach/communities/{code}/").status_code == 404


def test_hub_phone_pages_show_only_their_households(hubs, client_for):
    mine = make_link(hubs, hubs.same_building[0], last_contact_days=40)
    hubs.other_member.is_household_hub = True
    hubs.other_member.save()
    theirs = make_link(hubs, hubs.same_building[1], hub=hubs.other_member)
    client = client_for(hubs.hub.user)
    body = client.get("/outreach/mine/").content.decode()
    assert f'data-link="{mine.pk}"' in body and f'data-link="{theirs.pk}"' not in body
    assert "40 天未联系" in body
    assert client.get(f"/outreach/mine/{theirs.pk}/contact/").status_code == 404
    r = client.post(f"/outreach/mine/{mine.pk}/contact/", {"kind": "call", "note": ""})
    assert r.status_code == 400 and "请填写情况记录" in r.content.decode()
    r = client.post(f"/outreach/mine/{mine.pk}/contact/", {"kind": "call", "note": "电话问候，一切安好"})
    assert r.status_code == 302 and mine.contacts.count() == 1
    assert client_for(hubs.admin).get("/outreach/mine/").status_code == 404  # not a hub


def test_worker_log_page_and_weekly_summary(hubs, client_for):
    w = Worker.objects.filter(region=hubs.community).first()
    w.user = hubs.gridworker
    w.save()
    client = client_for(hubs.gridworker)
    r = client.post("/outreach/log/", {"kind": "hazard", "text": "楼道堆放杂物堵塞消防通道"})
    assert r.status_code == 302
    item = w.daily_logs.get().items.get()
    r = client.post(f"/outreach/log/items/{item.pk}/case/", {})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.state == "case" and item.case.grid_id is None  # no household: the community decides
    body = client_for(hubs.admin).get(f"/outreach/weekly/{hubs.community.code}/").content.decode()
    assert item.case.number in body and w.name in body
    r = client_for(hubs.admin).get(f"/outreach/weekly/{hubs.community.code}/?export=xlsx")
    assert r.status_code == 200
    assert client_for(hubs.admin).get("/outreach/logs/").content.decode().count("<tr data-row>") == 1


def test_counts_on_grid_and_community_pages(hubs, client_for):
    make_link(hubs, hubs.same_building[0], last_contact_days=40)
    make_link(hubs, hubs.same_building[1], last_contact_days=3)
    client = client_for(hubs.admin)
    for url in (f"/grids/{hubs.grid.code}/", f"/regions/{hubs.community.code}/"):
        body = client.get(url).content.decode()
        assert "data-hub-panel" in body, url
        assert 'data-figure="linked">2<' in body and 'data-figure="overdue">1<' in body, url
