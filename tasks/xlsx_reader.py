"""Read an appendix table from an .xlsx file into `AppendixRow`s, as offices really send them.

The file is checked before any parser touches it (type, size, password, zip bomb); then
every sheet is searched for the header row (STT, NỘI DUNG NHIỆM VỤ, ĐƠN VỊ CHỦ TRÌ …,
with or without diacritics, split over lines, OCR typos), and the rows below it are read
with openpyxl in read-only mode: title rows above the header, repeated header rows,
page-number rows and blank rows are skipped; cells merged down several rows (a lead unit
shared by consecutive tasks) apply to each of them; formulas give their cached value and
are never evaluated; Excel dates in the timeframe column stay dates.

openpyxl parses the XML through defusedxml (installed with the project), so entity
tricks are refused; the merged ranges, which read-only mode does not report, are read
here from the sheet XML with defusedxml too.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from defusedxml import DefusedXmlException
from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from orgunits.text import fold

from .appendix import AppendixRow

#: Column → the header names (folded) it is known by. The first one is how it is printed.
COLUMNS: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "so thu tu", "tt", "so tt"),
    "content": (
        "noi dung nhiem vu",
        "noi dung",
        "nhiem vu",
        "noi dung cong viec",
        "nhiem vu giai phap",
        "ten nhiem vu",
    ),
    "lead": ("don vi chu tri", "chu tri", "co quan chu tri", "don vi thuc hien"),
    "coordinating": ("don vi phoi hop", "phoi hop", "co quan phoi hop"),
    "product": ("san pham", "ket qua san pham", "san pham dau ra", "hinh thuc san pham"),
    "timeframe": (
        "thoi gian thuc hien",
        "thoi han hoan thanh",
        "thoi gian hoan thanh",
        "thoi han",
        "thoi gian",
        "tien do thuc hien",
        "thoi han thuc hien",
    ),
}
#: How each column is printed in the official layout (and named in messages).
COLUMN_LABELS = {
    "stt": "STT",
    "content": "NỘI DUNG NHIỆM VỤ",
    "lead": "ĐƠN VỊ CHỦ TRÌ",
    "coordinating": "ĐƠN VỊ PHỐI HỢP",
    "product": "SẢN PHẨM",
    "timeframe": "THỜI GIAN THỰC HIỆN",
}
REQUIRED = ("stt", "content", "lead")
#: Cells merged down several rows are repeated on each row in these columns only.
FILL_DOWN = ("lead", "coordinating", "product", "timeframe")

HEADER_SEARCH_ROWS = 40  # the header is looked for in the first rows of each sheet
HEADER_SIMILARITY = 0.86  # a header cell this close to a known name is that column
MAX_COLUMNS = 40  # columns read; anything to the right of the table is ignored
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # the whole package once unzipped
MAX_COMPRESSION_RATIO = 200  # per member over 1 MB: more is a zip bomb, not a spreadsheet

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_PAGE_NUMBER_RE = re.compile(r"(?:trang\s*)?[-–(\s]*\d{1,3}[-–)\s]*(?:/\s*\d{1,3})?", re.I)
_COLUMN_NUMBER_RE = re.compile(r"\(?\s*(\d{1,2})\s*\)?")
_LEADING_CODE_RE = re.compile(r"^\s*((?:[IVXL]+|\d+(?:\.\d+)*)[.)]?)\s+(\S.*)$", re.S)
_PLAN_NUMBER_RE = re.compile(r"\bs[oố]\s*:?\s*([0-9][\w\s./\-–]*?/\s*[\w\-–Đđ]+)", re.I)


class AppendixFileError(Exception):
    """The file cannot be read as an appendix; the message tells the user what to do."""


@dataclass
class ReadResult:
    """An appendix table as read from a workbook."""

    rows: list[AppendixRow]
    sheet: str
    header_row: int
    columns: dict[str, int]  # column key → 0-based column index
    title_lines: list[str] = field(default_factory=list)  # text above the header
    skipped: dict[str, int] = field(default_factory=dict)  # reason → number of rows
    row_problems: dict[int, list[str]] = field(default_factory=dict)  # row index → problems
    notes: list[str] = field(default_factory=list)  # remarks about the file as a whole

    @property
    def plan_number(self) -> str:
        """The plan number named in the title rows ("Kèm theo Kế hoạch số 17/KH-UBND …")."""
        for line in self.title_lines:
            if "kem theo" in fold(line):
                match = _PLAN_NUMBER_RE.search(line)
                if match:
                    return re.sub(r"\s+", "", match.group(1))
        return ""


# --- checks before parsing ------------------------------------------------------------------


def _read_bytes(source: str | Path | bytes | BinaryIO) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if path.stat().st_size > limit:
            raise AppendixFileError(_too_big(path.stat().st_size))
        data = path.read_bytes()
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise AppendixFileError(_too_big(len(data)))
    return data


def _too_big(size: int) -> str:
    limit_mb = settings.IMPORT_MAX_BYTES / 1024 / 1024
    return (
        f"Tệp quá lớn ({size / 1024 / 1024:.1f} MB): chỉ nhận tệp đến {limit_mb:g} MB. "
        "Hãy xoá các trang tính, hình ảnh không cần thiết rồi lưu lại."
    )


SAVE_AS_XLSX = (
    "hãy mở tệp bằng Excel (hoặc LibreOffice) và chọn Lưu thành (Save As) → "
    "“Excel Workbook (*.xlsx)”, rồi tải tệp .xlsx lên."
)


def check_file(data: bytes, filename: str = "") -> None:
    """Refuse what is not a plain .xlsx workbook, before openpyxl opens it."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in (".xls", ".csv", ".ods", ".xlsb", ".xlsm", ".txt", ".tsv"):
        kinds = {
            ".xls": "Tệp .xls (Excel 97-2003) không được hỗ trợ",
            ".csv": "Tệp .csv không giữ được định dạng bảng phụ lục",
            ".ods": "Tệp .ods (LibreOffice) không được hỗ trợ",
            ".xlsb": "Tệp .xlsb (Excel nhị phân) không được hỗ trợ",
            ".xlsm": "Tệp .xlsm có chứa macro nên không được nhận",
        }
        lead = kinds.get(suffix, f"Tệp {suffix} không phải bảng tính Excel")
        raise AppendixFileError(f"{lead}: {SAVE_AS_XLSX}")
    if suffix and suffix != ".xlsx":
        raise AppendixFileError(f"Chỉ nhận tệp Excel .xlsx (tệp đã chọn là {suffix}).")
    if not data:
        raise AppendixFileError("Tệp rỗng (0 byte): hãy chọn lại tệp phụ lục .xlsx.")
    if data.startswith(OLE2_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise AppendixFileError(
                "Tệp Excel đang được đặt mật khẩu nên không đọc được: hãy mở tệp, bỏ mật khẩu "
                "(Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu, xoá mật khẩu), "
                "lưu lại rồi tải lên."
            )
        raise AppendixFileError(f"Tệp này là bảng tính Excel 97-2003 (.xls): {SAVE_AS_XLSX}")
    if not data.startswith(ZIP_MAGIC):
        head = data[:2048]
        looks_text = b"\x00" not in head and (b"," in head or b";" in head or b"\t" in head)
        if looks_text:
            raise AppendixFileError(f"Tệp này là văn bản (CSV), không phải .xlsx: {SAVE_AS_XLSX}")
        raise AppendixFileError(
            "Tệp không phải là tệp Excel .xlsx hợp lệ (có thể tệp bị hỏng hoặc chỉ được đổi "
            f"đuôi): {SAVE_AS_XLSX}"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise AppendixFileError(
            "Tệp .xlsx bị hỏng, không mở được: hãy mở lại bằng Excel, lưu lại rồi tải lên."
        ) from exc
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise AppendixFileError(
                "Tệp nén này không phải bảng tính Excel .xlsx (thiếu phần workbook): "
                f"{SAVE_AS_XLSX}"
            )
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNCOMPRESSED_BYTES or (
                info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO
            ):
                raise AppendixFileError(
                    "Tệp bị từ chối vì khi giải nén sẽ quá lớn (nghi là “bom nén” — zip bomb). "
                    "Một phụ lục thật chỉ vài trăm KB: hãy kiểm tra lại tệp hoặc xuất lại từ Excel."
                )
        if any(name.startswith("xl/vbaProject") for name in names):
            raise AppendixFileError(f"Tệp có chứa macro nên không được nhận: {SAVE_AS_XLSX}")


# --- reading ---------------------------------------------------------------------------------


def _match_column(text: str) -> str | None:
    if len(text) > 60:
        return None
    return _match_key(fold(text))


@lru_cache(maxsize=4096)
def _match_key(key: str) -> str | None:
    """The column a folded header name stands for; near misses (OCR typos) too."""
    if not key or len(key) > 40:
        return None
    for column, names in COLUMNS.items():
        if key in names:
            return column
    best, best_ratio = None, HEADER_SIMILARITY
    for column, names in COLUMNS.items():
        for name in names:
            if len(name) < 6:
                continue  # "stt", "tt": too short to guess from
            matcher = difflib.SequenceMatcher(None, key, name)
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = column, ratio
    return best


def _header_columns(values: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        if isinstance(value, str):
            column = _match_column(value)
            if column and column not in found:
                found[column] = index
    return found


def _is_header_again(values: list, columns: dict[str, int]) -> bool:
    """The header row repeated on a later page (checked cheaply first)."""
    for key in ("stt", "content"):
        value = values[columns[key]]
        if isinstance(value, str) and _match_column(value) == key:
            return len(_header_columns(tuple(values))) >= 2
    return False


def _is_column_numbers(values: list) -> bool:
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


def _is_page_number(values: list) -> bool:
    filled = [v for v in values if v not in (None, "")]
    if len(filled) != 1:
        return False
    value = filled[0]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value).is_integer() and 0 < value < 1000
    return isinstance(value, str) and bool(_PAGE_NUMBER_RE.fullmatch(value.strip()))


def _text(value) -> str:
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


#: A merged range in a sheet's XML: <mergeCell ref="A5:G5"/> (any namespace prefix).
_MERGE_CELL_RE = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref=(["'])([^"']+)\1""")


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet as (min_col, min_row, max_col, max_row), 1-based.

    Read-only openpyxl does not report them. A pattern over the sheet's XML finds them:
    openpyxl parses (safely) the same XML for the cells, and a second XML parse just for
    these took a tenth of an import. Cell text cannot fake one: "<" is escaped in XML."""
    with archive.open(path) as source:
        data = source.read()
    ranges = []
    for match in _MERGE_CELL_RE.finditer(data):
        with contextlib.suppress(TypeError, ValueError):
            ranges.append(range_boundaries(match.group(2).decode("ascii", "replace")))
    return ranges


@dataclass
class _Sheet:
    title: str
    values: list[tuple]  # the first rows, for the header search
    header: int | None = None  # 0-based row index of the header
    columns: dict[str, int] = field(default_factory=dict)


def read_appendix(source: str | Path | bytes | BinaryIO, filename: str | None = None) -> ReadResult:
    """Read the appendix table of a workbook, or raise AppendixFileError (in Vietnamese)."""
    if filename is None and isinstance(source, (str, Path)):
        filename = Path(source).name
    data = _read_bytes(source)
    check_file(data, filename or "")
    try:
        return _read_workbook(data)
    except AppendixFileError:
        raise
    except (DefusedXmlException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError,
            EOFError) as exc:  # fmt: skip
        if _caused_by(exc, DefusedXmlException):
            raise AppendixFileError(
                "Tệp chứa cấu trúc XML không an toàn (khai báo thực thể — entity) nên bị từ "
                "chối: hãy mở bằng Excel và lưu lại thành tệp .xlsx mới."
            ) from exc
        raise AppendixFileError(
            "Không đọc được nội dung tệp .xlsx (tệp bị hỏng hoặc không do Excel tạo ra): "
            "hãy mở bằng Excel, lưu lại rồi tải lên."
        ) from exc


def _caused_by(exc: BaseException | None, kind: type) -> bool:
    """openpyxl wraps parser errors in ValueError: look down the exception chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _read_workbook(data: bytes) -> ReadResult:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        sheets = []
        partial: tuple[_Sheet, dict[str, int]] | None = None
        any_data = False
        for ws in workbook.worksheets:
            if not hasattr(ws, "_worksheet_path"):
                continue  # a chart sheet
            ws.reset_dimensions()
            head = []
            for values in ws.iter_rows(
                max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True
            ):
                head.append(values)
            sheet = _Sheet(ws.title, head)
            sheets.append(sheet)
            for index, values in enumerate(head):
                if any(v not in (None, "") for v in values):
                    any_data = True
                columns = _header_columns(values)
                if all(c in columns for c in REQUIRED):
                    sheet.header, sheet.columns = index, columns
                    break
                if len(columns) >= 2 and (partial is None or len(columns) > len(partial[1])):
                    partial = (sheet, columns)
            if sheet.header is not None:
                return _read_sheet(workbook, ws, sheet)
        if not sheets or not any_data:
            raise AppendixFileError(
                "Tệp Excel không có dữ liệu: mọi trang tính đều trống. Hãy kiểm tra lại tệp."
            )
        if partial is not None:
            sheet, columns = partial
            missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in columns]
            raise AppendixFileError(
                f"Dòng tiêu đề của bảng (trang tính “{sheet.title}”) thiếu cột bắt buộc: "
                f"{', '.join(missing)}. Hãy thêm cột với đúng tên đó vào dòng tiêu đề."
            )
        titles = ", ".join(f"“{s.title}”" for s in sheets)
        raise AppendixFileError(
            f"Không tìm thấy dòng tiêu đề của bảng phụ lục trong các trang tính {titles}. "
            "Bảng cần có dòng tiêu đề gồm các cột STT, NỘI DUNG NHIỆM VỤ, ĐƠN VỊ CHỦ TRÌ "
            "(có thể thêm ĐƠN VỊ PHỐI HỢP, SẢN PHẨM, THỜI GIAN THỰC HIỆN)."
        )
    finally:
        workbook.close()


def _read_sheet(workbook, ws, sheet: _Sheet) -> ReadResult:
    columns = sheet.columns
    header_index = sheet.header
    width = max(columns.values()) + 1
    last_col = width  # 1-based, inclusive
    merged = _merged_ranges(workbook._archive, ws._worksheet_path)
    # (row, col) → (top row, left col) for every cell of a range spanning rows, in the
    # fill-down columns; rows whose section title is merged across the table.
    fill_from: dict[tuple[int, int], tuple[int, int]] = {}
    fill_cols = {columns[c] + 1 for c in FILL_DOWN if c in columns}
    across: dict[int, int] = {}  # row → first column of a merge spanning the table
    for min_col, min_row, max_col, max_row in merged:
        if min_col <= columns["content"] + 1 and max_col >= last_col and max_col > min_col:
            for r in range(min_row, max_row + 1):
                across[r] = min_col
        if max_row > min_row and min_col in fill_cols:
            for r in range(min_row + 1, max_row + 1):
                fill_from[(r, min_col)] = (min_row, min_col)
    needed = {src for src in fill_from.values()}
    kept: dict[tuple[int, int], object] = {}

    title_lines = [
        " ".join(_text(v).strip() for v in values if v not in (None, "")).strip()
        for values in sheet.values[:header_index]
    ]
    result = ReadResult(
        rows=[],
        sheet=sheet.title,
        header_row=header_index + 1,
        columns=columns,
        title_lines=[line for line in title_lines if line],
    )
    skipped = {"header": 0, "page": 0, "blank": 0, "numbers": 0}
    limit = settings.IMPORT_MAX_ROWS
    for number, values in enumerate(
        ws.iter_rows(min_row=header_index + 2, max_col=width, values_only=True),
        start=header_index + 2,
    ):
        values = list(values) + [None] * (width - len(values))
        for c in range(1, width + 1):
            if (number, c) in needed:
                kept[(number, c)] = values[c - 1]
            source = fill_from.get((number, c))
            if source is not None and values[c - 1] in (None, ""):
                values[c - 1] = kept.get(source)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            skipped["blank"] += 1
            continue
        if _is_header_again(values, columns):
            skipped["header"] += 1
            continue
        if _is_page_number(values):
            skipped["page"] += 1
            continue
        if not result.rows and _is_column_numbers(values):
            skipped["numbers"] += 1
            continue
        if len(result.rows) >= limit:
            raise AppendixFileError(
                f"Bảng có hơn {limit:,} dòng dữ liệu (trang tính “{sheet.title}”), vượt giới "
                "hạn một lần nhập: hãy tách phụ lục thành nhiều tệp nhỏ hơn.".replace(",", ".")
            )
        result.rows.append(_row(values, columns, number, across.get(number), result))
    result.skipped = {k: v for k, v in skipped.items() if v}
    header = next(ws.iter_rows(min_row=header_index + 1, max_row=header_index + 1,
                               max_col=width, values_only=True), ())  # fmt: skip
    lead_header = header[columns["lead"]] if columns["lead"] < len(header) else None
    if isinstance(lead_header, str) and "thuc hien" in fold(lead_header):
        # "ĐƠN VỊ THỰC HIỆN": every unit named carries the task out (no single lead).
        for row in result.rows:
            row.lead_heading = "performing"
    if not result.rows:
        raise AppendixFileError(
            f"Bảng phụ lục (trang tính “{sheet.title}”) chỉ có dòng tiêu đề, không có dòng "
            "nhiệm vụ nào bên dưới."
        )
    return result


def _row(values: list, columns: dict[str, int], number: int, across_from, result) -> AppendixRow:
    def cell(key: str):
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    problems = []
    stt_value = cell("stt")
    if isinstance(stt_value, (datetime, date)):
        problems.append(
            f"ô STT bị Excel đổi thành ngày tháng ({_text(stt_value)}): hãy định dạng cột STT "
            "là Văn bản (Text) rồi gõ lại số thứ tự."
        )
    stt = _text(stt_value).strip()
    content = _text(cell("content"))
    if across_from is not None and across_from <= columns["stt"] + 1 and not content.strip():
        # A section title merged across the whole table, code included ("I. Tăng cường …").
        match = _LEADING_CODE_RE.match(stt)
        stt, content = (match.group(1), match.group(2)) if match else ("", stt)
    timeframe = cell("timeframe")
    if isinstance(timeframe, datetime):
        timeframe = timeframe.date()
    if not isinstance(timeframe, date):
        timeframe = _text(timeframe)
    row = AppendixRow(
        stt=stt,
        content=content,
        lead=_text(cell("lead")),
        coordinating=_text(cell("coordinating")),
        product=_text(cell("product")),
        timeframe=timeframe,
        source_row=number,
    )
    if problems:
        result.row_problems[len(result.rows)] = problems
    return row
