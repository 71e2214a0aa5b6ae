"""Shared helpers of the browser tests: Debian's chromium through Playwright (the `browser` fixture in
tests/conftest.py) and a browser context signed in as a user."""

from __future__ import annotations

import contextlib
import os

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# CI's two cores run the live server beside another test worker: Playwright's 30 s default was seen to
# expire on a first page.
TIMEOUT_MS = 90_000


@contextlib.contextmanager
def launch():
    """Chromium for one test; the caller skips when it is missing (`available()`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def available() -> bool:
    return os.path.exists(CHROMIUM)


def page_context(browser, live_server, client, user, width: int, height: int):
    """A context with the given viewport, signed in as `user` through the test client's session cookie
    (None: a visitor without a session)."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    if user is not None:
        client.force_login(user)
        host = live_server.url.split("//")[1].split(":")[0]
        ctx.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
        )
    return ctx
