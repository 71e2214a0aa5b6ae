"""Browser: a resident on a 375 px phone goes from the H5 home to 议事厅, opens the topic being voted on,
votes, and sees their choice; the community's topic page at 1440 px shows the vote counted."""

import pytest

from grassroots.deliberation.models import Vote
from tests.browser import page_context as _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
