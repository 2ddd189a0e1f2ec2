"""The dashboard's tables as .xlsx, exactly as filtered on the page (every row).

Cells are styled with a few NamedStyles registered once per workbook (about twice as fast
as styling each cell). Figures are the dashboard's own (`figures.py`), so the export and
the page agree to the unit.
"""

from __future__ import annotations

import io
from datetime import date

from config.progress import Ticker
from orgunits.models import OrgUnit
from reports import consolidate
from reports.models import ProgressReport
from reports.timeliness import Submission, Timeliness
from tasks.xlsx_writer import add_styles, header_row, print_setup, put_cell, row_height

from . import figures as dash

T = Timeliness
KINDS = dict(OrgUnit.Kind.choices)
STATUS = dict(ProgressReport.Status.choices)
STATE = dict(ProgressReport.State.choices)
FILLS = {  # colour-blind-safe (Okabe–Ito), light; the word is always in the cell
    T.DONE_ON_TIME: "CCEBE1",
    T.DONE_LATE: "FBF5C4",
    T.NOT_DONE_IN_TIME: "CCE3F0",
    T.NOT_DONE_OVERDUE: "F7D5C2",
    T.NO_DEADLINE: "E6E6E6",
}
# The consolidated report's columns (one definition), plus the dashboard's two extra ones.
COUNT_HEADERS = [
    *consolidate.COUNT_HEADERS, "Sắp đến hạn", "Tỷ lệ hoàn thành (% đến hạn trong kỳ)"
]  # fmt: skip
SUBMISSION_HEADERS = consolidate.SUBMISSION_HEADERS
ONE_LINE = row_height([])  # a row of one line keeps the default height


class Sheet:
    """A worksheet written row by row with named styles."""

    def __init__(self, title: str):
        from openpyxl import Workbook

        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = title[:31]
        # The styles every export shares, and the status colours of this one.
        add_styles(self.wb, fills={f"ct39_{key}": fill for key, fill in FILLS.items()})
        self.row = 1
        self.header_row = self.last_data = 0
        self.widths: list[int] = []

    def title(self, lines: list[str]) -> None:
        for i, text in enumerate(lines):
            put_cell(self.ws, self.row, 1, text, "ct39_title" if i == 0 else "ct39_note")
            self.row += 1
        self.row += 1

    def header(self, titles: list[str], widths: list[int]) -> None:
        header_row(self.ws, self.row, titles, widths)
        self.ws.freeze_panes = self.ws.cell(row=self.row + 1, column=3)
        self.header_row, self.widths = self.row, list(widths)
        self.row += 1

    def line(self, values: list, styles: list[str]) -> None:
        ws, r = self.ws, self.row
        for col, (value, style) in enumerate(zip(values, styles, strict=True), start=1):
            put_cell(ws, r, col, value, style)
        height = row_height(zip(values, self.widths, strict=False))
        if height > ONE_LINE:
            ws.row_dimensions[r].height = height
        if "ct39_total" not in styles:  # the total row stays out of the AutoFilter
            self.last_data = r
        self.row += 1

    def save(self) -> bytes:
        print_setup(self.ws, self.header_row, len(self.widths), self.last_data)
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


def _title(heading: str, scope: dash.Scope, f: dash.Filters, d, today: date) -> list[str]:
    where = "Toàn quốc" if scope.unit is None else scope.unit.name
    if scope.is_pgd:
        where += " (các xã, phường do phòng giao dịch phục vụ)"
    return [
        heading,
        f"{where} — năm {f.year}",
        "Bộ lọc: " + dash.describe_filters(f, d),
        f"Số liệu tính đến ngày {today:%d/%m/%Y}. Mỗi phân công (đơn vị × nhiệm vụ) tính một "
        "lần; nhiệm vụ tính một lần theo báo cáo của đơn vị chủ trì.",
    ]


