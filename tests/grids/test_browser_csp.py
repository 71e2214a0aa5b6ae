"""Browser: maps render under the CSP without 'unsafe-eval', and names in map labels are text,
never markup (issue 14 item 7)."""

from __future__ import annotations

import pytest

from grassroots.grids.models import Grid

from .test_browser import page  # noqa: F401 (fixture: logged-in community administrator)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIL = "<img src=x onerror=alert(1)>"


def test_grid_name_shows_as_text_in_the_tooltip_under_a_strict_csp(page, live_server, geo_city):  # noqa: F811
    c0 = geo_city.communities[0]
    grid = Grid.objects.get(code=f"{c0.code}001")
    grid.name = EVIL
    grid.save(update_fields=["name"])
    violations, dialogs = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    resp = page.goto(f"{live_server.url}/grids/{grid.code}/")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    page.wait_for_selector("[data-grid-map][data-ready='1'] path.leaflet-interactive")
    tooltip = page.locator("[data-grid-map] .basemap-label", has_text="onerror").last
    tooltip.wait_for(state="visible")
    assert EVIL in tooltip.inner_text()
    assert page.locator("[data-grid-map] img").count() == 0
    assert dialogs == [] and violations == []
    # the map page with many grids and the visual map renders too, with no CSP violation
    page.goto(f"{live_server.url}/grids/map/?region={c0.code}&metric=households")
    page.wait_for_selector("[data-grid-map][data-ready='1'] path.leaflet-interactive")
    assert violations == []
