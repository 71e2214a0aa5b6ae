"""Browser: the community takes an application at 1440 px (materials checked off, a scan attached) and
forwards it; the department finishes it; the resident on a 375 px phone goes from the H5 home to 我的代办,
opens it and gives five stars."""

import os

import pytest

from grassroots.onewindow import services
from grassroots.onewindow.models import Application
from tests.browser import page_context as _context
from tests.factories import png_bytes

from .conftest import MATERIALS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_window_to_department_to_resident(browser, live_server, client, ow, tmp_path):
    shots = os.environ.get("ONEWINDOW_SHOTS") or str(tmp_path)
    desk = _context(browser, live_server, client, ow.admin, 1440, 900).new_page()
    desk.goto(f"{live_server.url}/onewindow/new/?community={ow.c0.pk}&item={ow.item.pk}")
    desk.fill("#f-name", "张桂兰")
    desk.fill("#f-phone", "13912345678")
    desk.select_option("#f-channel", "door")
    for m in MATERIALS:
        desk.get_by_label(m).check()
    scan = tmp_path / "hukou.png"
    scan.write_bytes(png_bytes())
    desk.set_input_files("#f-scans", str(scan))
    desk.get_by_role("button", name="受理", exact=True).click()
    desk.wait_for_selector("text=已受理，受理编号")
    app = Application.objects.get()
    assert app.state == "received" and app.channel == "door" and app.household is None
    desk.get_by_role("button", name="转交区民政局办理").click()
    desk.wait_for_selector("[data-state='forwarded']")
    assert desk.locator("[data-scans] a").count() == 1
    assert "张桂兰" not in desk.content()
    desk.screenshot(path=f"{shots}/detail-1440.png", full_page=True)
    desk.goto(f"{live_server.url}/onewindow/")
    desk.screenshot(path=f"{shots}/list-1440.png", full_page=True)

    app.refresh_from_db()
    services.accept(ow.dept_user, app)
    services.complete(ow.dept_user, app, result="审核通过，自次月起按月发放高龄津贴")

    phone = _context(browser, live_server, client, ow.resident, 375, 800).new_page()
    phone.goto(live_server.url + "/h5/")
    phone.get_by_role("link", name="我的代办").click()
    phone.wait_for_selector(f"[data-app='{app.number}']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=f"{shots}/h5-list-375.png", full_page=True)
    phone.click(f"[data-app='{app.number}']")
    phone.get_by_text("5 星").click()
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_selector("text=感谢您的评价")
    assert phone.locator("[data-rated]").inner_text().startswith("您的评价：5 星")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=f"{shots}/h5-detail-375.png", full_page=True)
    app.refresh_from_db()
    assert app.rating == 5

    small = _context(browser, live_server, client, ow.admin, 375, 800).new_page()
    small.goto(f"{live_server.url}/onewindow/a/{app.number}/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    small.screenshot(path=f"{shots}/detail-375.png", full_page=True)
    desk.goto(f"{live_server.url}/onewindow/stats/")
    desk.screenshot(path=f"{shots}/stats-1440.png", full_page=True)
