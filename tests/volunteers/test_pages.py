"""Pages: staff lists (search, filters, export, query counts), wish detail actions, the public wall
without personal data, the claimer's pool, QR scan check-in/out, my points and the shop."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grassroots.core.masking import mask
from grassroots.volunteers import services, stats, wishes
from grassroots.volunteers.models import Wish

from .conftest import photo

pytestmark = pytest.mark.django_db


def test_wish_list_search_filter_export_and_query_count(
    vw, published, new_wish, client_for, django_assert_max_num_queries
):
    for i in range(12):
        published(title=f"想要一台收音机{i}")
    new_wish(title="需要轮椅一辆")
    c = client_for(vw.admin0)
    url = reverse("volunteers:wishes")
    with django_assert_max_num_queries(12):
        r = c.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert "想要一台收音机" in html and "王**" in html and "王秀英" not in html
    r = c.get(url, {"q": "轮椅"})
    assert "需要轮椅一辆" in r.content.decode() and "收音机" not in r.content.decode()
    r = c.get(url, {"state": "submitted"})
    assert r.content.decode().count("data-row") == 1
    r = c.get(url, {"export": "xlsx", "state": "published"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "心愿" and len(rows) == 13
    # masked for every role by default (plaintext only through the purpose form); other scope: nothing
    assert rows[1][3] == "王**"
    other = client_for(vw.admin1).get(url)
    assert "收音机" not in other.content.decode()


def test_wish_create_page_with_photo(vw, client_for):
    c = client_for(vw.worker0)
    url = reverse("volunteers:wish_add")
    assert c.get(url).status_code == 200
    data = {
        "region": vw.c0.code,
        "title": "想要一副老花镜",
        "category": "daily",
        "beneficiary_name": "李桂兰",
    }
    r = c.post(url, {**data, "title": "镜"})
    assert r.status_code == 400 and "心愿内容" in r.content.decode()
    r = c.post(url, {**data, "photos": [photo()]})
    assert r.status_code == 302
    wish = Wish.objects.get(title="想要一副老花镜")
    assert wish.state == "submitted" and wish.posted_by == vw.worker0
    r = c.post(url, {**data, "region": vw.c1.code})
    assert r.status_code == 400 and "不在您的管辖范围内" in r.content.decode()


def test_wish_detail_shows_only_allowed_actions_and_acts(vw, new_wish, client_for):
    wish = new_wish()
    c = client_for(vw.admin0)
    r = c.get(reverse("volunteers:wish_detail", args=[wish.pk]))
    html = r.content.decode()
    assert (
        'data-action="approve"' in html
        and 'data-action="reject"' in html
        and 'data-action="confirm"' not in html
    )
    r = c.post(reverse("volunteers:wish_act", args=[wish.pk, "reject"]), {"note": ""})
    assert r.status_code == 302
    wish.refresh_from_db()
    assert wish.state == "submitted"  # refused: a reason is required
    c.post(reverse("volunteers:wish_act", args=[wish.pk, "approve"]), {"note": "属实"})
    wish.refresh_from_db()
    assert wish.state == "published"
    history = c.get(reverse("volunteers:wish_detail", args=[wish.pk])).content.decode()
    assert "审核通过并发布" in history and "属实" in history
    assert client_for(vw.admin1).get(reverse("volunteers:wish_detail", args=[wish.pk])).status_code == 404


def test_public_wall_has_no_personal_data(vw, published, client):
    published(description="独居老人想听广播")
    r = client.get(reverse("volunteers:wall", args=[vw.c0.code]))
    html = r.content.decode()
    assert r.status_code == 200 and "想要一台收音机" in html
    assert "王" not in html.replace("王**", "") or "王秀英" not in html
    assert "王秀英" not in html and "13812345678" not in html and "138****5678" not in html
    assert client.get(reverse("volunteers:wall", args=["999999999999"])).status_code == 404
    # a claim by a person shows a masked name, a unit's claim the unit
    wish = Wish.objects.get(region=vw.c0)
    wishes.claim_wish(vw.member, wish)
    html = client.get(reverse("volunteers:wall", args=[vw.c0.code])).content.decode()
    assert f"{mask('name', vw.member_rec.name)}认领" in html and vw.member_rec.name not in html


def test_pool_claim_fulfil_through_pages(vw, published, client_for):
    wish = published()
    c = client_for(vw.member)
    r = c.get(reverse("volunteers:pool"), {"community": vw.c0.code})
    assert "想要一台收音机" in r.content.decode() and "王秀英" not in r.content.decode()
    r = c.post(
        reverse("volunteers:wish_act", args=[wish.pk, "claim"]), {"back": reverse("volunteers:my_wishes")}
    )
    assert r.status_code == 302 and r["Location"] == reverse("volunteers:my_wishes")
    wish.refresh_from_db()
    assert wish.claimed_by == vw.member
    r = c.get(reverse("volunteers:my_wishes"))
    assert "提交完成" in r.content.decode()
    c.post(
        reverse("volunteers:wish_act", args=[wish.pk, "fulfil"]),
        {"note": "已送到老人家中", "photos": [photo()]},
    )
    wish.refresh_from_db()
    assert wish.state == "fulfilled"
    # a second claimer can't reach it
    r = client_for(vw.member2).post(reverse("volunteers:wish_act", args=[wish.pk, "confirm"]))
    assert r.status_code == 404


def test_scan_check_in_and_out_through_the_qr_page(vw, client_for):
    start = timezone.now() - dt.timedelta(minutes=5)
    va = services.create_activity(
        vw.admin0,
        region=vw.c0,
        title="社区清洁",
        place="广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=5,
    )
    staff = client_for(vw.admin0)
    svg = staff.get(reverse("volunteers:activity_qr", args=[va.pk, "in"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client_for(vw.admin1).get(reverse("volunteers:activity_qr", args=[va.pk, "in"])).status_code == 404
    c = client_for(vw.resident)
    c.post(reverse("volunteers:activity_signup", args=[va.pk]))
    url_in = reverse("volunteers:scan", args=[services.checkin_token(va, "in")])
    r = c.get(url_in)
    assert r.status_code == 200 and "确认签到" in r.content.decode()
    r = c.post(url_in)
    assert "签到成功" in r.content.decode()
    r = c.post(reverse("volunteers:scan", args=[services.checkin_token(va, "out")]))
    assert "签退成功" in r.content.decode()
    r = c.get(reverse("volunteers:scan", args=["forged"]))
    assert r.status_code == 404
    assert "签到" in staff.get(reverse("volunteers:activity_detail", args=[va.pk])).content.decode()


def test_my_points_shop_and_rankings(vw, client_for):
    vol = services.ensure_volunteer(vw.resident, vw.c0)
    services.grant_points(vw.admin0, vol, amount=40, reason="参加社区清洁")
    item = services.add_item(vw.admin0, region=vw.c0, name="洗衣液", price=15, stock=4)
    c = client_for(vw.resident)
    r = c.get(reverse("volunteers:shop"))
    assert "洗衣液" in r.content.decode()
    c.post(reverse("volunteers:shop_redeem", args=[item.pk]), {"quantity": "2"})
    r = c.get(reverse("volunteers:my_points"))
    html = r.content.decode()
    assert "data-balance>10<" in html and "待领取" in html
    staff = client_for(vw.admin0)
    r = staff.get(reverse("volunteers:rankings"))
    assert vol.name in r.content.decode()
    r = staff.get(reverse("volunteers:rankings"), {"export": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert list(ws.iter_rows(values_only=True))[1][1] == vol.name
    r = staff.get(reverse("volunteers:rankings"), {"mode": "teams"})
    assert r.status_code == 200


def test_stats_contracts(vw, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the home figures move after commit
        wish = published()
        wishes.claim_wish(vw.member, wish)
        wishes.fulfil_wish(vw.member, wish, note="已送到老人家中", photos=[photo()])
        wishes.confirm_wish(vw.admin0, wish)
    today = timezone.localdate()
    assert stats.member_wish_counts([vw.member_rec.pk, 999999], today, today) == {vw.member_rec.pk: 1}
    assert (
        stats.member_wish_counts(
            [vw.member_rec.pk], today - dt.timedelta(days=30), today - dt.timedelta(days=1)
        )
        == {}
    )
    rows = stats.wish_stats(vw.admin0)
    assert rows[0]["posted"] == 1 and rows[0]["fulfilled"] == 1 and rows[0]["avg_days"] == 0.0
    figures = {f["label"]: f["value"] for f in stats.home_figures(vw.admin0)}
    assert figures["完成微心愿"] == 1 and figures["发放积分"] == 20 and figures["注册志愿者"] == 1
    assert stats.home_figures(vw.resident) == []
    assert {f["label"]: f["value"] for f in stats.home_figures(vw.admin1)}["完成微心愿"] == 0


def test_staff_forms_register_team_activity_and_catalogue(vw, client_for):
    from grassroots.orglife.models import Activity
    from grassroots.volunteers.models import CatalogItem, TeamMember, Volunteer, VolunteerTeam

    c = client_for(vw.worker0)
    r = c.post(reverse("volunteers:volunteer_add"), {"region": vw.c0.code, "name": "刘", "kind": "resident"})
    assert r.status_code == 400 and "姓名" in r.content.decode()
    r = c.post(
        reverse("volunteers:volunteer_add"),
        {"region": vw.c0.code, "name": "刘德华", "phone": "13900001111", "kind": "resident"},
    )
    assert r.status_code == 302
    vol = Volunteer.objects.get(name="刘德华")
    assert vol.user.has_usable_password() is False and vol.phone == "13900001111"
    r = c.post(
        reverse("volunteers:team_add"), {"region": vw.c0.code, "name": "银龄互助队", "service_area": "助老"}
    )
    team = VolunteerTeam.objects.get(name="银龄互助队")
    assert r.status_code == 302 and r["Location"] == reverse("volunteers:team_detail", args=[team.pk])
    c.post(reverse("volunteers:team_member_add", args=[team.pk]), {"volunteer": vol.pk})
    membership = TeamMember.objects.get(team=team, volunteer=vol)
    c.post(reverse("volunteers:team_leader", args=[membership.pk]))
    team.refresh_from_db()
    assert team.leader == vol
    html = c.get(reverse("volunteers:team_detail", args=[team.pk])).content.decode()
    assert "刘德华" in html and "队长" in html
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    data = {
        "region": vw.c0.code,
        "title": "敬老院慰问",
        "place": "社区敬老院",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 10,
        "points_per_hour": 10,
        "team": team.pk,
    }
    r = c.post(reverse("volunteers:activity_add"), {**data, "ends_at": data["starts_at"]})
    assert r.status_code == 400 and "结束时间" in r.content.decode()
    r = c.post(reverse("volunteers:activity_add"), data)
    assert r.status_code == 302
    act = Activity.objects.get(title="敬老院慰问")
    assert act.kind == "volunteer" and act.volunteer.team == team
    r = c.post(
        reverse("volunteers:item_add"), {"region": vw.c0.code, "name": "保温杯", "price": 80, "stock": 3}
    )
    item = CatalogItem.objects.get(name="保温杯")
    c.post(reverse("volunteers:item_stock", args=[item.pk]), {"delta": "-5"})
    item.refresh_from_db()
    assert item.stock == 3  # refused: never below zero
    c.post(reverse("volunteers:item_stock", args=[item.pk]), {"delta": "2", "reason": "爱心企业捐赠"})
    item.refresh_from_db()
    assert item.stock == 5
    r = c.post(
        reverse("volunteers:item_edit", args=[item.pk]),
        {"name": "保温杯", "price": 60, "description": "", "is_active": ""},
    )
    item.refresh_from_db()
    assert r.status_code == 302 and item.price == 60 and item.is_active is False


def test_release_command_prints_counts(vw, published):
    from io import StringIO

    from django.core.management import call_command

    wish = published()
    Wish.objects.filter(pk=wish.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    out = StringIO()
    call_command("release_wishes", stdout=out)
    assert "下架 1 个" in out.getvalue()


def test_wish_without_step_records_shows_its_timeline_from_timestamps(vw, client_for):
    """Wishes loaded from earlier ledgers carry timestamps but no audited steps: the page still shows
    when they were posted, reviewed and claimed, and by whom."""
    now = timezone.now()
    wish = Wish.objects.create(
        region=vw.c0,
        title="想要一副老花镜",
        beneficiary_name="李桂兰",
        posted_by=vw.worker0,
        posted_at=now - dt.timedelta(days=5),
        reviewed_by=vw.admin0,
        reviewed_at=now - dt.timedelta(days=4),
        published_at=now - dt.timedelta(days=4),
        state="claimed",
        claimed_by=vw.member,
        claimed_at=now - dt.timedelta(days=2),
    )
    html = client_for(vw.admin0).get(reverse("volunteers:wish_detail", args=[wish.pk])).content.decode()
    assert "暂无流转记录" not in html
    for label in ("登记", "审核通过", "认领"):
        assert f"<span>{label}</span>" in html
    assert "确认完成" not in html and "党员甲" in html
