"""Reading appendix tables from Word .docx files (built here with python-docx), refusing bad
files safely, and importing a .docx through the officer's upload → preview → confirm pages."""

import importlib.util
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks.appendix import AppendixRow
from tasks.importer import preview_import
from tasks.models import Task
from tasks.readers import AppendixFileError, check_upload, read_appendix

ROOT = Path(settings.BASE_DIR)
_spec = importlib.util.spec_from_file_location(
    "make_seed_xlsx", ROOT / "fixtures/make_seed_xlsx.py"
)
make_seed_xlsx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_seed_xlsx)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADER = [
    "STT",
    "Tên nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Kết quả dự kiến",
    "Thời gian hoàn thành",
    "Nguồn kinh phí",
]
NUMBERS = [f"({i})" for i in range(1, 8)]
BODY = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    "KẾ HOẠCH",
    "Thực hiện Quyết định số 1560/QĐ-TTg ban hành kèm theo Chương trình số 99/CTr-TW …",
    "Các sở, ban, ngành triển khai thực hiện nghiêm túc các nhiệm vụ tại Phụ lục kèm theo.",
    "PHỤ LỤC",
    "NHIỆM VỤ TRIỂN KHAI KẾ HOẠCH",
    "(Kèm theo Kế hoạch số 17/KH-UBND ngày 07/8/2025 của UBND tỉnh)",
]


def mark_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def add_table(doc, rows, *, header=HEADER, numbers=NUMBERS, marked=True):
    """A table: header row, "(1) (2) …" row (both marked to repeat), then `rows`.

    A row is a list of cells; a cell is a str (several paragraphs if it holds "¶") or
    None for "merged into the cell above"; a row ("across", text) is one cell merged
    across the table."""
    table = doc.add_table(rows=0, cols=len(header))
    for line in (header, numbers):
        if line:
            row = table.add_row()
            for cell, text in zip(row.cells, line, strict=True):
                cell.text = text
            if marked:
                mark_header(row)
    offset = len(table.rows)
    across, down = [], {}  # down: (first row, column) → last row of a vertical merge
    starts: dict[int, int] = {}
    for r, values in enumerate(rows, start=offset):
        row = table.add_row()
        if values[0] == "across":
            row.cells[0].text = values[1]
            across.append(r)
            continue
        for c, value in enumerate(values):
            if value is None:
                down[(starts[c], c)] = r
                continue
            starts[c] = r
            first, *more = value.split("¶")
            row.cells[c].text = first
            for paragraph in more:
                row.cells[c].add_paragraph(paragraph)
    for r in across:
        table.cell(r, 0).merge(table.cell(r, len(header) - 1))
    for (r1, c), r2 in down.items():
        table.cell(r1, c).merge(table.cell(r2, c))
    return table


def build(*tables, body=BODY, after=()) -> bytes:
    doc = Document()
    for text in body:
        doc.add_paragraph(text)
    for index, (rows, options) in enumerate(tables):
        if index:
            doc.add_paragraph("")  # the page break between the parts of the table
        add_table(doc, rows, **options)
    for text in after:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def refused(data, name="phu-luc.docx") -> str:
    with pytest.raises(AppendixFileError) as info:
        read_appendix(data, name)
    return str(info.value)


def fields(row: AppendixRow) -> tuple:
    return (row.stt, row.content, row.lead, row.coordinating, row.product, row.timeframe)


# --- reading -----------------------------------------------------------------------------------

PART_1 = [
    ("across", "I. CÔNG TÁC TUYÊN TRUYỀN"),
    ["1", "Tuyên truyền Chỉ thị 39¶- trên báo chí;¶- trên mạng xã hội.", "Sở Văn hóa",
     "Sở Tư pháp", "Bài viết", "Quý IV/2025", "Ngân sách tỉnh"],
    ["2", "Tập huấn cán bộ", None, "", "Hội nghị", "Năm 2026", ""],
    ["3", "Sơ kết", None, "Các sở", "Báo cáo", "31/12/2026", "Ngân sách tỉnh"],
]  # fmt: skip
PART_2 = [
    ["II", "CẢI THIỆN MÔI TRƯỜNG KINH DOANH", "", "", "", "", ""],
    ["1", "Rà soát thủ tục", "Sở Tài chính chủ trì", "", "Danh mục", "Tháng 8/2026", "Dự toán"],
]


