"""Exporting a plan's appendix as .xlsx in the official layout; export → import is a no-op."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from orgunits.models import OrgUnit
from orgunits.resolver import Target, vocabulary_for
from plans.models import Plan
from tasks.importer import apply_import, preview_import
from tasks.models import Assignment, Task
from tasks.unresolved import resolve_name, unresolved_assignments
from tasks.xlsx_reader import read_appendix
from tasks.xlsx_writer import (
    date_in_words,
    export_filename,
    upper_title,
    write_appendix,
    write_rows,
)

pytestmark = pytest.mark.django_db

SEED_PLANS = ["qn-17-kh-ubnd", "na-686-kh-ubnd", "dn-kh-ubnd", "kt-kh-ubnd", "pg-kh-ubnd"]


@pytest.mark.parametrize("key", SEED_PLANS)
def test_export_then_import_changes_nothing(key, django_assert_max_num_queries):
    plan = Plan.objects.select_related("issuer").get(seed_key=key)
    with django_assert_max_num_queries(3):  # the tasks, the open "suy luận" marks, mapped names
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
        "(Kèm theo Kế hoạch số 17/KH-UBND ngày 07 tháng 08 năm 2025 của Ủy ban nhân dân tỉnh "
        "Quảng Ngãi)"
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


@pytest.mark.parametrize(
    ("title", "printed"),
    [
        ("thực hiện Quyết định số 1560/QĐ-TTg ngày 15/01/2026 của Thủ tướng",
         "THỰC HIỆN QUYẾT ĐỊNH SỐ 1560/QĐ-TTg NGÀY 15/01/2026 CỦA THỦ TƯỚNG"),
        ("Chỉ thị số 39-CT/TW của Ban Bí thư", "CHỈ THỊ SỐ 39-CT/TW CỦA BAN BÍ THƯ"),
        ("Nghị định 30/2020/NĐ-CP về văn thư", "NGHỊ ĐỊNH 30/2020/NĐ-CP VỀ VĂN THƯ"),
    ],
)  # fmt: skip
def test_title_upper_cased_but_numbers_kept(title, printed):
    assert upper_title(title) == printed


def test_dates_in_words():
    assert date_in_words(date(2026, 1, 15)) == "ngày 15 tháng 01 năm 2026"


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


# --- names mapped to units (aliases) print as the unit's name --------------------------------

TYPED = "Ban điều phối tín dụng chính sách lâm thời"


def _written(plan):
    """The plan's tasks and written assignments, comparable across plans."""
    tasks = [
        (t.code, t.kind, t.level, t.content, t.product, t.timeframe_text, t.lead_heading)
        for t in plan.tasks.order_by("position")
    ]
    assignments = sorted(
        (a.task.position, a.role, a.position, a.unit_id, a.group_id, a.is_request)
        for a in Assignment.objects.filter(task__plan=plan, via__isnull=True).select_related("task")
    )
    return tasks, assignments


def _lead_cells(data):
    ws = load_workbook(io.BytesIO(data)).active
    return [row[2].value or "" for row in ws.iter_rows(min_row=6)]


def test_a_mapped_name_prints_as_the_unit_and_reads_back_to_the_same_plan():
    plan = Plan.objects.select_related("issuer").get(seed_key="qn-17-kh-ubnd")
    a = (
        Assignment.objects.filter(
            task__plan=plan,
            task__kind=Task.Kind.TASK,
            via__isnull=True,
            role=Assignment.Role.LEAD,
            unit__isnull=False,
        )
        .select_related("task", "unit")
        .order_by("task__position", "position")
        .first()
    )
    assert a.source_text in a.task.lead_text
    # The file says TYPED where the plan named the unit: imported, the name waits.
    wb = load_workbook(io.BytesIO(write_appendix(plan)))
    row = 6 + list(plan.tasks.order_by("position").values_list("pk", flat=True)).index(a.task_id)
    cell = wb.active.cell(row=row, column=3)
    cell.value = cell.value.replace(a.source_text, TYPED, 1)
    typed_file = io.BytesIO()
    wb.save(typed_file)
    apply_import(plan, typed_file.getvalue(), "go-sai.xlsx")
    assert unresolved_assignments().filter(task__plan=plan).count() == 1
    assert TYPED in "".join(_lead_cells(write_appendix(plan)))  # unresolved: as written

    # Mapped to the unit on the names page: printed as the plan writes that unit.
    resolve_name(plan.issuer, TYPED, Target("unit", a.unit_id, ""), vocabulary_for(plan.issuer))
    data = write_appendix(plan)
    leads = _lead_cells(data)
    assert TYPED not in "".join(leads)
    assert a.unit.display_name in leads[row - 6]
    a.task.refresh_from_db()
    assert TYPED in a.task.lead_text  # the plan itself keeps the text as imported

    # Export → import into a fresh plan of the same issuer: same tasks, same units.
    fresh = Plan.objects.create(title=plan.title, issuer=plan.issuer)
    preview = preview_import(fresh, data, export_filename(plan))
    assert preview.errors == [] and preview.unknown_names == []
    apply_import(fresh, data, export_filename(plan))
    assert unresolved_assignments().filter(task__plan=fresh).count() == 0
    assert _written(fresh) == _written(plan)


def test_a_unit_outside_the_plans_territory_prints_by_its_full_name():
    """A commune's body mapped in a provincial plan is written in full ("Công an xã …"), so
    that it reads back to that commune's body."""
    qn = OrgUnit.objects.get(key="qn")
    unit = (
        OrgUnit.objects.filter(tree_id=qn.tree_id, territory__kind=OrgUnit.Kind.COMMUNE)
        .exclude(kind__in=OrgUnit.TERRITORIAL_KINDS)
        .exclude(short_name="")
        .order_by("pk")
        .first()
    )
    assert unit.display_name != unit.name
    plan = Plan.objects.create(title="Thử tên đã xác định", issuer=qn)
    rows = [
        (True, "I", "NHIỆM VỤ CHUNG", "", "", "", ""),
        (False, "1", "Nhiệm vụ một", f"{TYPED}; Sở Tài chính", "Tổ lạ chưa xác định", "", ""),
    ]
    apply_import(plan, write_rows(rows), "a.xlsx")
    resolve_name(qn, TYPED, Target("unit", unit.pk, ""), vocabulary_for(qn))
    data = write_appendix(plan)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["C7"].value == f"{unit.name}; Sở Tài chính"
    assert ws["D7"].value == "Tổ lạ chưa xác định"  # still unresolved: as written
    fresh = Plan.objects.create(title=plan.title, issuer=qn)
    apply_import(fresh, data, "b.xlsx")
    assert _written(fresh) == _written(plan)