def rate_lines(tasks: dash.Figures, lines: dash.Figures) -> list[str]:
    """The rates in words with their denominators, as on the page."""
    return [
        f"Tỷ lệ hoàn thành (nhiệm vụ): {tasks.task_completion_text}. "
        f"Tỷ lệ hoàn thành (phân công): {lines.completion_text}.",
        f"{lines.ongoing.text} (phân công). Tỷ lệ cập nhật: {lines.update_text}; "
        f"tỷ lệ dòng báo cáo nộp đúng hạn: {lines.s[Submission.ON_TIME]}/{lines.n}.",
    ]


def count_cells(fig: dash.Figures) -> list:
    t = fig.t
    return [
        fig.n, fig.due,
        t[T.DONE_ON_TIME], fig.rate(T.DONE_ON_TIME),
        t[T.DONE_LATE], fig.rate(T.DONE_LATE),
        t[T.NOT_DONE_IN_TIME], fig.rate(T.NOT_DONE_IN_TIME),
        t[T.NOT_DONE_OVERDUE], fig.rate(T.NOT_DONE_OVERDUE),
        t[T.NO_DEADLINE], t[dash.DUE_SOON], fig.completion_rate,
    ]  # fmt: skip


def task_cells(fig: dash.Figures) -> list:
    k = fig.k
    return [
        fig.tasks, fig.tasks_due,
        k[T.DONE_ON_TIME], fig.task_rate(T.DONE_ON_TIME),
        k[T.DONE_LATE], fig.task_rate(T.DONE_LATE),
        k[T.NOT_DONE_IN_TIME], fig.task_rate(T.NOT_DONE_IN_TIME),
        k[T.NOT_DONE_OVERDUE], fig.task_rate(T.NOT_DONE_OVERDUE),
        k[T.NO_DEADLINE], k[dash.DUE_SOON], fig.task_completion_rate,
    ]  # fmt: skip


def submission_cells(fig: dash.Figures) -> list:
    s = fig.s
    units = fig.units_expected or None  # rows without units (plans, sections, tasks): blank
    return [s[Submission.ON_TIME], s[Submission.LATE], s[Submission.MISSING],
            fig.line_submission_rate, units, fig.units_on_time if units else None,
            fig.update_rate]  # fmt: skip


COUNT_STYLES = ["ct39_int", "ct39_int", *["ct39_int", "ct39_pct"] * 4, "ct39_int", "ct39_int",
                "ct39_pct"]  # fmt: skip
SUBMISSION_STYLES = ["ct39_int"] * 3 + ["ct39_pct", "ct39_int", "ct39_int", "ct39_pct"]


def _rate(cell) -> float | None:
    return cell.completion_rate if cell is not None else None


def units_xlsx(scope, f, d) -> bytes:
    sheet = Sheet("Theo đơn vị")
    sheet.title(
        _title("TIẾN ĐỘ THỰC HIỆN THEO ĐƠN VỊ", scope, f, d, d.today)
        + rate_lines(d.tasks, d.current)
    )
    columns = [f"Mục {c.task.full_code or c.task.code}: hoàn thành (%)" for c in d.columns]
    sheet.header(
        ["STT", "Đơn vị", "Loại đơn vị", *COUNT_HEADERS, *SUBMISSION_HEADERS, *columns],
        [6, 40, 18, *[11] * (len(COUNT_HEADERS) + len(SUBMISSION_HEADERS)), *[12] * len(columns)],
    )
    if d.columns:
        note = sheet.ws.cell(row=3, column=1).value
        put_cell(sheet.ws, 3, 1, f"{note} Các cột mục theo {d.matrix_plan_label}.")
    styles = ["ct39_int", "ct39_text", "ct39_text", *COUNT_STYLES, *SUBMISSION_STYLES]
    styles += ["ct39_pct"] * len(d.columns)
    total = dash.Figures()
    for n, row in enumerate(d.units, start=1):
        total.add(row.figures)
        cells = [(row.cells.get(c.tree_id) or dash.Figures()).completion_rate for c in d.columns]
        sheet.line(
            [n, row.name, KINDS.get(row.kind, row.kind), *count_cells(row.figures),
             *submission_cells(row.figures), *cells],
            styles,
        )  # fmt: skip
    sheet.line(
        ["", "Tổng cộng", "", *count_cells(total), *submission_cells(total),
         *[_rate(d.column_totals.get(c.tree_id)) for c in d.columns]],
        ["ct39_total"] * len(styles),
    )  # fmt: skip
    return sheet.save()


