"""The consolidated report of a plan for a period (Báo cáo tổng hợp), as .xlsx and .docx.

Figures come from aggregate SQL over the period's lines (`timeliness.py` holds the one
definition), so the export, the pages and the dashboards agree:

- by unit: each unit's lines (its lead and coordinating assignments: every unit reports
  its own part) — Tổng số · Đến hạn trong kỳ · Hoàn thành đúng hạn · Hoàn thành trễ hạn ·
  Chưa hoàn thành trong hạn · Chưa hoàn thành quá hạn (with rates over the lines due in
  the period, `timeliness.completion_rate`) · Không có hạn (ongoing, reported on apart),
  the lines submitted on time / late / missing with the line rate (tỷ lệ dòng báo cáo nộp
  đúng hạn), and the update rate per unit (`timeliness.unit_on_time`);
- by task: each task once, its overall status from its lead units' reports only.
Then the detail: per section and task, each unit's status and result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from orgunits.text import xml_safe
from tasks.models import Task
from tasks.xlsx_writer import put_cell

from .models import ProgressReport, ReportingPeriod
from .timeliness import (
    Ongoing,
    Submission,
    Timeliness,
    combine_task,
    completion_rate,
    completion_text,
    done_count,
    due_count,
    line_submission_rate,
    submission_expression,
    timeliness_expression,
    timeliness_rate,
    unit_on_time,
    update_rate,
    update_text,
)

T = Timeliness


@dataclass
class Counts:
    """Lines (or tasks) by timeliness and submission, units expected to report and units
    on time, ongoing lines reported; the rates are `timeliness.py`'s."""

    total: int = 0
    timeliness: dict[str, int] = field(default_factory=lambda: dict.fromkeys(T.ORDER, 0))
    submission: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Submission.ORDER, 0))
    units: int = 0
    units_on_time: int = 0
    ongoing: Ongoing = field(default_factory=Ongoing)

    def add(self, other: Counts) -> None:
        self.total += other.total
        for k in T.ORDER:
            self.timeliness[k] += other.timeliness[k]
        for k in Submission.ORDER:
            self.submission[k] += other.submission[k]
        self.units += other.units
        self.units_on_time += other.units_on_time
        self.ongoing.add(other.ongoing)

    @property
    def due(self) -> int:
        return due_count(self.timeliness)

    def rate(self, key: str) -> float | None:
        return timeliness_rate(self.timeliness, key)

    @property
    def update_rate(self) -> float | None:
        """Units that submitted on time over units expected (`timeliness.update_rate`)."""
        return update_rate(self.units_on_time, self.units)

    @property
    def update_text(self) -> str:
        return update_text(self.units_on_time, self.units)

    @property
    def line_submission_rate(self) -> float | None:
        return line_submission_rate(self.submission, self.total)

    @property
    def completion_rate(self) -> float | None:
        return completion_rate(self.timeliness)

    def completion_text(self, what: str = "nhiệm vụ") -> str:
        return completion_text(done_count(self.timeliness), self.due, what)


def _aggregates(today: date) -> dict:
    out = {"total": Count("pk")}
    for key in T.ORDER:
        out[f"t_{key}"] = Count("pk", filter=Q(tl=key))
    for key in Submission.ORDER:
        out[f"s_{key}"] = Count("pk", filter=Q(sub=key))
    ongoing = Q(tl=T.NO_DEADLINE, state__in=ProgressReport.REPORTED_STATES)
    out["o_rep"] = Count("pk", filter=ongoing)
    out["o_done"] = Count("pk", filter=ongoing & Q(status=ProgressReport.Status.DONE))
    out["o_prog"] = Count("pk", filter=ongoing & Q(status=ProgressReport.Status.IN_PROGRESS))
    return out


def _counts_of(row: dict) -> Counts:
    """One unit's counts in the period: the unit is expected once, on time when every line
    was first submitted by the cutoff."""
    c = Counts(total=row["total"])
    for key in T.ORDER:
        c.timeliness[key] = row[f"t_{key}"]
    for key in Submission.ORDER:
        c.submission[key] = row[f"s_{key}"]
    c.units = 1 if c.total else 0
    c.units_on_time = int(unit_on_time(c.total, c.submission[Submission.ON_TIME]))
    c.ongoing = Ongoing(c.timeliness[T.NO_DEADLINE], row["o_rep"], row["o_done"], row["o_prog"])
    return c


