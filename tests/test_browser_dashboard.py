"""In a real browser (Playwright + Debian's chromium): an NHCSXH branch officer lands on
the province's dashboard, filters it, drills down three levels (plan → section → task)
and exports; screenshots at 1366×768 and 390×844 go to test-artifacts/dashboard/."""

import time
from pathlib import Path

import pytest

from orgunits.models import Profile
from tests.dashboard_data import TODAY, build_fixture
from tests.factories import PASSWORD, make_user

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "dashboard"


def _wait_until(page, expression, timeout=10.0):
    """Polls `expression` from the test side: Playwright's wait_for_function compiles its
    predicate with eval() inside the page, which the Content-Security-Policy refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_branch_officer_filters_drills_down_and_exports(seeded, live_server, browser, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    fx = build_fixture()
    make_user("chinhanh", fx.branch, Profile.Role.REVIEWER)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Signing in lands on the province's dashboard for the current year.
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", "chinhanh")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/bao-cao/theo-doi/{fx.province.pk}/")
    assert "Bảng theo dõi: Ủy ban nhân dân tỉnh Thử Nghiệm" in page.inner_text("h1")
    assert page.inner_text("#n-tasks") == "4" and page.inner_text("#n-lines") == "7"
    _wait_until(page, "document.querySelector('#chart-years').height > 0")
    _shot(page, "01-tinh-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload(wait_until="networkidle")
    _shot(page, "02-tinh-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # no page-wide scroll
    page.set_viewport_size({"width": 1366, "height": 768})

    # Filter without a reload (htmx): lead units only.
    page.select_option("#f-vt", "lead")
    _wait_until(page, "document.querySelector('#n-lines').textContent === '5'")
    assert "vai_tro=lead" in page.url
    _shot(page, "03-loc-chu-tri")

    # Drill down: the plan, then section I, then task I.1.
    page.click("#drill-table >> text=Kế hoạch 99/KH-UBND")
    page.wait_for_load_state("networkidle")
    assert "Theo mục" in page.inner_text("#h-drill")
    page.click("#drill-table >> text=I. Tuyên truyền, phổ biến")
    page.wait_for_load_state("networkidle")
    assert "Theo nhiệm vụ" in page.inner_text("#h-drill")
    _shot(page, "04-muc-I")
    page.click("#drill-table >> text=I.1. Tổ chức quán triệt Chỉ thị 39")
    page.wait_for_load_state("networkidle")
    table = page.inner_text("#task-lines")
    assert "UBND xã An Bình" in table and "UBND xã Bình Minh" in table
    assert "Hoàn thành trễ hạn" in page.inner_text("main")
    _shot(page, "05-nhiem-vu-I-1")
    with page.expect_download() as download:
        page.click("text=Tải Excel (.xlsx)")
    task_file = ARTIFACTS / "nhiem-vu-I-1.xlsx"
    download.value.save_as(str(task_file))

    # Back on the dashboard, export the assignment table as filtered.
    page.goto(f"{base}/bao-cao/theo-doi/{fx.province.pk}/?vai_tro=lead")
    with page.expect_download() as download:
        page.click("text=Tải toàn bộ phân công (.xlsx)")
    lines_file = ARTIFACTS / "phan-cong-chu-tri.xlsx"
    download.value.save_as(str(lines_file))
    context.close()
    assert errors == []

    from openpyxl import load_workbook

    rows = [r for r in load_workbook(lines_file).active.iter_rows(values_only=True)]
    data = [r for r in rows if isinstance(r[0], int)]
    assert len(data) == 5 and {r[5] for r in data} == {"Chủ trì"}
    task_rows = [r for r in load_workbook(task_file).active.iter_rows(values_only=True)]
    assert any(r[2] == "UBND xã Bình Minh" and r[10] == "Hoàn thành trễ hạn" for r in task_rows)
