"""Browser: upload → dry-run preview (polled while it runs) → commit (polled) → done."""

from __future__ import annotations

import os

import pytest

from grassroots.core.import_jobs import check_job, commit_job
from grassroots.core.models import ImportJob
from grassroots.people.models import Worker

from .conftest import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(live_server, city, make_user, client, settings):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    # tasks are queued but not run: the test plays the worker, so the page is seen polling
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    user = make_user("impadmin", "street_admin", city.streets[0])
    client.force_login(user)
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
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        host = live_server.url.split("//")[1].split(":")[0]
        ctx.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
        yield ctx.new_page()
        browser.close()


def test_upload_preview_commit(page, live_server, city, tmp_path):
    path = tmp_path / "workers.xlsx"
    xlsx(
        [
            ["工号", "姓名", "所在社区/街道编码", "岗位", "等级"],
            ["WB1", "浏览器导入", city.communities[0].code, "社区专职工作者", 11],
        ],
        path,
    )
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#import-kind", "workers")
    page.set_input_files("#import-file", str(path))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("#import-progress[hx-trigger]")
    assert page.get_by_test_id("job-state").inner_text() == "校验中"
    job = ImportJob.objects.get()
    check_job.call(job.pk)
    page.wait_for_selector("[data-testid=commit]", timeout=10_000)  # the poll reloads the page
    assert page.locator('[data-count="create"]').inner_text() == "1"
    assert "浏览器导入" in page.content()
    assert not Worker.objects.filter(code="WB1").exists()
    page.get_by_test_id("commit").click()
    page.wait_for_selector("#import-progress[hx-trigger]")
    commit_job.call(job.pk)
    page.wait_for_selector("text=导入完成。", timeout=10_000)
    assert page.get_by_test_id("job-state").inner_text() == "已导入"
    assert Worker.objects.get(code="WB1").grade == 11
