"""The resident H5: `/` for visitors, residents and staff; the SMS form's default button; 我的诉求 with
progress and evaluation; the inbox; 查询进度 without an account."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from grassroots.accounts.models import SmsOutbox
from grassroots.cases import services
from grassroots.cases.models import Channel
from grassroots.notifications.services import notify

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _code(phone=PHONE) -> str:
    return re.search(r"\d{6}", SmsOutbox.objects.filter(phone=phone).order_by("-id").first().body).group(0)


def _report(city, phone=PHONE, description="楼道里的路灯坏了好几天"):
    return services.submit(
        AnonymousUser(),
        channel=Channel.H5,
        region=city.communities[0],
        description=description,
        reporter_phone=phone,
    )


def test_root_is_a_public_landing_for_visitors(city):
    r = Client().get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'href="/cases/report/"' in html and 'action="/h5/track/"' in html
    assert 'href="/accounts/login/"' in html and 'href="/accounts/resident/login/"' in html
    assert "navbar-vertical" not in html  # no staff chrome
    # staff login still works where it was
    assert Client().get("/accounts/login/").status_code == 200


def test_root_sends_residents_to_h5_and_staff_to_their_workbench(city, make_user, client_for):
    resident = make_user("res1", "resident")
    r = client_for(resident).get("/")
    assert r.status_code == 302 and r["Location"] == "/h5/"
    staff = make_user("ca1", "community_admin", city.communities[0])
    r = client_for(staff).get("/")
    assert r.status_code == 200 and "navbar-vertical" in r.content.decode()


def test_default_button_of_the_sms_form_logs_in():
    html = Client().get("/accounts/resident/login/").content.decode()
    form = html[html.index("<form") : html.index("</form>")]
    first_submit = re.search(r'<button[^>]*type="submit"[^>]*>', form).group(0)
    assert 'value="login"' in first_submit  # Enter (the Go key) submits with this button


def test_enter_in_the_phone_field_sends_the_code_and_enter_in_the_code_field_logs_in(city):
    c = Client()
    # Enter before any code: the default (login) button with an empty code sends the code
    r = c.post("/accounts/resident/login/", {"phone": PHONE, "code": "", "action": "login"})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
    assert SmsOutbox.objects.filter(phone=PHONE).count() == 1
    assert 'value="13912345678"' in r.content.decode()
    # Enter in the code field: logs in (no second code is sent), lands on the H5
    r = c.post("/accounts/resident/login/", {"phone": PHONE, "code": _code(), "action": "login"})
    assert r.status_code == 302 and r["Location"] == "/h5/"
    assert SmsOutbox.objects.filter(phone=PHONE).count() == 1
    assert c.get("/h5/").status_code == 200


def _login(phone=PHONE) -> Client:
    c = Client()
    c.post("/accounts/resident/login/", {"phone": phone, "action": "send"})
    r = c.post("/accounts/resident/login/", {"phone": phone, "code": _code(phone), "action": "login"})
    assert r.status_code == 302
    return c


def test_my_cases_lists_reports_left_with_the_phone_with_progress_and_evaluation(city, make_user):
    from grassroots.cases.models import Category, Handler

    mine = _report(city)
    _report(city, phone="13800000000", description="别人反映的噪音扰民问题")
    c = _login()
    html = c.get("/h5/cases/").content.decode()
    assert mine.number in html and "别人反映的" not in html
    assert "data-evaluate" not in html
    # resolved: the row offers the evaluation
    handler = Handler.objects.create(kind="street", name="街道", region=city.streets[0])
    dispatcher = make_user("disp", "street_admin", city.streets[0])
    worker = make_user("hw", "street_admin", city.streets[0])
    handler.members.add(worker)
    cat = Category.objects.get(code="1101")
    services.triage(dispatcher, mine, category=cat)
    services.dispatch(dispatcher, mine, handler=handler)
    services.accept(worker, mine)
    services.resolve(worker, mine, resolution="已修复路灯", no_photo_reason="夜间作业无法拍照说明")
    html = c.get("/h5/cases/?show=evaluate").content.decode()
    assert mine.number in html and "data-evaluate" in html and "/cases/evaluate/" in html
    home = c.get("/h5/").content.decode()
    assert 'data-figure="evaluate">1<' in home
    inbox = c.get("/h5/notifications/").content.decode()
    assert "已办结" in inbox


def test_empty_states_are_chinese(city):
    c = _login()
    assert "暂无诉求" in c.get("/h5/cases/").content.decode()
    assert "暂无通知" in c.get("/h5/notifications/").content.decode()


def test_inbox_shows_only_own_messages_paginated(city, make_user, client_for):
    user = make_user("res2", "resident")
    other = make_user("res3", "resident")
    for i in range(25):
        notify(user, kind="cases.resolved", title=f"消息{i:02d}")
    notify(other, kind="cases.resolved", title="别人的消息")
    c = client_for(user)
    html = c.get("/h5/notifications/").content.decode()
    assert "消息24" in html and "别人的消息" not in html and "共 25 条" in html
    assert "消息04" in c.get("/h5/notifications/?page=2").content.decode()


def test_track_lookup_without_account(city):
    case = _report(city)
    r = Client().post("/h5/track/", {"number": case.number, "phone": PHONE})
    assert r.status_code == 302 and r["Location"] == f"/cases/track/{services.tracking_token(case)}/"
    r = Client().post("/h5/track/", {"number": case.number, "phone": "13800000000"})
    assert r.status_code == 404 and "没有找到该工单" in r.content.decode()


def test_home_tiles_follow_permissions(city, make_user, client_for):
    resident = make_user("res4", "resident")
    html = client_for(resident).get("/h5/").content.decode()
    for url in (
        "/cases/report/",
        "/h5/cases/",
        "/h5/wishes/",
        "/volunteers/me/activities/",
        "/venues/rooms/",
        "/h5/notifications/",
    ):
        assert f'href="{url}"' in html
    assert 'href="/cobuild/join/"' not in html  # 报到 is for in-service party members
    member = make_user("pm1", "party_member", city.communities[0])
    assert 'href="/cobuild/join/"' in client_for(member).get("/h5/").content.decode()


def test_shared_phone_pages_use_the_h5_layout_for_residents_only(city, make_user, client_for):
    resident = client_for(make_user("res5", "resident"))
    member = client_for(make_user("pm2", "party_member", city.communities[0]))
    for url in (
        "/volunteers/me/wishes/",
        "/volunteers/me/points/",
        "/volunteers/shop/",
        "/venues/bookings/mine/",
    ):
        html = resident.get(url).content.decode()
        assert "h5-tabbar" in html and "navbar-vertical" not in html, url
        html = member.get(url).content.decode()
        assert "navbar-vertical" in html and "h5-tabbar" not in html, url
