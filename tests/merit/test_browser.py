"""Browser: 我的积分 at phone width (375 px): the year's total and its entries fit the screen, and a
member records a study on the phone (pending until the branch approves)."""

import datetime
import os

import pytest

from grassroots.merit import services
from grassroots.merit.models import StudyRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


def test_my_points_on_the_phone(live_server, sources, year, client):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    services.accrue_points(year)
    client.force_login(sources.user2)
    session = client.cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            ctx = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
            host = live_server.url.split("//")[1].split(":")[0]
            ctx.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
            page = ctx.new_page()
            page.goto(f"{live_server.url}/merit/mine/")
            assert page.locator("[data-total]").inner_text().strip() == "4"
            assert page.locator("[data-entry]").count() == 2
            assert page.locator("[data-entry][data-kind=volunteer] a").count() == 1  # links to its activity
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"page overflows the phone width ({width}px)"
            page.fill("input[name=course]", "专题党课学习")
            page.fill("input[name=hours]", "2")
            page.fill("input[name=studied_on]", datetime.date.today().isoformat())
            page.click("button:has-text('提交学习记录')")
            page.wait_for_selector(".alert-success")
            assert "审核通过后计入积分" in page.locator(".alert-success").inner_text()
            assert page.locator("text=待审核").count() >= 1
        finally:
            browser.close()
    assert StudyRecord.objects.filter(
        member=sources.members[2], course="专题党课学习", state="pending"
    ).exists()
