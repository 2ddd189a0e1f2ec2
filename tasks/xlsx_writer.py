"""Write a plan's appendix as .xlsx in the official layout, ready to print.

Title rows (PHỤ LỤC, NHIỆM VỤ TRIỂN KHAI …, (Kèm theo … số … ngày …)), the header row
(repeated on every printed page), section rows merged across the table in bold, wrapped
text, thin borders, A4 landscape fitted to the page width. Cells hold the text as written
in the plan (`content`, `lead_text`, …), so that importing the file back changes nothing.

Text is never written as a formula: a cell starting with =, +, -, @ (a "- " bullet) is a
string cell marked "quote prefix", which Excel and LibreOffice show without the quote.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from orgunits.text import fold

from .models import Task

#: (header as printed, column width in characters)
COLUMNS = [
    ("STT", 6),
    ("NỘI DUNG NHIỆM VỤ", 58),
    ("ĐƠN VỊ CHỦ TRÌ", 26),
    ("ĐƠN VỊ PHỐI HỢP", 26),
    ("SẢN PHẨM", 20),
    ("THỜI GIAN THỰC HIỆN", 18),
]
HEADER_ROW = 5
PERFORMING_PREFIX = "Đơn vị thực hiện:"
FONT = "Times New Roman"
LINE_HEIGHT = 15  # points per line of 11-point text
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def _styles() -> dict[str, NamedStyle]:
    top_left = Alignment(wrap_text=True, vertical="top", horizontal="left")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    return {
        "title": NamedStyle("pl_title", font=Font(name=FONT, size=13, bold=True), alignment=center),
        "subtitle": NamedStyle(
            "pl_subtitle", font=Font(name=FONT, size=12, italic=True), alignment=center
        ),
        "header": NamedStyle(
            "pl_header",
            font=Font(name=FONT, size=11, bold=True),
            alignment=center,
            border=_BORDER,
            fill=PatternFill("solid", fgColor="E7E6E6"),
        ),
        "cell": NamedStyle(
            "pl_cell", font=Font(name=FONT, size=11), alignment=top_left, border=_BORDER
        ),
        "code": NamedStyle(
            "pl_code",
            font=Font(name=FONT, size=11),
            alignment=Alignment(vertical="top", horizontal="center"),
            border=_BORDER,
        ),
        "section": NamedStyle(
            "pl_section",
            font=Font(name=FONT, size=11, bold=True),
            alignment=Alignment(wrap_text=True, vertical="center", horizontal="left"),
            border=_BORDER,
        ),
        "section_code": NamedStyle(
            "pl_section_code",
            font=Font(name=FONT, size=11, bold=True),
            alignment=Alignment(vertical="center", horizontal="center"),
            border=_BORDER,
        ),
    }


def _put(ws, row: int, column: int, value: str, style: str):
    """Write text as a string cell, never a formula, without illegal control characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
    cell = ws.cell(row=row, column=column, value=text or None)
    cell.style = style
    if text:
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


def _height(cells) -> float:
    """Row height (points) for wrapped text: neither Excel nor LibreOffice sizes rows of a
    generated file by themselves, so long cells would overflow when printed."""
    lines = 1
    for text, width in cells:
        per_line = max(1, int(width * 1.25))
        count = sum(max(1, -(-len(line) // per_line)) for line in (text or "").split("\n"))
        lines = max(lines, count)
    return min(409, LINE_HEIGHT * lines + 3)


def plan_heading(plan) -> tuple[str, str]:
    """The second and third title rows: what the appendix implements, what it is attached to."""
    title = re.sub(r"\s+", " ", plan.title).strip()
    heading = f"NHIỆM VỤ TRIỂN KHAI {plan.get_kind_display().upper()} {title.upper()}"
    number = plan.number or "     "
    issued = f"ngày {plan.issued_on:%d/%m/%Y}" if plan.issued_on else "ngày     "
    attached = f"(Kèm theo {plan.get_kind_display()} số {number} {issued} của {plan.issuer.name})"
    return heading, attached


EXTRA_WIDTH = 20  # columns of the appendix beyond the standard ones


def write_appendix(plan, tasks: list[Task] | None = None) -> bytes:
    """The plan's appendix as .xlsx bytes (2 queries when `tasks` is not given)."""
    if tasks is None:
        tasks = list(plan.tasks.order_by("position"))
    extra: dict[str, None] = {}  # the other columns of the appendix, in order of appearance
    for t in tasks:
        for header in t.extra_columns or {}:
            extra.setdefault(header, None)
    rows = [
        (
            t.kind == Task.Kind.SECTION,
            t.code,
            t.content,
            lead_cell(t),
            t.coordinating_text,
            t.product,
            t.timeframe_text,
            *((t.extra_columns or {}).get(header, "") for header in extra),
        )
        for t in tasks
    ]
    return write_rows(rows, *plan_heading(plan), extra_headers=list(extra))


def lead_cell(task: Task) -> str:
    """The lead cell as printed: "Đơn vị thực hiện: …" where the document heads it so (the
    importer reads the heading back)."""
    if task.lead_heading == Task.LeadHeading.PERFORMING and task.lead_text:
        return f"{PERFORMING_PREFIX} {task.lead_text}"
    return task.lead_text


def write_rows(
    rows, heading: str = "", attached: str = "", extra_headers: list[str] | None = None
) -> bytes:
    """Rows (is_section, STT, content, lead, coordinating, product, timeframe, then one cell
    per extra header) as .xlsx; `extra_headers` are the appendix's other columns."""
    columns = [*COLUMNS, *((header, EXTRA_WIDTH) for header in extra_headers or [])]
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    styles = _styles()
    for style in styles.values():
        wb.add_named_style(style)
    names = {key: style.name for key, style in styles.items()}
    last = len(columns)
    last_letter = get_column_letter(last)

    for row, text, style in (
        (1, "PHỤ LỤC", "title"),
        (2, heading, "title"),
        (3, attached, "subtitle"),
    ):
        _put(ws, row, 1, text, names[style])
        ws.merge_cells(f"A{row}:{last_letter}{row}")
    ws.row_dimensions[2].height = 16 * max(1, -(-len(heading) // 150))
    ws.row_dimensions[3].height = 16 * max(1, -(-len(attached) // 160))
    for column, (label, width) in enumerate(columns, start=1):
        _put(ws, HEADER_ROW, column, label, names["header"])
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.row_dimensions[HEADER_ROW].height = 32

    row = HEADER_ROW
    widths = [width for _label, width in columns]
    section_width = sum(widths[1:])
    for is_section, code, content, *cells in rows:
        row += 1
        if is_section:
            _put(ws, row, 1, code, names["section_code"])
            _put(ws, row, 2, content, names["section"])
            for column in range(3, last + 1):
                ws.cell(row=row, column=column).style = names["section"]
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=last)
            ws.row_dimensions[row].height = _height([(content, section_width)])
            continue
        _put(ws, row, 1, code, names["code"])
        texts = (content, *cells)
        for column, text in enumerate(texts, start=2):
            _put(ws, row, column, text, names["cell"])
        ws.row_dimensions[row].height = _height(zip(texts, widths[1:], strict=False))

    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(plan) -> str:
    """ "phu-luc-17-kh-ubnd.xlsx", or the seed key / id for plans without a number."""
    stem = fold(plan.number).replace(" ", "-")
    return f"phu-luc-{stem or plan.seed_key or plan.pk}.xlsx"
