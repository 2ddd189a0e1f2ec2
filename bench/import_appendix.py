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

Beside each figure, in the same run, the limit this machine sets today: the same file read
with the bare library (openpyxl read-only values, python-docx cell texts) and one Task per
row bulk-created (rolled back), and the ratio; the fastest of `--repeat` runs counts, for
both (the cores are shared). The same imports at `--small` rows (500) show that the SQL
query counts do not grow with the rows.

Twice: on the seeds alone (the database of DATABASE_URL), then, in a second process, with
the national catalogue loaded (`load_catalogue`: 34 provinces, 3,321 communes, central
bodies) in a database of its own, `<name>_catalogue`, created and loaded once and kept for
the next runs; the two sets of figures are printed side by side at the end. `--catalogue`
runs only the second measurement (in DATABASE_URL's database, loading the catalogue there
if missing), `--seeds-only` only the first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
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
    parser.add_argument(
        "--small", type=int, default=500, help="rows of the second run comparing query counts"
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs at --rows; the fastest counts (shared cores)"
    )
    parser.add_argument(
        "--catalogue",
        action="store_true",
        help="measure with the national catalogue loaded in this database (loaded if missing)",
    )
    parser.add_argument(
        "--seeds-only", action="store_true", help="skip the measurement with the catalogue"
    )
    parser.add_argument("--summary-json", help=argparse.SUPPRESS)  # the child's figures
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

    label = "danh mục toàn quốc" if args.catalogue else "chỉ dữ liệu mẫu"
    if args.catalogue:
        _ensure_catalogue()
    units = OrgUnit.objects.count()
    print(f"=== {label}: {units:,} đơn vị trong cơ sở dữ liệu {connection.settings_dict['NAME']}")
    issuer = OrgUnit.objects.get(key="qn")  # a seed unit (setup_seed_database)

    def import_twice(label: str, first: bytes, second: bytes, name: str) -> list[tuple]:
        plan = Plan.objects.create(title=f"Kế hoạch thử nghiệm hiệu năng {label}", issuer=issuer)
        try:
            return [
                _run(plan, f"{label} nhập mới", first, name),
                _run(plan, f"{label} nhập lại", second, name),
            ]
        finally:
            plan.tasks.all().delete()
            plan.delete()

    # Query counts must not grow with the rows: the same imports with fewer rows first.
    small = generate_xlsx(args.small)
    small_figures = import_twice(f".xlsx {args.small} dòng:", small, _corrected(small), "s.xlsx")
    data = generate_xlsx(args.rows)
    print(f"Tệp: {args.rows} dòng, {len(data) / 1024:.0f} KB ({connection.vendor})")
    figures = _fastest(
        import_twice(".xlsx:", data, _corrected(data), "bench.xlsx") for _ in range(args.repeat)
    )
    xlsx_base = min(_baseline(issuer, data, _openpyxl_rows) for _ in range(args.repeat + 1))
    small_doc = generate_docx(args.small)
    small_figures += import_twice(f".docx {args.small} dòng:", small_doc, small_doc, "s.docx")
    start = time.perf_counter()
    document = generate_docx(args.rows)
    print(
        f"Tệp Word: {args.rows} dòng, {len(document) / 1024:.0f} KB "
        f"(tạo trong {time.perf_counter() - start:.1f} s, không tính)"
    )
    figures += _fastest(
        import_twice(".docx:", document, document, "bench.docx") for _ in range(args.repeat)
    )
    docx_base = min(_baseline(issuer, document, _python_docx_rows) for _ in range(args.repeat + 1))

    print()
    print(f"Nhanh nhất trong {args.repeat} lần chạy {args.rows} dòng (mốc: {args.repeat + 1} lần).")
    summary = {"label": label, "units": units}
    print(f"Số truy vấn SQL (xem trước / xác nhận), {args.small} dòng so với {args.rows} dòng:")
    same = True
    for (label, _r, _p, _a, pq, aq), (_l, _r2, _p2, _a2, pq2, aq2) in zip(
        small_figures, figures, strict=True
    ):
        print(f"  {label.split(':')[0]}{label.split(':')[-1]}: {pq}/{aq} — {pq2}/{aq2}")
        same = same and (pq, aq) == (pq2, aq2)
    print("  → không đổi theo số dòng." if same else "  → CÓ THAY ĐỔI theo số dòng!")
    print()
    for kind, base, limit in ((".xlsx", xlsx_base, 1.0), (".docx", docx_base, 2.0)):
        worst = max(p + a for label, _rows, p, a, *_q in figures if label.startswith(kind))
        print(
            f"{kind}: chậm nhất {worst:.2f} s (xem trước + xác nhận; mục tiêu < {limit:.0f} s) — "
            f"đọc thẳng + bulk_create cùng số dòng: {base:.2f} s — tỉ lệ {worst / base:.1f}×."
        )
        queries = [(pq, aq) for label_, _r, _p, _a, pq, aq in figures if label_.startswith(kind)]
        summary[kind] = {"worst": worst, "base": base, "limit": limit, "queries": queries}
    summary["same_queries"] = same
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary), encoding="utf-8")
        return 0
    summaries = [summary]
    if not (args.catalogue or args.seeds_only):
        summaries.append(_with_catalogue(args))
    if len(summaries) > 1:
        print()
        print(f"Tóm tắt ({args.rows} dòng, xem trước + xác nhận, chậm nhất):")
        for one in summaries:
            parts = []
            for kind in (".xlsx", ".docx"):
                worst, base, limit = (one[kind][k] for k in ("worst", "base", "limit"))
                parts.append(
                    f"{kind} {worst:.2f} s (mốc {base:.2f} s, tỉ lệ {worst / base:.1f}×, "
                    f"mục tiêu < {limit:.0f} s)"
                )
            print(f"  {one['label']} ({one['units']:,} đơn vị): " + "; ".join(parts))
    return 0


