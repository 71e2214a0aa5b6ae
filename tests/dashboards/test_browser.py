"""Browser: the dashboard map renders on a canvas, recolors when the metric changes and drills down on
click; the dashboard and the health page fit a 375 px phone."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is None:
        pytest.skip("需要 /usr/bin/chromium 才能运行浏览器测试")
    if not (settings.BASE_DIR / "static" / "dist" / "echarts.js").exists():
        pytest.skip("前端资源未构建（node assets/build.mjs）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def login(browser, base, username, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Secret-Pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/accounts/login" not in u)
    page.js_errors = errors
    return page


def map_png(page) -> str:
    return page.evaluate("document.querySelector('[data-map-canvas] canvas').toDataURL()")


def wait_rendered(page, region_code: str):
    page.wait_for_function(
        "code => { const b = document.getElementById('region-map'); return b && b.dataset.region === code; }",
        arg=region_code,
    )
    page.wait_for_timeout(1200)  # let ECharts finish its animation before comparing pixels


def test_map_recolors_and_drills_down(shaped_city, make_user, live_server, browser):
    city = shaped_city
    make_user("district_a", "district_admin", city.district)
    page = login(browser, live_server.url, "district_a")
    page.goto(live_server.url + "/")
    wait_rendered(page, city.district.code)
    assert page.locator("[data-map-canvas] canvas").count() == 1
    assert page.locator("[data-map-title]").inner_text() == "市南区"
    assert page.locator("[data-map-back]").is_hidden()  # the district is this user's root

    # members are equal in both streets, population differs: switching the metric recolors the map
    before = map_png(page)
    page.select_option("[data-map-metric]", "population")
    page.wait_for_timeout(1200)
    assert page.evaluate("document.getElementById('region-map').dataset.metric") == "population"
    assert map_png(page) != before
    series = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-map-canvas]')).getOption().series[0].data"
    )
    assert {d["name"]: d["value"] for d in series} == {
        city.streets[0].code: 3000 + 3100,
        city.streets[1].code: 3200 + 3300,
    }

    # clicking the second street (centre of its square) shows its communities; the map sits below
    # the figure cards, so bring it into the viewport before computing the pixel
    page.locator("[data-map-canvas]").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """() => {
          const el = document.querySelector('[data-map-canvas]');
          const p = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [120.33, 36.06]);
          const r = el.getBoundingClientRect();
          return [r.left + p[0], r.top + p[1]];
        }"""
    )
    page.mouse.click(x, y)
    wait_rendered(page, city.streets[1].code)
    assert page.locator("[data-map-title]").inner_text() == "中山路街道"
    names = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-map-bars]')).getOption().yAxis[0].data"
    )
    assert names == ["四方路社区", "观海路社区"]
    page.click("[data-map-back]")
    wait_rendered(page, city.district.code)
    assert page.js_errors == []


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [375, 1366])
def test_dashboard_and_health_page_layout(shaped_city, make_user, live_server, browser, width):
    city = shaped_city
    make_user("street_b", "street_admin", city.streets[0])
    page = login(browser, live_server.url, "street_b", width=width)
    page.goto(live_server.url + "/")
    wait_rendered(page, city.streets[0].code)
    assert page.locator("[data-chart] canvas").count() == 3
    assert page.locator('[data-stat="members"]').inner_text() == "6"
    assert no_horizontal_overflow(page)
    # the findings count links to the health page, filtered by rule
    page.click('[data-findings-rule="ORG-9"]')
    page.wait_for_url(lambda u: "/standards/health/" in u)
    rows = page.locator('tr[data-finding="ORG-9"]')
    assert rows.count() == 6
    assert rows.first.is_visible()
    assert "连续 6 个月" in rows.first.inner_text()
    assert no_horizontal_overflow(page)
    # filters sit behind a button on phones, inline on desktop
    assert page.locator("#list-filters").is_visible() == (width > 768)
    assert page.js_errors == []