def test_table_after_the_body_text_continued_over_two_word_tables():
    data = build(
        (PART_1, {}),
        (PART_2, {}),  # repeats the header and the numbering row, as at a page break
        after=["Nơi nhận:", "- Như trên;"],
    )
    read = read_appendix(data, "ke-hoach.docx")
    assert [fields(r) for r in read.rows] == [
        ("I.", "CÔNG TÁC TUYÊN TRUYỀN", "", "", "", ""),
        ("1", "Tuyên truyền Chỉ thị 39\n- trên báo chí;\n- trên mạng xã hội.", "Sở Văn hóa",
         "Sở Tư pháp", "Bài viết", "Quý IV/2025"),
        ("2", "Tập huấn cán bộ", "Sở Văn hóa", "", "Hội nghị", "Năm 2026"),
        ("3", "Sơ kết", "Sở Văn hóa", "Các sở", "Báo cáo", "31/12/2026"),
        ("II", "CẢI THIỆN MÔI TRƯỜNG KINH DOANH", "", "", "", ""),
        ("1", "Rà soát thủ tục", "Sở Tài chính chủ trì", "", "Danh mục", "Tháng 8/2026"),
    ]  # fmt: skip
    # The funding column is kept, by its printed header, on the rows that fill it.
    assert [r.extra for r in read.rows] == [
        {},
        {"Nguồn kinh phí": "Ngân sách tỉnh"},
        {},
        {"Nguồn kinh phí": "Ngân sách tỉnh"},
        {},
        {"Nguồn kinh phí": "Dự toán"},
    ]
    # Both numbering rows and the header repeated at the top of the second table.
    assert read.skipped == {"header": 1, "numbers": 2}
    assert read.plan_number == "17/KH-UBND"  # from the lines under "PHỤ LỤC", not the body
    assert read.notes == ["Các cột khác được đọc kèm theo từng nhiệm vụ: “Nguồn kinh phí”."]
    assert read.title_lines[0] == "PHỤ LỤC"
    # Rows are numbered as in the Word table (header = 1), continuing over the parts.
    assert [r.source_row for r in read.rows] == [3, 4, 5, 6, 9, 10]


def test_header_rows_repeated_unmarked_inside_one_table_are_skipped():
    rows = [
        ["1", "Nhiệm vụ một", "Sở Tư pháp", "", "", "", ""],
        HEADER,
        NUMBERS,
        ["2", "Nhiệm vụ hai", "Sở Nội vụ", "", "", "", ""],
    ]
    read = read_appendix(build((rows, {"marked": False})))
    assert [r.stt for r in read.rows] == ["1", "2"]
    assert read.skipped == {"header": 1, "numbers": 2}


def test_one_performers_column_is_split_and_no_product_column_is_fine():
    header = ["TT", "Nhiệm vụ và giải pháp", "Cơ quan thực hiện", "Tiến độ", "Ghi chú"]
    rows = [
        ["1", "Rà soát văn bản", "Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ và UBND các xã",
         "Quý I/2026", "Trọng tâm"],
        ["2", "Kiểm tra", "Chủ trì: Thanh tra tỉnh; Phối hợp: Công an tỉnh", "2026", ""],
        ["3", "Báo cáo", "Văn phòng UBND tỉnh", "Hằng năm", ""],
    ]  # fmt: skip
    read = read_appendix(build((rows, {"header": header, "numbers": None})))
    assert "product" not in read.columns
    assert [(r.lead, r.coordinating, r.product, r.note) for r in read.rows] == [
        ("Sở Tư pháp", "Sở Nội vụ và UBND các xã", "", "Trọng tâm"),
        ("Thanh tra tỉnh", "Công an tỉnh", "", ""),
        ("Văn phòng UBND tỉnh", "", "", ""),
    ]
    assert all(r.extra == {} for r in read.rows)  # "Ghi chú" is the task's note
    assert read.notes[0].startswith("Cột “Cơ quan thực hiện” ghi cả đơn vị chủ trì và phối hợp")


