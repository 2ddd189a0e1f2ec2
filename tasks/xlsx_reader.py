"""Read an appendix table from an .xlsx file into `AppendixRow`s, as offices really send them.

The file is checked before any parser touches it (type, size, password, zip bomb); then
every sheet is searched for the header row (STT, NỘI DUNG NHIỆM VỤ, ĐƠN VỊ CHỦ TRÌ …,
with or without diacritics, split over lines, OCR typos), and the rows below it are read
with openpyxl in read-only mode: title rows above the header, repeated header rows,
page-number rows and blank rows are skipped; cells merged down several rows (a lead unit
shared by consecutive tasks) apply to each of them, a task cell too (`appendix_table.
MERGED_TASK`); formulas give their cached value and
are never evaluated; Excel dates in the timeframe column stay dates.

The work is bounded by what an appendix can hold before anything is parsed (see
`xlsx_safety`): XML parts larger than IMPORT_MAX_ROWS rows can take, merged ranges beyond
Excel's grid and any XML part with a DTD are refused; merged ranges are looked up per row,
clipped to the rows read; blank rows and row-number jumps count toward a row limit.
openpyxl parses the sheets and shared strings with defusedxml and the other parts with
lxml (resolve_entities=False, no network, no huge trees); as no part may declare a DTD,
neither has an entity to resolve. XML errors (a "&#0;", a raw control character) are
answered in Vietnamese like every other unreadable file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from defusedxml import DefusedXmlException
from django.conf import settings
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import INLINE_STRING, ROW_TAG, WorkSheetParser

from . import xlsx_safety
from .appendix_table import (
    COLUMN_LABELS,
    FILL_DOWN,
    MERGED_TASK,
    REQUIRED,
    AppendixFileError,
    Header,
    ReadResult,
    TableRow,
    find_header,
    read_rows,
    text_of,
)
from .xlsx_safety import MergeMap, UnsafeFile

__all__ = [
    "COLUMN_LABELS",
    "REQUIRED",
    "AppendixFileError",
    "ReadResult",
    "check_file",
    "read_appendix",
]

HEADER_SEARCH_ROWS = 40  # the header is looked for in the first rows of each sheet
MAX_COLUMNS = 40  # columns read; anything to the right of the table is ignored
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # the whole package once unzipped
MAX_COMPRESSION_RATIO = 200  # per member over 1 MB: more is a zip bomb, not a spreadsheet

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


# --- checks before parsing ------------------------------------------------------------------


def read_bytes(source: str | Path | bytes | BinaryIO) -> bytes:
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
        "Hãy xóa các trang tính, hình ảnh không cần thiết rồi lưu lại."
    )


SAVE_AS_XLSX = (
    "hãy mở tệp bằng Excel (hoặc LibreOffice) và chọn Lưu thành (Save As) → "
    "“Excel Workbook (*.xlsx)”, rồi tải tệp .xlsx lên."
)


def check_unzipped_size(archive: zipfile.ZipFile, program: str) -> None:
    """Refuse a package that would unzip too large (a zip bomb), from its directory only:
    nothing is decompressed. `program` ("Excel", "Word") names what to re-export it from."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED_BYTES or (
            info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO
        ):
            raise AppendixFileError(
                "Tệp bị từ chối vì khi giải nén sẽ quá lớn (nghi là “bom nén” — zip bomb). "
                "Một phụ lục thật chỉ vài trăm KB: hãy kiểm tra lại tệp hoặc xuất lại từ "
                f"{program}."
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
                "(Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu, xóa mật khẩu), "
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
        check_unzipped_size(archive, "Excel")
        if any(name.startswith("xl/vbaProject") for name in names):
            raise AppendixFileError(f"Tệp có chứa macro nên không được nhận: {SAVE_AS_XLSX}")
        try:
            xlsx_safety.check_parts(archive)
        except UnsafeFile as exc:
            raise AppendixFileError(str(exc)) from exc
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
                NotImplementedError) as exc:  # fmt: skip
            raise AppendixFileError(
                "Tệp .xlsx bị hỏng, không mở được: hãy mở lại bằng Excel, lưu lại rồi tải lên."
            ) from exc