def _ensure_catalogue() -> None:
    """Load the national catalogue once into this database (kept for the next runs)."""
    from django.core.management import call_command

    from orgunits.models import OrgUnit

    if OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNE).count() >= 3000:
        return
    print("Nạp danh mục toàn quốc (manage.py load_catalogue), một lần cho cơ sở dữ liệu này …")
    start = time.perf_counter()
    call_command("load_catalogue", verbosity=0)
    print(f"  đã nạp trong {time.perf_counter() - start:.1f} s (không tính)")


def _with_catalogue(args) -> dict:
    """The same measurement in a second process, on `<database>_catalogue` with the
    national catalogue loaded; its output is printed as it runs, its figures returned."""
    url = os.environ["DATABASE_URL"]
    base, _, name = url.rpartition("/")
    name, sep, query = name.partition("?")
    env = {**os.environ, "DATABASE_URL": f"{base}/{name}_catalogue{sep}{query}"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summary.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--catalogue",
                   "--rows", str(args.rows), "--small", str(args.small),
                   "--repeat", str(args.repeat), "--summary-json", str(path)]  # fmt: skip
        print()
        sys.stdout.flush()
        subprocess.run(command, env=env, check=True)
        return json.loads(path.read_text(encoding="utf-8"))


def _fastest(runs) -> list[tuple]:
    """Per import, the run with the least preview + confirmation time (the machine's cores
    are shared: the slower runs measure the neighbours)."""
    runs = list(runs)
    return [min(same, key=lambda f: f[2] + f[3]) for same in zip(*runs, strict=True)]


def _openpyxl_rows(payload: bytes) -> list[tuple]:
    """The rows of the sheet, values only (openpyxl read-only): the least a reader does."""
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    try:
        return [row for row in wb.active.iter_rows(values_only=True) if any(row)]
    finally:
        wb.close()


def _python_docx_rows(payload: bytes) -> list[tuple]:
    """The cell texts of every table row (python-docx): the least a Word reader does."""
    import io

    from docx import Document

    doc = Document(io.BytesIO(payload))
    return [tuple(c.text for c in row.cells) for t in doc.tables for row in t.rows]


def _baseline(issuer, payload: bytes, read) -> float:
    """Seconds to read the file with the bare library and bulk_create one Task per row with
    minimal fields into a throwaway plan (rolled back): the limit this machine sets today."""
    from django.db import transaction

    from plans.models import Plan
    from tasks.models import Task

    start = time.perf_counter()
    rows = read(payload)
    with transaction.atomic():
        plan = Plan.objects.create(title="Mốc so sánh", issuer=issuer)
        Task.objects.bulk_create(
            [
                Task(
                    plan=plan,
                    position=i,
                    content=str(row[1] or row[0] or "")[:500],
                    tree_id=10**9 + i,
                    lft=1,
                    rght=2,
                    level=0,
                )  # fmt: skip
                for i, row in enumerate(rows)
            ],
            batch_size=500,
        )
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    print(f"  mốc so sánh: đọc thẳng {len(rows)} dòng + bulk_create trong {seconds:.2f} s")
    return seconds


def _run(plan, label: str, payload: bytes, name: str) -> tuple:
    """Preview then confirm one file into the plan (each timed, queries counted)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks.importer import apply_import, preview_import

    # A name of its own: the preview reads the file (the read is kept by content and name
    # for the confirmation only, not for the next run of the same bytes).
    name = f"{uuid.uuid4().hex}-{name}"
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
    return label, rows, preview_s, apply_s, len(preview_queries), len(apply_queries)


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