def annotated_lines(period: ReportingPeriod, today: date):
    return ProgressReport.objects.filter(period=period, active=True).annotate(
        tl=timeliness_expression(today), sub=submission_expression()
    )


def counts_by_unit(
    period: ReportingPeriod, today: date, units=None
) -> list[tuple[int, str, Counts]]:
    """[(unit id, unit name, counts)] ordered by unit name — one query."""
    lines = annotated_lines(period, today)
    if units is not None:
        lines = lines.filter(unit__in=units)
    rows = (
        lines.values("unit_id", "unit__name", "unit__short_name")
        .annotate(**_aggregates(today))
        .order_by("unit__name")
    )
    return [(r["unit_id"], r["unit__short_name"] or r["unit__name"], _counts_of(r)) for r in rows]


@dataclass
class Consolidated:
    period: ReportingPeriod
    today: date
    units: list[tuple[int, str, Counts]]
    unit_total: Counts
    task_counts: Counts
    sections: list[tuple[Task | None, list[tuple[Task, list[dict]]]]]
    indicators: list = field(default_factory=list)  # indicators.Row, against the targets


def build(period: ReportingPeriod, today: date | None = None) -> Consolidated:
    """Everything the exports print, in a fixed number of queries."""
    today = today or timezone.localdate()
    units = counts_by_unit(period, today)
    total = Counts()
    for _, _, c in units:
        total.add(c)
    lines = list(
        annotated_lines(period, today)
        .order_by("task__position", "role", "unit__name")
        .values(
            "task_id",
            "role",
            "unit__name",
            "unit__short_name",
            "status",
            "narrative",
            "reason",
            "product_ref",
            "completed_on",
            "deadline",
            "extended_deadline",
            "state",
            "first_submitted_at",
            "review_comment",
            "tl",
            "sub",
        )
        .annotate(n_files=Count("attachments"))
    )
    by_task: dict[int, list[dict]] = {}
    for line in lines:
        by_task.setdefault(line["task_id"], []).append(line)
    tasks = list(Task.objects.filter(plan_id=period.plan_id).order_by("position"))
    sections: list[tuple[Task | None, list]] = []
    current: tuple[Task | None, list] = (None, [])
    task_counts = Counts()
    for task in tasks:
        if task.kind == Task.Kind.SECTION and task.level == 0:
            if current[0] is not None or current[1]:
                sections.append(current)
            current = (task, [])
            continue
        rows = by_task.get(task.pk, [])
        if not rows:
            continue
        current[1].append((task, rows))
        overall = combine_task([r["tl"] for r in rows if r["role"] == "lead"])
        if overall:
            task_counts.total += 1
            task_counts.timeliness[overall] += 1
    if current[0] is not None or current[1]:
        sections.append(current)
    from .indicators import rollup

    indicators = rollup(period.plan_id, period.year, period=period)
    return Consolidated(period, today, units, total, task_counts, sections, indicators)


STATUS = dict(ProgressReport.Status.choices)
ROLE = {"lead": "Chủ trì", "coordinating": "Phối hợp"}
STATE = dict(ProgressReport.State.choices)


def _title(c: Consolidated) -> list[str]:
    p = c.period
    plan = p.plan
    return [
        "BÁO CÁO TỔNG HỢP TÌNH HÌNH THỰC HIỆN",
        f"{plan.label} của {plan.issuer.name}",
        f"{p.label} — hạn báo cáo {p.cutoff:%d/%m/%Y}"
        + (f" (tính từ {p.starts_on:%d/%m/%Y})" if p.starts_on else ""),
        f"Số liệu tính đến ngày {c.today:%d/%m/%Y}",
    ]


def _result_text(line: dict) -> str:
    parts = []
    if line["narrative"]:
        parts.append(line["narrative"])
    if line["reason"]:
        parts.append(f"Lý do: {line['reason']}")
    if line["product_ref"]:
        parts.append(f"Sản phẩm: {line['product_ref']}")
    if line["n_files"]:
        parts.append(f"({line['n_files']} tệp đính kèm)")
    return "\n".join(parts)


def _status_text(line: dict) -> str:
    if line["state"] not in ProgressReport.REPORTED_STATES:
        return "Chưa báo cáo" + (" (bị trả lại)" if line["state"] == "returned" else "")
    text = STATUS.get(line["status"], "")
    if line["completed_on"]:
        text += f" ngày {line['completed_on']:%d/%m/%Y}"
    return text


