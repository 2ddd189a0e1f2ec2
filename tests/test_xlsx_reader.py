"""Reading appendix .xlsx files as offices send them, and refusing bad files safely."""

import importlib.util
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook, load_workbook

from plans.models import Plan
from tasks.importer import preview_import
from tasks.models import Task
from tasks.xlsx_reader import AppendixFileError, read_appendix

ROOT = Path(settings.BASE_DIR)
_spec = importlib.util.spec_from_file_location(
    "make_seed_xlsx", ROOT / "fixtures/make_seed_xlsx.py"
)
make_seed_xlsx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_seed_xlsx)

HEADER = ["STT", "NỘI DUNG NHIỆM VỤ", "ĐƠN VỊ CHỦ TRÌ", "ĐƠN VỊ PHỐI HỢP", "SẢN PHẨM", "THỜI GIAN"]


def xlsx(rows, merges=(), header=HEADER, titles=("PHỤ LỤC",)) -> bytes:
    wb = Workbook()
    ws = wb.active
    for title in titles:
        ws.append([title])
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def refused(data, name="phu-luc.xlsx") -> str:
    with pytest.raises(AppendixFileError) as info:
        read_appendix(data, name)
    return str(info.value)


# --- the seed appendices as .xlsx ------------------------------------------------------------

SEEDS = [
    ("001", "qn-17-kh-ubnd", 6, 21, 3),
    ("002", "na-686-kh-ubnd", 5, 24, 0),
    ("004", "kt-kh-ubnd", 6, 21, 2),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("seed", "key", "sections", "tasks", "subitems"), SEEDS)
def test_seed_files_read_like_the_seed_texts(tmp_path, seed, key, sections, tasks, subitems):
    path = tmp_path / f"seed-{seed}.xlsx"
    path.write_bytes(make_seed_xlsx.build(seed))
    plan = Plan.objects.get(seed_key=key)
    preview = preview_import(plan, path)
    s = preview.summary
    assert (s["sections"], s["tasks"], s["subitems"]) == (sections, tasks, subitems)
    assert s["unresolved"] == 0 and s["unparsed_timeframes"] == 0
    assert preview.errors == []
    # The file holds exactly what the seed loader read from the transcription.
    assert preview.diff.counts == {
        "added": 0,
        "changed": 0,
        "unchanged": s["rows"],
        "removed": 0,
    }
    assert not preview.diff.has_changes


def test_seed_002_quirks_are_skipped_and_header_found_below_titles():
    read = read_appendix(make_seed_xlsx.build("002"), "686.xlsx")
    assert read.header_row == 5  # below "PHỤ LỤC:", the long title and "(Ban hành kèm theo …)"
    assert read.skipped["header"] >= 3 and read.skipped["page"] >= 3
    assert read.plan_number == "686/KH-UBND"
    assert set(read.columns) == {"stt", "content", "lead", "coordinating", "product", "timeframe"}
    no_stt = [r for r in read.rows if not r.stt]
    assert len(no_stt) == 2  # the two rows after 5.8 are kept, in order
    assert "<ul" in next(r.timeframe for r in read.rows if r.stt == "4.1")


def test_seed_001_merged_lead_cell_applies_to_each_row():
    read = read_appendix(make_seed_xlsx.build("001"), "17.xlsx")
    section = [i for i, r in enumerate(read.rows) if r.stt == "II"][0]
    first, second = read.rows[section + 1], read.rows[section + 2]
    assert first.lead == second.lead and first.lead.startswith("Các sở, ban ngành có")
    wb = load_workbook(io.BytesIO(make_seed_xlsx.build("001")))
    assert any(r.min_col == 3 and r.max_row > r.min_row for r in wb.active.merged_cells.ranges)


def test_seed_004_sections_merged_across_every_column_keep_their_code():
    read = read_appendix(make_seed_xlsx.build("004"), "kt.xlsx")
    assert [r.stt for r in read.rows if r.content.startswith("Tăng cường công tác phổ biến")] == [
        "I."
    ]


