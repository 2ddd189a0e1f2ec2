"""Write a plan's appendix as .xlsx in the official layout, ready to print.

Title rows (PHỤ LỤC, NHIỆM VỤ TRIỂN KHAI …, (Kèm theo … số … ngày …)), the header row
(repeated on every printed page), section rows merged across the table in bold, wrapped
text, thin borders, A4 landscape fitted to the page width. Cells hold the text as written
in the plan (`content`, `lead_text`, …), so that importing the file back changes nothing.

Text is never written as a formula: a cell starting with =, +, -, @ (a "- " bullet) is a
string cell marked "quote prefix", which Excel and LibreOffice show without the quote.
`put_cell` does this for every .xlsx the application writes (appendix, consolidated report,
dashboard exports), and drops the control characters XML cannot hold.

Every .xlsx the application writes also shares one look, defined here once: the named
styles of `STYLES` (Times New Roman, thin black borders, wrapped top-aligned text; added
to a workbook by `add_styles`), `row_height` for rows of wrapped text, and `print_setup`
(A4 landscape one page wide, the header row repeated on each printed page, AutoFilter on
the table, page numbers), and `header_row` for a table's header (titles, height, widths).
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from orgunits.text import fold, xml_safe

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
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEAD_FILL = "E7E6E6"


def _font(size: int = 11, *, bold: bool = False, italic: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic)


def _style_specs() -> dict[str, dict]:
    top_left = Alignment(wrap_text=True, vertical="top", horizontal="left")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    top = Alignment(vertical="top")
    boxed = {"border": BORDER}
    return {
        # above the table
        "ct39_heading": {"font": _font(13, bold=True), "alignment": center},  # merged title
        "ct39_subtitle": {"font": _font(12, italic=True), "alignment": center},
        "ct39_title": {"font": _font(13, bold=True)},  # one line in column A
        "ct39_note": {"font": _font(10, italic=True)},
        "ct39_strong": {"font": _font(bold=True)},
        "ct39_plain": {"font": _font()},
        # the table
        "ct39_head": {"font": _font(bold=True), "alignment": center, **boxed,
                      "fill": PatternFill("solid", fgColor=HEAD_FILL)},
        "ct39_text": {"font": _font(), "alignment": top_left, **boxed},
        "ct39_text_bold": {"font": _font(bold=True), "alignment": top_left, **boxed},
        "ct39_code": {"font": _font(), **boxed,
                      "alignment": Alignment(vertical="top", horizontal="center")},
        "ct39_section": {"font": _font(bold=True), **boxed,
                         "alignment": Alignment(wrap_text=True, vertical="center")},
        "ct39_section_code": {"font": _font(bold=True), **boxed,
                              "alignment": Alignment(vertical="center", horizontal="center")},
        "ct39_int": {"font": _font(), "number_format": "#,##0", "alignment": top, **boxed},
        "ct39_pct": {"font": _font(), "number_format": "0.0", "alignment": top, **boxed},
        "ct39_date": {"font": _font(), "number_format": "DD/MM/YYYY", "alignment": top,
                      **boxed},
        "ct39_total": {"font": _font(bold=True), "number_format": "#,##0", **boxed},
        "ct39_total_text": {"font": _font(bold=True), "alignment": top_left, **boxed},
    }  # fmt: skip


#: The named styles of every .xlsx the application writes.
STYLES = tuple(_style_specs())


def add_styles(wb, fills: dict[str, str] | None = None) -> None:
    """Add the shared named styles to a workbook, and for each `fills` entry (style name →
    colour) a bordered text style on that background (the dashboards' status colours)."""
    specs = _style_specs()
    for name, colour in (fills or {}).items():
        specs[name] = {**specs["ct39_text"], "fill": PatternFill("solid", fgColor=colour)}
    for name, attrs in specs.items():
        wb.add_named_style(NamedStyle(name, **attrs))


def row_height(cells) -> float:
    """Points for a row of wrapped text, from (text, column width) pairs: neither Excel nor
    LibreOffice sizes the rows of a generated file, so long cells would print over the next
    row. Times New Roman 11 fits 1.3 to 1.6 characters per unit of column width (printed
    through LibreOffice): 1.3 keeps upper-case and wide text inside its row."""
    lines = 1
    for text, width in cells:
        if not isinstance(text, str) or not text:
            continue
        per_line = max(1, int(width * 1.3))
        count = sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))
        lines = max(lines, count)
    return min(409, LINE_HEIGHT * lines + 3)