def drill_xlsx(scope, f, d) -> bytes:
    level = {"plan": "KẾ HOẠCH", "section": "MỤC", "task": "NHIỆM VỤ"}[d.level]
    sheet = Sheet(f"Theo {level.lower()}")
    sheet.title(
        _title(f"TIẾN ĐỘ THỰC HIỆN THEO {level}", scope, f, d, d.today)
        + rate_lines(d.tasks, d.current)
    )
    task_headers = [f"Nhiệm vụ: {h.lower()}" for h in COUNT_HEADERS]
    line_headers = [f"Phân công: {h.lower()}" for h in COUNT_HEADERS]
    sheet.header(
        ["STT", "Nội dung", *task_headers, *line_headers, *SUBMISSION_HEADERS],
        [8, 60, *[11] * (2 * len(COUNT_HEADERS) + len(SUBMISSION_HEADERS))],
    )
    styles = ["ct39_text", "ct39_text", *COUNT_STYLES, *COUNT_STYLES, *SUBMISSION_STYLES]
    for n, row in enumerate(d.drill, start=1):
        sheet.line(
            [row.code or n, row.label, *task_cells(row.figures), *count_cells(row.figures),
             *submission_cells(row.figures)],
            styles,
        )  # fmt: skip
    sheet.line(
        ["", "Tổng cộng", *task_cells(d.tasks), *count_cells(d.tasks), *submission_cells(d.tasks)],
        ["ct39_total"] * len(styles),
    )
    return sheet.save()


def periods_xlsx(scope, f, d) -> bytes:
    sheet = Sheet("Tỷ lệ cập nhật")
    sheet.title(_title(f"TỶ LỆ CẬP NHẬT BÁO CÁO THEO KỲ — NĂM {f.year}", scope, f, d, d.today))
    sheet.header(
        ["STT", "Kế hoạch", "Kỳ báo cáo", "Hạn báo cáo", "Dòng phải báo cáo", *SUBMISSION_HEADERS],
        [6, 50, 30, 12, *[11] * (1 + len(SUBMISSION_HEADERS))],
    )
    styles = ["ct39_int", "ct39_text", "ct39_text", "ct39_date", "ct39_int", *SUBMISSION_STYLES]
    n = 0
    for row in d.year_periods:
        fig = dash.rate_figures(row)
        if not fig.n:
            continue
        n += 1
        sheet.line(
            [n, dash.plan_label(row), dash.period_label(row), row["cutoff"], fig.n,
             *submission_cells(fig)],
            styles,
        )  # fmt: skip
    return sheet.save()


LINE_HEADERS = [
    "STT",
    "Đơn vị",
    "Kế hoạch",
    "Mã",
    "Nhiệm vụ",
    "Vai trò",
    "Hạn hoàn thành",
    "Tình trạng đơn vị báo cáo",
    "Ngày hoàn thành",
    "Đánh giá",
    "Số ngày quá hạn",
    "Nộp báo cáo",
    "Trạng thái báo cáo",
]
LINE_WIDTHS = [7, 34, 26, 8, 60, 10, 12, 20, 12, 24, 10, 14, 18]


