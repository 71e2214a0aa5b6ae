"""Browser: the grid map renders offline (boundaries only), a click on a grid opens its detail, and the
polygon editor moves a vertex and saves through the service."""

from __future__ import annotations

import os

import pytest

from grassroots.grids.models import Grid

from .conftest import X0, Y0, H, W

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(live_server, geo_city, make_user, client):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    user = make_user("gridadmin", "community_admin", geo_city.communities[0])
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
        pg = ctx.new_page()
        requests = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.external_requests = requests
        yield pg
        browser.close()


def test_map_click_opens_detail_and_editor_saves(page, live_server, geo_city):
    c0 = geo_city.communities[0]
    page.goto(f"{live_server.url}/grids/map/?region={c0.code}&metric=households")
    page.wait_for_selector("[data-grid-map][data-ready='1'] path.leaflet-interactive")
    assert all(u.startswith(live_server.url) for u in page.external_requests), "no request leaves the server"
    # the pixel of a point inside grid 004 (top-right quarter of community 0), from the map's own projection
    xy = page.evaluate(
        """([lng, lat]) => {
          const el = document.querySelector('[data-grid-map]');
          const r = el.getBoundingClientRect();
          const p = el._map.latLngToContainerPoint([lat, lng]);
          return [r.left + p.x, r.top + p.y];
        }""",
        [X0 + 0.75 * W, Y0 + 0.75 * H],
    )
    page.wait_for_timeout(500)  # let the first render settle
    with page.expect_navigation(url=f"**/grids/{c0.code}004/"):
        page.mouse.click(xy[0], xy[1])
    assert "第4网格" in page.locator("h2.page-title").inner_text()
    page.goto(f"{live_server.url}/grids/{c0.code}001/edit/")
    page.wait_for_selector("[data-grid-editor][data-ready='1']")
    # drag the vertex at the grid's inner corner (shared with siblings) towards the inside of grid 001
    before = Grid.objects.get(code=f"{c0.code}001").polygon
    vertex = page.locator(".ge-vertex").nth(1)
    vb = vertex.bounding_box()
    page.mouse.move(vb["x"] + vb["width"] / 2, vb["y"] + vb["height"] / 2)
    page.mouse.down()
    page.mouse.move(vb["x"] - 30, vb["y"] + 30, steps=5)
    page.mouse.up()
    page.click("button[type=submit]:has-text('保存边界')")
    page.wait_for_url(f"**/grids/{c0.code}001/")
    after = Grid.objects.get(code=f"{c0.code}001").polygon
    assert after != before