def print_setup(ws, header_row: int = 0, columns: int = 0, last_row: int = 0,
                *, autofilter: bool = True) -> None:  # fmt: skip
    """A4 landscape, one page wide; the header row repeated on every printed page and an
    AutoFilter over the table (rows `header_row`..`last_row`); page numbers."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "Trang &P/&N"
    if header_row and columns:
        ws.print_title_rows = f"{header_row}:{header_row}"
        if autofilter:
            last = get_column_letter(columns)
            ws.auto_filter.ref = f"A{header_row}:{last}{max(last_row, header_row)}"


def put_cell(ws, row: int, column: int, value=None, style: str | None = None):
    """Write one cell of any export and return it. Text is a string cell, never a formula
    (user text starting with "=" would otherwise run in Excel), without the characters XML
    cannot hold; numbers, dates and None are written as they are. A named `style` is given
    here: assigning one afterwards would drop the quote prefix."""
    cell = ws.cell(row=row, column=column)
    if style:
        cell.style = style
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = xml_safe(value)
    cell.value = text or None
    if text:
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


#: Height of a table's header row: three lines of wrapped 11-point text.
HEADER_HEIGHT = 45


def header_row(ws, row: int, titles, widths=(), *, height: float | None = HEADER_HEIGHT):
    """A table's header row: each title in a "ct39_head" cell, the row `height` points tall
    (None: the row keeps its height) and the columns `widths` characters wide, from A."""
    for column, title in enumerate(titles, start=1):
        put_cell(ws, row, column, title, "ct39_head")
    if height:
        ws.row_dimensions[row].height = height
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def _put(ws, row: int, column: int, value: str, style: str):
    return put_cell(ws, row, column, value or "", style)


MONTH_WORDS = "ngày {:%d} tháng {:%m} năm {:%Y}"


def date_in_words(day) -> str:
    """ "ngày 15 tháng 01 năm 2026", as dates are written in an administrative document."""
    return MONTH_WORDS.format(day, day, day)


def upper_title(text: str) -> str:
    """Upper-case a title for printing, keeping document numbers as written ("1560/QĐ-TTg"
    stays, not "QĐ-TTG"): any word holding a digit is a number or a symbol."""
    return re.sub(
        r"\S+", lambda m: m[0] if any(ch.isdigit() for ch in m[0]) else m[0].upper(), text
    )


def plan_heading(plan) -> tuple[str, str]:
    """The second and third title rows: what the appendix implements, what it is attached to."""
    title = re.sub(r"\s+", " ", plan.title).strip()
    heading = f"NHIỆM VỤ TRIỂN KHAI {plan.get_kind_display().upper()} {upper_title(title)}"
    number = plan.number or ("(chưa rõ số)" if plan.status == "issued" else "     ")
    issued = date_in_words(plan.issued_on) if plan.issued_on else "ngày      tháng      năm     "
    attached = f"(Kèm theo {plan.get_kind_display()} số {number} {issued} của {plan.issuer.name})"
    return heading, attached


EXTRA_WIDTH = 20  # columns of the appendix beyond the standard ones
#: Column of the cell an inferred field is marked on (lead → ĐƠN VỊ CHỦ TRÌ, the higher
#: task → NỘI DUNG NHIỆM VỤ).
MARK_COLUMN = {"lead": 3, "source_task": 2}


def write_appendix(plan, tasks: list[Task] | None = None) -> bytes:
    """The plan's appendix as .xlsx bytes (3 queries when `tasks` is not given, a few more
    when names of its cells were mapped to units).

    A name typed in the imported file and later mapped to a unit (an alias) is printed as
    the unit's name (`unresolved.printed_cells`), so that the file reads back to the same
    units anywhere in the province; unresolved names stay as written.

    Values the app inferred (suy luận) and nobody confirmed yet get a comment on their cell
    and are listed, with the reason, on a second sheet "Suy luận" (the importer reads the
    first sheet with an appendix header, so the file still imports back unchanged)."""
    from plans.inference import open_inferences

    from .unresolved import printed_cells

    if tasks is None:
        tasks = list(plan.tasks.order_by("position"))
    extra: dict[str, None] = {}  # the other columns of the appendix, in order of appearance
    for t in tasks:
        for header in t.extra_columns or {}:
            extra.setdefault(header, None)
    own, by_task = open_inferences(plan)
    marks = []
    for index, t in enumerate(tasks):
        for field, mark in by_task.get(t.pk, {}).items():
            marks.append((index, t.full_code or t.code, field, mark))
    printed = printed_cells(plan)
    rows = [
        (
            t.kind == Task.Kind.SECTION,
            t.code,
            t.content,
            lead_cell(t, printed[t.pk][0] if t.pk in printed else None),
            printed[t.pk][1] if t.pk in printed else t.coordinating_text,
            t.product,
            t.timeframe_text,
            *((t.extra_columns or {}).get(header, "") for header in extra),
        )
        for t in tasks
    ]
    plan_marks = [("", mark.field_label, mark.reason) for mark in own.values()]
    return write_rows(
        rows, *plan_heading(plan), extra_headers=list(extra), marks=marks, plan_marks=plan_marks
    )


def lead_cell(task: Task, text: str | None = None) -> str:
    """The lead cell as printed (`text`, or the task's own): "Đơn vị thực hiện: …" where the
    document heads it so (the importer reads the heading back)."""
    text = task.lead_text if text is None else text
    if task.lead_heading == Task.LeadHeading.PERFORMING and text:
        return f"{PERFORMING_PREFIX} {text}"
    return text


def write_rows(
    rows,
    heading: str = "",
    attached: str = "",
    extra_headers: list[str] | None = None,
    marks=(),
    plan_marks=(),
) -> bytes:
    """Rows (is_section, STT, content, lead, coordinating, product, timeframe, then one cell
    per extra header) as .xlsx; `extra_headers` are the appendix's other columns; `marks`
    [(row index, STT, field, inference)] and `plan_marks` [("", field, reason)] are the
    inferred values (see `write_appendix`)."""
    columns = [*COLUMNS, *((header, EXTRA_WIDTH) for header in extra_headers or [])]
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    add_styles(wb)
    names = {
        "title": "ct39_heading",
        "subtitle": "ct39_subtitle",
        "cell": "ct39_text",
        "code": "ct39_code",
        "section": "ct39_section",
        "section_code": "ct39_section_code",
    }
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
    widths = [width for _label, width in columns]
    header_row(ws, HEADER_ROW, [label for label, _width in columns], widths, height=32)

    row = HEADER_ROW
    section_width = sum(widths[1:])
    for is_section, code, content, *cells in rows:
        row += 1
        if is_section:
            _put(ws, row, 1, code, names["section_code"])
            _put(ws, row, 2, content, names["section"])
            for column in range(3, last + 1):
                ws.cell(row=row, column=column).style = names["section"]
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=last)
            ws.row_dimensions[row].height = row_height([(content, section_width)])
            continue
        _put(ws, row, 1, code, names["code"])
        texts = (content, *cells)
        for column, text in enumerate(texts, start=2):
            _put(ws, row, column, text, names["cell"])
        ws.row_dimensions[row].height = row_height(zip(texts, widths[1:], strict=False))

    listed = list(plan_marks)
    for index, code, field, mark in marks:
        cell = ws.cell(row=HEADER_ROW + 1 + index, column=MARK_COLUMN.get(field, 2))
        cell.comment = Comment(f"Suy luận ({mark.field_label}): {mark.reason}", "Hệ thống")
        listed.append((code, mark.field_label, mark.reason))
    if listed:
        notes = wb.create_sheet("Suy luận")
        header_row(notes, 1, ["STT", "NỘI DUNG SUY LUẬN", "LÝ DO"], [8, 28, 100], height=None)
        for n, texts in enumerate(listed, start=2):
            for column, text in enumerate(texts, start=1):
                _put(notes, n, column, text, names["cell"])

    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    # The official layout of the appendix: no AutoFilter buttons on it.
    print_setup(ws, HEADER_ROW, last, row, autofilter=False)
    ws.print_options.horizontalCentered = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(plan) -> str:
    """ "phu-luc-17-kh-ubnd.xlsx", or the seed key / id for plans without a number."""
    stem = fold(plan.number).replace(" ", "-")
    return f"phu-luc-{stem or plan.seed_key or plan.pk}.xlsx"