# --- reading ---------------------------------------------------------------------------------


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet as (min_col, min_row, max_col, max_row), 1-based.

    Read-only openpyxl does not report them. A pattern over the sheet's XML finds them
    (see `xlsx_safety.merged_ranges`): openpyxl parses (safely) the same XML for the cells,
    and a second XML parse just for these took a tenth of an import."""
    with archive.open(path) as source:
        data = source.read(xlsx_safety.max_part_bytes() + 1)
    try:
        return xlsx_safety.merged_ranges(data)
    except UnsafeFile as exc:
        raise AppendixFileError(str(exc)) from exc


@dataclass
class _Sheet:
    title: str
    values: list[tuple]  # the first rows, for the header search
    header: Header | None = None


#: Rows read between two calls of a read's `progress` (a background job's progress bar).
PROGRESS_ROWS = 200


def read_appendix(
    source: str | Path | bytes | BinaryIO,
    filename: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReadResult:
    """Read the appendix table of a workbook, or raise AppendixFileError (in Vietnamese).
    `progress(rows)` is called every PROGRESS_ROWS rows of the table read."""
    if filename is None and isinstance(source, (str, Path)):
        filename = Path(source).name
    data = read_bytes(source)
    check_file(data, filename or "")
    try:
        return _read_workbook(data, progress)
    except AppendixFileError:
        raise
    except (DefusedXmlException, zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError,
            OSError, EOFError, SyntaxError, NotImplementedError) as exc:  # fmt: skip
        # SyntaxError: the XML parsers' errors (ElementTree's ParseError, lxml's
        # XMLSyntaxError), e.g. a "&#0;" or a raw control character in a cell.
        if _caused_by(exc, DefusedXmlException):
            raise AppendixFileError(xlsx_safety.UNSAFE_XML) from exc
        if _caused_by(exc, SyntaxError):
            raise AppendixFileError(xlsx_safety.INVALID_XML) from exc
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


def _read_workbook(data: bytes, progress=None) -> ReadResult:
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
            if any(v not in (None, "") for values in head for v in values):
                any_data = True
            sheet.header, columns = find_header(head)
            better = partial is None or len(columns) > len(partial[1])
            if sheet.header is None and len(columns) >= 2 and better:
                partial = (sheet, columns)
            if sheet.header is not None:
                return _read_sheet(workbook, ws, sheet, progress)
        if not sheets or not any_data:
            raise AppendixFileError(
                "Tệp Excel không có dữ liệu: mọi trang tính đều trống. Hãy kiểm tra lại tệp."
            )
        if partial is not None:
            sheet, columns = partial
            missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in columns]
            if "both" in columns:
                missing = [m for m in missing if m != COLUMN_LABELS["lead"]]
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


def _read_sheet(workbook, ws, sheet: _Sheet, progress=None) -> ReadResult:
    header = sheet.header
    columns = header.columns
    width = header.width
    # A section title merged across the table reaches the last of the task's own columns.
    last_col = max(columns.values()) + 1  # 1-based, inclusive
    first = header.index + header.height + 1  # 1-based, the first row below the header
    last_row = first - 1 + xlsx_safety.max_sheet_rows()  # 1-based, the last one read
    task_col = columns[MERGED_TASK] + 1  # a task cell merged down: see MERGED_TASK
    merges = MergeMap(
        _merged_ranges(workbook._archive, ws._worksheet_path),
        fill_cols={columns[c] + 1 for c in FILL_DOWN if c in columns} | {task_col},
        across_from=columns["content"] + 1,
        across_to=last_col,
        last_row=last_row,
        single_cols=frozenset({task_col}),
    )
    fill_cols = sorted(merges.fill_cols)
    kept: dict[tuple[int, int], object] = {}  # (top row, col) → value, of ranges merged down

    def rows():
        for number, values in enumerate(_values(ws, first, width), start=first):
            if number > last_row:  # blank rows and row-number jumps count too
                raise AppendixFileError(
                    xlsx_safety.too_many_rows(sheet.title, last_row - first + 1)
                )
            if progress is not None and (number - first + 1) % PROGRESS_ROWS == 0:
                progress(number - first + 1)
            values = list(values)
            continues = None
            values += [None] * (width - len(values))
            for c in fill_cols:
                if (number, c) in merges.tops:
                    kept[(number, c)] = values[c - 1]
                top = merges.fill_source(number, c)
                if top is not None and values[c - 1] in (None, ""):
                    values[c - 1] = kept.get((top, c))
                    if c == task_col and values[c - 1] not in (None, ""):
                        continues = top
            across = merges.across(number)  # 1-based; TableRow wants the 0-based column
            yield TableRow(
                number, values, None if across is None else across - 1, continues=continues
            )

    title_lines = [
        " ".join(text_of(v).strip() for v in values if v not in (None, "")).strip()
        for values in sheet.values[: header.index]
    ]
    return read_rows(
        rows(),
        header,
        sheet=sheet.title,
        place=f"trang tính “{sheet.title}”",
        title_lines=title_lines,
    )


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser, reading inline strings (as Excel exports and our own writer
    write text) without building rich-text objects: `Text.from_tree` costs about a third of
    reading such a sheet. The same values as openpyxl's: the plain text, then each run's."""

    def parse_cell(self, element):
        if element.get("t") != "inlineStr" or not self.data_only:
            return super().parse_cell(element)
        coordinate = element.get("r")
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        value, data_type = None, "inlineStr"
        child = element.find(INLINE_STRING)
        if child is not None:
            value, data_type = _inline_text(child), "s"
        return {"row": row, "column": column, "value": value, "data_type": data_type,
                "style_id": style_id}  # fmt: skip


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _inline_text(element) -> str:
    """What openpyxl's `Text.from_tree(element).content` gives: the last plain <t>, then the
    last <t> of each run <r>, joined (phonetic runs left out)."""
    plain, runs = None, []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            text = None
            for part in child:
                if _local(part.tag) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(runs if plain is None else [plain, *runs])


