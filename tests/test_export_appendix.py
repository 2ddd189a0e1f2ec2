"""Exporting a plan's appendix as .xlsx in the official layout; export → import is a no-op."""

import io

import pytest
from openpyxl import load_workbook

from orgunits.models import OrgUnit
from plans.models import Plan
from tasks.importer import apply_import, preview_import
from tasks.models import Task
from tasks.xlsx_reader import read_appendix
from tasks.xlsx_writer import export_filename, write_appendix, write_rows

pytestmark = pytest.mark.django_db

SEED_PLANS = ["qn-17-kh-ubnd", "na-686-kh-ubnd", "dn-kh-ubnd", "kt-kh-ubnd", "pg-kh-ubnd"]


@pytest.mark.parametrize("key", SEED_PLANS)
def test_export_then_import_changes_nothing(key, django_assert_max_num_queries):
    plan = Plan.objects.select_related("issuer").get(seed_key=key)
    with django_assert_max_num_queries(2):  # the tasks, the open "suy luận" marks
        data = write_appendix(plan)
    preview = preview_import(plan, data, export_filename(plan))
    assert preview.errors == [] and preview.warnings == []
    assert preview.summary["rows"] == plan.tasks.count()
    assert preview.diff.counts["unchanged"] == plan.tasks.count()
    assert not preview.diff.has_changes and not preview.can_confirm
    version = plan.version
    result = apply_import(plan, data, export_filename(plan))
    assert not result.changed
    plan.refresh_from_db()
    assert plan.version == version


def test_official_layout():
    plan = Plan.objects.select_related("issuer").get(seed_key="qn-17-kh-ubnd")
    ws = load_workbook(io.BytesIO(write_appendix(plan))).active
    assert ws["A1"].value == "PHỤ LỤC"
    assert ws["A2"].value.startswith("NHIỆM VỤ TRIỂN KHAI KẾ HOẠCH THỰC HIỆN QUYẾT ĐỊNH SỐ 1560")
    assert ws["A3"].value == (
        "(Kèm theo Kế hoạch số 17/KH-UBND ngày 07/08/2025 của Ủy ban nhân dân tỉnh Quảng Ngãi)"
    )
    assert [c.value for c in ws[5]] == [
        "STT",
        "NỘI DUNG NHIỆM VỤ",
        "ĐƠN VỊ CHỦ TRÌ",
        "ĐƠN VỊ PHỐI HỢP",
        "SẢN PHẨM",
        "THỜI GIAN THỰC HIỆN",
    ]
    assert ws["A5"].font.b and ws["A5"].border.left.style == "thin"
    # Section I: code in A, title merged across B:F, bold.
    assert ws["A6"].value == "I" and ws["B6"].font.b
    assert "B6:F6" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["B7"].alignment.wrap_text and ws["B7"].border.bottom.style == "thin"
    assert ws.print_title_rows == "$5:$5"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.column_dimensions["B"].width > ws.column_dimensions["C"].width > 5
    assert export_filename(plan) == "phu-luc-17-kh-ubnd.xlsx"


def test_plan_without_number_says_so_and_is_named_by_its_key():
    plan = Plan.objects.select_related("issuer").get(seed_key="dn-kh-ubnd")
    ws = load_workbook(io.BytesIO(write_appendix(plan))).active
    assert ws["A3"].value.startswith("(Kèm theo Kế hoạch số ")
    assert export_filename(plan) == "phu-luc-dn-kh-ubnd.xlsx"


def test_cells_are_never_written_as_formulas():
    risky = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "- Nguồn vốn: theo quy định."]
    data = write_rows([(False, "1", text, "Sở Tài chính", "", "", text) for text in risky])
    ws = load_workbook(io.BytesIO(data)).active
    for row, text in zip(ws.iter_rows(min_row=6), risky, strict=True):
        cell = row[1]
        assert cell.value == text  # shown as written: no visible quote prefix
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    assert read_appendix(data, "a.xlsx").rows[0].content == risky[0]
    # nothing in the sheet XML is a formula
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet


def test_round_trip_after_an_import_of_risky_text():
    plan = Plan.objects.create(title="Thử công thức", issuer=OrgUnit.objects.get(key="qn"))
    data = write_rows(
        [
            (True, "I", "=Mục có dấu bằng", "", "", "", ""),
            (False, "1", "- Nội dung gạch đầu dòng\n- Dòng thứ hai.", "Sở Tài chính", "", "", ""),
        ]
    )
    apply_import(plan, data, "a.xlsx")
    assert plan.tasks.get(kind=Task.Kind.SECTION).content == "=Mục có dấu bằng"
    again = write_appendix(plan)
    assert not preview_import(plan, again, "b.xlsx").diff.has_changes
