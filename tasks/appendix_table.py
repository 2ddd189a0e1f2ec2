"""Rows of cells of an appendix table (from a workbook or a Word document) → `ReadResult`.

Both readers (`xlsx_reader`, `docx_reader`) hand their table here as plain rows of cell
values, merged cells already applied: `find_header` finds the header (one row, or two
when a group header such as "Đơn vị thực hiện" stands over "Chủ trì" | "Phối hợp"),
naming each column by its meaning (`tasks.columns`), and `read_rows` turns the rows
below it into `AppendixRow`s, skipping every repeated header row, every "(1) (2) (3) …"
column-number row, page numbers and blank rows, and keeping the text of extra columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings

from config.numbers import count_text
from orgunits.text import fold

from .appendix import AppendixRow
from .columns import classify_header, split_performers

#: How each column is printed in the official layout (and named in messages).
COLUMN_LABELS = {
    "stt": "STT",
    "content": "NỘI DUNG NHIỆM VỤ",
    "lead": "ĐƠN VỊ CHỦ TRÌ",
    "coordinating": "ĐƠN VỊ PHỐI HỢP",
    "product": "SẢN PHẨM",
    "timeframe": "THỜI GIAN THỰC HIỆN",
}
REQUIRED = ("stt", "content", "lead")  # "lead" is also met by a "both" column
#: Cells merged down several rows are repeated on each row in these columns; the task
#: column too, but only where its cell really is merged (see `MERGED_TASK`).
FILL_DOWN = ("lead", "coordinating", "both", "product", "timeframe")

MERGED_TASK = "content"
"""A task cell merged down over rows of its own (an .xlsx merged range, a Word ``vMerge``).

Real tables do this when one task has several lead units, each with its own coordinating
units, period and product: Quyết định 222/QĐ-TTg (fixtures/corpus/ttg-222-qd-ttg) prints
task 2.2.1 once, its TT and task cells merged over two rows, the first "Bộ Tài nguyên và
Môi trường … 2025 - 2026", the second "Các bộ, cơ quan ngang bộ; Ủy ban nhân dân cấp tỉnh
… 2025 - 2035". The readers fill the task text down into such rows (never the STT, left
empty): each row becomes a task of its own with the same text, no code, right after the
numbered one. Merging them into the numbered task instead would lose which lead is due
when: a task has one timeframe and one product, and "2025 - 2026 / 2025 - 2035" in one
cell reads as no deadline at all, so neither lead could ever be late. The preview says
which rows were read so (`ReadResult.notes`).

