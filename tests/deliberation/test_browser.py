"""Browser: a resident on a 375 px phone goes from the H5 home to 议事厅, opens the topic being voted on,
votes, and sees their choice; the community's topic page at 1440 px shows the vote counted."""

import os

import pytest

from grassroots.deliberation.models import Vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def _context(browser, live_server, client, user, width, height):
    client.force_login(user)
    ctx = browser.new_context(viewport={"width": width, "height": height})
    host = live_server.url.split("//")[1].split(":")[0]
    ctx.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    return ctx


def test_resident_votes_on_the_phone_and_the_community_sees_it(
    browser, live_server, client, delib, voting_topic, tmp_path
):
    topic, (_a, b) = voting_topic()
    phone = _context(browser, live_server, client, delib.resident2, 375, 800).new_page()
    phone.goto(live_server.url + "/h5/")
    phone.get_by_role("link", name="议事厅").click()
    phone.wait_for_selector(f"[data-topic='{topic.number}']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.click(f"[data-topic='{topic.number}']")
    phone.get_by_text(b.label).click()
    phone.get_by_role("button", name="投票（每人一票，投出后不能修改）").click()
    phone.wait_for_selector("text=投票成功")
    assert phone.locator(f"[data-option='{b.pk}']").inner_text().count("我的选择") == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(tmp_path / "h5-topic-375.png"), full_page=True)
    assert Vote.objects.get(topic=topic).voter == delib.resident2

    desk = _context(browser, live_server, client, delib.admin, 1440, 900).new_page()
    desk.goto(f"{live_server.url}/deliberation/topics/{topic.number}/")
    assert desk.locator(f"[data-option='{b.pk}'] [data-votes]").inner_text() == "1 票"
    desk.screenshot(path=str(tmp_path / "topic-1440.png"), full_page=True)