def _deadline_text(line: dict) -> str:
    if line["extended_deadline"]:
        return (
            f"{line['extended_deadline']:%d/%m/%Y} (gia hạn; hạn đầu {line['deadline']:%d/%m/%Y})"
        )
    return f"{line['deadline']:%d/%m/%Y}" if line["deadline"] else "Không có hạn"


#: The rates are over the lines (tasks) due in the period; ongoing ones are apart.
RATE = "Tỷ lệ (% số đến hạn)"
COUNT_HEADERS = [
    "Tổng số",
    "Đến hạn trong kỳ",
    "Hoàn thành đúng hạn",
    RATE,
    "Hoàn thành trễ hạn",
    RATE,
    "Chưa hoàn thành trong hạn",
    RATE,
    "Chưa hoàn thành quá hạn",
    RATE,
    "Không có hạn (thường xuyên)",
]
SUBMISSION_HEADERS = [
    "Dòng nộp đúng hạn",
    "Dòng nộp trễ hạn",
    "Dòng chưa nộp",
    "Tỷ lệ dòng báo cáo nộp đúng hạn (%)",
    "Đơn vị phải báo cáo",
    "Đơn vị nộp đúng hạn",
    "Tỷ lệ cập nhật (% đơn vị nộp đúng hạn)",
]


def count_cells(c: Counts) -> list:
    cells = [c.total, c.due]
    for key in T.ORDER[:4]:
        cells += [c.timeliness[key], c.rate(key)]
    cells.append(c.timeliness[T.NO_DEADLINE])
    return cells


def submission_cells(c: Counts) -> list:
    s = c.submission
    return [s[Submission.ON_TIME], s[Submission.LATE], s[Submission.MISSING],
            c.line_submission_rate, c.units, c.units_on_time, c.update_rate]  # fmt: skip


def rate_lines(c: Consolidated) -> list[str]:
    """The rates in words, each with its denominator (printed above the tables)."""
    return [
        "Tỷ lệ hoàn thành (nhiệm vụ): " + c.task_counts.completion_text(),
        "Tỷ lệ hoàn thành (phân công): " + c.unit_total.completion_text("phân công"),
        c.unit_total.ongoing.text + " (phân công)",
        "Tỷ lệ cập nhật: " + c.unit_total.update_text,
    ]


