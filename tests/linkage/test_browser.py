"""Browser at 375 px: a street signs for and reports on the district's task from its phone; the
district's supervision page shows each street's state and the escalated one."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from grassroots.linkage import services
from grassroots.linkage.models import TaskAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, user, width=375):
    c = Client()
    c.force_login(user)
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    host = live_server.url.split("//")[1].split(":")[0]
    ctx.add_cookies(
        [{"name": "sessionid", "value": c.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    return ctx.new_page()


def test_street_reports_on_its_phone_and_the_district_supervises(browser, live_server, lk):
    task = services.issue_task(
        lk.district_admin,
        issuer_region=lk.district,
        title="冬季消防安全隐患排查",
        content="对辖区老旧小区开展排查",
        deadline=lk.today + datetime.timedelta(days=5),
    )
    s0 = TaskAssignment.objects.get(task=task, region=lk.streets[0])
    s1 = TaskAssignment.objects.get(task=task, region=lk.streets[1])
    TaskAssignment.objects.filter(pk=s1.pk).update(deadline=lk.today - datetime.timedelta(days=1))
    services.escalate_overdue()

    street = _page(browser, live_server, lk.street0)
    street.goto(f"{live_server.url}/linkage/assignments/{s0.pk}/")
    street.click("form[data-verb='receive'] button[type=submit]")
    street.wait_for_selector("form[data-verb='progress']")
    street.fill("form[data-verb='progress'] input[name=progress]", "40")
    street.fill("form[data-verb='progress'] textarea[name=note]", "已排查 5 个小区")
    street.click("form[data-verb='progress'] button[type=submit]")
    street.wait_for_selector("text=已排查 5 个小区")
    assert street.evaluate("document.documentElement.scrollWidth") <= 375 + 1

    district = _page(browser, live_server, lk.district_admin)
    district.goto(f"{live_server.url}/linkage/tasks/{task.pk}/")
    row0 = district.locator(f"tr[data-region='{lk.streets[0].name}']")
    row1 = district.locator(f"tr[data-region='{lk.streets[1].name}']")
    assert row0.locator("[data-state]").inner_text() == "办理中"
    assert "40%" in row0.inner_text()
    assert row1.locator("[data-escalated]").count() == 1 and row1.locator("[data-overdue]").count() == 1
    assert district.locator("[data-stat='escalated']").inner_text() == "1"
