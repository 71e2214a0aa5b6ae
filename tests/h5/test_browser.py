"""Browser, 375 px: an anonymous resident reports from the public landing, gets the text message with the
tracking link, later signs in by SMS code pressing Enter, finds the report in 我的诉求, evaluates it 不满意,
and the handler is told of the reopen. Every H5 page is also shot at 1440 px (in the test's tmp dir)."""

from __future__ import annotations

import re

import pytest

from grassroots.accounts.models import SmsOutbox
from grassroots.cases import services
from grassroots.cases.models import Case, Category, Handler
from grassroots.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13912345678"


def _texts() -> list[str]:
    return list(SmsOutbox.objects.filter(phone=PHONE).order_by("id").values_list("body", flat=True))


def _no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def test_resident_reports_hears_back_logs_in_with_enter_and_reopens(
    browser, live_server, city, make_user, settings, tmp_path
):
    settings.SITE_URL = live_server.url
    # The receipt is sent by a background task queued after commit: run it as soon as it is queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    street = city.streets[0]
    handler = Handler.objects.create(kind="street", name=f"{street.name}城管科", region=street)
    dispatcher = make_user("disp", "street_admin", street)
    handler_user = make_user("hw", "street_admin", street)
    bystander = make_user("other", "street_admin", street)
    handler.members.add(handler_user)
    phone = browser.new_context(viewport={"width": 375, "height": 800})
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. anonymous: the landing, then 随手拍
    page.goto(live_server.url + "/")
    _no_overflow(page)
    page.screenshot(path=tmp_path / "landing-phone.png", full_page=True)
    page.click("[data-landing-report]")
    page.wait_for_url("**/cases/report/")
    page.select_option("#id_community", str(city.communities[0].pk))
    page.fill("#id_description", "小区东门的路灯坏了一个星期，晚上很黑")
    page.fill("#id_reporter_phone", PHONE)
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_url("**/cases/track/**")
    case = Case.objects.get()
    assert case.number in page.inner_text("body")

    # 2. the text message carries the tracking link, which opens the same page
    [receipt] = _texts()
    link = re.search(r"(http://\S+/cases/track/\S+/)", receipt).group(1)
    page.goto(link)
    assert case.number in page.inner_text("body")

    # 3. the street handles it (services), the reporter is texted at each step
    services.triage(dispatcher, case, category=Category.objects.get(code="1101"))
    services.dispatch(dispatcher, case, handler=handler)
    services.accept(handler_user, case)
    services.resolve(
        handler_user, case, resolution="已更换灯泡，路灯恢复照明", no_photo_reason="夜间抢修无法拍照说明"
    )
    assert "/cases/evaluate/" in _texts()[-1]

    # 4. sign in by SMS code, pressing Enter in each field
    page.goto(live_server.url + "/accounts/resident/login/")
    page.fill("#r-phone", PHONE)
    page.press("#r-phone", "Enter")
    page.wait_for_selector("text=验证码已发送")
    code = re.search(r"\d{6}", _texts()[-1]).group(0)
    page.fill("#r-code", code)
    page.press("#r-code", "Enter")
    page.wait_for_url(live_server.url + "/h5/")
    _no_overflow(page)
    page.screenshot(path=tmp_path / "home-phone.png", full_page=True)

    # 5. 我的诉求 shows the report with its progress and the evaluation
    page.click(".h5-tabbar >> text=我的诉求")
    page.wait_for_url("**/h5/cases/")
    row = page.locator(f"[data-case='{case.number}']")
    assert "待评价" in row.inner_text()
    _no_overflow(page)
    page.screenshot(path=tmp_path / "cases-phone.png", full_page=True)
    row.locator("[data-evaluate]").click()
    page.wait_for_url("**/cases/evaluate/**")
    page.check("input[value=unsatisfied]")
    page.fill("textarea[name=comment]", "路灯晚上还是不亮")
    page.click("button:has-text('提交评价')")
    page.wait_for_selector("text=感谢")

    # 6. the case is reopened and the handler (and the dispatcher) are told; nobody else
    case.refresh_from_db()
    assert case.state == "dispatched" and case.reopen_count == 1
    told = set(Notification.objects.filter(kind="cases.reopened").values_list("user__username", flat=True))
    assert told == {"hw", "disp"} and bystander.username not in told

    for path in ("/h5/notifications/", "/h5/me/"):
        page.goto(live_server.url + path)
        _no_overflow(page)
        page.screenshot(path=tmp_path / f"{path.strip('/').replace('/', '-')}-phone.png", full_page=True)
    desk = browser.new_context(viewport={"width": 1440, "height": 900}, storage_state=phone.storage_state())
    dpage = desk.new_page()
    for path in ("/h5/", "/h5/cases/", "/h5/notifications/"):
        dpage.goto(live_server.url + path)
        dpage.screenshot(path=tmp_path / f"{path.strip('/').replace('/', '-')}-desktop.png", full_page=True)
    assert errors == []
