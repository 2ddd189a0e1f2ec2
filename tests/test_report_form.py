"""The unit's report form (issue 14): submit the lines that are ready and keep the rest as
drafts, an error summary linking each line, attachments kept across a refused post, the
returned-lines filter, and a save message that counts only what changed."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orgunits.models import Profile
from reports.models import Attachment, Notification, ProgressReport, ReportTransition
from reports.workflow import REQUIRED_BY_STATUS, required_fields, review_report
from tests.factories import PDF, make_user, phuoc_giang, report_form, unit, unit_lines

pytestmark = pytest.mark.django_db

S = ProgressReport.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


def _url(period, unit, query=""):
    return reverse("reports:unit_report", args=[period.pk, unit.pk]) + query


def _code(line):
    return line.task.full_code or str(line.task.position + 1)


def _pdf(name="ke-hoach.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.mark.parametrize(
    "status, fields",
    [
        ("", set()),
        ("not_started", set()),
        ("in_progress", {"narrative"}),
        ("done", {"narrative", "completed_on"}),
        ("not_feasible", {"reason"}),
        ("bogus", set()),
    ],
)
def test_required_fields_by_status(status, fields):
    assert set(required_fields(status)) == fields


def test_every_status_has_its_rule():
    assert set(REQUIRED_BY_STATUS) == set(ProgressReport.Status.values)


def test_page_marks_required_fields_from_the_saved_status(client, period, police, officer):
    client.force_login(officer)
    first, second = unit_lines(period, police)[:2]
    client.post(
        _url(period, police),
        report_form([first, second], **{f"r{second.pk}-status": "not_feasible",
                                  f"r{second.pk}-reason": "Thiếu kinh phí"}),
    )  # fmt: skip
    body = client.get(_url(period, police)).content.decode()
    assert "js/unit_report.js" in body and "<script>" not in body and 'style="' not in body
    # Line 1 is "Đang thực hiện": its narrative marker shows, its reason marker is hidden.
    card = body.split(f'id="line-{first.pk}"')[1].split('id="line-')[0]
    assert 'req-mark" data-required-for="in_progress done"' in card
    assert 'req-mark d-none" data-required-for="not_feasible"' in card
    card = body.split(f'id="line-{second.pk}"')[1].split('id="line-')[0]
    assert 'req-mark" data-required-for="not_feasible"' in card
    assert 'req-mark d-none" data-required-for="in_progress done"' in card


def test_submit_ready_lines_leaves_the_rest_as_drafts(
    client, period, police, officer, django_assert_max_num_queries
):
    reviewer = make_user("thamdinh-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    client.force_login(officer)
    lines = unit_lines(period, police)
    no_status, no_narrative, no_reason = lines[8], lines[9], lines[10]
    overrides = {
        f"r{no_status.pk}-status": "",
        f"r{no_narrative.pk}-narrative": "  ",
        f"r{no_reason.pk}-status": "not_feasible",
        f"r{no_reason.pk}-narrative": "Đã đề xuất nhưng chưa có kinh phí.",
    }
    for later in lines[11:]:  # untouched lines: no status chosen
        overrides[f"r{later.pk}-status"] = ""
        overrides[f"r{later.pk}-narrative"] = ""
    data = report_form(lines, "submit_ready", **overrides)
    with django_assert_max_num_queries(60):
        response = client.post(_url(period, police), data)
    assert response.status_code == 302
    after = {r.pk: r for r in unit_lines(period, police)}
    assert [after[r.pk].state for r in lines[:8]] == [S.SUBMITTED] * 8
    assert {after[r.pk].state for r in lines[8:]} == {S.DRAFT}
    # What was typed on the incomplete lines is kept as a draft.
    assert after[no_reason.pk].status == "not_feasible"
    assert after[no_reason.pk].narrative == "Đã đề xuất nhưng chưa có kinh phí."
    assert ReportTransition.objects.filter(report__unit=police).count() == 8
    assert Notification.objects.filter(user=reviewer, text__contains="đã nộp 8 báo cáo").exists()

    page = client.get(response["Location"]).content.decode()
    codes_without_status = ", ".join(_code(r) for r in [no_status, *lines[11:]])
    assert (
        f"Đã nộp 8 dòng; 8 dòng chưa nộp, vẫn là bản nháp (còn thiếu tình trạng ở "
        f"{codes_without_status}; kết quả thực hiện ở {_code(no_narrative)}; "
        f"lý do ở {_code(no_reason)})."
    ) in page


def test_submit_ready_with_nothing_ready_says_so(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)[:2]
    data = report_form(lines, "submit_ready", **{f"r{r.pk}-narrative": "" for r in lines})
    page = client.post(_url(period, police), data, follow=True).content.decode()
    assert "Chưa nộp dòng nào; 2 dòng chưa nộp, vẫn là bản nháp" in page
    assert {r.state for r in unit_lines(period, police)} == {S.DRAFT}


def test_submit_ready_with_bad_input_saves_nothing(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)
    bad = {f"r{lines[3].pk}-status": "done", f"r{lines[3].pk}-completed_on": "31/02/2026"}
    response = client.post(_url(period, police), report_form(lines, "submit_ready", **bad))
    assert response.status_code == 400
    assert "không đúng dạng dd/mm/yyyy" in response.content.decode()
    assert not ReportTransition.objects.exists()
    assert {r.narrative for r in unit_lines(period, police)} == {""}


def test_error_summary_lists_each_line_with_a_link(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)
    a, b, c = lines[2], lines[5], lines[7]
    bad = {
        f"r{a.pk}-status": "",
        f"r{b.pk}-status": "not_feasible",
        f"r{c.pk}-status": "done",
    }
    response = client.post(_url(period, police), report_form(lines, "submit", **bad))
    assert response.status_code == 400
    body = response.content.decode()
    summary = body.split('id="error-summary"')[1].split("</ul>")[0]
    links = re.findall(r'href="#line-(\d+)">Dòng ([^<]+)</a>', summary)
    assert links == [(str(r.pk), _code(r)) for r in (a, b, c)]
    assert f"Dòng {_code(b)}</a>: cần nêu lý do không thực hiện được." in summary
    assert "Chưa lưu: có 3 chỗ cần sửa ở 3 dòng" in body
    assert "13 dòng khác đã đủ thông tin" in body
    for r in (a, b, c):  # each linked card exists on the page
        assert f'id="line-{r.pk}"' in body


def test_save_message_counts_changed_lines_only(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)
    page = client.post(_url(period, police), report_form(lines), follow=True).content.decode()
    assert "Đã lưu nháp 16 dòng có thay đổi." in page
    lines = unit_lines(period, police)
    one = {f"r{lines[4].pk}-narrative": "Đã tổ chức 3 hội nghị."}
    page = client.post(_url(period, police), report_form(lines, token="t2", **one), follow=True)
    assert "Đã lưu nháp 1 dòng có thay đổi; 15 dòng không đổi." in page.content.decode()
    after = unit_lines(period, police)
    assert [r.version for r in after] == [3 if r.pk == lines[4].pk else 2 for r in after]
    page = client.post(_url(period, police), report_form(after, token="t3", **one), follow=True)
    assert "Không có thay đổi nào so với bản đã lưu" in page.content.decode()
    assert [r.version for r in unit_lines(period, police)] == [r.version for r in after]


def test_attachment_is_kept_after_an_error_and_saved_with_the_report(
    client, period, police, officer, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    lines = unit_lines(period, police)
    first, broken = lines[0], lines[1]
    data = report_form(lines, "submit", **{f"r{broken.pk}-narrative": ""})
    data[f"r{first.pk}-file"] = _pdf("Kế hoạch 05.pdf")
    response = client.post(_url(period, police), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Đã đính kèm: Kế hoạch 05.pdf (giữ lại)" in body
    assert not Attachment.objects.exists()
    ref = re.search(rf'name="r{first.pk}-file_ref" value="([^"]+)"', body).group(1)
    pending = default_storage.listdir("pending")[1]
    assert len(pending) == 1

    # Refused a second time (still incomplete): the same kept file is still offered.
    data = report_form(lines, "submit", token="t1b", **{f"r{broken.pk}-narrative": "",
                                                   f"r{first.pk}-file_ref": ref})  # fmt: skip
    body = client.post(_url(period, police), data).content.decode()
    assert "Đã đính kèm: Kế hoạch 05.pdf (giữ lại)" in body and ref in body
    assert len(default_storage.listdir("pending")[1]) == 1

    data = report_form(lines, "submit", token="t2", **{f"r{first.pk}-file_ref": ref})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(period, police), data)
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert att.report_id == first.pk and att.original_name == "Kế hoạch 05.pdf"
    assert att.uploaded_by == officer and att.size == len(PDF)
    with att.file.open("rb") as fh:
        assert fh.read() == PDF
    assert default_storage.listdir("pending")[1] == []  # the kept copy is removed
    assert {r.state for r in unit_lines(period, police)} == {S.SUBMITTED}


def test_kept_file_can_be_dropped(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)[:2]
    data = report_form(lines, "submit", **{f"r{lines[1].pk}-narrative": ""})
    data[f"r{lines[0].pk}-file"] = _pdf()
    body = client.post(_url(period, police), data).content.decode()
    ref = re.search(rf'name="r{lines[0].pk}-file_ref" value="([^"]+)"', body).group(1)
    data = report_form(lines, "submit", token="t2", **{
        f"r{lines[0].pk}-file_ref": ref, f"r{lines[0].pk}-drop_file": "1"})  # fmt: skip
    assert client.post(_url(period, police), data).status_code == 302
    assert not Attachment.objects.exists()


def test_kept_file_reference_is_bound_to_its_line_and_user(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)[:2]
    data = report_form(lines, "submit", **{f"r{lines[1].pk}-narrative": ""})
    data[f"r{lines[0].pk}-file"] = _pdf()
    body = client.post(_url(period, police), data).content.decode()
    ref = re.search(rf'name="r{lines[0].pk}-file_ref" value="([^"]+)"', body).group(1)

    # Moved to another line, or forged: refused, nothing saved.
    for forged in (ref, ref[:-2] + "xx"):
        data = report_form(lines, "save", token="t2", **{f"r{lines[1].pk}-file_ref": forged})
        response = client.post(_url(period, police), data)
        assert response.status_code == 400
        assert "tệp đã giữ lại không còn dùng được" in response.content.decode()
    assert not Attachment.objects.exists()

    # Another officer of the same unit cannot use it either.
    colleague = make_user("canbo-khac", police)
    client.force_login(colleague)
    data = report_form(lines, "save", token="t3", **{f"r{lines[0].pk}-file_ref": ref})
    assert client.post(_url(period, police), data).status_code == 400
    assert not Attachment.objects.exists()


def test_other_units_are_refused(client, period, police, officer):
    lines = unit_lines(period, police)
    data = report_form(lines, "submit_ready")
    data[f"r{lines[0].pk}-file"] = _pdf()
    # An officer of another unit of the same commune: does not see the page at all.
    client.force_login(make_user("hoi-nong-dan", unit("w21370-hoi-nong-dan")))
    assert client.post(_url(period, police), data).status_code == 404
    # The commune's own office reads the page but may not fill it.
    client.force_login(make_user("ubnd-xa", phuoc_giang()))
    response = client.post(_url(period, police), data)
    assert response.status_code == 403
    assert "Chỉ cán bộ của đơn vị" in response.content.decode()
    assert not ReportTransition.objects.exists() and not Attachment.objects.exists()
    assert not default_storage.exists("pending") or default_storage.listdir("pending")[1] == []


def test_double_post_of_a_partial_submit_changes_nothing(client, period, police, officer):
    client.force_login(officer)
    lines = unit_lines(period, police)
    data = report_form(lines, "submit_ready", "same", **{f"r{lines[0].pk}-status": ""})
    data[f"r{lines[1].pk}-file"] = _pdf()
    assert client.post(_url(period, police), data).status_code == 302
    data[f"r{lines[1].pk}-file"] = _pdf()
    again = client.post(_url(period, police), data, follow=True)
    assert "đã được xử lý trước đó" in again.content.decode()
    assert ReportTransition.objects.filter(report__unit=police).count() == 15
    assert Attachment.objects.count() == 1


def test_returned_filter_shows_only_returnedunit_lines(client, period, police, officer):
    reviewer = make_user("thamdinh-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    client.force_login(officer)
    lines = unit_lines(period, police)
    client.post(_url(period, police), report_form(lines, "submit"))
    by = timezone.localdate() + timedelta(days=5)
    returned = [lines[3], lines[6]]
    for line in returned:
        review_report(line, reviewer, accept=False, comment="Bổ sung minh chứng.", resubmit_by=by)

    page = client.get(_url(period, police)).content.decode()
    assert "Bị trả lại (2)" in page and 'href="?trang_thai=tra_lai"' in page
    page = client.get(_url(period, police, "?trang_thai=tra_lai")).content.decode()
    shown = [int(x) for x in re.findall(r'id="line-(\d+)"', page)]
    assert shown == [r.pk for r in returned]
    assert page.count('name="line"') == 2

    # Resubmitting from the filtered page keeps the filter and touches only those lines.
    fresh = [ProgressReport.objects.get(pk=r.pk) for r in returned]
    response = client.post(
        _url(period, police, "?trang_thai=tra_lai"), report_form(fresh, "submit", "t2")
    )
    assert response["Location"].endswith("?trang_thai=tra_lai")
    assert {r.state for r in unit_lines(period, police)} == {S.SUBMITTED}
    page = client.get(response["Location"]).content.decode()
    assert "Không có dòng nào ở mục này." in page
    # An unknown filter value shows every line.
    page = client.get(_url(period, police, "?trang_thai=xyz")).content.decode()
    assert len(re.findall(r'id="line-\d+"', page)) == 16


def test_stale_kept_files_are_purged(settings):
    from reports.uploads import PENDING_MAX_AGE, keep_pending, pending_from, purge_pending

    ref = keep_pending(_pdf(), report_id=1, user_id=2)
    assert pending_from(ref, report_id=1, user_id=2).name == "ke-hoach.pdf"
    assert pending_from(ref, report_id=1, user_id=3) is None
    assert purge_pending() == 0
    later = timezone.now() + timedelta(seconds=PENDING_MAX_AGE + 60)
    assert purge_pending(now=later) == 1
    assert pending_from(ref, report_id=1, user_id=2) is None