# --- header variants -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["stt", "noi dung nhiem vu", "don vi chu tri", "don vi phoi hop", "san pham", "thoi han"],
        ["STT", "NỘI DUNG\nNHIỆM VỤ", "ĐƠN VỊ CHỦ\nTRỊ", "ĐƠN VỊ PHÓI\nHỢP", "SẢN PHẨM",
         "THỜI HẠN HOÀN THÀNH"],
        ["Số TT", "Nội dung", "Chủ trì", "Phối hợp", "Sản phẩm", "Thời gian thực hiện"],
        ["STT", "NỘI DUNG NHIỆM VU", "ĐƠN VI CHU TRÌ", "ĐƠN VỊ PHÔI HƠP", "SẢN PHẨM",
         "THỜI GIAN THƯC HIÊN"],
    ],
)  # fmt: skip
def test_header_names_are_recognised(header):
    read = read_appendix(
        xlsx([["1", "Nhiệm vụ", "Sở Tài chính", "", "", "Quý IV/2025"]], header=header)
    )
    assert set(read.columns) == {"stt", "content", "lead", "coordinating", "product", "timeframe"}
    assert read.rows[0].lead == "Sở Tài chính"


def test_optional_columns_may_be_missing_and_in_any_order():
    read = read_appendix(
        xlsx([["Sở Tài chính", "Nhiệm vụ một", "1"]], header=["ĐƠN VỊ CHỦ TRÌ", "NỘI DUNG", "STT"])
    )
    row = read.rows[0]
    assert (row.stt, row.content, row.lead, row.product) == (
        "1",
        "Nhiệm vụ một",
        "Sở Tài chính",
        "",
    )


def test_column_number_row_blank_rows_and_page_numbers_are_skipped():
    data = xlsx(
        [
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
            ["I", "Mục một"],
            [],
            ["1", "Nhiệm vụ", "Sở Tài chính"],
            [None, None, None, "Trang 2"],
            [None, 3],
            ["2", "Nhiệm vụ hai", "Sở Tư pháp"],
        ]
    )
    read = read_appendix(data)
    assert [r.stt for r in read.rows] == ["I", "1", "2"]
    assert read.skipped == {"page": 2, "blank": 1, "numbers": 1}
    assert read.rows[1].source_row == 6  # numbers as in Excel, for messages


def test_the_header_is_searched_in_every_sheet():
    wb = Workbook()
    wb.active.title = "Ghi chú"
    wb.active.append(["Bảng phụ lục ở trang sau"])
    ws = wb.create_sheet("Phụ lục")
    ws.append(HEADER)
    ws.append(["1", "Nhiệm vụ", "Sở Tài chính"])
    out = io.BytesIO()
    wb.save(out)
    read = read_appendix(out.getvalue())
    assert read.sheet == "Phụ lục" and len(read.rows) == 1


# --- cell values -----------------------------------------------------------------------------


def test_excel_dates_in_the_timeframe_column_stay_dates():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["1", "Nhiệm vụ", "Sở Tài chính", None, None, date(2025, 12, 31)])
    ws["F2"].number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    wb.save(out)
    read = read_appendix(out.getvalue())
    assert read.rows[0].timeframe == date(2025, 12, 31)


@pytest.mark.django_db
def test_excel_date_timeframe_is_a_deadline_in_the_preview():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["1", "Nhiệm vụ có hạn", "Sở Tài chính", None, None, date(2025, 12, 31)])
    ws["F2"].number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    wb.save(out)
    plan = Plan.objects.create(
        title="Thử", issuer=Plan.objects.get(seed_key="qn-17-kh-ubnd").issuer
    )
    row = preview_import(plan, out.getvalue(), "a.xlsx").prepared.rows[0]
    assert row.schedule.kind == Task.ScheduleKind.ONCE and row.schedule.due_date == date(
        2025, 12, 31
    )
    assert row.timeframe_text == "31/12/2025"


