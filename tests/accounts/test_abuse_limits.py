"""Abuse limits (issue 14 item 6): SMS code pumping and password guessing from one address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from grassroots.accounts import services
from grassroots.accounts.models import OneTimeCode, SmsOutbox
from grassroots.core.errors import ServiceError

pytestmark = pytest.mark.django_db


def _send(phone: str, ip: str = "10.0.0.7"):
    return Client().post(
        reverse("accounts:resident_login"), {"action": "send", "phone": phone}, REMOTE_ADDR=ip
    )


def test_25_numbers_from_one_ip_get_at_most_the_configured_codes():
    statuses = [_send(f"139{i:08d}").status_code for i in range(25)]
    assert SmsOutbox.objects.count() == 5  # SMS_CODES_PER_IP_HOUR default
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    body = _send("13800000099").content.decode()
    assert "当前网络获取验证码过于频繁" in body
    assert OneTimeCode.objects.count() == 5
    # another address still gets a code
    assert _send("13800000100", ip="10.0.0.8").status_code == 200
    assert SmsOutbox.objects.count() == 6


@override_settings(SMS_CODES_PER_IP_HOUR=100, SMS_CODES_PER_IP_DAY=3)
def test_per_ip_daily_cap():
    assert [_send(f"137{i:08d}").status_code for i in range(4)] == [200, 200, 200, 429]
    assert "今日获取验证码次数已达上限" in _send("13700000009").content.decode()
    assert SmsOutbox.objects.count() == 3


@override_settings(SMS_CODES_PER_DAY=4)
def test_platform_wide_daily_cap_over_all_addresses():
    for i in range(4):
        assert _send(f"136{i:08d}", ip=f"10.0.1.{i}").status_code == 200
    resp = _send("13600000009", ip="10.0.2.1")
    assert resp.status_code == 429 and "平台上限" in resp.content.decode()
    assert SmsOutbox.objects.count() == 4


@override_settings(SMS_CODES_PER_PHONE_MINUTE=100, SMS_CODES_PER_PHONE_DAY=2)
def test_per_phone_daily_cap_is_a_setting():
    services.request_login_code("13512345678", ip="10.0.0.1")
    services.request_login_code("13512345678", ip="10.0.0.2")
    with pytest.raises(ServiceError, match="该号码今日获取验证码次数已达上限"):
        services.request_login_code("13512345678", ip="10.0.0.3")
    assert SmsOutbox.objects.count() == 2


def _login(username, password, ip):
    return Client().post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_many_usernames_from_one_ip_are_throttled(make_user):
    make_user("realuser")
    statuses = [_login(f"guess{i}", "Wrong-Pass-1", "10.6.6.6").status_code for i in range(40)]
    assert statuses[:20] == [200] * 20  # the form answers "wrong password"
    assert set(statuses[20:]) == {429}
    resp = _login("realuser", "Secret-Pass-123", "10.6.6.6")
    assert resp.status_code == 429 and "登录失败次数过多" in resp.content.decode()
    # the same user from another address is not affected
    assert _login("realuser", "Secret-Pass-123", "10.7.7.7").status_code == 302


def test_an_attacker_cannot_lock_the_real_user_out_from_another_ip(make_user):
    make_user("victim")
    for _ in range(10):
        _login("victim", "Wrong-Pass-1", "10.6.6.6")
    # the attacker's own (username, IP) pair is locked
    assert _login("victim", "Secret-Pass-123", "10.6.6.6").status_code == 429
    # the real user, from their own address, logs in
    assert _login("victim", "Secret-Pass-123", "10.8.8.8").status_code == 302


@override_settings(USE_X_FORWARDED_FOR=True, LOGIN_FAILURES_PER_IP=6)
def test_behind_the_proxy_limits_count_the_forwarded_client_address(make_user):
    make_user("proxied")

    def login(password, client_ip):
        return Client().post(
            "/accounts/login/",
            {"username": "proxied", "password": password},
            REMOTE_ADDR="10.0.0.1",  # the reverse proxy
            HTTP_X_FORWARDED_FOR=client_ip,
        )

    for _ in range(6):
        login("Wrong-Pass-1", "203.0.113.9")
    assert login("Secret-Pass-123", "203.0.113.9").status_code == 429
    # another client behind the same proxy is neither locked nor throttled
    assert login("Secret-Pass-123", "198.51.100.7").status_code == 302