def _line_values(n: int, line, today: date, plan: str | None = None) -> tuple[list, list]:
    reported = line.state in ProgressReport.REPORTED_STATES
    status = STATUS.get(line.status, "") if reported else "Chưa báo cáo"
    late = (today - line.dl).days if line.tl == T.NOT_DONE_OVERDUE else None
    values = [
        n,
        line.unit.short_name or line.unit.name,
        plan if plan is not None else line.period.plan.label,
        line.task.full_code or line.task.code,
        line.task.content,
        dash.ROLE_LABELS.get(line.role, line.role),
        line.dl,
        status,
        line.completed_on if reported else None,
        T.LABELS[line.tl],
        late,
        Submission.LABELS[line.sub],
        STATE.get(line.state, line.state),
    ]
    styles = ["ct39_int", "ct39_text", "ct39_text", "ct39_text", "ct39_text", "ct39_text",
              "ct39_date", "ct39_text", "ct39_date", f"ct39_{line.tl}", "ct39_int", "ct39_text",
              "ct39_text"]  # fmt: skip
    return values, styles


class _Row:
    """A line read with .values() (thousands of rows), shaped as `_line_values` reads it."""

    __slots__ = ("state", "status", "dl", "tl", "sub", "role", "completed_on", "unit", "task")

    def __init__(self, row: dict):
        for key in ("state", "status", "dl", "tl", "sub", "role", "completed_on"):
            setattr(self, key, row[key])
        self.unit = _Names(row["unit__short_name"], row["unit__name"])
        self.task = _Code(row["task__full_code"], row["task__code"], row["task__content"])


class _Names:
    __slots__ = ("short_name", "name")

    def __init__(self, short_name, name):
        self.short_name, self.name = short_name, name


class _Code:
    __slots__ = ("full_code", "code", "content")

    def __init__(self, full_code, code, content):
        self.full_code, self.code, self.content = full_code, code, content


LINE_FIELDS = [
    "state", "status", "dl", "tl", "sub", "role", "completed_on", "unit__short_name",
    "unit__name", "task__full_code", "task__code", "task__content", "period__plan_id",
]  # fmt: skip


def lines_xlsx(scope, f, d, lines, *, overdue: bool, ticker: Ticker | None = None) -> bytes:
    """The assignment lines as .xlsx; `ticker` counts the rows written (a job's progress)."""
    heading = "PHÂN CÔNG QUÁ HẠN" if overdue else "DANH SÁCH PHÂN CÔNG VÀ BÁO CÁO"
    sheet = Sheet("Quá hạn" if overdue else "Phân công")
    sheet.title(_title(heading, scope, f, d, d.today))
    sheet.header(LINE_HEADERS, LINE_WIDTHS)
    labels = {pk: label for pk, label, _ in d.plans}
    rows = lines.values(*LINE_FIELDS).iterator(chunk_size=5000)
    for n, row in enumerate(rows, start=1):
        values, styles = _line_values(n, _Row(row), d.today, labels.get(row["period__plan_id"]))
        sheet.line(values, styles)
        if ticker:
            ticker.tick()
    return sheet.save()


def task_xlsx(scope, task, f, today, lines, ticker: Ticker | None = None) -> bytes:
    sheet = Sheet("Nhiệm vụ")
    where = scope.unit.name
    sheet.title([
        f"NHIỆM VỤ {task.full_code or task.code}: {task.content[:200]}",
        f"{task.plan.label} — {where} — năm {f.year}",
        f"Sản phẩm: {task.product or '—'}; thời gian: {task.timeframe_text or '—'}",
        f"Số liệu tính đến ngày {today:%d/%m/%Y}.",
    ])  # fmt: skip
    sheet.header(["Kỳ báo cáo", *LINE_HEADERS], [22, *LINE_WIDTHS])
    for n, line in enumerate(lines, start=1):
        values, styles = _line_values(n, line, today, task.plan.label)
        kind = line.period.label
        sheet.line([kind, *values], ["ct39_text", *styles])
        if ticker:
            ticker.tick()
    return sheet.save()


