"""Browser: a resident on a 375 px phone goes from the H5 home to 物业评价 and rates the company of their
neighborhood; the district at 1440 px computes the year's grades, publishes the red/black list, and the
neighborhoods going to zero show their figure. Screenshots are kept in RP_SHOTS (or tmp_path)."""

import os
from pathlib import Path

import pytest

from grassroots.redproperty.models import ListPublication, Rating
from tests.browser import page_context as _context

from .conftest import YEAR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_rates_and_district_publishes(browser, live_server, client, rp, tmp_path):
    shots = Path(os.environ.get("RP_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    phone = _context(browser, live_server, client, rp.resident, 375, 800).new_page()
    phone.goto(live_server.url + "/h5/")
    phone.get_by_role("link", name="物业评价").click()
    phone.wait_for_selector("[data-rate-form]")
    assert "团岛红心物业有限公司" in phone.inner_text("[data-company]")
    phone.get_by_text("4 星").click()
    phone.fill("#r-comment", "保洁及时，电梯维修稍慢")
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_selector("[data-my-rating]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(shots / "h5-rate-375.png"), full_page=True)
    assert Rating.objects.get(user=rp.resident).stars == 4

    desk = _context(browser, live_server, client, rp.district, 1440, 900).new_page()
    desk.goto(f"{live_server.url}/redproperty/grades/?district={rp.district_node.code}&year={YEAR}")
    desk.get_by_role("button", name="计算年度等级").click()
    desk.wait_for_selector("[data-grade-table] tbody tr")
    desk.click("[data-publish]")
    desk.wait_for_selector("text=红黑榜已发布")
    assert ListPublication.objects.filter(year=YEAR).count() == 1
    desk.screenshot(path=str(shots / "grades-1440.png"), full_page=True)
    desk.goto(f"{live_server.url}/redproperty/unmanaged/")
    desk.wait_for_selector("[data-chart='chart-zero'] canvas")
    assert desk.inner_text("[data-left]") == "2"
    desk.screenshot(path=str(shots / "unmanaged-1440.png"), full_page=True)

    small = _context(browser, live_server, client, rp.admin, 375, 800).new_page()
    small.goto(f"{live_server.url}/redproperty/companies/{rp.company0.pk}/")
    small.wait_for_selector("[data-contracts]")
    small.screenshot(path=str(shots / "company-375.png"), full_page=True)
    small.goto(f"{live_server.url}/redproperty/")
    small.screenshot(path=str(shots / "companies-375.png"), full_page=True)