def test_two_line_header_with_a_group_over_lead_and_coordinating():
    doc = Document()
    table = doc.add_table(rows=4, cols=5)
    top = ["STT", "Nội dung", "Đơn vị thực hiện", "", "Thời gian"]
    sub = ["", "", "Chủ trì", "Phối hợp", ""]
    for r, line in enumerate((top, sub)):
        for c, text in enumerate(line):
            table.cell(r, c).text = text
    for c, text in enumerate(["1", "Nhiệm vụ", "Sở Y tế", "Sở Tài chính", "2026"]):
        table.cell(2, c).text = text
    for c, text in enumerate(["2", "Nhiệm vụ hai", "Sở Nội vụ", "", "2027"]):
        table.cell(3, c).text = text
    table.cell(0, 2).merge(table.cell(0, 3))
    for c in (0, 1, 4):
        table.cell(0, c).merge(table.cell(1, c))
    out = io.BytesIO()
    doc.save(out)
    read = read_appendix(out.getvalue(), "a.docx")
    assert read.columns == {"stt": 0, "content": 1, "lead": 2, "coordinating": 3, "timeframe": 4}
    assert [fields(r) for r in read.rows] == [
        ("1", "Nhiệm vụ", "Sở Y tế", "Sở Tài chính", "", "2026"),
        ("2", "Nhiệm vụ hai", "Sở Nội vụ", "", "", "2027"),
    ]


def test_letterhead_table_before_and_another_appendix_after_are_not_read():
    doc = Document()
    letterhead = doc.add_table(rows=1, cols=2)
    letterhead.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI"
    letterhead.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    doc.add_paragraph("PHỤ LỤC I")
    add_table(doc, PART_2)
    doc.add_paragraph("PHỤ LỤC II")
    add_table(doc, [["1", "Nhiệm vụ của phụ lục khác", "Sở Y tế", "", "", "", ""]])
    out = io.BytesIO()
    doc.save(out)
    read = read_appendix(out.getvalue(), "a.docx")
    assert [r.content for r in read.rows] == ["CẢI THIỆN MÔI TRƯỜNG KINH DOANH", "Rà soát thủ tục"]
    assert read.title_lines == ["PHỤ LỤC I"]
    assert [n for n in read.notes if "PHỤ LỤC II" in n] == [
        "Tệp còn bảng của phụ lục khác sau bảng đã đọc (“PHỤ LỤC II”): chỉ bảng đầu tiên "
        "được nhập; hãy nhập phụ lục kia bằng một tệp riêng."
    ]


def test_section_title_spanned_the_old_way_with_hmerge():
    doc = Document()
    table = add_table(doc, [["", "", "", "", "", "", ""], PART_2[1]])
    section = table.rows[2]
    section.cells[0].text = "III. KIỂM TRA, GIÁM SÁT"
    for index, tc in enumerate(section._tr.tc_lst):
        merge = OxmlElement("w:hMerge")
        if index == 0:
            merge.set(qn("w:val"), "restart")
        tc.get_or_add_tcPr().append(merge)
    out = io.BytesIO()
    doc.save(out)
    read = read_appendix(out.getvalue(), "a.docx")
    assert [(r.stt, r.content) for r in read.rows] == [
        ("III.", "KIỂM TRA, GIÁM SÁT"),
        ("1", "Rà soát thủ tục"),
    ]


def test_rows_deleted_with_tracked_changes_are_not_read():
    doc = Document()
    table = add_table(doc, [*PART_2, ["2", "Nhiệm vụ đã xoá", "Sở Y tế", "", "", "", ""]])
    deleted = OxmlElement("w:del")
    deleted.set(qn("w:id"), "1")
    deleted.set(qn("w:author"), "Văn thư")
    table.rows[-1]._tr.get_or_add_trPr().append(deleted)
    out = io.BytesIO()
    doc.save(out)
    assert [r.stt for r in read_appendix(out.getvalue(), "a.docx").rows] == ["II", "1"]


def test_docx_content_is_recognised_whatever_the_file_name():
    data = build((PART_2, {}))
    assert [r.stt for r in read_appendix(data, "phu-luc").rows] == ["II", "1"]
    assert [r.stt for r in read_appendix(data, "doi-ten.xlsx").rows] == ["II", "1"]
    check_upload(data, "")  # no error
    check_upload(data, "doi-ten.xlsx")


# --- bad files ---------------------------------------------------------------------------------


