"""Browser at 375 px: the reception log page on a phone — a matter is turned into a case, and the
case's state shows next to it; nothing overflows the viewport."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from grassroots.people import studios
from grassroots.people.models import Deputy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


def test_reception_log_on_a_phone_turns_a_matter_into_a_case(live_server, city, make_user, client):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    c0 = city.communities[0]
    user = make_user("c0admin", "community_admin", c0)
    deputy = Deputy.objects.create(name="王代表", kind="npc", level="district", region=c0)
    studio = studios.add_studio(
        user, name="团岛社区代表委员工作室", region=c0, address="党群服务中心", deputies=[deputy]
    )
    log = studios.log_reception(
        user,
        studio,
        held_on=timezone.localdate(),
        residents=4,
        deputies=[deputy],
        matters=["小区东门路灯损坏"],
    )
    client.force_login(user)
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
            page.goto(f"{live_server.url}/people/logs/{log.pk}/")
            assert page.locator("[data-residents]").inner_text() == "4 人"
            page.get_by_text("转为诉求跟踪办理").click()
            page.locator("[data-to-case] textarea").fill("小区东门路灯损坏，夜间出行不便，请尽快维修")
            page.locator("[data-to-case] button[type=submit]").click()
            page.wait_for_selector("[data-case-state]")
            matter = log.matters.get()
            assert matter.case is not None
            assert page.locator("[data-case-state]").inner_text() == "待分拨"
            assert matter.case.number in page.content()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"page is {width}px wide on a 375px phone"
        finally:
            browser.close()