#: The sheet's rows are parsed with lxml, in C, rather than openpyxl's defusedxml parser
#: (Python callbacks for every element): the same safety, since no part that declares a
#: DTD gets this far (`xlsx_safety.check_parts`), and this parser never loads one, resolves
#: an entity or touches the network anyway. Comments and processing instructions are
#: dropped, as ElementTree drops them.
_LXML_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False,
                 "huge_tree": False, "remove_comments": True, "remove_pis": True}  # fmt: skip


def _values(ws, min_row: int, max_col: int):
    """`ws.iter_rows(min_row=min_row, max_col=max_col, values_only=True)` of a read-only
    worksheet whose dimensions were reset: its <row> elements read by openpyxl's own row
    and cell parsing (`_SheetParser`), from lxml's parse."""
    empty = (None,) * max_col
    counter = min_row
    with ws._get_source() as source:
        parser = _SheetParser(
            source,
            ws._shared_strings,
            data_only=ws.parent.data_only,
            epoch=ws.parent.epoch,
            date_formats=ws.parent._date_formats,
            timedelta_formats=ws.parent._timedelta_formats,
        )
        rows = etree.iterparse(source, events=("end",), tag=ROW_TAG, **_LXML_OPTIONS)
        for _event, element in rows:
            index, cells = parser.parse_row(element)
            element.clear(keep_tail=True)  # and the rows before: memory stays flat
            while element.getprevious() is not None:
                del element.getparent()[0]
            while counter < index:  # rows missing from the file
                counter += 1
                yield empty
            if counter <= index:
                values = [None] * max_col
                for cell in cells:
                    if 1 <= cell["column"] <= max_col:
                        values[cell["column"] - 1] = cell["value"]
                counter += 1
                yield tuple(values)
