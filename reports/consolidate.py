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

from config.progress import Ticker
from orgunits.models import OrgUnit
from orgunits.territory import place_name
from orgunits.text import xml_safe
from tasks.models import Assignment, Task
from tasks.xlsx_writer import add_styles, header_row, print_setup, put_cell, row_height

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
ROLE = dict(Assignment.Role.choices)
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


# --- as an export job (config.export_jobs) ----------------------------------------------------


def _job_period(user, params: dict):
    """The period of a consolidated-report job, when the user may still download it."""
    from .access import consolidated_period

    return consolidated_period(user, params["period"])


def export_job(user, params: dict, step) -> bytes:
    """The consolidated report of a job (`params`: period, fmt), built with progress."""
    from config.export_jobs import REFUSED

    period = _job_period(user, params)
    if period is None:
        raise PermissionError(REFUSED)
    step(0, 100)
    data = build(period)
    step(10, 100)
    # Writing is most of the work: 10 → 95 % as units and lines are written.
    ticker = Ticker(work_items(data), step, start=10, end=95)
    write = to_xlsx if params["fmt"] == "xlsx" else to_docx
    body = write(data, ticker)
    step(97, 100)  # saved; the worker writes the file
    return body


def check_export_job(user, params: dict) -> None:
    """Refuses (PermissionDenied) a user who may no longer download the job's report."""
    from django.core.exceptions import PermissionDenied

    if _job_period(user, params) is None:
        raise PermissionDenied


# --- .xlsx ----------------------------------------------------------------------------------


def work_items(c: Consolidated) -> int:
    """What a writer's progress counts: the unit rows and the detail lines."""
    return len(c.units) + sum(len(lines) for _sec, tasks in c.sections for _t, lines in tasks)


