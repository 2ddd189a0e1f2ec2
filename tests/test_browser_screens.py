"""In a real browser at 1366×768: the navbar fits for every demo role (no sideways scroll,
the logout button visible and on the first line) and the main pages are screenshotted into
test-artifacts/screens/ (git-ignored)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screens"
PASSWORD = "ct39-demo-2025"
DESKTOP = {"width": 1366, "height": 768}
ROLES = [
    "admin",
    "canbo.phuocgiang",
    "canbo.sotaichinh",
    "pgd.nghiahanh",
    "nhcsxh.quangngai",
    "quantri.quangngai",
    "lanhdao.quangngai",
]
PAGES = [
    ("ke-hoach", "/ke-hoach/"),
    ("bao-cao", "/bao-cao/"),
    ("nhiem-vu", "/nhiem-vu/cua-don-vi/"),
    ("theo-doi", "/bao-cao/theo-doi/"),
]


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: {width} px wide in a {inner} px window"
    logout = page.locator("#logout")
    assert logout.is_visible()
    box = logout.bounding_box()
    assert box["x"] + box["width"] <= inner
    # one line: the logout button sits level with the brand (no wrapped second row)
    brand = page.locator(".navbar-brand").bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 12
    assert logout.evaluate("b => b.getClientRects().length") == 1  # "Đăng xuất" not wrapped


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_navbar_fits_at_1366_for_every_role(seeded, settings, live_server, browser):
    settings.DEBUG = True
    call_command("create_demo_users", stdout=StringIO())
    settings.DEBUG = False
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors = []
    for username in ROLES:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/")
        assert "Theo dõi thực hiện Chỉ thị 39-CT/TW" in page.content()
        page.click("#welcome a:has-text('Đăng nhập')")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        fits(page)
        page.screenshot(path=str(ARTIFACTS / f"{username}-landing.png"))
        for name, path in PAGES:
            page.goto(f"{base}{path}")
            page.wait_for_load_state()
            fits(page)
            page.screenshot(path=str(ARTIFACTS / f"{username}-{name}.png"))
        # the less used links are one click away in the "Khác" menu
        page.click("#nav-more > a")
        item = page.locator("#nav-more .dropdown-item", has_text="Nhiệm vụ của đơn vị")
        item.wait_for(state="visible")
        page.screenshot(path=str(ARTIFACTS / f"{username}-menu.png"))
        context.close()
    assert errors == []