def national_xlsx(f, today, provinces, total) -> bytes:
    sheet = Sheet("Toàn quốc")
    sheet.title([
        "TIẾN ĐỘ THỰC HIỆN CHỈ THỊ 39-CT/TW THEO TỈNH, THÀNH PHỐ",
        f"Toàn quốc — năm {f.year}",
        "Bộ lọc: " + dash.describe_filters(f, None),
        f"Số liệu tính đến ngày {today:%d/%m/%Y}. Nhiệm vụ tính một lần theo báo cáo của "
        "đơn vị chủ trì; phân công tính một lần mỗi đơn vị.",
        *rate_lines(total, total),
    ])  # fmt: skip
    task_headers = [f"Nhiệm vụ: {h.lower()}" for h in COUNT_HEADERS]
    line_headers = [f"Phân công: {h.lower()}" for h in COUNT_HEADERS]
    sheet.header(
        ["STT", "Tỉnh, thành phố", *task_headers, *line_headers, *SUBMISSION_HEADERS],
        [6, 34, *[11] * (2 * len(COUNT_HEADERS) + len(SUBMISSION_HEADERS))],
    )
    styles = ["ct39_int", "ct39_text", *COUNT_STYLES, *COUNT_STYLES, *SUBMISSION_STYLES]
    for n, (_, name, fig) in enumerate(provinces, start=1):
        sheet.line([n, name, *task_cells(fig), *count_cells(fig), *submission_cells(fig)], styles)
    sheet.line(
        ["", "Toàn quốc", *task_cells(total), *count_cells(total), *submission_cells(total)],
        ["ct39_total"] * len(styles),
    )
    return sheet.save()


def indicators_xlsx(scope, f, d, rows, by_unit=()) -> bytes:
    """The chosen plan's indicators (chỉ tiêu) rolled up over the scope, against targets;
    then a sheet with each subordinate unit's roll-up (its own subtree)."""
    from reports.indicators import ROLLUP_HEADERS, rollup_rows_cells

    sheet = Sheet("Chỉ tiêu")
    title = _title("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", scope, f, d, d.today)
    title[3] = (
        f"Số liệu tính đến ngày {d.today:%d/%m/%Y}, theo các báo cáo đã nộp và đã chấp nhận "
        "của đơn vị và các đơn vị trực thuộc: số tiền cộng dồn, tỷ lệ (%) lấy bình quân."
    )
    sheet.title(title)
    sheet.header(["STT", *ROLLUP_HEADERS], [6, 50, 12, 30, 16, 16, 12, 14, 36])
    styles = ["ct39_int", "ct39_text", "ct39_text", "ct39_text", "ct39_text", "ct39_text",
              "ct39_int", "ct39_text", "ct39_text"]  # fmt: skip
    for n, cells in enumerate(rollup_rows_cells(rows), start=1):
        sheet.line([n, *cells], styles)
    if not rows:
        sheet.line(["", "Chưa chọn kế hoạch hoặc kế hoạch không đặt chỉ tiêu bằng số.",
                    "", "", "", "", "", "", ""], styles)  # fmt: skip
    if by_unit:
        ws = sheet.wb.create_sheet("Chỉ tiêu theo đơn vị")
        widths = [6, 36, 44, 12, 24, 14, 14, 12, 14, 32]
        header_row(ws, 1, ["STT", "Đơn vị", *ROLLUP_HEADERS], widths, height=None)
        r = 2
        for n, (unit, unit_rows) in enumerate(by_unit, start=1):
            for cells in rollup_rows_cells(unit_rows):
                for col, value in enumerate([n, unit.name, *cells], start=1):
                    ws.cell(row=r, column=col, value=value).style = (
                        "ct39_int" if col in (1, 8) else "ct39_text"
                    )
                r += 1
        ws.freeze_panes = "C2"
    return sheet.save()