def to_xlsx(c: Consolidated, ticker: Ticker | None = None) -> bytes:
    """The consolidated report as .xlsx, in the styles every export shares
    (`tasks.xlsx_writer`); `ticker` counts the unit rows and detail lines written
    (`work_items`), for a job's progress bar."""
    from openpyxl import Workbook

    wb = Workbook()
    add_styles(wb)
    ws = wb.active
    ws.title = "Tổng hợp"

    for i, text in enumerate(_title(c), start=1):
        put_cell(
            ws, i, 1, text, "ct39_title" if i == 1 else "ct39_strong" if i == 2 else "ct39_plain"
        )
    row = len(_title(c)) + 2
    for text in rate_lines(c):
        put_cell(ws, row, 1, text, "ct39_strong")
        row += 1
    row += 1

    def numbers(r: int, values: list, total: bool = False) -> None:
        for col, value in enumerate(values, start=1):
            if isinstance(value, float):
                style = "ct39_pct"
            elif isinstance(value, int):
                style = "ct39_total" if total else "ct39_int"
            else:
                style = "ct39_total_text" if total else "ct39_text"
            put_cell(ws, r, col, value, style)

    put_cell(ws, row, 1, "1. Tổng hợp theo nhiệm vụ (mỗi nhiệm vụ tính một lần, theo báo cáo "
             "của đơn vị chủ trì)", "ct39_strong")  # fmt: skip
    row += 1
    header_row(ws, row, ["", "Nội dung", *COUNT_HEADERS])
    row += 1
    numbers(row, ["", "Số nhiệm vụ", *count_cells(c.task_counts)])
    row += 2
    put_cell(ws, row, 1, "2. Tổng hợp theo đơn vị (mỗi phân công của đơn vị tính một lần)",
             "ct39_strong")  # fmt: skip
    row += 1
    columns = 2 + len(COUNT_HEADERS) + len(SUBMISSION_HEADERS)
    header_row(
        ws,
        row,
        ["STT", "Đơn vị", *COUNT_HEADERS, *SUBMISSION_HEADERS],
        [6, 42, *[12] * (columns - 2)],
    )
    units_header = row
    row += 1
    for n, (_, name, counts) in enumerate(c.units, start=1):
        numbers(row, [n, name, *count_cells(counts), *submission_cells(counts)])
        row += 1
        if ticker:
            ticker.tick()
    numbers(
        row,
        ["", "Tổng cộng", *count_cells(c.unit_total), *submission_cells(c.unit_total)],
        total=True,
    )
    ws.freeze_panes = "C1"
    # The units table: its header repeated on each page, filtered (the total row apart).
    print_setup(ws, units_header, columns, row - 1)

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
    widths = [8, 60, 10, 30, 22, 24, 60, 24, 16]
    header_row(detail, 1, titles, widths, height=None)
    detail.freeze_panes = "C2"
    r = 2
    for section, tasks in c.sections:
        if section is not None:
            put_cell(detail, r, 1, section.full_code or section.code, "ct39_section_code")
            put_cell(detail, r, 2, section.content, "ct39_section")
            for col in range(3, len(titles) + 1):
                put_cell(detail, r, col, None, "ct39_section")
            detail.row_dimensions[r].height = row_height([(section.content, widths[1])])
            r += 1
        for task, lines in tasks:
            values = [task.full_code or task.code, task.content, "", task.product,
                      task.timeframe_text, "", "", "", ""]  # fmt: skip
            for col, value in enumerate(values, start=1):
                put_cell(detail, r, col, value, "ct39_text_bold" if col <= 2 else "ct39_text")
            detail.row_dimensions[r].height = row_height(zip(values, widths, strict=True))
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
                    put_cell(detail, r, col, value, "ct39_text")
                detail.row_dimensions[r].height = row_height(zip(values, widths, strict=True))
                r += 1
                if ticker:
                    ticker.tick()
    print_setup(detail, 1, len(titles), r - 1)
    if c.indicators:
        from .indicators import ROLLUP_HEADERS, rollup_rows_cells

        ind = wb.create_sheet("Chỉ tiêu")
        put_cell(ind, 1, 1, "Kết quả thực hiện các chỉ tiêu", "ct39_title")
        put_cell(ind, 2, 1, "Theo các báo cáo đã nộp và đã chấp nhận: số tiền cộng dồn, tỷ lệ "
                 "(%) lấy bình quân giữa các đơn vị báo cáo.", "ct39_note")  # fmt: skip
        headers = ["STT", *ROLLUP_HEADERS]
        widths = [6, 50, 12, 30, 16, 16, 12, 14, 36]
        header_row(ind, 4, headers, widths, height=None)
        last = 4
        for last, cells in enumerate(rollup_rows_cells(c.indicators), start=5):
            values = [last - 4, *cells]
            for col, value in enumerate(values, start=1):
                put_cell(ind, last, col, value, "ct39_text")
            ind.row_dimensions[last].height = row_height(zip(values, widths, strict=False))
        print_setup(ind, 4, len(headers), last)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- .docx ----------------------------------------------------------------------------------


def vn_number(value) -> str:
    """A figure as printed in Vietnamese documents: "3.031", "8,7"; "—" when undefined."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


#: Body text and tables (Nghị định 30/2020/NĐ-CP: Times New Roman 13–14).
DOC_FONT, BODY_PT, TABLE_PT = "Times New Roman", 13, 10
BLANK_DATE = "ngày      tháng      năm 20   "


def _docx_setup(doc) -> None:
    """A4 portrait, the decree's margins, Times New Roman 13, page numbers at the top centre
    from page 2 on."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = DOC_FONT, Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), DOC_FONT)
    normal.element.rPr.rFonts.set(qn("w:cs"), DOC_FONT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    table = doc.styles.add_style("CT39 Table", 1)  # paragraph style for table cells
    table.base_style = normal
    table.font.size = Pt(TABLE_PT)
    # Nghị định 30/2020, Phụ lục I: numbered from 1, centred in the top margin, size 13-14,
    # not shown on the first page (an empty first-page header).
    section.different_first_page_header_footer = True
    section.header_distance = Cm(1.0)
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = number.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
        if kind == "separate":
            num = OxmlElement("w:t")
            num.text = "2"
            run._r.append(num)


def _restart_page_numbers(section) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    sect = section._sectPr
    numbering = sect.find(qn("w:pgNumType"))
    if numbering is None:
        numbering = OxmlElement("w:pgNumType")
        later = ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi",
                 "rtlGutter", "docGrid", "printerSettings", "sectPrChange")  # fmt: skip
        following = next((el for el in sect if el.tag in {qn(f"w:{t}") for t in later}), None)
        if following is None:
            sect.append(numbering)
        else:
            following.addprevious(numbering)  # the schema's order
    numbering.set(qn("w:start"), "1")


