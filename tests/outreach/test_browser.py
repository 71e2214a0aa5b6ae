"""Browser, 375 px: a hub member opens 我的联系户, logs a visit with a household and turns the
matter the household raised into a case that reaches the household's grid."""

from __future__ import annotations

import os

import pytest

from grassroots.cases.models import Case
from grassroots.outreach.models import ContactLog
from tests.outreach.conftest import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def phone(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

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
        ctx = browser.new_context(viewport={"width": 375, "height": 740})
        pg = ctx.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.js_errors = errors
        yield pg
        browser.close()


def test_hub_logs_a_contact_and_turns_a_matter_into_a_case(phone, live_server, hubs):
    overdue = make_link(hubs, hubs.same_building[0], last_contact_days=45)
    make_link(hubs, hubs.same_building[1], last_contact_days=2)
    hubs.hub.user.set_password("Hub-pass-2026")
    hubs.hub.user.save()
    page = phone
    page.goto(f"{live_server.url}/accounts/login/?next=/outreach/mine/")
    page.fill("[name=username]", "hub1")
    page.fill("[name=password]", "Hub-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-link]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scrolling on a phone"
    rows = page.query_selector_all("[data-link]")
    assert rows[0].get_attribute("data-link") == str(overdue.pk), "overdue households come first"
    assert "45 天未联系" in rows[0].inner_text()
    rows[0].click()
    page.wait_for_selector("label[for=kind-visit]")
    page.click("label[for=kind-visit]")
    page.fill("#c-note", "上门看望，老人身体尚好")
    page.click("details summary")
    page.fill("#c-matter", "楼道声控灯坏了一个多月，老人夜里上下楼不方便")
    page.click("form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "已转为工单" in page.inner_text(".alert-success")
    assert page.js_errors == []
    log = ContactLog.objects.get()
    case = Case.objects.get()
    assert log.case == case and log.kind == "visit"
    assert case.grid_id == hubs.grid.pk and case.region_id == hubs.community.pk
    assert Case.objects.visible_to(hubs.gridworker).filter(pk=case.pk).exists()
    overdue.refresh_from_db()
    assert overdue.last_contact_at == log.at
    # back on the list, the household is no longer overdue and the case shows in 最近联系
    assert page.query_selector_all("[data-link]")[-1].get_attribute("data-link") == str(overdue.pk)
    assert case.number in page.inner_text("[data-case]")
