"""Bounds on the work an uploaded .xlsx may cause, checked before and while it is parsed.

A small file can describe a huge table: merged ranges down to row 1,048,576 or beyond
Excel's grid, a jump to row 10,000,000 after three rows, a sheet of 200 MB that zips to
5 MB, entity declarations that expand to gigabytes. Everything here bounds that work by
what a real appendix (at most IMPORT_MAX_ROWS rows) can hold, and refuses the rest with a
Vietnamese message, so that a preview costs about the same whatever the file claims.

No XML part may carry a document type declaration (DTD): Excel never writes one, and
without it no entity can be declared, so neither openpyxl's lxml parser (workbook.xml,
relationships, styles) nor its defusedxml parser (sheets, shared strings) has anything to
resolve. The check reads each part only up to its root element, with expat.
"""

from __future__ import annotations

import re
import zipfile
from bisect import bisect_right
from xml.parsers import expat

from django.conf import settings
from openpyxl.utils.cell import range_boundaries

from config.numbers import count_text

#: Excel's grid: 1,048,576 rows × 16,384 columns (XFD). Nothing real refers beyond it.
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COL = 16_384
#: Bytes of sheet XML one row of an appendix can take, generously (long Vietnamese text
#: written inline, styles, formulas): a part larger than this × IMPORT_MAX_ROWS is refused.
PART_BYTES_PER_ROW = 4096
MIN_PART_BYTES = 4 * 1024 * 1024
#: Parts other than sheets and shared strings, each and in all.
MAX_OTHER_PART_BYTES = 4 * 1024 * 1024
MAX_OTHER_TOTAL_BYTES = 6 * 1024 * 1024
#: Rows read below the header, blank ones and row-number jumps included, per allowed row.
SHEET_ROWS_PER_ROW = 2
#: Merged ranges a sheet may have, per allowed row.
MERGED_RANGES_PER_ROW = 10
#: Cells a sheet may have, per row it may have (the reader looks at 40 columns at most):
#: each costs openpyxl about 10 µs even when it is empty and right of the table.
CELLS_PER_ROW = 40
STRING_TAGS_PER_ROW = 80

XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_CHUNK = 64 * 1024
_WORKSHEET_RE = re.compile(r"xl/worksheets/[^/]+\.xml", re.I)
_TABLE_PART_RE = re.compile(r"xl/(?:worksheets/[^/]+|sharedStrings)\.xml", re.I)
#: Parts read-only openpyxl never parses (pivot caches, comments, pictures, themes …): they
#: may be large in a real file and cost nothing but their DTD check.
_UNREAD_PART_RE = re.compile(
    r"(?:xl/(?:pivotCache|pivotTables|comments|threadedComments|persons|media|theme|"
    r"externalLinks|printerSettings|slicers|slicerCaches|timelines|timelineCaches|ctrlProps|"
    r"activeX|embeddings|customData|richData|queryTables|connections)|customXml/|"
    r"xl/drawings/vmlDrawing|docProps/app\.xml|docProps/thumbnail)",
    re.I,
)
_CELL_RE = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")

