"""Browser: a sweep recorded on the phone (375 px) moves the live page (1440 px, polled), and the live
page's grid map renders offline."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from .conftest import declare_flood

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _session(user) -> str:
    c = Client()
    c.force_login(user)
    return c.cookies["sessionid"].value


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, "--no-first-run"])
        yield b
        b.close()


def _page(browser, live_server, user, width, height):
    ctx = browser.new_context(viewport={"width": width, "height": height})
    host = live_server.url.split("//")[1].split(":")[0]
    ctx.add_cookies([{"name": "sessionid", "value": _session(user), "domain": host, "path": "/"}])
    return ctx.new_page()


def test_a_sweep_on_the_phone_moves_the_live_page(browser, live_server, em):
    e = declare_flood(em)
    live = _page(browser, live_server, em.street_admin, 1440, 900)
    requests = []
    live.on("request", lambda r: requests.append(r.url))
    live.goto(f"{live_server.url}/emergency/{e.pk}/live/?poll=2")
    assert live.locator("[data-live='done']").inner_text() == "0"
    live.wait_for_selector("[data-grid-map][data-ready='1'] path.leaflet-interactive")
    assert live.evaluate("document.documentElement.scrollWidth") <= 1440

    phone = _page(browser, live_server, em.grid_worker, 375, 812)
    phone.goto(f"{live_server.url}/emergency/{e.pk}/sweep/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scroll on a phone"
    cards = phone.locator("[data-task]")
    n = cards.count()
    assert n == 3  # the tagged households of the worker's grid
    cards.first.locator("[data-sweep='needs_help']").click()  # tap 1 (the card is open): the result
    phone.wait_for_load_state()
    assert "已记录" in phone.content()
    assert phone.locator("[data-task]").count() == n - 1  # the swept household left the pending list

    from playwright.sync_api import expect

    expect(live.locator("[data-live='done']")).to_have_text("1", timeout=15000)  # polled every 2 s
    assert live.locator("[data-live='needs_help']").inner_text() == "1"
    assert live.locator(f"[data-grid='{em.grids[0].code}']").inner_text().split()[-1] == "33.3"
    assert all(u.startswith(live_server.url) for u in requests), "no request leaves the server"

    phone.set_viewport_size({"width": 1440, "height": 900})
    phone.goto(f"{live_server.url}/emergency/{e.pk}/sweep/?show=done")
    assert phone.locator("[data-result='needs_help']").count() == 1
    live.set_viewport_size({"width": 375, "height": 812})
    live.goto(f"{live_server.url}/emergency/{e.pk}/live/")
    assert live.evaluate("document.documentElement.scrollWidth") <= 375
