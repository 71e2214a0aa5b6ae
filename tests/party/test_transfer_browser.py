"""Browser: the receiving community's administrator accepts an incoming transfer on a 375 px phone —
the incoming list, the detail page's 接收 button, the member counted in the receiving branch."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.urls import reverse

from grassroots.party import transfers
from grassroots.party.models import Member, Transfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def phone(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    if not (settings.BASE_DIR / "static" / "dist" / "app.js").exists():
        pytest.skip("前端资源未构建（node assets/build.mjs）")
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
        pg = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.js_errors = errors
        yield pg
        browser.close()


def test_accept_an_incoming_transfer_on_a_phone(phone, live_server, city, sender, receiver):
    t = transfers.issue_transfer(sender, city.members[0], to_org=city.branches[2], reason="工作调动")
    page = phone
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", "receiver")
    page.fill("input[name=password]", "Secret-Pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/accounts/login" not in u)
    page.goto(live_server.url + reverse("party:transfers_in"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click(f"text={t.letter_no}")
    page.wait_for_selector("[data-receiver-actions]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("[data-state]").inner_text() == "转接中"
    page.click("[data-accept-main]")
    page.wait_for_selector("[data-state='accepted']")
    assert Transfer.objects.get(pk=t.pk).state == "accepted"
    assert Member.objects.get(pk=city.members[0].pk).party_org_id == city.branches[2].pk
    assert not page.js_errors
