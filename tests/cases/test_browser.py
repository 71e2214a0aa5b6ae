"""Browser: the resident's H5 form on a 375 px phone — tap on the map to locate, pick a suggested
category, attach a photo, submit, land on the tracking page; nothing is loaded from outside."""

from __future__ import annotations

import os

import pytest

from grassroots.cases.models import Case
from tests.factories import png_bytes
from tests.grids.conftest import X0, Y0, H, W

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def phone(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
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
        ctx = browser.new_context(viewport={"width": 375, "height": 740})
        pg = ctx.new_page()
        requests = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.external_requests = requests
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.js_errors = errors
        yield pg
        browser.close()


def test_h5_form_on_a_phone(phone, live_server, gridded, tmp_path):
    page = phone
    page.goto(f"{live_server.url}/cases/report/")
    page.wait_for_selector("[data-intake-map][data-ready='1'] path.leaflet-interactive")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scrolling on a phone"
    # tap inside grid 004 of community 1 (top-right quarter), located with the map's own projection
    lng, lat = X0 + W + 0.75 * W, Y0 + 0.75 * H
    xy = page.evaluate(
        """([lng, lat]) => {
          const el = document.querySelector('[data-intake-map]');
          const r = el.getBoundingClientRect();
          const p = el._map.latLngToContainerPoint([lat, lng]);
          return [r.left + p.x, r.top + p.y];
        }""",
        [lng, lat],
    )
    page.mouse.click(xy[0], xy[1])
    page.wait_for_function("document.querySelector('[name=lng]').value !== ''")
    assert "地图选点" in page.inner_text("[data-location-text]")
    page.fill("#id_description", "楼道里堆满杂物，把消防通道堵塞了")
    page.dispatch_event("#id_description", "keyup")
    page.wait_for_selector("[data-pick-category]")
    page.click("[data-pick-category]")
    assert page.eval_on_selector("#id_category", "el => el.options[el.selectedIndex].text") == "消防通道堵塞"
    photo = tmp_path / "scene.png"
    photo.write_bytes(png_bytes(40, 30))
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_reporter_phone", "13912345678")
    page.click("button[type=submit]")
    page.wait_for_url("**/cases/track/**")
    case = Case.objects.get()
    assert case.number in page.inner_text("body")
    assert case.region == gridded.c1 and case.grid == gridded.grids1[3] and case.category.code == "2401"
    assert page.locator("img").count() == 1
    assert all(u.startswith(live_server.url) for u in page.external_requests), "no request leaves the server"
    assert page.js_errors == []