def _para(where, text="", *, size=None, bold=False, italic=False, align=None, indent=False,
          after=0, style=None):  # fmt: skip
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    p = where.add_paragraph(style=style) if style else where.add_paragraph()
    p.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        None: None,
    }[align]
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.0)
    p.paragraph_format.space_after = Pt(after)
    if text:
        run = p.add_run(xml_safe(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    return p


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _widths(table, widths_cm: list[float]) -> None:
    """Fixed column widths (the grid LibreOffice reads, and every cell Word reads)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False
    margins = OxmlElement("w:tblCellMar")  # narrow cell padding: 0,1 cm each side
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "57")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    table._tbl.tblPr.append(margins)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for col, width in zip(table.columns, widths_cm, strict=True):
        col.width = Cm(width)
    for tr in table._tbl.tr_lst:  # a merged cell is as wide as the columns it spans
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Cm(sum(widths_cm[col : col + span]))
            col += span


def _cell(cell, text: str, *, bold=False, italic=False, align=None, size=None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = cell.paragraphs[0]
    p.style = "CT39 Table"
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for i, part in enumerate(xml_safe(str(text)).split("\n")):
        if i:
            p = cell.add_paragraph(style="CT39 Table")
        run = p.add_run(part)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)


def _grid(doc, headers: list[str], rows: list[list], widths: list[float], *, bold_rows=()):
    """A bordered table: a repeated header row, numbers right-aligned in Vietnamese format."""
    from docx.oxml import OxmlElement

    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    head = t.rows[0]
    marker = OxmlElement("w:tblHeader")
    head._tr.get_or_add_trPr().append(marker)
    for cell, text in zip(head.cells, headers, strict=True):
        _cell(cell, text, bold=True, align="center", size=9)
    for r, values in enumerate(rows):
        cells = t.add_row().cells
        for i, value in enumerate(values):
            number = isinstance(value, int | float) or value is None
            align = ("right" if i else "center") if number else None
            _cell(cells[i], vn_number(value) if number else value, bold=r in bold_rows,
                  align=align)  # fmt: skip
    _widths(t, widths)
    return t


def _symbol(issuer) -> str:
    """The report's ký hiệu: "BC-UBND" for a People's Committee, else "BC-" left for the
    office to complete with its own abbreviation."""
    if issuer.kind in (OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COMMUNE):
        return "BC-UBND"
    return "BC-"


def _header_block(doc, c: Consolidated) -> None:
    """Issuing body on the left, quốc hiệu and tiêu ngữ on the right; number and date."""
    issuer = c.period.plan.issuer
    parent = issuer.parent
    t = doc.add_table(rows=2, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    if parent is not None:
        _cell(left, parent.name.upper(), align="center", size=12)
        _para(left, issuer.name.upper(), bold=True, align="center", size=12)
    else:
        _cell(left, issuer.name.upper(), bold=True, align="center", size=12)
    _para(left, "———————", align="center", size=10)
    _cell(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align="center", size=12)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, align="center", size=13)
    _para(right, "———————————", align="center", size=10)
    number, place = t.rows[1].cells
    _cell(number, f"Số:        /{_symbol(issuer)}", align="center", size=13)
    _cell(place, f"{place_name(issuer) or '……………'}, {BLANK_DATE}", italic=True,
          align="center", size=13)  # fmt: skip
    _widths(t, [6.5, 9.5])
    _para(doc, after=12)


def _signature(doc) -> None:
    """Nơi nhận on the left, the signer's block on the right."""
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    _cell(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in ("- Như trên;", "- Lưu: VT."):
        _para(left, line, size=11)
    _cell(right, "THỦ TRƯỞNG ĐƠN VỊ", bold=True, align="center", size=13)
    _para(right, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, align="center", size=13)
    _widths(t, [7.0, 9.0])


def to_docx(c: Consolidated, ticker: Ticker | None = None) -> bytes:
    """The consolidated report as an administrative document (Nghị định 30/2020/NĐ-CP):
    header block, title, body with the summary tables, signature and Nơi nhận; the detail
    per task and unit as an appendix on landscape pages, one table row per unit and task.
    `ticker` counts the unit rows and detail lines written (`work_items`)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    doc = Document()
    _docx_setup(doc)
    _header_block(doc, c)
    p, plan = c.period, c.period.plan
    _para(doc, "BÁO CÁO", size=14, bold=True, align="center")
    _para(doc, f"Tổng hợp tình hình thực hiện {plan.label} của {plan.issuer.name}",
          size=14, bold=True, align="center")  # fmt: skip
    _para(doc, f"{p.label}", size=14, bold=True, align="center", after=12)
    since = f", tính từ ngày {p.starts_on:%d/%m/%Y}" if p.starts_on else ""
    _para(doc, f"Số liệu tổng hợp theo báo cáo của các đơn vị trong kỳ (hạn báo cáo ngày "
          f"{p.cutoff:%d/%m/%Y}{since}), tính đến ngày {c.today:%d/%m/%Y}, như sau:",
          indent=True, align="justify", after=6)  # fmt: skip
    for text in rate_lines(c):
        _para(doc, f"- {text}.", indent=True, align="justify", after=3)

    _para(doc, "I. TỔNG HỢP THEO NHIỆM VỤ", bold=True, after=3)
    _para(doc, "Mỗi nhiệm vụ tính một lần, theo báo cáo của đơn vị chủ trì; mỗi phân công "
          "(chủ trì, phối hợp) của đơn vị tính một lần.", indent=True, align="justify",
          after=6)  # fmt: skip
    rows = []
    for key in T.ORDER[:4]:
        rows.append([T.LABELS[key], c.task_counts.timeliness[key], c.task_counts.rate(key),
                     c.unit_total.timeliness[key], c.unit_total.rate(key)])  # fmt: skip
    rows.insert(0, ["Đến hạn trong kỳ", c.task_counts.due, None, c.unit_total.due, None])
    rows.append(["Không có hạn (thường xuyên)", c.task_counts.timeliness[T.NO_DEADLINE], None,
                 c.unit_total.timeliness[T.NO_DEADLINE], None])  # fmt: skip
    rows.append(["Tổng số", c.task_counts.total, None, c.unit_total.total, None])
    _grid(doc, ["Nội dung", "Số nhiệm vụ", "Tỷ lệ (% đến hạn)", "Số phân công",
                "Tỷ lệ (% đến hạn)"], rows, [6.0, 2.5, 2.5, 2.5, 2.5],
          bold_rows={len(rows) - 1})  # fmt: skip

    _para(doc, after=6)
    _para(doc, "II. TỔNG HỢP THEO ĐƠN VỊ", bold=True, after=6)
    headers = ["STT", "Đơn vị", "Tổng số", "Đến hạn", "HT đúng hạn", "HT trễ hạn",
               "Chưa HT, trong hạn", "Chưa HT, quá hạn", "Không có hạn", "Tỷ lệ HT (%)",
               "Nộp đúng hạn (%)"]  # fmt: skip

    def unit_row(n, name, cn):
        tl = cn.timeliness
        return [n, name, cn.total, cn.due, *(tl[k] for k in T.ORDER), cn.completion_rate,
                cn.line_submission_rate]  # fmt: skip

    rows = [unit_row(n, name, cn) for n, (_, name, cn) in enumerate(c.units, start=1)]
    rows.append(unit_row("", "Tổng cộng", c.unit_total))
    _grid(doc, headers, rows, [0.9, 3.4] + [1.3] * 9, bold_rows={len(rows) - 1})
    if ticker:
        ticker.tick(len(c.units))
    _para(doc, "HT: hoàn thành. Tỷ lệ tính trên số phân công đến hạn trong kỳ; tỷ lệ nộp "
          "đúng hạn tính trên tổng số dòng báo cáo của đơn vị.", italic=True, size=11,
          after=6)  # fmt: skip
    _para(doc, "Tình trạng từng nhiệm vụ theo đơn vị tại Phụ lục kèm theo; nội dung báo cáo "
          "của từng đơn vị tại tệp Excel (.xlsx) của báo cáo này.", indent=True,
          after=12)  # fmt: skip
    _signature(doc)

    appendix = doc.add_section(WD_SECTION.NEW_PAGE)
    _restart_page_numbers(appendix)  # the appendix is numbered on its own (Nghị định 30)
    appendix.orientation = WD_ORIENT.LANDSCAPE
    appendix.page_width, appendix.page_height = Cm(29.7), Cm(21.0)
    appendix.left_margin, appendix.right_margin = Cm(2.0), Cm(1.5)
    appendix.top_margin, appendix.bottom_margin = Cm(1.5), Cm(1.5)
    _para(doc, "PHỤ LỤC", size=14, bold=True, align="center")
    _para(doc, "CHI TIẾT TÌNH HÌNH THỰC HIỆN THEO NHIỆM VỤ VÀ ĐƠN VỊ", size=14, bold=True,
          align="center")  # fmt: skip
    _para(doc, f"(Kèm theo Báo cáo số      /{_symbol(plan.issuer)} {BLANK_DATE} của "
          f"{plan.issuer.name})",
          italic=True, align="center", after=12)  # fmt: skip
    _appendix_table(doc, c, ticker)
    if c.indicators:
        from .indicators import ROLLUP_HEADERS, rollup_rows_cells

        _para(doc, after=6)
        _para(doc, "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", bold=True, after=3)
        _para(doc, "Theo các báo cáo đã nộp và đã chấp nhận: số tiền cộng dồn, tỷ lệ (%) lấy "
              "bình quân giữa các đơn vị báo cáo.", italic=True, after=6)  # fmt: skip
        _grid(doc, ["STT", *ROLLUP_HEADERS],
              [[n, *cells] for n, cells in enumerate(rollup_rows_cells(c.indicators), start=1)],
              [1.0, 6.7, 2.0, 4.0, 3.0, 3.0, 2.0, 2.5, 2.0])  # fmt: skip
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


APPENDIX_HEADERS = ["STT", "Tình trạng, đánh giá", "Số đơn vị", "Đơn vị"]
APPENDIX_WIDTHS = [1.3, 5.2, 1.9, 17.8]


def appendix_groups(lines: list[dict]) -> list[tuple[str, list[str]]]:
    """A task's lines grouped by what is printed about them (status and evaluation), each
    group with its units in the lines' order: the appendix prints every unit once per task
    without a row per unit (pure)."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        status = _status_text(line).split(" ngày ")[0]
        key = f"{status} — {T.LABELS[line['tl']]}; {Submission.LABELS[line['sub']].lower()}"
        name = line["unit__short_name"] or line["unit__name"]
        if line["role"] != "lead":
            name += " (phối hợp)"
        groups.setdefault(key, []).append(name)
    return sorted(groups.items())


def _appendix_table(doc, c: Consolidated, ticker: Ticker | None = None) -> None:
    """One table: a merged row per section and task, then a row per status of its units."""
    from docx.oxml import OxmlElement

    t = doc.add_table(rows=1, cols=len(APPENDIX_HEADERS))
    t.style = "Table Grid"
    head = t.rows[0]
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text in zip(head.cells, APPENDIX_HEADERS, strict=True):
        _cell(cell, text, bold=True, align="center")

    def spanning(code: str, text: str) -> None:
        cells = t.add_row().cells
        _cell(cells[0], code, bold=True, align="center")
        _cell(cells[1].merge(cells[-1]), text, bold=True)

    for sec, tasks in c.sections:
        if sec is not None:
            spanning(sec.full_code or sec.code, sec.content.upper())
        for task, lines in tasks:
            meta = [f"Sản phẩm: {task.product}"] if task.product else []
            if task.timeframe_text:
                meta.append(f"Thời gian: {task.timeframe_text}")
            spanning(task.full_code or task.code, task.content)
            if meta:
                cells = t.add_row().cells
                _cell(cells[1].merge(cells[-1]), "; ".join(meta), italic=True)
            for label, names in appendix_groups(lines):
                cells = t.add_row().cells
                _cell(cells[1], label)
                _cell(cells[2], vn_number(len(names)), align="right")
                _cell(cells[3], "; ".join(names))
            if ticker:
                ticker.tick(len(lines))
    _widths(t, APPENDIX_WIDTHS)
