"""In a real browser at 1366×768: the navbar fits for every demo role, a national (NHCSXH
Việt Nam) account and a reviewer with a four-digit review count (no sideways scroll, the
logout button visible and on the first line), on the main pages and the Thẩm định page; the
pages seen less often (signed-out home, login, a plan's history, 403/404/500/CSRF, import
upload and preview, notifications) are in Vietnamese and fit too. Screenshots go to
test-artifacts/screens/ (git-ignored)."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from orgunits.access import is_national_unit
from orgunits.models import OrgUnit, Profile
from tests.factories import sign_in

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
    "nhcsxh.vietnam",  # national: NHCSXH Việt Nam, made below (not a demo account)
]
PAGES = [
    ("ke-hoach", "/ke-hoach/"),
    ("bao-cao", "/bao-cao/"),
    ("nhiem-vu", "/nhiem-vu/cua-don-vi/"),
    ("theo-doi", "/bao-cao/theo-doi/"),
]
REVIEW = ("tham-dinh", "/bao-cao/tham-dinh/")
WAITING = 2253  # the review count every reviewer's badge shows here: "2.253"


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: {width} px wide in a {inner} px window"


def fits(page) -> None:
    no_sideways_scroll(page)
    inner = page.evaluate("window.innerWidth")
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
def test_navbar_fits_at_1366_for_every_role(seeded, settings, live_server, browser, monkeypatch):
    settings.DEBUG = True
    call_command("create_demo_users", stdout=StringIO())
    settings.DEBUG = False
    national = User.objects.create_user("nhcsxh.vietnam", password=PASSWORD)
    Profile.objects.create(
        user=national, unit=OrgUnit.objects.get(key="tw-nhcsxh"), role=Profile.Role.REVIEWER
    )
    assert is_national_unit(OrgUnit.objects.select_related("territory").get(key="tw-nhcsxh"))
    # Every reviewer's badge counts four digits (cheaper than 2,253 submitted lines).
    monkeypatch.setattr("reports.context_processors.waiting_count", lambda user: WAITING)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors, reviewers = [], []
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
        if page.locator("#nav-review").count():  # a reviewer: the Thẩm định page itself
            assert page.locator("#review-count").inner_text().startswith("2.253")
            page.goto(f"{base}{REVIEW[1]}")
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == "Thẩm định báo cáo"
            fits(page)
            page.screenshot(path=str(ARTIFACTS / f"{username}-{REVIEW[0]}.png"))
            reviewers.append(username)
        # the less used links are one click away in the "Khác" menu
        page.click("#nav-more > a")
        item = page.locator("#nav-more .dropdown-item", has_text="Nhiệm vụ của đơn vị")
        item.wait_for(state="visible")
        page.screenshot(path=str(ARTIFACTS / f"{username}-menu.png"))
        context.close()
    assert errors == []
    assert {"pgd.nghiahanh", "nhcsxh.quangngai", "nhcsxh.vietnam"} <= set(reviewers)


def shot(page, name: str, heading: str) -> None:
    """The page's heading is the Vietnamese one expected, nothing scrolls sideways at 1366 px;
    then the screenshot."""
    page.wait_for_load_state()
    assert heading in page.locator("h1").first.inner_text(), f"{name}: {page.url}"
    assert page.locator("html").get_attribute("lang") == "vi"
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_seen_less_often_are_vietnamese_and_fit(
    seeded, settings, live_server, browser, tmp_path, monkeypatch
):
    from plans.models import Plan
    from reports.models import Notification
    from tests.test_browser_import import make_seed_xlsx

    settings.MEDIA_ROOT = tmp_path / "media"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    qn = OrgUnit.objects.get(key="qn")
    admin = User.objects.create_user("qtt.manhinh", password=PASSWORD)
    Profile.objects.create(user=admin, unit=qn, role=Profile.Role.PROVINCE_ADMIN)
    leader = User.objects.create_user("lanhdao.manhinh", password=PASSWORD)
    Profile.objects.create(user=leader, unit=qn, role=Profile.Role.LEADER)
    issued = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    draft = Plan.objects.create(title="Dự thảo kế hoạch thử", issuer=qn)
    for text in ("Xã Phước Giang đã nộp 21 báo cáo (Năm 2026).", "Báo cáo bị trả lại: bổ sung."):
        Notification.objects.create(user=admin, text=text, link="/bao-cao/")
    upload = tmp_path / "17-KH-UBND.xlsx"
    upload.write_bytes(make_seed_xlsx.build("001"))
    errors = []

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/")
    assert page.locator("#welcome a:has-text('Đăng nhập')").is_visible()
    shot(page, "dang-xuat-trang-chu", "Theo dõi thực hiện Chỉ thị 39-CT/TW")
    page.goto(f"{base}/dang-nhap/")
    shot(page, "dang-nhap", "Đăng nhập")
    # A form posted without its CSRF token (an expired page): the Vietnamese CSRF page.
    page.evaluate("document.querySelector('input[name=csrfmiddlewaretoken]').remove()")
    page.fill("#id_username", "qtt.manhinh")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    shot(page, "loi-csrf", "Không gửi được biểu mẫu")

    sign_in(page, base, "qtt.manhinh", PASSWORD)
    page.goto(f"{base}/ke-hoach/{issued.pk}/lich-su/")
    shot(page, "ke-hoach-lich-su", "Lịch sử thay đổi")
    assert "+00:00" not in page.content()
    page.goto(f"{base}/ke-hoach/{draft.pk}/nhap-phu-luc/")
    shot(page, "nhap-phu-luc", "Nhập phụ lục từ Excel hoặc Word")
    page.set_input_files("input[type=file]", str(upload))
    page.click("button:has-text('Xem trước')")
    page.wait_for_selector("text=Xác nhận lưu phụ lục", timeout=30000)
    shot(page, "nhap-phu-luc-xem-truoc", "Xem trước phụ lục")
    page.goto(f"{base}/bao-cao/thong-bao/")
    shot(page, "thong-bao", "Thông báo")
    assert page.get_by_text("Xã Phước Giang đã nộp 21 báo cáo").is_visible()
    context.close()

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "lanhdao.manhinh", PASSWORD)
    page.goto(f"{base}/ke-hoach/moi/")
    shot(page, "loi-403", "Không thực hiện được")
    assert page.get_by_text("Tài khoản của bạn không được lập kế hoạch.").is_visible()
    page.goto(f"{base}/khong-co-trang-nay/")
    shot(page, "loi-404", "Không tìm thấy trang")

    def broken(*args, **kwargs):
        raise RuntimeError("a fault, to show the 500 page")

    monkeypatch.setattr("plans.views.visible_plans", broken)
    page.goto(f"{base}/ke-hoach/")
    shot(page, "loi-500", "Hệ thống gặp lỗi")
    context.close()
    assert errors == []