#: A merged range in a sheet's XML: <mergeCell ref="A5:G5"/> (any namespace prefix).
_MERGE_CELL_RE = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref=(["'])([^"']+)\1""")
_REF_PART_RE = re.compile(r"\$?([A-Za-z]+)\$?(\d+)")

UNSAFE_XML = (
    "Tệp chứa cấu trúc XML không an toàn (khai báo thực thể — entity, DOCTYPE) nên bị từ "
    "chối: hãy mở bằng Excel và lưu lại thành tệp .xlsx mới."
)
INVALID_XML = (
    "Nội dung tệp .xlsx có ký tự hoặc cấu trúc XML không hợp lệ (ví dụ ký tự điều khiển, "
    "“&#0;”) nên không đọc được: hãy mở bằng Excel, lưu lại thành tệp .xlsx mới rồi tải lên."
)


class UnsafeFile(Exception):
    """The file would cost more than an appendix can; the message is for the user."""


def max_part_bytes() -> int:
    """The largest XML part (sheet, shared strings, styles) accepted, unzipped."""
    return max(MIN_PART_BYTES, settings.IMPORT_MAX_ROWS * PART_BYTES_PER_ROW)


def max_string_tags() -> int:
    """XML tags the shared strings may have: about 10 strings of 8 tags per allowed row."""
    return settings.IMPORT_MAX_ROWS * STRING_TAGS_PER_ROW


def max_sheet_rows() -> int:
    """Rows read below the header, blank rows and skipped row numbers counted."""
    return settings.IMPORT_MAX_ROWS * SHEET_ROWS_PER_ROW


def check_parts(archive: zipfile.ZipFile) -> None:
    """Refuse XML parts too large for an appendix, and any part with a DTD.

    Sheets and shared strings hold the table: up to `max_part_bytes()` each, and half as
    much again in all. The other parts (workbook, styles, relationships, charts) are parsed
    whole by openpyxl, object by object: 4 MB each (30,000 cell styles, about 2 s), 6 MB in
    all. The cells of all sheets count toward one limit."""
    limit = max_part_bytes()
    table_total = other_total = cells = 0
    max_cells = max_sheet_rows() * CELLS_PER_ROW
    for info in archive.infolist():
        if not _is_xml(archive, info):
            continue
        with archive.open(info) as source:
            _check_prolog(source)
        if _UNREAD_PART_RE.match(info.filename):
            continue  # never parsed by read-only openpyxl: its DTD checked is enough
        table = bool(_TABLE_PART_RE.fullmatch(info.filename))
        if table:
            table_total += info.file_size
        else:
            other_total += info.file_size
        part_limit = limit if table else MAX_OTHER_PART_BYTES
        if info.file_size > part_limit:
            raise UnsafeFile(_too_large(info.filename, info.file_size, part_limit))
        if table_total > limit * 3 // 2:
            raise UnsafeFile(_too_large("các trang tính", table_total, limit * 3 // 2))
        if other_total > MAX_OTHER_TOTAL_BYTES:
            raise UnsafeFile(_too_large("định dạng, biểu đồ", other_total, MAX_OTHER_TOTAL_BYTES))
        if info.filename.lower() == "xl/sharedstrings.xml":
            with archive.open(info) as source:
                tags = source.read(limit + 1).count(b"<")
            # openpyxl builds every string at load, ~12 µs per tag: a table of
            # IMPORT_MAX_ROWS rows has a few short strings per row.
            if tags > max_string_tags():
                raise UnsafeFile(
                    "Bảng chuỗi dùng chung của tệp (xl/sharedStrings.xml) quá nhiều phần tử so "
                    "với một phụ lục: hãy xóa các trang tính, dòng, cột thừa rồi lưu lại, hoặc "
                    "tách phụ lục thành nhiều tệp nhỏ hơn."
                )
        if _WORKSHEET_RE.fullmatch(info.filename):
            with archive.open(info) as source:
                data = source.read(limit + 1)
            # openpyxl reads the merged ranges after the cells, even for the first rows:
            # refuse one beyond the grid before it gets there.
            merged_ranges(data)
            cells += len(_CELL_RE.findall(data))
            if cells > max_cells:
                raise UnsafeFile(
                    f"Các trang tính của tệp có hơn {number(max_cells)} ô, quá nhiều so với một "
                    "phụ lục: hãy xóa các trang tính, cột, dòng thừa (kể cả ô trống đã định "
                    "dạng) rồi lưu lại, hoặc tách phụ lục thành nhiều tệp nhỏ hơn."
                )


def _is_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """An XML part by its name, or by its first bytes whatever its name (openpyxl finds the
    workbook through [Content_Types].xml, which may name any part)."""
    if info.is_dir():
        return False
    if info.filename.lower().endswith(XML_SUFFIXES):
        return True
    with archive.open(info) as source:
        head = source.read(64)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _too_large(what: str, size: int, limit: int) -> str:
    megabytes = f"{size / 1024 / 1024:.1f}".replace(".", ",")
    return (
        f"Phần “{what[:60]}” của tệp giải nén ra {megabytes} MB, quá lớn so với "
        f"một phụ lục (tối đa {limit / 1024 / 1024:.0f} MB; bảng {number(settings.IMPORT_MAX_ROWS)}"
        " dòng chỉ cần chừng đó): hãy xóa các trang tính, dòng, cột, kiểu định dạng thừa rồi "
        "lưu lại, hoặc tách thành nhiều tệp."
    )


def unzipped_xml_bytes(path) -> int:
    """The XML of a stored upload once unzipped (its zip directory only: cheap)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(
                i.file_size for i in archive.infolist()
                if i.filename.lower().endswith(XML_SUFFIXES)
            )  # fmt: skip
    except (zipfile.BadZipFile, OSError):
        return 0


#: Bytes of worksheet XML per table row, a little low on purpose: a row of eight cells
#: pointing at shared strings, as Excel and openpyxl write it, takes about 450.
SHEET_XML_BYTES_PER_ROW = 400


def estimated_rows(path) -> int:
    """About how many rows the largest worksheet of a stored upload holds, from its unzipped
    size in the zip directory (cheap: nothing is unzipped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = [i.file_size for i in archive.infolist() if _WORKSHEET_RE.fullmatch(i.filename)]
    except (zipfile.BadZipFile, OSError):
        return 0
    return max(sizes, default=0) // SHEET_XML_BYTES_PER_ROW


class _RootReached(Exception):
    pass


class _DoctypeFound(Exception):
    pass


def _check_prolog(source) -> None:
    """Read an XML part up to its root element; refuse a DTD (and so any entity)."""
    parser = expat.ParserCreate()

    def doctype(*args):
        raise _DoctypeFound

    def root(*args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while True:
            chunk = source.read(_PROLOG_CHUNK)
            parser.Parse(chunk, not chunk)
            if not chunk:
                return  # an empty or element-less part: openpyxl reports it if it needs it
    except _RootReached:
        return
    except _DoctypeFound:
        raise UnsafeFile(UNSAFE_XML) from None
    except expat.ExpatError as exc:
        raise UnsafeFile(INVALID_XML) from exc


def merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """The merged ranges in a sheet's XML as (min_col, min_row, max_col, max_row), 1-based.

    Read-only openpyxl does not report them; a pattern over the XML finds them (cell text
    cannot fake one: "<" is escaped in XML). A reference beyond Excel's grid is refused."""
    ranges = []
    limit = settings.IMPORT_MAX_ROWS * MERGED_RANGES_PER_ROW
    for match in _MERGE_CELL_RE.finditer(data):
        ref = match.group(2).decode("ascii", "replace")
        for column, row in _REF_PART_RE.findall(ref[:64]):
            if len(row) > 7 or int(row) > EXCEL_MAX_ROW or len(column) > 3:
                raise UnsafeFile(_beyond_grid(ref))
        try:
            bounds = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if any(b is None for b in bounds):
            continue  # a whole row or column ("A:A"): not something an appendix merges
        min_col, min_row, max_col, max_row = bounds
        if max(min_col, max_col) > EXCEL_MAX_COL or max(min_row, max_row) > EXCEL_MAX_ROW:
            raise UnsafeFile(_beyond_grid(ref))
        ranges.append(bounds)
        if len(ranges) > limit:
            raise UnsafeFile(
                f"Trang tính có hơn {number(limit)} vùng gộp ô, quá nhiều so với một phụ lục: "
                "hãy bỏ gộp các ô thừa (Trang đầu → Gộp và căn giữa → Bỏ gộp ô) rồi lưu lại."
            )
    return ranges


def _beyond_grid(ref: str) -> str:
    return (
        f"Tệp có vùng gộp ô “{ref[:40]}” vượt quá giới hạn của Excel (1.048.576 dòng × "
        "16.384 cột): tệp bị hỏng hoặc không do Excel tạo ra. Hãy mở bằng Excel, lưu lại rồi "
        "tải lên."
    )


class MergeMap:
    """Which merged range covers a cell, looked up per row (never expanded cell by cell).

    `fill_source(row, col)`: the top row of a range merged down in that column that covers
    this row below its top; `across(row)`: the first column of a range spanning the table
    on this row. Ranges are clipped to `last_row`, the last row the reader may look at. In
    `single_cols` only a range one column wide fills down (a block merged across and down,
    such as a section title over two rows, is not a task cell merged down)."""

    def __init__(self, ranges, *, fill_cols: set[int], across_from: int, across_to: int,
                 last_row: int, single_cols: frozenset[int] = frozenset()):  # fmt: skip
        down: dict[int, list[tuple[int, int]]] = {c: [] for c in fill_cols}
        across: list[tuple[int, int, int]] = []
        for min_col, min_row, max_col, max_row in ranges:
            max_row = min(max_row, last_row)
            if min_row > max_row:
                continue
            if min_col <= across_from and max_col >= across_to and max_col > min_col:
                across.append((min_row, max_row, min_col))
            if (
                max_row > min_row
                and min_col in down
                and (max_col == min_col or min_col not in single_cols)
            ):
                down[min_col].append((min_row, max_row))
        self._down = {}
        for col, spans in down.items():
            spans.sort()
            self._down[col] = ([s[0] for s in spans], spans)
        across.sort()
        self._across = ([a[0] for a in across], across)
        #: (row, col) of every top cell whose value fills the rows below it.
        self.tops = {(s[0], col) for col, (_, spans) in self._down.items() for s in spans}
        self.fill_cols = set(fill_cols)

    def fill_source(self, row: int, col: int) -> int | None:
        entry = self._down.get(col)
        if not entry:
            return None
        starts, spans = entry
        index = bisect_right(starts, row - 1) - 1  # the last range starting above this row
        if index >= 0 and spans[index][1] >= row:
            return spans[index][0]
        return None

    def across(self, row: int) -> int | None:
        starts, spans = self._across
        index = bisect_right(starts, row) - 1
        if index >= 0 and spans[index][1] >= row:
            return spans[index][2]
        return None


def too_many_rows(sheet: str, limit: int) -> str:
    return (
        f"Trang tính “{sheet}” có hơn {number(limit)} dòng bên dưới dòng tiêu đề (kể cả "
        "dòng trống và các số dòng bị bỏ qua), vượt giới hạn một lần nhập: hãy xóa các dòng "
        "trống thừa ở cuối bảng (chọn các dòng đó → Xóa) hoặc tách phụ lục thành nhiều tệp nhỏ hơn."
    )


def number(value: int) -> str:
    """10000 → "10.000", as numbers are written in Vietnamese."""
    return count_text(value)