def _rezip(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            z.writestr(item, change(item.filename, source.read(item.filename)))
        extra = change("__extra__", b"")
        if extra:
            z.writestr("word/media/padding.bin", extra)
    return out.getvalue()


def test_not_a_zip_is_refused():
    assert "không phải là tệp Word .docx hợp lệ" in refused(b"\x89PNG\r\n\x1a\n" + b"\0" * 99)


def test_word_97_document_and_macro_documents_are_refused_with_save_as_docx():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 600
    for message in (refused(ole, "ke-hoach.doc"), refused(ole, "ke-hoach.docx")):
        assert "Word 97-2003" in message and "Word Document (*.docx)" in message
    assert "macro" in refused(build((PART_2, {})), "ke-hoach.docm")
    with_macro = _rezip(
        build((PART_2, {})),
        lambda name, body: body.replace(b"document.main+xml", b"document.macroEnabled.main+xml"),
    )
    assert "macro" in refused(with_macro)


def test_password_protected_document_is_refused():
    """A real encrypted Word document (fixtures/docx/README.md: how it was made)."""
    data = (ROOT / "fixtures/docx/password-protected.docx").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # OLE2, not a zip
    for name in ("phu-luc.docx", "ke-hoach-mat-khau.DOCX"):
        message = refused(data, name)
        assert message.startswith("Tệp Word được đặt mật khẩu") and "bỏ mật khẩu" in message


def test_zip_bomb_is_refused_from_the_zip_directory():
    data = _rezip(
        build((PART_2, {})),
        lambda name, body: b"\0" * (300 * 1024 * 1024) if name == "__extra__" else body,
    )
    assert len(data) < 1024 * 1024
    assert "bom nén" in refused(data)


def test_xml_entity_tricks_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def change(name, body):
        if name != "word/document.xml":
            return body if name != "__extra__" else b""
        body = body.split(b"?>", 1)[1]
        return bomb + body.replace(b"Danh m\xe1\xbb\xa5c", b"&lol2;")

    assert "XML không an toàn" in refused(_rezip(build((PART_2, {})), change))


def test_document_without_an_appendix_table_is_refused():
    doc = Document()
    doc.add_paragraph("Chỉ có văn bản")
    out = io.BytesIO()
    doc.save(out)
    assert "không có bảng nào" in refused(out.getvalue())
    missing = build(([["1", "Nhiệm vụ"]], {"header": ["STT", "Nội dung"], "numbers": None}))
    assert "thiếu cột bắt buộc: ĐƠN VỊ CHỦ TRÌ" in refused(missing)


def test_header_without_rows_is_refused():
    assert "không có dòng nhiệm vụ" in refused(build(([], {})))


# --- the officer's pages and the command, with seed 001 as a Word document ----------------------


def seed_docx(key="qn-17-kh-ubnd") -> bytes:
    """Seed 001 as the document system sends it: the table split in two Word tables, each
    with the header and numbering rows, a lead cell merged down the rows sharing it, the
    section titles merged across."""
    header = ["STT", "NỘI DUNG NHIỆM VỤ", "ĐƠN VỊ CHỦ TRÌ", "ĐƠN VỊ PHỐI HỢP", "SẢN PHẨM",
              "THỜI GIAN THỰC HIỆN"]  # fmt: skip
    numbers = [f"({i})" for i in range(1, 7)]
    parts: list[list] = [[], []]
    previous_lead = None
    seed_rows = make_seed_xlsx.load_rows(key)
    for index, row in enumerate(seed_rows):
        part = parts[0 if index < len(seed_rows) // 2 else 1]
        values = [row[f] for f in make_seed_xlsx.FIELDS]
        if not any(values[2:]) and not row["stt"].replace(".", "").isdigit():
            part.append(("across", f"{row['stt']}. {row['content']}"))
            previous_lead = None
            continue
        if values[2] and values[2] == previous_lead and part:
            values[2] = None  # merged into the cell above
        previous_lead = row["lead"] or None
        part.append(values)
    body = ["KẾ HOẠCH", "PHỤ LỤC", "(Kèm theo Kế hoạch số 17/KH-UBND ngày 07/8/2025)"]
    options = {"header": header, "numbers": numbers}
    return build((parts[0], options), (parts[1], options), body=body)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_seed_001_as_docx_reads_like_the_seed(tmp_path):
    plan = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    path = tmp_path / "17-KH-UBND.docx"
    path.write_bytes(seed_docx())
    preview = preview_import(plan, path)
    s = preview.summary
    assert (s["sections"], s["tasks"], s["subitems"]) == (6, 21, 3)
    assert preview.errors == []
    assert preview.diff.counts == {"added": 0, "changed": 0, "unchanged": 30, "removed": 0}
    out = io.StringIO()
    call_command("import_appendix", str(path), plan="17/KH-UBND", dry_run=True, stdout=out)
    assert "bảng phụ lục trong tệp Word" in out.getvalue()


@pytest.mark.django_db
def test_docx_upload_preview_confirm(client, media):
    draft = Plan.objects.create(title="Dự thảo", issuer=OrgUnit.objects.get(key="qn"))
    user = User.objects.create_user("qtt", password="mat-khau-dai-123")
    Profile.objects.create(
        user=user, unit=OrgUnit.objects.get(key="qn"), role=Profile.Role.PROVINCE_ADMIN
    )
    client.force_login(user)
    form = client.get(reverse("tasks:import_upload", args=[draft.pk])).content.decode()
    assert re.search(r'accept="[^"]*\.docx', form)
    url = reverse("tasks:import_upload", args=[draft.pk])
    response = client.post(
        url, {"file": SimpleUploadedFile("17-KH-UBND.docx", seed_docx(), content_type=DOCX)}
    )
    assert response.status_code == 302
    token = re.search(r"/nhap-phu-luc/([0-9a-f]{32})/", response["Location"]).group(1)
    body = client.get(response["Location"]).content.decode()
    assert "6 mục, 21 nhiệm vụ, 3 nội dung chi tiết" in body
    assert "30 dòng thêm mới" in body
    assert not Task.objects.filter(plan=draft).exists()
    confirm = reverse("tasks:import_confirm", args=[draft.pk, token])
    done = client.post(confirm, {"version": draft.version}, follow=True)
    assert "Đã nhập phụ lục" in done.content.decode()
    assert Task.objects.filter(plan=draft).count() == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"),
    [("ke-hoach.doc", "Word 97-2003"), ("ke-hoach.docm", "macro"), ("ke-hoach.pdf", ".pdf")],
)
def test_doc_docm_and_other_uploads_get_a_clear_message(client, media, name, expected):
    draft = Plan.objects.create(title="Dự thảo", issuer=OrgUnit.objects.get(key="qn"))
    user = User.objects.create_user("qtt", password="mat-khau-dai-123")
    Profile.objects.create(
        user=user, unit=OrgUnit.objects.get(key="qn"), role=Profile.Role.PROVINCE_ADMIN
    )
    client.force_login(user)
    url = reverse("tasks:import_upload", args=[draft.pk])
    response = client.post(url, {"file": SimpleUploadedFile(name, b"\0" * 100)})
    assert response.status_code == 200 and expected in response.content.decode()
    assert not (media / "imports").exists() or not list((media / "imports").iterdir())


def test_a_task_cell_merged_down_with_vmerge_gives_each_row_the_task_text():
    """222/QĐ-TTg: TT and task cells merged (vMerge) over two rows, each row with its own
    lead, period and product: each row a task with the text, the second without a code."""
    rows = [
        ["2.2.1", "Xây dựng quy định về trách nhiệm mở rộng của nhà sản xuất",
         "Bộ Tài nguyên và Môi trường", "Các bộ", "Nghị định", "2025 - 2026", "I, II"],
        [None, None, "Ủy ban nhân dân cấp tỉnh", "Các cơ quan có liên quan",
         "Kế hoạch triển khai", "2025 - 2035", "I"],
        ["2.2.2", "Rà soát tiêu chuẩn", "Bộ Khoa học và Công nghệ", "", "Tiêu chuẩn",
         "2025 - 2030", "I"],
    ]  # fmt: skip
    read = read_appendix(build((rows, {})), "222.docx")
    assert [(r.stt, r.content, r.lead, r.timeframe) for r in read.rows] == [
        ("2.2.1", rows[0][1], "Bộ Tài nguyên và Môi trường", "2025 - 2026"),
        ("", rows[0][1], "Ủy ban nhân dân cấp tỉnh", "2025 - 2035"),
        ("2.2.2", "Rà soát tiêu chuẩn", "Bộ Khoa học và Công nghệ", "2025 - 2030"),
    ]
    assert any("gộp từ dòng" in note for note in read.notes)


def test_a_row_without_stt_and_task_text_is_left_out_with_a_note():
    rows = [
        ["1", "Tập huấn", "Sở Tài chính", "", "Hội nghị", "Năm 2026", ""],
        ["", "", "Sở Tư pháp", "", "", "", ""],
    ]
    read = read_appendix(build((rows, {})), "a.docx")
    assert [r.stt for r in read.rows] == ["1"]
    assert any("không có STT và nội dung nhiệm vụ" in n and "Sở Tư pháp" in n for n in read.notes)
