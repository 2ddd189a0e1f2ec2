"""Báo cáo tổng hợp (.xlsx, .docx): figures match a hand-computed case; SQL and Python
timeliness agree; only the reviewing unit and leaders download it."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from orgunits.models import Profile
from reports.consolidate import build, combine_task
from reports.models import ProgressReport
from reports.timeliness import Timeliness, timeliness_expression
from tests.exports import download_export
from tests.factories import issue_phuoc_giang, make_user, unit

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 23)


@pytest.fixture
def period():
    plan = issue_phuoc_giang(today=TODAY)
    period = plan.reporting_periods.get(year=2026)  # cutoff 25/09/2026
    police = unit("w21370-cong-an")
    lines = list(
        ProgressReport.objects.filter(period=period, unit=police, role="lead").order_by("pk")
    )
    a, b, c, d, e = lines[:5]
    deadline = date(2026, 9, 1)
    _set(
        a,
        deadline=deadline,
        state="submitted",
        status="done",
        completed_on=date(2026, 8, 20),
        narrative="Đã ban hành kế hoạch tuyên truyền.",
        first_submitted_at=_at(2026, 9, 20, 9),
    )
    _set(
        b,
        deadline=deadline,
        state="accepted",
        status="done",
        completed_on=date(2026, 9, 10),
        first_submitted_at=_at(2026, 9, 25, 23, 59),
    )  # last minute of the cutoff day: on time
    _set(c, deadline=deadline)  # never reported: overdue, missing
    _set(
        d,
        deadline=date(2099, 1, 1),
        state="submitted",
        status="in_progress",
        first_submitted_at=_at(2026, 9, 26, 0, 0),
    )  # first minute after: late
    _set(e, state="submitted", status="in_progress", narrative="Thường xuyên tuyên truyền.",
         first_submitted_at=_at(2026, 9, 24, 8))  # fmt: skip
    return period


def _at(*args):
    return datetime(*args, tzinfo=VN)


def _set(line, **fields):
    ProgressReport.objects.filter(pk=line.pk).update(**fields)


def test_figures_match_the_hand_computed_case(period):
    data = build(period, TODAY)
    police = next(c for _, name, c in data.units if name == "Công an xã")
    assert police.total == 16
    assert police.timeliness == {
        Timeliness.DONE_ON_TIME: 1,
        Timeliness.DONE_LATE: 1,
        Timeliness.NOT_DONE_IN_TIME: 1,
        Timeliness.NOT_DONE_OVERDUE: 1,
        Timeliness.NO_DEADLINE: 12,
    }
    assert police.submission == {"on_time": 3, "late": 1, "missing": 12}
    assert police.rate(Timeliness.DONE_ON_TIME) == 25.0  # of the 4 lines due
    assert police.completion_rate == 50.0 and police.line_submission_rate == 18.8
    assert (police.units, police.units_on_time, police.update_rate) == (1, 0, 0.0)
    o = police.ongoing  # one of the 12 ongoing lines was reported, "Đang thực hiện"
    assert (o.expected, o.reported, o.done, o.in_progress) == (12, 1, 0, 1)
    assert data.unit_total.total == 98 and data.unit_total.submission["missing"] == 94


def test_python_and_sql_timeliness_agree(period):
    rows = ProgressReport.objects.filter(period=period).annotate(tl=timeliness_expression(TODAY))
    for row in rows:
        assert row.tl == row.timeliness(TODAY), row.pk


def test_task_overall_status_comes_from_lead_units_only():
    T = Timeliness
    assert combine_task([T.DONE_ON_TIME, T.DONE_LATE]) == T.DONE_LATE
    assert combine_task([T.DONE_ON_TIME, T.NOT_DONE_IN_TIME]) == T.NOT_DONE_IN_TIME
    assert combine_task([T.NOT_DONE_IN_TIME, T.NOT_DONE_OVERDUE]) == T.NOT_DONE_OVERDUE
    assert combine_task([T.NO_DEADLINE]) == T.NO_DEADLINE and combine_task([]) is None


def test_reviewer_downloads_xlsx_and_docx(client, period, django_assert_max_num_queries):
    from docx import Document
    from openpyxl import load_workbook

    client.force_login(make_user("td", unit("qn-pgd-532"), Profile.Role.REVIEWER))
    url = reverse("reports:consolidated", args=[period.pk, "xlsx"])
    celery_app.conf.task_always_eager = True
    try:
        with django_assert_max_num_queries(20):  # the request, and the job built at once
            job = client.get(url)
    finally:
        celery_app.conf.task_always_eager = False
    token = job["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = client.get(reverse("reports:export_download", args=[token]))
    assert response.status_code == 200
    assert "bao-cao-tong-hop" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    summary = wb["Tổng hợp"]
    rows = [[c.value for c in r] for r in summary.iter_rows()]
    assert rows[0][0] == "BÁO CÁO TỔNG HỢP TÌNH HÌNH THỰC HIỆN"
    header = next(r for r in rows if r[0] == "STT")
    assert header[2:13] == [
        "Tổng số", "Đến hạn trong kỳ", "Hoàn thành đúng hạn", "Tỷ lệ (% số đến hạn)",
        "Hoàn thành trễ hạn", "Tỷ lệ (% số đến hạn)", "Chưa hoàn thành trong hạn",
        "Tỷ lệ (% số đến hạn)", "Chưa hoàn thành quá hạn", "Tỷ lệ (% số đến hạn)",
        "Không có hạn (thường xuyên)",
    ]  # fmt: skip
    police = next(r for r in rows if r[1] == "Công an xã")
    # the 12 ongoing lines are apart: the rates are over the 4 lines due
    assert police[2:13] == [16, 4, 1, 25.0, 1, 25.0, 1, 25.0, 1, 25.0, 12]
    # lines on time, late, missing, line rate; the unit expected, not on time, update rate
    assert police[13:20] == [3, 1, 12, 18.8, 1, 0, 0.0]
    detail = [[c.value for c in r] for r in wb["Chi tiết"].iter_rows()]
    done = next(r for r in detail if r[6] and "Đã ban hành kế hoạch tuyên truyền." in r[6])
    assert done[1] == "Công an xã" and done[7] == "Hoàn thành đúng hạn"
    assert done[5] == "Hoàn thành ngày 20/08/2026"

    response = download_export(client, reverse("reports:consolidated", args=[period.pk, "docx"]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "PHỤ LỤC" in text and "II. TỔNG HỢP THEO ĐƠN VỊ" in text
    cells = {cell.text for table in doc.tables for row in table.rows for cell in row.cells}
    assert "Hoàn thành — Hoàn thành trễ hạn; nộp đúng hạn" in cells
    assert "Chưa báo cáo — Chưa hoàn thành quá hạn; chưa nộp" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc" in "\n".join(cells)
    assert "Nơi nhận:\n- Như trên;\n- Lưu: VT." in cells
    police = next(r for t in doc.tables for r in t.rows if r.cells[1].text == "Công an xã")
    assert [c.text for c in police.cells[2:]] == [
        "16",
        "4",
        "1",
        "1",
        "1",
        "1",
        "12",
        "50,0",
        "18,8",
    ]
    body = doc.sections[0]  # numbered at the top from page 2; the appendix from 1 again
    assert "PAGE" in body.header._element.xml and body.different_first_page_header_footer
    assert "PAGE" not in body.first_page_header._element.xml
    assert 'w:start="1"' in doc.sections[1]._sectPr.xml


def test_only_reviewing_unit_and_leaders_download(client, period):
    url = reverse("reports:consolidated", args=[period.pk, "xlsx"])
    client.force_login(make_user("cb", unit("w21370-cong-an")))
    response = client.get(url)
    assert response.status_code == 403 and "Chỉ đơn vị theo dõi" in response.content.decode()
    client.force_login(make_user("ld", unit("qn"), Profile.Role.LEADER))
    assert download_export(client, url).status_code == 200
    client.force_login(make_user("na", unit("na-nhcsxh"), Profile.Role.REVIEWER))
    assert client.get(url).status_code == 404


def test_xlsx_prints_in_times_new_roman_with_borders(client, period):
    from openpyxl import load_workbook

    client.force_login(make_user("td", unit("qn-pgd-532"), Profile.Role.REVIEWER))
    response = download_export(client, reverse("reports:consolidated", args=[period.pk, "xlsx"]))
    wb = load_workbook(io.BytesIO(response.content))
    detail = wb["Chi tiết"]
    assert detail.print_title_rows == "$1:$1" and detail.auto_filter.ref.startswith("A1:I")
    for sheet in (wb["Tổng hợp"], detail):
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        fonts = {c.font.name for r in sheet.iter_rows() for c in r if c.value is not None}
        assert fonts == {"Times New Roman"}, sheet.title
    cells = [c for r in detail.iter_rows(min_row=2) for c in r]
    assert cells and all(c.border.left.style == "thin" for c in cells)