def _height(*cells: tuple[str, int]) -> float:
    """Row height (points) for wrapped texts of about `chars` characters a line."""
    lines = 1
    for text, chars in cells:
        if text:
            lines = max(
                lines, sum(max(1, -(-len(part) // chars)) for part in str(text).split("\n"))
            )
    return 15.0 * lines


# --- .xlsx ----------------------------------------------------------------------------------


def to_xlsx(c: Consolidated) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    for i, text in enumerate(_title(c), start=1):
        put_cell(ws, i, 1, text).font = Font(bold=i <= 2, size=13 if i == 1 else 11)
    row = len(_title(c)) + 2
    for text in rate_lines(c):
        ws.cell(row=row, column=1, value=text).font = bold
        row += 1
    row += 1

    def header(r: int, titles: list[str]) -> None:
        ws.row_dimensions[r].height = 45
        for col, title in enumerate(titles, start=1):
            cell = put_cell(ws, r, col, title)
            cell.font, cell.fill, cell.alignment, cell.border = bold, head_fill, center, box

    put_cell(
        ws,
        row,
        1,
        "1. Tổng hợp theo nhiệm vụ (mỗi nhiệm vụ tính một lần, theo báo cáo của đơn vị chủ trì)",
    ).font = bold
    row += 1
    header(row, ["", "Nội dung", *COUNT_HEADERS])
    row += 1
    for col, value in enumerate(["", "Số nhiệm vụ", *count_cells(c.task_counts)], start=1):
        put_cell(ws, row, col, value).border = box
    row += 2
    put_cell(
        ws, row, 1, "2. Tổng hợp theo đơn vị (mỗi phân công của đơn vị tính một lần)"
    ).font = bold
    row += 1
    header(row, ["STT", "Đơn vị", *COUNT_HEADERS, *SUBMISSION_HEADERS])
    row += 1
    for n, (_, name, counts) in enumerate(c.units, start=1):
        values = [n, name, *count_cells(counts), *submission_cells(counts)]
        for col, value in enumerate(values, start=1):
            put_cell(ws, row, col, value).border = box
        row += 1
    for col, value in enumerate(
        ["", "Tổng cộng", *count_cells(c.unit_total), *submission_cells(c.unit_total)], start=1
    ):
        cell = put_cell(ws, row, col, value)
        cell.font, cell.border = bold, box
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 42
    for col in range(3, 3 + len(COUNT_HEADERS) + len(SUBMISSION_HEADERS)):
        ws.column_dimensions[get_column_letter(col)].width = 12
    ws.freeze_panes = "C1"

    detail = wb.create_sheet("Chi tiết")
    titles = [
        "STT",
        "Nội dung nhiệm vụ / Đơn vị",
        "Vai trò",
        "Sản phẩm (kế hoạch)",
        "Thời hạn",
        "Tình trạng",
        "Kết quả thực hiện, sản phẩm",
        "Đánh giá",
        "Báo cáo",
    ]
    for col, title in enumerate(titles, start=1):
        cell = put_cell(detail, 1, col, title)
        cell.font, cell.fill, cell.alignment, cell.border = bold, head_fill, center, box
    widths = [8, 60, 10, 30, 22, 24, 60, 24, 16]
    for col, width in enumerate(widths, start=1):
        detail.column_dimensions[get_column_letter(col)].width = width
    detail.freeze_panes = "C2"
    section_fill = PatternFill("solid", fgColor="F2F2F2")
    r = 2
    for section, tasks in c.sections:
        if section is not None:
            put_cell(detail, r, 1, section.full_code or section.code).font = bold
            cell = put_cell(detail, r, 2, section.content)
            cell.font, cell.alignment = bold, wrap
            for col in range(1, len(titles) + 1):
                detail.cell(row=r, column=col).fill = section_fill
            detail.row_dimensions[r].height = _height((section.content, 55))
            r += 1
        for task, lines in tasks:
            code = put_cell(detail, r, 1, task.full_code or task.code)
            code.font, code.alignment = bold, wrap
            cell = put_cell(detail, r, 2, task.content)
            cell.font, cell.alignment = bold, wrap
            put_cell(detail, r, 4, task.product).alignment = wrap
            put_cell(detail, r, 5, task.timeframe_text).alignment = wrap
            detail.row_dimensions[r].height = _height(
                (task.content, 55), (task.product, 27), (task.timeframe_text, 20)
            )
            r += 1
            for line in lines:
                values = [
                    "",
                    line["unit__short_name"] or line["unit__name"],
                    ROLE.get(line["role"], line["role"]),
                    "",
                    _deadline_text(line),
                    _status_text(line),
                    _result_text(line),
                    T.LABELS[line["tl"]],
                    Submission.LABELS[line["sub"]],
                ]
                for col, value in enumerate(values, start=1):
                    put_cell(detail, r, col, value).alignment = wrap
                detail.row_dimensions[r].height = _height(
                    (values[1], 55), (values[4], 20), (values[5], 22), (values[6], 55)
                )
                r += 1
    sheets = [ws, detail]
    if c.indicators:
        from .indicators import ROLLUP_HEADERS, rollup_rows_cells

        ind = wb.create_sheet("Chỉ tiêu")
        ind.cell(row=1, column=1, value="Kết quả thực hiện các chỉ tiêu").font = bold
        ind.cell(
            row=2,
            column=1,
            value="Theo các báo cáo đã nộp và đã chấp nhận: số tiền cộng dồn, tỷ lệ (%) lấy "
            "bình quân giữa các đơn vị báo cáo.",
        )
        for col, title in enumerate(["STT", *ROLLUP_HEADERS], start=1):
            cell = ind.cell(row=4, column=col, value=title)
            cell.font, cell.fill, cell.alignment, cell.border = bold, head_fill, center, box
        for r, cells in enumerate(rollup_rows_cells(c.indicators), start=5):
            for col, value in enumerate([r - 4, *cells], start=1):
                cell = ind.cell(row=r, column=col, value=value)
                cell.alignment, cell.border = wrap, box
        for col, width in enumerate([6, 50, 12, 30, 16, 16, 12, 14, 36], start=1):
            ind.column_dimensions[get_column_letter(col)].width = width
        sheets.append(ind)
    for sheet in sheets:  # print on A4 landscape, one page wide
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    detail.print_title_rows = "1:1"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- .docx ----------------------------------------------------------------------------------


def to_docx(c: Consolidated) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)

    for i, text in enumerate(_title(c)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(xml_safe(text))
        run.bold = i < 2
        run.font.size = Pt(14 if i == 0 else 12)

    def table(headers: list[str], rows: list[list], widths=None):
        t = doc.add_table(rows=1 + len(rows), cols=len(headers))
        t.style = "Table Grid"
        cells = t.rows[0].cells
        if widths:
            t.autofit = False
            for row in t.rows:
                for cell, width in zip(row.cells, widths, strict=False):
                    cell.width = Cm(width)
        for i, h in enumerate(headers):
            cells[i].text = h
            for run in cells[i].paragraphs[0].runs:
                run.bold = True
        for r, values in enumerate(rows, start=1):
            cells = t.rows[r].cells
            for i, v in enumerate(values):
                cells[i].text = "" if v is None else xml_safe(str(v))
        return t

    def fmt(v):
        return "—" if v is None else (f"{v:g}" if isinstance(v, float) else v)

    for text in rate_lines(c):
        doc.add_paragraph().add_run(text).bold = True

    doc.add_heading("1. Tổng hợp theo nhiệm vụ", level=2)
    doc.add_paragraph("Mỗi nhiệm vụ tính một lần, theo báo cáo của đơn vị chủ trì.")
    table(COUNT_HEADERS, [[fmt(v) for v in count_cells(c.task_counts)]])

    doc.add_heading("2. Tổng hợp theo đơn vị", level=2)
    doc.add_paragraph("Mỗi phân công (chủ trì, phối hợp) của đơn vị tính một lần.")
    short = ["Tổng số", "Đến hạn", "HT đúng hạn", "% đến hạn", "HT trễ hạn", "% đến hạn",
             "Chưa HT trong hạn", "% đến hạn", "Chưa HT quá hạn", "% đến hạn",
             "Không có hạn (thường xuyên)", "Dòng nộp đúng hạn", "Dòng nộp trễ",
             "Dòng chưa nộp", "% dòng nộp đúng hạn", "Đơn vị phải báo cáo",
             "Đơn vị nộp đúng hạn", "Tỷ lệ cập nhật (% đơn vị)"]  # fmt: skip
    rows = [
        [n, name, *[fmt(v) for v in count_cells(cn) + submission_cells(cn)]]
        for n, (_, name, cn) in enumerate(c.units, start=1)
    ]
    rows.append(
        [
            "",
            "Tổng cộng",
            *[fmt(v) for v in count_cells(c.unit_total) + submission_cells(c.unit_total)],
        ]
    )
    table(["STT", "Đơn vị", *short], rows, [1.0, 4.0] + [1.25] * len(short))

    doc.add_heading("3. Chi tiết theo nhiệm vụ", level=2)
    for sec, tasks in c.sections:
        if sec is not None:
            doc.add_heading(xml_safe(f"{sec.full_code or sec.code}. {sec.content}"), level=3)
        for task, lines in tasks:
            p = doc.add_paragraph()
            p.add_run(xml_safe(f"{task.full_code or task.code}. {task.content}")).bold = True
            meta = []
            if task.product:
                meta.append(f"Sản phẩm: {task.product}")
            if task.timeframe_text:
                meta.append(f"Thời gian: {task.timeframe_text}")
            if meta:
                doc.add_paragraph(xml_safe(" · ".join(meta))).runs[0].italic = True
            table(
                [
                    "Đơn vị",
                    "Vai trò",
                    "Thời hạn",
                    "Tình trạng",
                    "Kết quả thực hiện, sản phẩm",
                    "Đánh giá",
                ],
                [
                    [
                        line["unit__short_name"] or line["unit__name"],
                        ROLE.get(line["role"], line["role"]),
                        _deadline_text(line),
                        _status_text(line),
                        _result_text(line),
                        f"{T.LABELS[line['tl']]}; {Submission.LABELS[line['sub']].lower()}",
                    ]
                    for line in lines
                ],
                [4.5, 1.8, 3.0, 3.5, 9.0, 4.7],
            )
    if c.indicators:
        from .indicators import ROLLUP_HEADERS, rollup_rows_cells

        doc.add_heading("4. Kết quả thực hiện các chỉ tiêu", level=2)
        doc.add_paragraph(
            "Theo các báo cáo đã nộp và đã chấp nhận: số tiền cộng dồn, tỷ lệ (%) lấy bình "
            "quân giữa các đơn vị báo cáo."
        )
        table(
            ["STT", *ROLLUP_HEADERS],
            [[n, *cells] for n, cells in enumerate(rollup_rows_cells(c.indicators), start=1)],
            [1.0, 7.0, 2.0, 4.0, 3.0, 3.0, 2.0, 2.5, 5.0],
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
