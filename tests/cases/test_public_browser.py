"""Browser: 身边诉求. A visitor on a 375 px phone opens the map from the landing page, sees the dots and
the list with redacted text, opens a case; a neighbour signs in, follows it; the reporter adds 补充说明;
the 1440 px page shows the per-area summary."""

import os
from pathlib import Path

import pytest

from grassroots.cases import services
from grassroots.cases.models import CaseEvent, CaseFollower
from tests.browser import page_context as _context

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("GRASSROOTS_SHOTS", "")) if os.environ.get("GRASSROOTS_SHOTS") else None


def _shot(page, tmp_path, name):
    page.screenshot(path=str((SHOTS or tmp_path) / name), full_page=True)


def test_visitor_neighbour_and_reporter_on_the_public_map(
    browser, live_server, client, loop, new_case, make_user, tmp_path
):
    case = new_case(loop.cat_garbage, description="楼下垃圾堆了三天，我的电话13812345678")
    other = new_case(loop.cat_garbage, region=loop.c1, lng=120.33, lat=36.07)
    services.triage(loop.dispatcher, other, category=loop.cat_garbage)
    neighbour = make_user("nb_browser", "resident")

    phone = _context(browser, live_server, client, None, 375, 800).new_page()
    phone.goto(live_server.url + "/")
    phone.click("[data-landing-nearby]")
    phone.wait_for_selector("[data-public-map][data-points='2']")
    assert phone.locator("[data-public-list] [data-case]").count() == 2
    body = phone.locator("main").inner_text()
    assert "13812345678" not in body and "楼下垃圾堆了三天" in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(phone, tmp_path, "public-map-375.png")
    phone.click(f"[data-case='{case.number}']")
    phone.wait_for_selector("[data-login]")
    assert phone.locator("[data-status]").inner_text() == "已受理"

    nb = _context(browser, live_server, client, neighbour, 375, 800).new_page()
    nb.goto(f"{live_server.url}/cases/public/{case.number}/")
    nb.click("[data-follow]")
    nb.wait_for_selector("text=已关注，办理进展将通知您")
    assert nb.locator("[data-followers]").inner_text() == "1"
    assert CaseFollower.objects.filter(case=case, user=neighbour).exists()
    _shot(nb, tmp_path, "public-case-followed-375.png")

    me = _context(browser, live_server, client, loop.resident, 375, 800).new_page()
    me.goto(f"{live_server.url}/cases/public/{case.number}/")
    me.wait_for_selector("[data-reporter]")
    me.fill("#u-text", "今天又多了两袋")
    me.get_by_role("button", name="提交补充说明").click()
    me.wait_for_selector("[data-step='resident_update']")
    assert "今天又多了两袋" in me.locator("[data-step='resident_update']").inner_text()
    assert CaseEvent.objects.filter(case=case, step="resident_update").count() == 1
    _shot(me, tmp_path, "public-case-reporter-375.png")

    desk = _context(browser, live_server, client, None, 1440, 900).new_page()
    desk.goto(f"{live_server.url}/cases/public/?region={loop.street.code}")
    desk.wait_for_selector("[data-summary]")
    rows = desk.locator("[data-summary] tbody tr")
    assert rows.count() == 2
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1440
    _shot(desk, tmp_path, "public-map-1440.png")
