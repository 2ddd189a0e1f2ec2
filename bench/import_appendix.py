"""Benchmark: import a 2,000-row appendix (.xlsx, then .docx) into PostgreSQL; print figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_seed SECRET_KEY=x \\
        .venv/bin/python bench/import_appendix.py [--rows 2000]

Generates an appendix in the official layout (title rows, header, Roman sections, tasks
and sub-items naming Quảng Ngãi units and groups), creates its own draft plan, previews
and confirms the import (first into the empty plan, then a corrected version of the same
file re-imported in place), prints rows/second and SQL query counts, and deletes the
plan; then the same for the rows as a Word .docx (body text, the table split over several
Word tables with repeated header rows) into a second plan. The database is created,
migrated and seeded (`load_seeds`) when needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LEADS = [
    "Sở Tài chính",
    "Ủy ban nhân dân các xã, phường, đặc khu",
    "Chi nhánh NHCSXH tỉnh",
    "Các sở, ban, ngành có liên quan; Ủy ban nhân dân các xã, phường, đặc khu",
    "Sở Tư pháp",
    "Sở Nông nghiệp và Môi trường",
]
COORDINATING = [
    "",
    "Chi nhánh NHCSXH tỉnh",
    "Ủy ban Mặt trận Tổ quốc, các tổ chức chính trị - xã hội",
    "Sở Tài chính; Sở Tư pháp",
]
TIMEFRAMES = ["Thường xuyên", "Quý III/2025", "Hằng năm", "31/12/2026", "Năm 2026"]


def generate_rows(count: int) -> list[tuple]:
    """`count` appendix rows: sections of 10 tasks with 4 sub-items each (51 rows each)."""
    from tasks.stt import to_roman  # after main() has put the project on sys.path

    rows: list[tuple] = []
    section = 0
    while len(rows) < count:
        rows.append(
            (True, to_roman(section + 1), f"Nhóm nhiệm vụ số {section + 1}", "", "", "", "")
        )
        for task in range(1, 11):
            n = len(rows)
            rows.append(
                (
                    False,
                    str(task),
                    f"Nhiệm vụ {section + 1}.{task}: triển khai có hiệu quả tín dụng chính "
                    f"sách xã hội trên địa bàn (dòng {n}).",
                    LEADS[n % len(LEADS)],
                    COORDINATING[n % len(COORDINATING)],
                    "Văn bản triển khai; báo cáo",
                    TIMEFRAMES[n % len(TIMEFRAMES)],
                )
            )
            for letter in "abcd":
                n = len(rows)
                rows.append(
                    (
                        False,
                        letter,
                        f"- Nội dung chi tiết {letter} của nhiệm vụ {task} (dòng {n}).",
                        LEADS[(n + 1) % len(LEADS)],
                        COORDINATING[(n + 2) % len(COORDINATING)],
                        "Kế hoạch",
                        TIMEFRAMES[(n + 3) % len(TIMEFRAMES)],
                    )
                )
        section += 1
    rows = rows[:count]
    while rows and rows[-1][0]:
        rows.pop()  # never end on an empty section
    return rows


def generate_xlsx(count: int) -> bytes:
    from tasks.xlsx_writer import write_rows

    return write_rows(
        generate_rows(count),
        "NHIỆM VỤ TRIỂN KHAI KẾ HOẠCH THỬ NGHIỆM HIỆU NĂNG",
        "(Kèm theo Kế hoạch số 999/KH-BENCH ngày 01/01/2026 của Ủy ban nhân dân tỉnh)",
    )


DOCX_HEADER = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả dự kiến",
               "Thời gian hoàn thành", "Nguồn kinh phí"]  # fmt: skip
DOCX_PART_ROWS = 500  # rows per Word table: the appendix arrives split over several tables


def generate_docx(count: int) -> bytes:
    """The same rows as a Word document: body text, then the table split over several Word
    tables, each starting with the header and "(1) (2) …" rows marked to repeat; section
    titles merged across the table; a funding column kept as an extra column."""
    import io

    from docx import Document
    from docx.oxml import OxmlElement

    rows = generate_rows(count)
    doc = Document()
    for text in ("ỦY BAN NHÂN DÂN TỈNH", "KẾ HOẠCH", "Thực hiện Chỉ thị số 39-CT/TW …",
                 "PHỤ LỤC", "(Kèm theo Kế hoạch số 999/KH-BENCH ngày 01/01/2026)"):  # fmt: skip
        doc.add_paragraph(text)
    width = len(DOCX_HEADER)
    for start in range(0, len(rows), DOCX_PART_ROWS):
        if start:
            doc.add_paragraph("")
        part = rows[start : start + DOCX_PART_ROWS]
        table = doc.add_table(rows=len(part) + 2, cols=width)
        lines = [DOCX_HEADER, [f"({i})" for i in range(1, width + 1)]]
        for line, row in zip(lines, table.rows[:2], strict=True):
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
            for cell, text in zip(row.cells, line, strict=True):
                cell.text = text
        for row, (is_section, *values) in zip(list(table.rows)[2:], part, strict=True):
            cells = row.cells
            if is_section:
                cells[0].text = f"{values[0]}. {values[1]}"
                cells[0].merge(cells[width - 1])
                continue
            for cell, text in zip(cells, [*values, "Ngân sách tỉnh"], strict=True):
                cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    from reminders import setup_seed_database

    setup_seed_database()
    from django.db import connection

    from orgunits.models import OrgUnit
    from plans.models import Plan

    issuer = OrgUnit.objects.get(key="qn")  # a seed unit (setup_seed_database)
    data = generate_xlsx(args.rows)
    print(f"Tệp: {args.rows} dòng, {len(data) / 1024:.0f} KB ({connection.vendor})")
    plan = Plan.objects.create(
        title="Kế hoạch thử nghiệm hiệu năng nhập phụ lục", issuer=issuer, number=""
    )
    try:
        figures = []
        for label, payload in (("nhập mới", data), ("nhập lại bản sửa", _corrected(data))):
            figures.append(_run(plan, label, payload, "bench.xlsx"))
    finally:
        plan.tasks.all().delete()
        plan.delete()
    start = time.perf_counter()
    document = generate_docx(args.rows)
    print(
        f"Tệp Word: {args.rows} dòng, {len(document) / 1024:.0f} KB "
        f"(tạo trong {time.perf_counter() - start:.1f} s, không tính)"
    )
    from tasks.readers import read_appendix

    start = time.perf_counter()
    read = read_appendix(document, "bench.docx")
    print(f"Đọc .docx: {len(read.rows)} dòng trong {time.perf_counter() - start:.2f} s")
    plan = Plan.objects.create(
        title="Kế hoạch thử nghiệm hiệu năng nhập phụ lục Word", issuer=issuer, number=""
    )
    try:
        for label in ("nhập mới .docx", "nhập lại .docx"):
            figures.append(_run(plan, label, document, "bench.docx"))
    finally:
        plan.tasks.all().delete()
        plan.delete()
    worst = max(p + a for _label, _rows, p, a in figures)
    print(f"Chậm nhất: {worst:.2f} s cho cả xem trước và xác nhận (mục tiêu < 5 s).")
    docx_worst = max(p + a for label, _rows, p, a in figures if ".docx" in label)
    print(f"Tệp Word: chậm nhất {docx_worst:.2f} s (đọc + xem trước + xác nhận; mục tiêu < 2 s).")
    return 0


def _run(plan, label: str, payload: bytes, name: str) -> tuple:
    """Preview then confirm one file into the plan (each timed, queries counted)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks.importer import apply_import, preview_import

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as preview_queries:
        preview = preview_import(plan, payload, name)
    preview_s = time.perf_counter() - start
    assert not preview.errors, preview.errors[:5]
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as apply_queries:
        result = apply_import(plan, payload, name, expected_version=preview.plan_version)
    apply_s = time.perf_counter() - start
    rows = preview.summary["rows"]
    print(
        f"{label}: {rows} dòng — xem trước {preview_s:.2f} s ({rows / preview_s:,.0f} "
        f"dòng/s, {len(preview_queries)} truy vấn SQL); xác nhận {apply_s:.2f} s "
        f"({rows / apply_s:,.0f} dòng/s, {len(apply_queries)} truy vấn SQL); "
        f"tổng {preview_s + apply_s:.2f} s. {result.message}"
    )
    return label, rows, preview_s, apply_s


def _corrected(data: bytes) -> bytes:
    """The same file with every 20th task's content reworded."""
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    for row in range(7, ws.max_row + 1, 20):
        cell = ws.cell(row=row, column=2)
        if cell.value and ws.cell(row=row, column=3).value:
            cell.value = f"{cell.value} (đã sửa)"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


if __name__ == "__main__":
    sys.exit(main())
