"""Browser: the street admin on a 375 px phone opens the hot topics, a topic, and turns it into a
未诉先办 task; at 1440 px the hot topic list draws its chart and the task page shows its actions."""

import os

import pytest

from grassroots.proactive.models import Initiative
from tests.browser import page_context as _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("PROACTIVE_SHOTS")  # a directory to keep the screenshots in for looking


def _shot(page, tmp_path, name):
    path = os.path.join(SHOTS or str(tmp_path), name)
    page.screenshot(path=path, full_page=True)


def test_phone_and_desktop(browser, live_server, client, pro, topic, tmp_path):
    phone = _context(browser, live_server, client, pro.manager, 375, 800).new_page()
    phone.goto(live_server.url + "/proactive/?level=community")
    phone.wait_for_selector("[data-chart='chart-hot'] canvas")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(phone, tmp_path, "hot-list-375.png")
    phone.click(f"a[href='/proactive/hot/{topic.pk}/']")
    phone.wait_for_selector("[data-chart='chart-series'] canvas")
    assert phone.locator("[data-case]").count() == 5
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(phone, tmp_path, "hot-detail-375.png")
    phone.click("[data-to-task]")
    phone.fill("#id_title", "井盖松动专项治理")
    phone.fill("#id_owner_name", "李主任")
    phone.fill("#id_plan", "排查全部井盖，联系产权单位更换")
    phone.fill("#id_due_date", "2099-01-01")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(phone, tmp_path, "task-form-375.png")
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_selector("[data-actions]")
    i = Initiative.objects.get()
    assert i.title == "井盖松动专项治理" and i.state == "draft"
    phone.get_by_role("button", name="启动推进").click()
    phone.wait_for_selector("text=已启动")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(phone, tmp_path, "task-375.png")
    i.refresh_from_db()
    assert i.state == "in_progress"

    desk = _context(browser, live_server, client, pro.city_admin, 1440, 900).new_page()
    desk.goto(live_server.url + "/proactive/?level=all")
    desk.wait_for_selector("[data-chart='chart-hot'] canvas")
    _shot(desk, tmp_path, "hot-list-1440.png")
    desk.goto(f"{live_server.url}/proactive/i/{i.number}/")
    assert desk.locator("[data-actions]").is_visible()
    _shot(desk, tmp_path, "task-1440.png")
    desk.goto(live_server.url + "/proactive/tasks/")
    assert desk.locator("[data-row]").count() == 1
    _shot(desk, tmp_path, "tasks-1440.png")