Only a real merge is filled: a row whose STT and task cells are empty without a merge (a
stray row, the tail of a row split by a page break in a table retyped by hand) is left out
of the import and named in a note (`read_rows`), never a reason to refuse the file.
"""

_PAGE_NUMBER_RE = re.compile(r"(?:trang\s*)?[-–(\s]*\d{1,3}[-–)\s]*(?:/\s*\d{1,3})?", re.I)
_COLUMN_NUMBER_RE = re.compile(r"\(?\s*(\d{1,2})\s*\)?")
_LEADING_CODE_RE = re.compile(r"^\s*((?:[IVXL]+|\d+(?:\.\d+)*)[.)]?)\s+(\S.*)$", re.S)
_PLAN_NUMBER_RE = re.compile(r"\bs[oố]\s*:?\s*([0-9][\w\s./\-–]*?/\s*[\w\-–Đđ]+)", re.I)
_SPACES_RE = re.compile(r"\s+")


class AppendixFileError(Exception):
    """The file cannot be read as an appendix; the message tells the user what to do."""


@dataclass
class ReadResult:
    """An appendix table as read from a workbook or a Word document."""

    rows: list[AppendixRow]
    sheet: str
    header_row: int
    columns: dict[str, int]  # column key → 0-based column index
    title_lines: list[str] = field(default_factory=list)  # text above the header
    skipped: dict[str, int] = field(default_factory=dict)  # reason → number of rows
    row_problems: dict[int, list[str]] = field(default_factory=dict)  # row index → problems
    notes: list[str] = field(default_factory=list)  # remarks about the file as a whole
    extra_columns: dict[int, str] = field(default_factory=dict)  # index → header as printed
    place: str = ""  # where the table is, for messages ("trang tính “Sheet1”")

    @property
    def plan_number(self) -> str:
        """The plan number named in the title rows ("Kèm theo Kế hoạch số 17/KH-UBND …")."""
        for line in self.title_lines:
            if "kem theo" in fold(line):
                match = _PLAN_NUMBER_RE.search(line)
                if match:
                    return re.sub(r"\s+", "", match.group(1))
        return ""


# --- the header --------------------------------------------------------------------------------


@dataclass
class Header:
    """Where the header is and what each column holds."""

    index: int  # 0-based row of its first line
    height: int  # 1, or 2 for a group header over sub-headers
    roles: dict[int, str]  # column index → role ("extra" for other titled columns)
    labels: dict[int, str]  # column index → header text as printed (one line)
    rows: list[dict[int, str]] = field(default_factory=list)  # each header line's roles

    @property
    def columns(self) -> dict[str, int]:
        """Role → the first column holding it (extra columns left out); of two timeframe
        columns ("Thời gian bắt đầu", "Thời gian hoàn thành") the deadline one; of two
        task columns ("Nội dung hành động", "Hành động cụ thể") the specific one, the
        other being the group each task belongs to (kept as an extra column)."""
        found: dict[str, int] = {}
        for index in sorted(self.roles):
            role = self.roles[index]
            if role == "extra":
                continue
            if role not in found or _preferred(
                role, self.labels.get(index, ""), self.labels.get(found[role], "")
            ):
                found[role] = index
        return found

    @property
    def extras(self) -> dict[int, str]:
        """Column index → label of the columns kept as "other columns" text."""
        columns = self.columns
        used = set(columns.values())
        result = {}
        for index in sorted(self.roles):
            role = self.roles[index]
            if index in used or not self.labels.get(index):
                continue
            if role == "both" and "lead" not in columns:
                continue
            result[index] = self.labels[index]
        return result

    @property
    def width(self) -> int:
        return max(self.roles) + 1

    @property
    def missing(self) -> list[str]:
        return missing_columns(self.columns)


def _is_deadline(label: str) -> bool:
    key = f" {fold(label)} "
    return any(f" {word} " in key for word in ("hoan thanh", "thoi han", "ket thuc", "han"))


def _is_specific(label: str) -> bool:
    return " cu the " in f" {fold(label)} "


def _preferred(role: str, label: str, than: str) -> bool:
    """Whether a second column of `role` headed `label` holds it rather than the first."""
    test = {"timeframe": _is_deadline, "content": _is_specific}.get(role)
    return test is not None and test(label) and not test(than)


def missing_columns(columns: dict[str, int]) -> list[str]:
    have = set(columns)
    if "both" in have:
        have.add("lead")
    return [COLUMN_LABELS[c] for c in REQUIRED if c not in have]


def _label(value) -> str:
    return _SPACES_RE.sub(" ", value).strip() if isinstance(value, str) else ""


def _roles(values: Sequence) -> dict[int, str]:
    """Column → role of the cells that read as header names."""
    found = {}
    for index, value in enumerate(values):
        role = classify_header(value) if isinstance(value, str) else None
        if role is not None:
            found[index] = role
    return found


def _filled(values: Sequence) -> list[int]:
    return [
        i
        for i, v in enumerate(values)
        if v is not None and not (isinstance(v, str) and not v.strip())
    ]


def _first_roles(roles: dict[int, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index in sorted(roles):
        if roles[index] != "extra":
            found.setdefault(roles[index], index)
    return found


def _sub_header(top: Sequence, top_roles: dict[int, str], below: Sequence) -> dict[int, str] | None:
    """The roles of `below` if it is the second line of a two-line header.

    Every filled cell reads as a header name, one at least as a role, and each stands
    under a group header ("Đơn vị thực hiện", "Nguồn kinh phí") or under a merged (empty)
    cell of the first line."""
    filled = _filled(below)
    if not filled or len(_first_roles(top_roles)) < 2:
        return None  # the first line must itself be a header line, not a title
    roles = _roles(below)
    if len(roles) != len(filled) or all(r == "extra" for r in roles.values()):
        return None
    top_filled = set(_filled(top))
    for index, role in roles.items():
        above = top_roles.get(index)
        if index in top_filled and above not in ("both", "extra") and above != role:
            return None
    return roles


def find_header(rows: Sequence[Sequence]) -> tuple[Header | None, dict[str, int]]:
    """The header among the first rows of a table, or (None, the best partial header)."""
    partial: dict[str, int] = {}
    for index, values in enumerate(rows):
        roles = _roles(values)
        if not roles:
            continue
        below = rows[index + 1] if index + 1 < len(rows) else ()
        sub = _sub_header(values, roles, below) if below else None
        if sub is not None:
            combined = dict(roles)
            labels = {i: _label(values[i]) for i in _filled(values)}
            group = ""
            for i in range(max(len(values), len(below))):
                top_text = _label(values[i]) if i < len(values) else ""
                group = top_text or group
                if i in sub:
                    sub_text = _label(below[i])
                    role = sub[i]
                    if role == "extra" and roles.get(i) not in (None, "both", "extra"):
                        continue
                    combined[i] = role
                    if role == "extra" and group and group != sub_text:
                        labels[i] = f"{group} – {sub_text}"
                    else:
                        labels[i] = sub_text
            if not missing_columns(_first_roles(combined)):
                return Header(index, 2, combined, labels, [roles, sub]), {}
        columns = _first_roles(roles)
        if not missing_columns(columns):
            labels = {i: _label(values[i]) for i in roles}
            return Header(index, 1, roles, labels, [roles]), {}
        if len(columns) >= 2 and len(columns) > len(partial):
            partial = columns
    return None, partial


# --- the rows ----------------------------------------------------------------------------------


@dataclass
class TableRow:
    """One row of the table below the header, merged cells applied."""

    number: int  # row number in the source, for messages
    values: list
    across: int | None = None  # 0-based first column of a merge spanning the table
    marked_header: bool = False  # marked "repeat as header row" (Word)
    #: The source row the task cell is merged down from (`MERGED_TASK`), when it is.
    continues: int | None = None


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def is_column_numbers(values: Sequence) -> bool:
    """A row "(1) (2) (3) …" or "1 2 3 …" printed under the header."""
    numbers = []
    for value in values:
        if value is None or value == "":
            continue
        match = _COLUMN_NUMBER_RE.fullmatch(str(value).strip())
        if not match:
            return False
        numbers.append(int(match.group(1)))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def is_page_number(values: Sequence) -> bool:
    filled = [v for v in values if v not in (None, "")]
    if len(filled) != 1:
        return False
    value = filled[0]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value).is_integer() and 0 < value < 1000
    return isinstance(value, str) and bool(_PAGE_NUMBER_RE.fullmatch(value.strip()))


def is_header_again(values: Sequence, header: Header) -> bool:
    """A line of the header repeated further down (at a printed page break)."""
    filled = _filled(values)
    if len(filled) < 2 or any(
        not isinstance(values[i], str) or len(values[i]) > 80 for i in filled
    ):
        return False  # the usual data row: a number, a date or a long text somewhere
    lines = list(header.rows)
    for index in filled:  # the first cell that names no column of the header ends it
        role = classify_header(values[index])
        lines = [line for line in lines if line.get(index) == role]
        if not lines:
            return False
    return True


def read_rows(
    rows: Iterable[TableRow],
    header: Header,
    *,
    sheet: str,
    place: str,
    title_lines: Sequence[str] = (),
    header_row: int | None = None,
) -> ReadResult:
    """The appendix rows below the header. `place` names the table in messages."""
    columns = header.columns
    extras = header.extras
    result = ReadResult(
        rows=[],
        sheet=sheet,
        header_row=header_row if header_row is not None else header.index + 1,
        columns=columns,
        title_lines=[line for line in title_lines if line],
        extra_columns=extras,
        place=place,
    )
    skipped = {"header": 0, "page": 0, "blank": 0, "numbers": 0}
    continued: list[tuple[int, int]] = []  # (row, the row its task cell is merged from)
    no_task: list[str] = []  # what rows without STT and task text hold
    limit = settings.IMPORT_MAX_ROWS
    width = header.width
    for row in rows:
        values = list(row.values[:width])
        if len(values) < width:
            values += [None] * (width - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            skipped["blank"] += 1
            continue
        if is_column_numbers(values):
            skipped["numbers"] += 1
            continue
        if row.marked_header or is_header_again(values, header):
            skipped["header"] += 1
            continue
        if is_page_number(values):
            skipped["page"] += 1
            continue
        if len(result.rows) >= limit:
            raise AppendixFileError(
                f"Bảng có hơn {count_text(limit)} dòng dữ liệu ({place}), vượt giới "
                "hạn một lần nhập: hãy tách phụ lục thành nhiều tệp nhỏ hơn.".replace(",", ".")
            )
        appendix_row = _row(values, header, columns, extras, row, result)
        if not appendix_row.stt.strip() and not text_of(appendix_row.content).strip():
            result.row_problems.pop(len(result.rows), None)
            no_task.append(_without_task(row.number, appendix_row, header, columns))
            continue
        if row.continues is not None:
            continued.append((row.number, row.continues))
        result.rows.append(appendix_row)
    result.skipped = {k: v for k, v in skipped.items() if v}
    if continued:
        rows_named = ", ".join(f"{number} (gộp từ dòng {top})" for number, top in continued)
        result.notes.append(
            "Ô nội dung nhiệm vụ được gộp xuống các dòng có đơn vị chủ trì, thời gian riêng "
            f"(dòng {rows_named}): mỗi dòng được nhập thành một nhiệm vụ cùng nội dung với "
            "dòng trên, không có STT riêng."
        )
    for text in no_task[:MAX_NAMED_ROWS]:
        result.notes.append(text)
    if len(no_task) > MAX_NAMED_ROWS:
        result.notes.append(
            f"… và {len(no_task) - MAX_NAMED_ROWS} dòng khác không có STT và nội dung nhiệm "
            "vụ, cũng đã bỏ qua."
        )
    lead_label = fold(header.labels.get(columns["lead"], "")) if "lead" in columns else ""
    if "thuc hien" in lead_label and "chu tri" not in lead_label:
        # "ĐƠN VỊ THỰC HIỆN" (not "Đơn vị thực hiện – Chủ trì"): every unit named carries
        # the task out, as the Đồng Nai plan prints it; kept apart from "chủ trì".
        for appendix_row in result.rows:
            appendix_row.lead_heading = "performing"
    if "both" in columns and "lead" not in columns:
        label = header.labels.get(columns["both"]) or "Cơ quan thực hiện"
        result.notes.append(
            f"Cột “{label}” ghi cả đơn vị chủ trì và phối hợp: đã tách theo từng ô "
            "(“X chủ trì, phối hợp với Y”; ô không ghi vai trò được coi là đơn vị chủ trì)."
        )
    if extras:
        names = ", ".join(f"“{label}”" for label in extras.values())
        result.notes.append(f"Các cột khác được đọc kèm theo từng nhiệm vụ: {names}.")
    if not result.rows:
        raise AppendixFileError(
            f"Bảng phụ lục ({place}) chỉ có dòng tiêu đề, không có dòng nhiệm vụ nào bên dưới."
        )
    return result


#: Rows without STT and task text named one by one in the notes; the rest are counted.
MAX_NAMED_ROWS = 20


def _without_task(number: int, row: AppendixRow, header: Header, columns) -> str:
    """The note for a row with neither STT nor task text (not a merged task cell)."""
    cells = []
    for key in ("lead", "coordinating", "product", "timeframe"):
        text = _SPACES_RE.sub(" ", text_of(getattr(row, key))).strip()
        index = columns.get(key, columns.get("both") if key == "lead" else None)
        if text and index is not None:
            label = header.labels.get(index) or COLUMN_LABELS[key]
            cells.append(f"{label} “{text[:60]}{'…' if len(text) > 60 else ''}”")
    held = f" (có: {'; '.join(cells)})" if cells else ""
    return (
        f"Dòng {number} không có STT và nội dung nhiệm vụ{held}: đã bỏ qua, không nhập. Nếu "
        "đây là phần tiếp theo của nhiệm vụ phía trên, hãy chép vào ô của nhiệm vụ đó hoặc "
        "gộp ô nội dung nhiệm vụ của hai dòng."
    )


def _row(values: list, header: Header, columns, extras, source: TableRow, result) -> AppendixRow:
    def cell(key: str):
        index = columns.get(key)
        return values[index] if index is not None else None

    problems = []
    stt_value = cell("stt")
    if isinstance(stt_value, (datetime, date)):
        problems.append(
            f"ô STT bị Excel đổi thành ngày tháng ({text_of(stt_value)}): hãy định dạng cột STT "
            "là Văn bản (Text) rồi gõ lại số thứ tự."
        )
    stt = text_of(stt_value).strip()
    content = text_of(cell("content"))
    if source.across is not None and source.across <= columns.get("stt", 0) and not content.strip():
        # A section title merged across the whole table, code included ("I. Tăng cường …").
        match = _LEADING_CODE_RE.match(stt)
        stt, content = (match.group(1), match.group(2)) if match else ("", stt)
    timeframe = cell("timeframe")
    if isinstance(timeframe, datetime):
        timeframe = timeframe.date()
    if not isinstance(timeframe, date):
        timeframe = text_of(timeframe)
    lead = text_of(cell("lead"))
    coordinating = text_of(cell("coordinating"))
    lead_heading = ""
    if "lead" not in columns and "both" in columns:
        both = text_of(cell("both"))
        lead, named = split_performers(both)
        coordinating = "\n".join(t for t in (named, coordinating) if t.strip())
        label = fold(header.labels.get(columns["both"], ""))
        if "thuc hien" in label and not named and "chu tri" not in fold(both):
            # "ĐƠN VỊ THỰC HIỆN" naming units with no role: every one carries the task out
            # (the Đồng Nai layout), kept apart from a lead ("chủ trì").
            lead_heading = "performing"
    extra: dict[str, str] = {}
    for index, label in extras.items():
        text = text_of(values[index]).strip()
        if text:
            key, n = label, 2
            while key in extra:
                key, n = f"{label} ({n})", n + 1
            extra[key] = text
    row = AppendixRow(
        stt=stt,
        content=content,
        lead=lead,
        coordinating=coordinating,
        product=text_of(cell("product")),
        timeframe=timeframe,
        note=text_of(cell("note")).strip(),
        source_row=source.number,
        extra=extra,
        lead_heading=lead_heading,
    )
    if problems:
        result.row_problems[len(result.rows)] = problems
    return row
