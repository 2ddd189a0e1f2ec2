"""In a real browser (Playwright + Debian's chromium): a unit is reminded, submits, is
returned, resubmits and is accepted, and the reviewer downloads the consolidated report.
Screenshots go to test-artifacts/ (ignored by git)."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from config.tasks import build_export
from orgunits.models import Profile
from reports.models import Notification, ProgressReport
from tests.factories import issue_phuoc_giang, make_user, sign_in, unit

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "reports"


def _logout(page):
    page.click("text=Đăng xuất")
    page.wait_for_load_state()


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_remind_submit_return_resubmit_accept_and_download(
    seeded, live_server, browser, settings, monkeypatch, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "uploads"  # per test: xdist workers run side by side
    plan = issue_phuoc_giang(date(2025, 12, 1))
    police = unit("w21370-cong-an")
    make_user("cb-congan", police)
    make_user("td-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    period = plan.reporting_periods.get(year=2027)  # cutoff 25/09/2027
    # The reminder sweep of 18/09/2027 (7 days before the cutoff), delivered at once.
    call_command("reminders", "--date", "2027-09-18", "--sync", stdout=io.StringIO())
    assert Notification.objects.filter(user__username="cb-congan").count() == 1

    queued = []
    monkeypatch.setattr(build_export, "delay", lambda *args: queued.append(args))

    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. The officer sees the reminder in the bell and opens the unit's report from it.
    sign_in(page, base, "cb-congan")
    assert page.inner_text("#bell-count").startswith("1")
    page.click("#bell")
    assert "còn 16 nhiệm vụ chưa nộp" in page.inner_text("#notifications")
    _shot(page, "01-thong-bao")
    page.click("#notifications >> text=Mở")
    page.wait_for_load_state()
    assert "Báo cáo của Công an xã Phước Giang" in page.inner_text("h1")

    # 2. Fill every row, save a draft, then submit.
    lines = list(ProgressReport.objects.filter(period=period, unit=police).order_by("pk"))
    for line in lines:
        page.select_option(f"#r{line.pk}-status", "in_progress")
        page.fill(f"#r{line.pk}-narrative", "Đã phổ biến Chỉ thị 39 tại các thôn.")
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert "Đã lưu nháp 16 dòng có thay đổi." in page.inner_text("main")
    first = lines[0]
    page.select_option(f"#r{first.pk}-status", "done")
    page.fill(f"#r{first.pk}-completed_on", "10/09/2026")
    page.fill(f"#r{first.pk}-product_ref", "Kế hoạch số 05/KH-CA ngày 10/09/2026")
    _shot(page, "02-nhap-bao-cao")
    page.click("#submit-report")
    page.wait_for_load_state()
    assert "Đã nộp 16 báo cáo" in page.inner_text("main")
    _shot(page, "03-da-nop")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "03b-da-nop-dien-thoai")
    page.set_viewport_size({"width": 1366, "height": 768})
    _logout(page)

    # 3. The reviewer returns the first report with a reason.
    sign_in(page, base, "td-pgd")
    page.goto(f"{base}/bao-cao/tham-dinh/")
    row = page.locator(f"#review-{first.pk}")
    row.locator("input[name=comment]").fill("Đề nghị gửi kèm bản chụp kế hoạch.")
    _shot(page, "04-tham-dinh")
    row.locator("button[value=return]").click()
    page.wait_for_selector("text=Đã trả lại báo cáo")  # updated in place (htmx)
    _logout(page)

    # 4. The officer sees the return, corrects and resubmits.
    sign_in(page, base, "cb-congan")
    page.goto(f"{base}/bao-cao/ky/{period.pk}/don-vi/{police.pk}/")
    assert "Đề nghị gửi kèm bản chụp kế hoạch." in page.inner_text(f"#line-{first.pk}")
    _shot(page, "05-bi-tra-lai")
    page.fill(f"#r{first.pk}-narrative", "Đã ban hành kế hoạch, gửi kèm bản chụp.")
    pdf = ARTIFACTS / "ke-hoach.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files(f"#r{first.pk}-file", str(pdf))
    page.click("#submit-report")
    page.wait_for_load_state()
    assert "Đã nộp 1 báo cáo" in page.inner_text("main")
    _logout(page)

    # 5. The reviewer accepts it and downloads the consolidated report.
    sign_in(page, base, "td-pgd")
    page.goto(f"{base}/bao-cao/tham-dinh/")
    page.locator(f"#review-{first.pk} button[value=accept]").click()
    page.wait_for_selector("text=Đã chấp nhận báo cáo")  # updated in place (htmx)
    page.goto(f"{base}/bao-cao/ke-hoach/{plan.pk}/")
    _shot(page, "06-ky-bao-cao")
    # The report is built by a job: the progress page polls until its download link.
    page.locator(f"#period-{period.pk} >> text=Tổng hợp .xlsx").click()
    page.wait_for_selector("text=Đang tạo tệp…")
    _shot(page, "06b-dang-tao-tep")
    page.wait_for_timeout(1500)  # at least one poll while the job has not run
    assert len(queued) == 1 and page.get_by_role("link", name="Tải tệp").count() == 0
    assert build_export(*queued[0]) == "done"  # the worker
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp", exact=True).click(timeout=15000)
    target = ARTIFACTS / "bao-cao-tong-hop.xlsx"
    download.value.save_as(str(target))
    page.goto(f"{base}/bao-cao/ke-hoach/{plan.pk}/")
    page.locator(f"#period-{period.pk} >> text=.docx").click()
    page.wait_for_selector("text=Đang tạo tệp…")
    build_export(*queued[1])
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp", exact=True).click(timeout=15000)
    download.value.save_as(str(ARTIFACTS / "bao-cao-tong-hop.docx"))
    assert errors == []
    page.goto(f"{base}/bao-cao/ky/{period.pk}/")
    _shot(page, "07-tong-hop-theo-don-vi")
    context.close()

    from openpyxl import load_workbook

    rows = [[c.value for c in r] for r in load_workbook(target)["Tổng hợp"].iter_rows()]
    police_row = next(r for r in rows if r[1] == "Công an xã")
    assert police_row[2] == 16 and police_row[12] == 16  # 16 lines, all submitted on time
    report = ProgressReport.objects.get(pk=first.pk)
    assert report.state == "accepted" and report.attachments.count() == 1
    assert [t.to_state for t in report.transitions.all()] == [
        "submitted",
        "returned",
        "submitted",
        "accepted",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_report_form_live_checks_kept_attachment_and_ready_submit(
    seeded, live_server, browser, settings, tmp_path
):
    """Required markers follow the status as one types; a refused submit keeps the chosen
    file; the ready lines are submitted with the file, the rest stay drafts."""
    settings.MEDIA_ROOT = tmp_path / "uploads"  # per test: xdist workers run side by side
    plan = issue_phuoc_giang(date(2025, 12, 1))
    police = unit("w21370-cong-an")
    make_user("cb-congan2", police)
    period = plan.reporting_periods.get(year=2027)
    lines = list(ProgressReport.objects.filter(period=period, unit=police).order_by("pk"))
    first, second, third = lines[:3]
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(  # script errors and refused scripts (CSP), not the page's own 400 or a favicon
        "console",
        lambda m: (
            m.type == "error" and "Failed to load resource" not in m.text and errors.append(m.text)
        ),
    )
    sign_in(page, base, "cb-congan2")
    page.goto(f"{base}/bao-cao/ky/{period.pk}/don-vi/{police.pk}/")

    # Markers driven by the status select; checks as you type.
    card = page.locator(f"#line-{first.pk}")
    reason_mark = card.locator("[data-required-for=not_feasible]")
    narrative_mark = card.locator("[data-required-for='in_progress done']")
    assert not reason_mark.is_visible() and not narrative_mark.is_visible()
    page.select_option(f"#r{first.pk}-status", "not_feasible")
    assert reason_mark.is_visible() and not narrative_mark.is_visible()
    assert "Còn thiếu: lý do không thực hiện được" in card.locator("[data-ready]").inner_text()
    page.select_option(f"#r{first.pk}-status", "done")
    assert narrative_mark.is_visible() and not reason_mark.is_visible()
    page.fill(f"#r{first.pk}-narrative", "x")
    page.fill(f"#r{first.pk}-narrative", "")
    assert "is-invalid" in page.get_attribute(f"#r{first.pk}-narrative", "class")
    assert "Cần nêu kết quả" in page.inner_text(f"#r{first.pk}-narrative-msg")
    page.fill(f"#r{first.pk}-narrative", "Đã ban hành kế hoạch.")
    page.fill(f"#r{first.pk}-completed_on", "31/02/2026")
    assert "không có thật" in page.inner_text(f"#r{first.pk}-completed_on-msg")
    page.fill(f"#r{first.pk}-completed_on", "10/09/2026")
    assert card.locator("[data-ready]").inner_text() == "Đủ thông tin để nộp"
    assert page.inner_text("#ready-summary").startswith("1/16 dòng")

    # Second line ready; third missing its narrative; a file on the first line.
    page.select_option(f"#r{second.pk}-status", "not_started")
    page.select_option(f"#r{third.pk}-status", "in_progress")
    pdf = ARTIFACTS / "bien-ban.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files(f"#r{first.pk}-file", str(pdf))
    page.click("#submit-report")
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.locator(f"a[href='#line-{third.pk}']").count() == 1
    assert "Đã đính kèm: bien-ban.pdf (giữ lại)" in page.inner_text(f"#line-{first.pk}")
    _shot(page, "10-loi-nhap-giu-tep")
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    _shot(page, "10b-loi-nhap-giu-tep-dien-thoai")
    page.set_viewport_size({"width": 1366, "height": 768})
    summary.locator(f"a[href='#line-{third.pk}']").click()
    assert page.url.endswith(f"#line-{third.pk}")

    # Submit the ready lines: the file goes with the first one, without choosing it again.
    page.click("#submit-ready")
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Đã nộp 2 dòng; 14 dòng chưa nộp, vẫn là bản nháp" in text
    assert f"kết quả thực hiện ở {third.task.full_code}" in text
    _shot(page, "11-nop-cac-dong-da-du")
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    _shot(page, "11b-nop-cac-dong-da-du-dien-thoai")
    context.close()
    assert errors == []

    report = ProgressReport.objects.get(pk=first.pk)
    assert report.state == "submitted"
    assert [a.original_name for a in report.attachments.all()] == ["bien-ban.pdf"]
    assert ProgressReport.objects.get(pk=second.pk).state == "submitted"
    assert ProgressReport.objects.get(pk=third.pk).state == "draft"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attachment_uploaded_at_once_survives_an_error_then_submits(
    seeded, live_server, browser, settings, tmp_path
):
    """Choosing a file uploads it at once (its name and a "bỏ tệp" link appear, the form
    keeps only the reference); a refused submit shows it still attached; the corrected
    submit saves it with the report. A refused type is said in Vietnamese on the line."""
    settings.MEDIA_ROOT = tmp_path / "uploads"  # per test: xdist workers run side by side
    plan = issue_phuoc_giang(date(2025, 12, 1))
    police = unit("w21370-cong-an")
    make_user("cb-congan3", police)
    period = plan.reporting_periods.get(year=2027)
    lines = list(ProgressReport.objects.filter(period=period, unit=police).order_by("pk"))
    first = lines[0]
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            m.type == "error" and "Failed to load resource" not in m.text and errors.append(m.text)
        ),
    )
    sign_in(page, live_server.url, "cb-congan3")
    page.goto(f"{live_server.url}/bao-cao/ky/{period.pk}/don-vi/{police.pk}/")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bad = ARTIFACTS / "khong-phai-pdf.pdf"
    bad.write_bytes(b"PK\x03\x04 not a pdf")
    page.set_input_files(f"#r{first.pk}-file", str(bad))
    page.wait_for_selector(f"#r{first.pk}-file-msg.text-danger")
    assert "nội dung không phải PDF" in page.inner_text(f"#r{first.pk}-file-msg")

    pdf = ARTIFACTS / "bien-ban-hop.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files(f"#r{first.pk}-file", str(pdf))
    kept = page.locator(f"#r{first.pk}-kept")
    kept.wait_for()
    assert "Đã đính kèm: bien-ban-hop.pdf (giữ lại)" in kept.inner_text()
    assert page.input_value(f"#r{first.pk}-file") == ""  # only the reference is posted
    assert page.inner_text(f"#r{first.pk}-file-msg") == ""
    assert kept.locator("[data-drop-file]").is_visible()
    # Dropped: the block goes and so does the stored file; chosen again.
    with page.expect_response(lambda r: r.url.endswith("/tep-tam/bo/")) as dropped:
        kept.locator("[data-drop-file]").click()
    assert dropped.value.ok
    assert kept.count() == 0
    page.set_input_files(f"#r{first.pk}-file", str(pdf))
    kept.wait_for()
    page.locator(f"#line-{first.pk}").screenshot(path=str(ARTIFACTS / "12a-tep-da-tai.png"))

    # Every line filled but the second: the submit is refused.
    for line in lines:
        page.select_option(f"#r{line.pk}-status", "in_progress")
        if line != lines[1]:
            page.fill(f"#r{line.pk}-narrative", "Đã phổ biến Chỉ thị 39 tại các thôn.")
    page.click("#submit-report")
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 1
    assert "Đã đính kèm: bien-ban-hop.pdf (giữ lại)" in page.inner_text(f"#line-{first.pk}")
    assert page.locator(f"#r{first.pk}-kept [data-drop-file]").is_visible()
    _shot(page, "12-tep-tai-truoc-giu-sau-loi")

    page.fill(f"#r{lines[1].pk}-narrative", "Đã tổ chức hội nghị.")
    page.click("#submit-report")
    page.wait_for_load_state()
    assert "Đã nộp 16 báo cáo" in page.inner_text("main")
    context.close()
    assert errors == []
    report = ProgressReport.objects.get(pk=first.pk)
    assert report.state == "submitted"
    assert [a.original_name for a in report.attachments.all()] == ["bien-ban-hop.pdf"]
    assert list((tmp_path / "uploads" / "pending").iterdir()) == []  # the dropped one too