def _with_formulas(data: bytes) -> bytes:
    """Put formulas with cached values into B2 and F2 (as Excel saves them)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                for ref, formula, cached in (
                    ("B2", 'CONCATENATE("Nhiệm ","vụ")', "Nhiệm vụ tính sẵn"),
                    ("F2", "1+1", "Quý IV/2025"),
                ):
                    text, n = re.subn(
                        rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)',
                        f'<c r="{ref}" t="str"><f>{formula}</f><v>{cached}</v></c>',
                        text,
                    )
                    assert n == 1
                body = text.encode()
            target.writestr(item, body)
    return out.getvalue()


def test_formulas_give_their_cached_value_and_are_never_evaluated():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["1", "X", "Sở Tài chính", None, None, "X"])
    out = io.BytesIO()
    wb.save(out)
    read = read_appendix(_with_formulas(out.getvalue()))
    assert read.rows[0].content == "Nhiệm vụ tính sẵn"
    assert read.rows[0].timeframe == "Quý IV/2025"  # not 2: the formula is not evaluated


def test_numbers_in_stt_are_read_as_codes():
    read = read_appendix(xlsx([[1, "Mục", "Sở Tài chính"], [1.1, "Nhiệm vụ", "Sở Tư pháp"]]))
    assert [r.stt for r in read.rows] == ["1", "1.1"]


# --- bad files -------------------------------------------------------------------------------


def test_not_a_zip_is_refused():
    message = refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert "không phải là tệp Excel .xlsx" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert "không phải bảng tính Excel .xlsx" in refused(out.getvalue())


@pytest.mark.parametrize("name", ["phu-luc.xls", "phu-luc.csv"])
def test_xls_and_csv_are_refused_with_save_as_xlsx(name):
    assert "Excel Workbook (*.xlsx)" in refused(b"STT,NOI DUNG\n1,a\n", name)


def test_an_xls_renamed_to_xlsx_is_refused_with_save_as_xlsx():
    message = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "Excel 97-2003" in message and "Excel Workbook (*.xlsx)" in message


def test_csv_renamed_to_xlsx_is_refused_with_save_as_xlsx():
    assert "CSV" in refused("STT;NỘI DUNG\n1;Nhiệm vụ\n".encode())


def test_password_protected_workbook_is_refused():
    path = ROOT / "fixtures/xlsx/password-protected.xlsx"
    message = refused(path.read_bytes())
    assert "mật khẩu" in message and "bỏ mật khẩu" in message


def test_empty_workbook_is_refused():
    assert "mọi trang tính đều trống" in refused(xlsx([], header=None, titles=()))


def test_workbook_without_a_recognisable_header_is_refused():
    message = refused(xlsx([["a", "b"], ["c", "d"]], header=["Họ tên", "Địa chỉ"]))
    assert "Không tìm thấy dòng tiêu đề" in message and "STT, NỘI DUNG NHIỆM VỤ" in message


def test_header_missing_a_required_column_is_refused():
    message = refused(xlsx([["1", "Nhiệm vụ"]], header=["STT", "NỘI DUNG NHIỆM VỤ", "SẢN PHẨM"]))
    assert "thiếu cột bắt buộc: ĐƠN VỊ CHỦ TRÌ" in message


def test_header_without_rows_is_refused():
    assert "không có dòng nhiệm vụ" in refused(xlsx([]))


def test_more_than_the_row_limit_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 5000
    rows = [[str(i), f"Nhiệm vụ {i}", "Sở Tài chính"] for i in range(1, 5002)]
    assert "hơn 5.000 dòng" in refused(xlsx(rows))


def test_file_over_the_size_limit_is_refused_before_reading(settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    path = tmp_path / "lon.xlsx"
    with path.open("wb") as f:
        f.truncate(10 * 1024 * 1024 + 1)
    assert "chỉ nhận tệp đến 10 MB" in refused(path)
    assert "chỉ nhận tệp đến 10 MB" in refused(b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024))


def test_zip_bomb_is_refused_from_the_zip_directory():
    valid = xlsx([["1", "Nhiệm vụ", "Sở Tài chính"]])
    source = zipfile.ZipFile(io.BytesIO(valid))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            z.writestr(item, source.read(item.filename))
        z.writestr("xl/media/padding.bin", b"\x00" * (300 * 1024 * 1024))  # ≈ 300 KB zipped
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    assert "bom nén" in refused(data)


def test_xml_entity_tricks_are_refused():
    valid = xlsx([["1", "Nhiệm vụ", "Sở Tài chính"]])
    source = zipfile.ZipFile(io.BytesIO(valid))
    out = io.BytesIO()
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                text = text.split("?>", 1)[1] if text.startswith("<?xml") else text
                text, n = re.subn(
                    r'<c r="B3"[^>]*?>.*?</c>',
                    '<c r="B3" t="inlineStr"><is><t>&lol2;</t></is></c>',
                    text,
                )
                assert n == 1
                body = (bomb + text).encode()
            z.writestr(item, body)
    message = refused(out.getvalue())
    assert "XML không an toàn" in message


# --- columns by meaning, two-line headers, repeated header blocks ------------------------------


def test_columns_by_meaning_in_another_order_with_extra_columns_kept():
    header = ["TT", "Nhiệm vụ và giải pháp", "Kết quả dự kiến", "Chủ trì", "Nguồn kinh phí",
              "Tiến độ", "Ghi chú", "Dự toán"]  # fmt: skip
    read = read_appendix(
        xlsx(
            [
                ["1", "Rà soát", "Báo cáo", "Sở Tư pháp", "Ngân sách tỉnh", "2026", "Gấp", 120],
                ["2", "Kiểm tra", "Kết luận", "Thanh tra tỉnh", None, "Quý I/2026", None, None],
            ],
            header=header,
        )
    )
    assert read.columns == {"stt": 0, "content": 1, "product": 2, "lead": 3, "timeframe": 5,
                            "note": 6}  # fmt: skip
    first, second = read.rows
    assert (first.product, first.lead, first.timeframe, first.note) == (
        "Báo cáo", "Sở Tư pháp", "2026", "Gấp"
    )  # fmt: skip
    assert first.extra == {"Nguồn kinh phí": "Ngân sách tỉnh", "Dự toán": "120"}
    assert second.extra == {} and second.coordinating == ""


def test_two_line_header_and_every_repeated_header_block_are_skipped():
    top = ["STT", "Nội dung", "Đơn vị thực hiện", None, "Thời gian"]
    sub = [None, None, "Chủ trì", "Phối hợp", None]
    numbers = ["(1)", "(2)", "(3)", "(4)", "(5)"]
    data = xlsx(
        [
            sub,
            numbers,
            ["1", "Nhiệm vụ một", "Sở Y tế", "Sở Tài chính", "2026"],
            top,  # a printed page break: both header lines and the numbers again
            sub,
            numbers,
            ["2", "Nhiệm vụ hai", "Sở Nội vụ", None, "2027"],
        ],
        header=top,
        merges=("C2:D2", "A2:A3", "B2:B3", "E2:E3", "C6:D6"),
    )
    read = read_appendix(data)
    assert read.header_row == 2
    assert read.columns == {"stt": 0, "content": 1, "lead": 2, "coordinating": 3, "timeframe": 4}
    assert [(r.stt, r.content, r.lead, r.coordinating) for r in read.rows] == [
        ("1", "Nhiệm vụ một", "Sở Y tế", "Sở Tài chính"),
        ("2", "Nhiệm vụ hai", "Sở Nội vụ", ""),
    ]
    assert read.skipped == {"header": 2, "numbers": 2}


def test_one_performers_column_is_split_per_cell():
    read = read_appendix(
        xlsx(
            [
                ["1", "Rà soát", "Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ"],
                ["2", "Tuyên truyền", "Sở Văn hóa"],
            ],
            header=["STT", "Tên nhiệm vụ", "Cơ quan thực hiện"],
        )
    )
    assert [(r.lead, r.coordinating) for r in read.rows] == [
        ("Sở Tư pháp", "Sở Nội vụ"),
        ("Sở Văn hóa", ""),
    ]


def test_of_two_timeframe_columns_the_deadline_is_the_timeframe():
    header = ["STT", "Nội dung", "Chủ trì", "Thời gian bắt đầu", "Thời gian hoàn thành"]
    data = xlsx([["1", "Nhiệm vụ", "Sở Y tế", "01/2026", "Quý IV/2026"]], header=header)
    read = read_appendix(data)
    row = read.rows[0]
    assert (row.timeframe, row.extra) == ("Quý IV/2026", {"Thời gian bắt đầu": "01/2026"})


def test_of_two_task_columns_the_specific_one_is_the_content():
    """Quyết định 707/QĐ-TTg (2026): "Nội dung hành động" groups the rows, each row is one
    "Hành động cụ thể" with its own lead and deadline."""
    header = ["STT", "Nội dung hành động", "Hành động cụ thể", "Bộ ngành chủ trì",
              "Bộ ngành phối hợp", "Thời hạn hoàn thành"]  # fmt: skip
    rows = [
        ["1.", "Hoàn thiện pháp luật", "Sửa đổi Bộ luật", "Bộ Công an", "Bộ Tư pháp", "10/2027"],
        ["", "", "Rà soát quy trình", "Bộ Tư pháp", "", "12/2027"],
    ]
    read = read_appendix(xlsx(rows, header=header))
    assert read.columns["content"] == 2
    assert [(r.stt, r.content, r.lead, r.timeframe) for r in read.rows] == [
        ("1.", "Sửa đổi Bộ luật", "Bộ Công an", "10/2027"),
        ("", "Rà soát quy trình", "Bộ Tư pháp", "12/2027"),
    ]
    assert read.rows[0].extra == {"Nội dung hành động": "Hoàn thiện pháp luật"}


def test_a_performing_units_column_is_kept_apart_from_a_lead_column():
    header = ["STT", "NỘI DUNG NHIỆM VỤ", "ĐƠN VỊ THỰC HIỆN", "THỜI GIAN"]
    read = read_appendix(xlsx([["1", "Nhiệm vụ", "Sở Tài chính", "2026"]], header=header))
    assert (read.rows[0].lead, read.rows[0].lead_heading) == ("Sở Tài chính", "performing")
    assert (
        read_appendix(xlsx([["1", "Nhiệm vụ", "Sở Tài chính", "", "", "2026"]]))
        .rows[0]
        .lead_heading
        == ""
    )


@pytest.mark.parametrize(
    ("cell", "heading", "lead"),
    [
        ("Đơn vị thực hiện: Sở Tài chính; UBND cấp xã", "performing", "Sở Tài chính; UBND cấp xã"),
        ("đơn vị thực hiện : Sở Tài chính", "performing", "Sở Tài chính"),
        ("Sở Tài chính", "", "Sở Tài chính"),
        ("Sở Tài chính thực hiện", "", "Sở Tài chính thực hiện"),
    ],
)
def test_a_lead_cell_may_carry_its_heading(cell, heading, lead):
    from tasks.appendix import split_lead_heading

    assert split_lead_heading(cell) == (heading, lead)


# --- a task cell merged down over rows with their own leads (222/QĐ-TTg) --------------------

MERGED_TASK_ROWS = [
    ["2.2.1", "Xây dựng quy định về trách nhiệm mở rộng của nhà sản xuất",
     "Bộ Tài nguyên và Môi trường", "Các bộ, cơ quan ngang bộ", "Nghị định", "2025 - 2026"],
    [None, None, "Ủy ban nhân dân cấp tỉnh", "Các cơ quan, tổ chức có liên quan",
     "Kế hoạch triển khai", "2025 - 2035"],
    ["2.2.2", "Rà soát tiêu chuẩn, quy chuẩn kỹ thuật", "Bộ Khoa học và Công nghệ", "",
     "Tiêu chuẩn", "2025 - 2030"],
]  # fmt: skip


def test_a_task_cell_merged_down_gives_each_row_the_task_text_and_no_code():
    """STT and task cells merged over two rows, each row with its own lead and period: each
    row is a task with the text, the second without a code (tasks.appendix_table.MERGED_TASK)."""
    read = read_appendix(xlsx(MERGED_TASK_ROWS, merges=("A3:A4", "B3:B4")))
    assert [(r.stt, r.content, r.lead, r.timeframe) for r in read.rows] == [
        ("2.2.1", MERGED_TASK_ROWS[0][1], "Bộ Tài nguyên và Môi trường", "2025 - 2026"),
        ("", MERGED_TASK_ROWS[0][1], "Ủy ban nhân dân cấp tỉnh", "2025 - 2035"),
        ("2.2.2", "Rà soát tiêu chuẩn, quy chuẩn kỹ thuật", "Bộ Khoa học và Công nghệ",
         "2025 - 2030"),
    ]  # fmt: skip
    assert any("dòng 4 (gộp từ dòng 3)" in note for note in read.notes)


def test_a_row_without_stt_and_task_text_is_left_out_with_a_note_not_refused():
    """Not merged: the row cannot be a task; it is named in a note and the file still reads."""
    rows = [MERGED_TASK_ROWS[0], MERGED_TASK_ROWS[1], MERGED_TASK_ROWS[2]]
    read = read_appendix(xlsx(rows))
    assert [r.stt for r in read.rows] == ["2.2.1", "2.2.2"]
    assert read.row_problems == {}
    (note,) = [n for n in read.notes if n.startswith("Dòng 4 ")]
    assert "không có STT và nội dung nhiệm vụ" in note and "đã bỏ qua" in note
    assert "ĐƠN VỊ CHỦ TRÌ “Ủy ban nhân dân cấp tỉnh”" in note


@pytest.mark.django_db
def test_a_row_without_task_text_does_not_block_the_import():
    issuer = Plan.objects.get(seed_key="qn-17-kh-ubnd").issuer
    plan = Plan.objects.create(title="Kế hoạch thử", issuer=issuer)
    rows = [["1", *MERGED_TASK_ROWS[0][1:]], MERGED_TASK_ROWS[1], ["2", *MERGED_TASK_ROWS[2][1:]]]
    preview = preview_import(plan, xlsx(rows), "phu-luc.xlsx")
    assert preview.errors == [] and preview.can_confirm
    assert any("Dòng 4 không có STT và nội dung nhiệm vụ" in w for w in preview.warnings)
    assert len(preview.prepared.rows) == 2


def test_a_section_title_merged_across_and_down_is_not_a_task_cell_merged_down():
    rows = [
        ["I", "CÔNG TÁC TUYÊN TRUYỀN", None, None, None, None],
        [None, None, None, None, None, None],
        ["1", "Tuyên truyền Chỉ thị 39", "Sở Tài chính", "", "", "Quý IV/2025"],
    ]
    read = read_appendix(xlsx(rows, merges=("B3:F4",)))
    assert [(r.stt, r.content) for r in read.rows] == [
        ("I", "CÔNG TÁC TUYÊN TRUYỀN"),
        ("1", "Tuyên truyền Chỉ thị 39"),
    ]
    assert not any("gộp từ dòng" in note for note in read.notes)
