"""Báo cáo của đơn vị: fill, save a draft, submit, review (accept / return), resubmit;
permissions per object; bad input refused with a Vietnamese message and nothing saved."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orgunits.models import OrgUnit, Profile
from reports.models import (
    Attachment,
    IndicatorValue,
    Notification,
    ProgressReport,
    ReportingPeriod,
    ReportTransition,
)
from tests.factories import (
    PASSWORD,
    PDF,
    issue_phuoc_giang,
    make_user,
    phuoc_giang,
    report_form,
    unit,
    unit_lines,
)

pytestmark = pytest.mark.django_db

S = ProgressReport.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def reviewer():
    return make_user("thamdinh-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)


def _url(period, unit):
    return reverse("reports:unit_report", args=[period.pk, unit.pk])


def test_unit_fills_saves_submits_and_is_read_only_after(client, period, police, officer):
    client.force_login(officer)
    page = client.get(_url(period, police))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Báo cáo của Công an xã Phước Giang" in body and "Nộp báo cáo" in body
    lines = unit_lines(period, police)
    assert len(lines) == 16

    response = client.post(_url(period, police), report_form(lines))
    assert response.status_code == 302
    assert {r.state for r in unit_lines(period, police)} == {S.DRAFT}
    assert {r.narrative for r in unit_lines(period, police)} == {"Đã tuyên truyền tại 5 thôn."}

    first = lines[0]
    lines = unit_lines(period, police)
    done = {f"r{first.pk}-status": "done", f"r{first.pk}-completed_on": "15/09/2026"}
    response = client.post(
        _url(period, police), report_form(lines, "submit", "t2", **done), follow=True
    )
    assert "Đã nộp 16 báo cáo" in response.content.decode()
    after = unit_lines(period, police)
    assert {r.state for r in after} == {S.SUBMITTED}
    assert after[0].completed_on == date(2026, 9, 15)
    assert all(r.first_submitted_at and r.submitted_by == officer for r in after)
    log = ReportTransition.objects.filter(report=after[0])
    assert [(t.from_state, t.to_state, t.user) for t in log] == [(S.DRAFT, S.SUBMITTED, officer)]

    # Read-only now: no inputs on the page, and a crafted POST is refused.
    assert 'name="line"' not in client.get(_url(period, police)).content.decode()
    response = client.post(_url(period, police), report_form(after, "save", "t3"))
    assert response.status_code == 409
    assert "đã nộp" in response.content.decode()
    assert unit_lines(period, police)[0].narrative == "Đã tuyên truyền tại 5 thôn."


def test_submit_requires_status_reason_and_completion_date(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)
    a, b, c = lines[:3]
    bad = {
        f"r{a.pk}-status": "",
        f"r{b.pk}-status": "not_feasible",
        f"r{c.pk}-status": "done",
    }
    response = client.post(_url(period, police), report_form(lines, "submit", **bad))
    assert response.status_code == 400
    body = response.content.decode()
    assert "chọn tình trạng thực hiện trước khi nộp" in body
    assert "cần nêu lý do không thực hiện được" in body
    assert "đã hoàn thành thì cần nhập ngày hoàn thành" in body
    assert not ProgressReport.objects.filter(period=period, unit=police).exclude(state=S.DRAFT)
    assert not ReportTransition.objects.exists()


def test_returned_report_goes_back_to_draft_then_accepted(
    client, period, police, officer, reviewer
):
    client.force_login(officer)
    lines = unit_lines(period, police)
    client.post(_url(period, police), report_form(lines, "submit"))
    report = unit_lines(period, police)[0]
    assert Notification.objects.filter(user=reviewer, text__contains="đã nộp 16 báo cáo").exists()

    client.force_login(reviewer)
    review = reverse("reports:review", args=[report.pk])
    listing = client.get(reverse("reports:review_list"))
    assert f"review-{report.pk}" in listing.content.decode()
    # A return needs a reason.
    response = client.post(review, {"decision": "return", "comment": ""}, follow=True)
    assert "phải nêu lý do" in response.content.decode()
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    new_deadline = (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y")
    client.post(
        review,
        {
            "decision": "return",
            "comment": "Bổ sung số buổi tuyên truyền.",
            "resubmit_by": new_deadline,
        },
    )
    report.refresh_from_db()
    assert report.state == S.RETURNED and report.resubmit_by is not None
    note = Notification.objects.get(user=officer, text__contains="bị trả lại")
    assert "Bổ sung số buổi tuyên truyền." in note.text

    # Back to the unit: editable again; resubmit just that row.
    client.force_login(officer)
    page = client.get(_url(period, police)).content.decode()
    assert "Bổ sung số buổi tuyên truyền." in page and f'value="{report.pk}"' in page
    data = report_form(
        [report], "submit", "t9", **{f"r{report.pk}-narrative": "Đã tổ chức 7 buổi."}
    )
    assert client.post(_url(period, police), data).status_code == 302
    report.refresh_from_db()
    assert report.state == S.SUBMITTED and report.narrative == "Đã tổ chức 7 buổi."

    client.force_login(reviewer)
    client.post(review, {"decision": "accept"})
    report.refresh_from_db()
    assert report.state == S.ACCEPTED and report.reviewed_by == reviewer
    assert [t.to_state for t in report.transitions.all()] == [
        S.SUBMITTED,
        S.RETURNED,
        S.SUBMITTED,
        S.ACCEPTED,
    ]
    detail = client.get(report.get_absolute_url()).content.decode()
    assert "Bị trả lại, cần bổ sung" in detail and "Đã chấp nhận" in detail


def test_review_by_a_user_of_another_unit_is_refused(client, period, police, officer):
    client.force_login(officer)
    client.post(_url(period, police), report_form(unit_lines(period, police), "submit"))
    report = unit_lines(period, police)[0]
    # A reviewer of another PGD of the same province: sees the plan, may not review it.
    other = make_user("thamdinh-khac", unit("qn-pgd-535"), Profile.Role.REVIEWER)
    client.force_login(other)
    response = client.post(reverse("reports:review", args=[report.pk]), {"decision": "accept"})
    assert response.status_code == 403
    assert "Chỉ cán bộ thẩm định của đơn vị theo dõi" in response.content.decode()
    # The unit's own officer may not review either.
    client.force_login(officer)
    assert (
        client.post(reverse("reports:review", args=[report.pk]), {"decision": "accept"}).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.state == S.SUBMITTED and report.transitions.count() == 1


def test_other_commune_and_other_province_see_nothing(client, period, police):
    report = unit_lines(period, police)[0]
    neighbour = (
        OrgUnit.objects.filter(kind="commune", tree_id=police.tree_id)
        .exclude(pk=phuoc_giang().pk)
        .first()
    )
    for user in [
        make_user("xa-khac", neighbour),
        make_user("nghe-an", unit("na-nhcsxh"), Profile.Role.REVIEWER),
        make_user("hoi-nong-dan", unit("w21370-hoi-nong-dan")),  # same commune, other unit
    ]:
        client.force_login(user)
        assert client.get(_url(period, police)).status_code == 404
        assert client.get(report.get_absolute_url()).status_code == 404
        assert client.post(reverse("reports:review", args=[report.pk])).status_code == 404


def test_leader_and_commune_head_office_read_but_cannot_fill(client, period, police):
    for user in [
        make_user("lanh-dao", unit("qn"), Profile.Role.LEADER),
        make_user("ubnd-xa", phuoc_giang()),  # the commune's People's Committee: its offices
    ]:
        client.force_login(user)
        page = client.get(_url(period, police))
        assert page.status_code == 200 and 'name="line"' not in page.content.decode()
        response = client.post(_url(period, police), report_form(unit_lines(period, police)))
        assert response.status_code == 403


def test_stale_version_is_refused_and_nothing_saved(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)
    stale = report_form(lines, "save", "a")
    client.post(_url(period, police), report_form(lines, "save", "b"))  # someone saved meanwhile
    stale[f"r{lines[0].pk}-narrative"] = "Nội dung cũ"
    response = client.post(_url(period, police), stale)
    assert response.status_code == 409
    assert "vừa được người khác cập nhật" in response.content.decode()
    assert "Nội dung cũ" not in {r.narrative for r in unit_lines(period, police)}


def test_double_submit_is_idempotent(client, period, police, officer):
    client.force_login(officer)
    data = report_form(unit_lines(period, police), "submit", "same-token")
    assert client.post(_url(period, police), data).status_code == 302
    again = client.post(_url(period, police), data, follow=True)
    assert "đã được xử lý trước đó" in again.content.decode()
    assert ReportTransition.objects.filter(report__unit=police).count() == 16
    assert {r.version for r in unit_lines(period, police)} == {2}


def test_submitting_after_the_reviewer_closed_the_period(client, period, police, officer, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("reports:period_close", args=[period.pk]))
    assert response.status_code == 302
    client.force_login(officer)
    page = client.get(_url(period, police)).content.decode()
    assert "Kỳ đã khóa" in page and 'name="line"' not in page
    response = client.post(_url(period, police), report_form(unit_lines(period, police), "submit"))
    assert response.status_code == 409
    assert "đã được đơn vị theo dõi khóa" in response.content.decode()
    assert not ProgressReport.objects.filter(period=period).exclude(state=S.DRAFT).exists()


def test_attachment_checked_by_content_stored_outside_and_served_to_readers(
    client, period, police, officer, reviewer, settings
):
    client.force_login(officer)
    lines = unit_lines(period, police)
    first = lines[0]
    fake = SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(_url(period, police), {**report_form(lines), f"r{first.pk}-file": fake})
    assert response.status_code == 400
    body = response.content.decode()
    assert "có đuôi .pdf nhưng nội dung không phải PDF" in body
    assert not Attachment.objects.exists()
    assert unit_lines(period, police)[0].narrative == ""  # nothing of the page was saved

    docx_as_xlsx = SimpleUploadedFile("so-lieu.xlsx", _zip({"word/document.xml": "<w/>"}))
    response = client.post(
        _url(period, police), {**report_form(lines), f"r{first.pk}-file": docx_as_xlsx}
    )
    assert "nội dung không phải Excel (.xlsx) (nội dung: Word (.docx))" in response.content.decode()

    big = SimpleUploadedFile("lon.pdf", PDF + b"0" * (20 * 1024 * 1024))
    response = client.post(_url(period, police), {**report_form(lines), f"r{first.pk}-file": big})
    assert response.status_code == 400
    assert "vượt giới hạn 20 MB mỗi tệp" in response.content.decode()
    assert not Attachment.objects.exists()

    good = SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf")
    response = client.post(_url(period, police), {**report_form(lines), f"r{first.pk}-file": good})
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert att.content_type == "application/pdf" and att.original_name == "bien-ban.pdf"
    path = settings.MEDIA_ROOT / att.file.name
    assert path.exists() and "bien-ban" not in path.name  # random name under MEDIA_ROOT
    download = client.get(att.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    client.force_login(reviewer)
    assert client.get(att.get_absolute_url()).status_code == 200
    client.force_login(make_user("hoi-phu-nu", unit("w21370-hoi-phu-nu")))
    assert client.get(att.get_absolute_url()).status_code == 404


def _zip(parts: dict) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_indicator_figures_checked_and_saved(client, period):
    economy = unit("w21370-phong-kinh-te")
    officer = make_user("canbo-kinhte", economy)
    client.force_login(officer)
    lines = unit_lines(period, economy)
    line = next(r for r in lines if r.task.full_code == "4.a" and r.role == "lead")
    inds = {i.code: i for i in period.plan.indicators.all()}
    capital = f"r{line.pk}-ind-{inds['von-uy-thac'].pk}"
    growth = f"r{line.pk}-ind-{inds['ty-le-tang-truong'].pk}"
    page = client.get(_url(period, economy)).content.decode()
    assert f'name="{capital}"' in page and "mục tiêu 15–20% mỗi năm" in page

    response = client.post(
        _url(period, economy), {**report_form(lines), capital: "một tỷ", growth: "-5"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "“một tỷ” không phải là số" in body
    assert "không được âm (đã nhập -5)" in body
    assert not IndicatorValue.objects.exists()

    response = client.post(
        _url(period, economy), {**report_form(lines), capital: "1.250,5", growth: "17"}
    )
    assert response.status_code == 302
    values = {v.indicator.code: v.value for v in IndicatorValue.objects.select_related("indicator")}
    assert values == {"von-uy-thac": Decimal("1250.50"), "ty-le-tang-truong": Decimal("17.00")}
    assert "1.250,5" in client.get(_url(period, economy)).content.decode()


def _line_due_in_three_days(username):
    """Công an xã Phước Giang's first line of the open period, due in three days, and an
    officer of the unit: (period, officer, line, deadline)."""
    plan = issue_phuoc_giang(today=timezone.localdate())
    period = plan.reporting_periods.order_by("-cutoff").first()
    police = unit("w21370-cong-an")
    officer = make_user(username, police)
    report = unit_lines(period, police)[0]
    original = timezone.localdate() + timedelta(days=3)
    ProgressReport.objects.filter(pk=report.pk).update(deadline=original)
    return period, officer, report, original


def test_extension_request_granted_keeps_the_original_deadline(client, reviewer):
    from reports.models import ExtensionRequest

    period, officer, report, original = _line_due_in_three_days("cb-gh")
    client.force_login(officer)
    wanted = original + timedelta(days=20)
    url = reverse("reports:extension_request", args=[report.pk])
    response = client.post(
        url, {"requested_deadline": wanted.strftime("%d/%m/%Y"), "reason": ""}, follow=True
    )
    assert "Nêu lý do đề nghị gia hạn." in response.content.decode()
    client.post(
        url, {"requested_deadline": wanted.strftime("%d/%m/%Y"), "reason": "Chờ số liệu quý."}
    )
    ext = ExtensionRequest.objects.get()
    client.force_login(reviewer)
    client.post(reverse("reports:extension_decide", args=[ext.pk]), {"decision": "grant"})
    report.refresh_from_db()
    assert report.deadline == original and report.extended_deadline == wanted
    page = client.get(report.get_absolute_url()).content.decode()
    assert f"hạn ban đầu {original:%d/%m/%Y}" in page
    assert Notification.objects.filter(user=officer, text__contains="được đồng ý").exists()


def test_unit_page_and_review_list_queries_do_not_grow(
    client, period, police, officer, reviewer, django_assert_max_num_queries
):
    client.force_login(officer)
    client.post(_url(period, police), report_form(unit_lines(period, police), "submit"))
    with django_assert_max_num_queries(25):
        assert client.get(_url(period, police)).status_code == 200
    client.force_login(reviewer)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("reports:review_list"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 16
    with django_assert_max_num_queries(25):
        assert client.get(reverse("reports:my_reports")).status_code == 200


def test_login_required(client, period, police):
    response = client.get(_url(period, police))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    assert PASSWORD


def test_no_extension_request_in_a_closed_period(client):
    """The page offers no form once the period is closed; a hand-made POST is refused too."""
    from reports.models import ExtensionRequest

    period, officer, report, original = _line_due_in_three_days("cb-gh2")
    ReportingPeriod.objects.filter(pk=period.pk).update(closed_at=timezone.now())
    client.force_login(officer)
    url = reverse("reports:extension_request", args=[report.pk])
    wanted = (original + timedelta(days=20)).strftime("%d/%m/%Y")
    response = client.post(
        url, {"requested_deadline": wanted, "reason": "Chờ số liệu."}, follow=True
    )
    assert "đã được đơn vị theo dõi khóa" in response.content.decode()
    assert not ExtensionRequest.objects.exists()
