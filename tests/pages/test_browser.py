"""End-to-end: log in, browse the region tree, open a member, unmask a phone, and check phone layout."""

import os
import shutil

import pytest
from django.urls import reverse

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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def static_files(settings):
    # live_server serves static files from the finders (STATICFILES_DIRS holds the built bundle).
    dist = settings.BASE_DIR / "static" / "dist" / "app.js"
    if not dist.exists():
        pytest.skip("前端资源未构建（node assets/build.mjs）")


def login(page, base, username):
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Secret-Pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/accounts/login" not in u)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_tree_member_unmask_and_phone_layout(city, make_user, live_server, browser, static_files):
    make_user("street_a", "street_admin", city.streets[0])
    member = city.members[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_server.url, "street_a")

    # tree: the street is the root; expanding it loads its communities lazily
    page.goto(live_server.url + reverse("regions:tree"))
    root = page.locator('[data-tree] > li[data-code="370202001000"]')
    assert "八大峡街道" in root.locator(".tree-row").first.inner_text()
    root.locator("summary").first.click()
    child = root.locator('li[data-code="370202001001"]')
    child.wait_for()
    assert "团岛社区" in child.inner_text()

    # member detail: the phone is masked until unmasked with a purpose (hx-prompt)
    page.goto(live_server.url + reverse("party:member_detail", args=[member.pk]))
    cell = page.locator('[data-field="phone"]')
    assert member.phone not in cell.inner_text()
    page.on("dialog", lambda d: d.accept("入户走访联系"))
    cell.locator("button").click()
    page.wait_for_function(
        "([sel, v]) => document.querySelector(sel).innerText.includes(v)",
        arg=['[data-field="phone"]', member.phone],
    )

    from grassroots.core.models import AuditEvent

    assert (
        AuditEvent.objects.filter(action="unmask", object_id=str(member.pk)).get().purpose == "入户走访联系"
    )

    # phone width: pages fit in 375 px without sideways scrolling of the body
    phone = browser.new_page(viewport={"width": 375, "height": 812})
    login(phone, live_server.url, "street_a")
    for url in [
        reverse("regions:tree"),
        reverse("regions:detail", args=["370202001001"]),
        reverse("regions:households"),
        reverse("party:tree"),
        reverse("party:members"),
        reverse("party:org_detail", args=["QD-SN-1-1"]),
        reverse("party:member_detail", args=[member.pk]),
        reverse("party:member_add"),
        reverse("units:list"),
        reverse("people:workers"),
    ]:
        phone.goto(live_server.url + url)
        assert no_horizontal_overflow(phone), url
    # the filter form collapses behind a button on phones
    phone.goto(live_server.url + reverse("party:members"))
    assert not phone.locator("#list-filters").is_visible()
    phone.get_by_role("button", name="筛选").click()
    phone.locator("#list-filters").wait_for(state="visible")
