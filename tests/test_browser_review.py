"""In a real browser (Playwright + Debian's chromium): a branch reviewer accepts 50 report
lines in one action — tick all on the page, "Chấp nhận các dòng đã chọn" — and the list and
the navbar count update in place, without a page reload. Screenshots go to test-artifacts/
(ignored by git)."""

from pathlib import Path

import pytest
from django.utils import timezone

from orgunits.models import Profile
from reports.models import ProgressReport
from tests.factories import PASSWORD, issue_phuoc_giang, make_user, unit

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "review"


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bulk_accept_of_50_lines_in_one_action(seeded, live_server, browser):
    plan = issue_phuoc_giang(today=timezone.localdate())
    period = plan.reporting_periods.order_by("-cutoff").first()
    now = timezone.now()
    lines = ProgressReport.objects.filter(period=period, active=True)
    lines.update(
        state="submitted", status="in_progress", narrative="Đã phổ biến Chỉ thị 39 tại các thôn.",
        submitted_at=now, first_submitted_at=now,
    )  # fmt: skip
    total = lines.count()
    assert total > 50
    make_user("td-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)

    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))  # JavaScript errors, CSP refusals
    page.on(
        "console",
        lambda m: m.type == "error" and "resource" not in m.text and errors.append(m.text),
    )
    missing = []
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", "td-pgd")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#review-count").startswith(str(total))

    page.click("#nav-review")
    page.wait_for_load_state()
    assert page.locator("#review-table input.pick").count() == 50  # 50 lines a page
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.check("#pick-all")
    assert page.inner_text("#picked-count") == "50"
    _shot(page, "01-tham-dinh-chon-50-dong")
    page.click("#bulk-accept")
    page.wait_for_selector("text=Đã chấp nhận 50 báo cáo")
    assert page.evaluate("window.__sameDocument === true")
    assert page.inner_text("#review-count").startswith(str(total - 50))
    assert page.locator("#review-table input.pick").count() == total - 50
    assert page.inner_text("#picked-count") == "0"
    _shot(page, "02-tham-dinh-da-chap-nhan")
    assert ProgressReport.objects.filter(period=period, state="accepted").count() == 50

    # Return the rest with one reason; a missing reason is refused in place.
    page.check("#pick-all")
    page.click("#bulk-return")
    page.wait_for_selector("text=phải nêu lý do")
    assert ProgressReport.objects.filter(period=period, state="returned").count() == 0
    page.check("#pick-all")
    page.fill("#bulk-comment", "Bổ sung số liệu từng thôn.")
    page.press("#bulk-comment", "Enter")  # Enter in the reason returns, never accepts
    page.wait_for_selector(f"text=Đã trả lại {total - 50} báo cáo")
    assert page.evaluate("window.__sameDocument === true")
    assert ProgressReport.objects.filter(period=period, state="returned").count() == total - 50
    assert not errors, errors
    assert all(url.endswith("/favicon.ico") for url in missing), missing
    context.close()
