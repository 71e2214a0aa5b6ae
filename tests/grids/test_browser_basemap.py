"""Browser at 375 px: the base map from a configured XYZ source (a tiny tile server on another origin,
allowed by the CSP), boundaries with community and grid names on top, a tap on the resident report
map that sets a point inside the tapped community (also when the tiles are GCJ-02), and the offline
fallback (no source, or tiles that fail): boundaries, names and a short note."""

from __future__ import annotations

import os

import pytest

from grassroots.grids import coords

from . import tile_urls
from .conftest import X0, Y0, H, W

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
NOTE = "离线底图不可用，仅显示边界"


@pytest.fixture
def phone(live_server, settings):
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    settings.ROOT_URLCONF = "tests.grids.tile_urls"
    settings.ALLOWED_HOSTS = ["*"]
    tile_urls.served.clear()
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
        ctx = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.csp = []
        page.on("console", lambda m: page.csp.append(m.text) if "Content Security Policy" in m.text else None)
        page.ctx = ctx
        yield page
        browser.close()


def _tiles_from(settings, live_server, path="test-tiles"):
    """Tiles on 127.0.0.1 while the site is on localhost: another origin the CSP must allow."""
    port = live_server.url.rsplit(":", 1)[1]
    settings.MAP_TILE_KIND = "xyz"
    settings.MAP_TILE_URL = f"http://127.0.0.1:{port}/{path}/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_ATTRIBUTION = "测试底图"
    return f"http://127.0.0.1:{port}/{path}/"


def _tap(page, selector, lng, lat):
    """Tap the map at a WGS-84 point, through the same conversion the drawing uses."""
    xy = page.evaluate(
        """([sel, lng, lat]) => {
          const el = document.querySelector(sel);
          const cfg = Grassroots.basemapConfig();
          const p = cfg.crs === 'gcj02' ? Grassroots.coords.wgs84ToGcj02(lng, lat) : [lng, lat];
          const r = el.getBoundingClientRect();
          const px = el._map.latLngToContainerPoint([p[1], p[0]]);
          return [r.left + px.x, r.top + px.y];
        }""",
        [selector, lng, lat],
    )
    page.mouse.click(xy[0], xy[1])


def _labels(page, selector):
    return set(page.locator(f"{selector} .basemap-label").all_inner_texts())


def test_report_map_with_tiles_names_and_a_tap_inside_the_community(phone, live_server, settings, geo_city):
    page = phone
    origin = _tiles_from(settings, live_server)
    resp = page.goto(f"{live_server.url}/cases/report/")
    assert "http://127.0.0.1:" in resp.headers["content-security-policy"].split("img-src")[1].split(";")[0]
    sel = "[data-intake-map]"
    page.wait_for_selector(f"{sel}[data-ready='1'] path.leaflet-interactive")
    page.wait_for_selector(f"{sel} img.leaflet-tile-loaded")
    tiles = page.eval_on_selector_all(f"{sel} img.leaflet-tile", "els => els.map(e => e.src)")
    assert tiles and all(src.startswith(origin) for src in tiles)
    assert tile_urls.served, "the tile server was asked for tiles"
    assert page.locator(f"{sel} [data-basemap-note]").count() == 0
    assert page.locator(f"{sel} path.leaflet-interactive").count() == len(geo_city.communities)
    assert {c.name for c in geo_city.communities} <= _labels(page, sel)
    assert "测试底图" in page.inner_text(f"{sel} .leaflet-control-attribution")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # tap the middle of community 1 (its box is [X0+W, X0+2W] x [Y0, Y0+H])
    _tap(page, sel, X0 + 1.5 * W, Y0 + 0.5 * H)
    page.wait_for_function("document.querySelector('[name=lng]').value !== ''")
    lng = float(page.input_value("[name=lng]"))
    lat = float(page.input_value("[name=lat]"))
    assert X0 + W < lng < X0 + 2 * W and Y0 < lat < Y0 + H
    assert abs(lng - (X0 + 1.5 * W)) < 2e-4 and abs(lat - (Y0 + 0.5 * H)) < 2e-4
    assert page.errors == [] and page.csp == []


def test_gcj02_tiles_shift_the_drawing_not_the_data(phone, live_server, settings, geo_city):
    page = phone
    _tiles_from(settings, live_server)
    settings.MAP_TILE_CRS = "gcj02"
    page.goto(f"{live_server.url}/cases/report/")
    sel = "[data-intake-map]"
    page.wait_for_selector(f"{sel}[data-ready='1'] path.leaflet-interactive")
    # the bundled conversion agrees with grids.coords both ways
    js = page.evaluate("Grassroots.coords.wgs84ToGcj02(120.38, 36.07)")
    py = coords.wgs84_to_gcj02(120.38, 36.07)
    assert js == pytest.approx(list(py), abs=1e-9)
    back = page.evaluate(f"Grassroots.coords.gcj02ToWgs84({py[0]}, {py[1]})")
    assert back == pytest.approx([120.38, 36.07], abs=1e-8)
    # the shapes are drawn shifted (GCJ-02), a tap is stored back in WGS-84
    bounds = page.evaluate(f"document.querySelector('{sel}')._map._shapes.getBounds().getWest()")
    assert bounds == pytest.approx(coords.wgs84_to_gcj02(X0, Y0)[0], abs=1e-6)
    _tap(page, sel, X0 + 2.5 * W, Y0 + 0.5 * H)
    page.wait_for_function("document.querySelector('[name=lng]').value !== ''")
    lng = float(page.input_value("[name=lng]"))
    lat = float(page.input_value("[name=lat]"))
    assert abs(lng - (X0 + 2.5 * W)) < 2e-4 and abs(lat - (Y0 + 0.5 * H)) < 2e-4
    assert page.errors == []


def test_no_source_or_failing_tiles_show_boundaries_names_and_the_note(
    phone, live_server, settings, geo_city, make_user, client
):
    page = phone
    settings.MAP_TILE_KIND = "none"
    page.goto(f"{live_server.url}/cases/report/")
    sel = "[data-intake-map]"
    page.wait_for_selector(f"{sel}[data-ready='1'] path.leaflet-interactive")
    assert page.inner_text(f"{sel} [data-basemap-note]") == NOTE
    assert page.locator(f"{sel} img.leaflet-tile").count() == 0
    assert {c.name for c in geo_city.communities} <= _labels(page, sel)
    # a source that answers 404 for every tile: the map falls back after a few failures
    _tiles_from(settings, live_server, path="no-such-tiles")
    page.goto(f"{live_server.url}/cases/report/")
    page.wait_for_selector(f"{sel} [data-basemap-note]")
    assert page.locator(f"{sel} img.leaflet-tile").count() == 0
    assert page.locator(f"{sel} path.leaflet-interactive").count() == len(geo_city.communities)
    # the grid map of a community worker: grid names as labels over the boundaries, offline
    settings.MAP_TILE_KIND = "none"
    c0 = geo_city.communities[0]
    client.force_login(make_user("bm_gw", "community_admin", c0))
    host = live_server.url.split("//")[1].split(":")[0]
    page.ctx.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    page.goto(f"{live_server.url}/grids/map/?region={c0.code}&metric=households")
    gsel = "[data-grid-map]"
    page.wait_for_selector(f"{gsel}[data-ready='1'] path.leaflet-interactive")
    assert {g.name for g in geo_city.grids[c0.code]} <= _labels(page, gsel)
    assert page.inner_text(f"{gsel} [data-basemap-note]") == NOTE
    assert not any(c0.code in t for t in _labels(page, gsel)), "no codes in labels"
    assert page.errors == []
