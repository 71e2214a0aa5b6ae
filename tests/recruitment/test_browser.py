"""Browser: a candidate's file on a 375 px phone — the next step with its deadline, recording the talk
(step 2) with the form, landing back on the file with the step in the timeline."""

from __future__ import annotations

import datetime
import os

import pytest
from django.utils import timezone

from grassroots.recruitment.models import StepRecord
from tests.factories import add_candidate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def phone(live_server, admin, client):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    client.force_login(admin)
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
        ctx = browser.new_context(viewport={"width": 375, "height": 740})
        host = live_server.url.split("//")[1].split(":")[0]
        ctx.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
        pg = ctx.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.js_errors = errors
        yield pg
        browser.close()


def test_record_the_talk_on_a_phone(phone, live_server, city):
    today = timezone.localdate()
    c = add_candidate(city.branches[0], "手机申请人", today - datetime.timedelta(days=12))
    page = phone
    page.goto(f"{live_server.url}/recruitment/candidates/{c.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scrolling on a phone"
    next_step = page.inner_text("[data-next-step='2']")
    due = c.step_date(1) + datetime.timedelta(days=30)
    assert "党组织派人谈话" in next_step and f"{due:%Y-%m-%d}" in next_step
    page.fill("#id_on", today.isoformat())
    page.fill("#id_actor", "支部委员李红")
    page.fill("#id_note", "了解入党动机")
    page.click("[data-step-form] button[type=submit]")
    page.wait_for_selector("[data-record='2']")
    assert "支部委员李红" in page.inner_text("[data-record='2']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    rec = StepRecord.objects.get(candidate=c, step=2)
    assert rec.on == today and rec.note == "了解入党动机"
    assert page.js_errors == []
