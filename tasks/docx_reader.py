"""Read an appendix table from a Word .docx file into `AppendixRow`s.

Plans come from the document system as Word files: the plan's text, then the appendix
table (Phụ lục), often split into several Word tables (one per printed page, or cut by
a section break). The file is checked before any XML is parsed (type, size, password,
macros, zip bomb). The document part is read straight into cells (libxml2, after
refusing any DTD as defusedxml does: no entities, no network), several times faster than
python-docx on large tables, and seeing what python-docx hides: a cell spanning columns
(`gridSpan`, `hMerge`: section titles), a cell merged down rows (`vMerge`: a lead unit
shared by several tasks, or a task with several leads: `appendix_table.MERGED_TASK`) and
rows marked to repeat as the header on each page (`tblHeader`).

The appendix is the first table whose first rows hold a header (`tasks.columns`); the
tables after it with the same number of columns (or starting with the header) continue
it, until a table of another shape (signatures) or another "PHỤ LỤC" heading. The rows
then go through the same row builder as the .xlsx reader (`tasks.appendix_table`).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import fromstring
from lxml import etree

from orgunits.text import fold

from .appendix_table import (
    COLUMN_LABELS,
    FILL_DOWN,
    MERGED_TASK,
    AppendixFileError,
    Header,
    ReadResult,
    TableRow,
    find_header,
    missing_columns,
    read_rows,
)
from .xlsx_reader import (
    OLE2_MAGIC,
    ZIP_MAGIC,
    check_unzipped_size,
    read_bytes,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
HEADER_SEARCH_ROWS = 12  # the header is looked for in the first rows of each table
MARKED_HEADER_ROWS = 3  # rows marked "repeat as header" skipped at the top of a table
TITLE_LINES = 6  # body paragraphs kept as the title above the table
PLACE = "bảng phụ lục trong tệp Word"

SAVE_AS_DOCX = (
    "hãy mở tệp bằng Word (hoặc LibreOffice) và chọn Lưu thành (Save As) → "
    "“Word Document (*.docx)”, rồi tải tệp .docx lên."
)
WORD_SUFFIXES = (".docx", ".doc", ".docm", ".dotx", ".dot", ".dotm", ".rtf", ".odt")


def check_file(data: bytes, filename: str = "") -> None:
    """Refuse what is not a plain .docx document, before any XML is parsed."""
    suffix = Path(filename).suffix.lower() if filename else ""
    kinds = {
        ".doc": "Tệp .doc (Word 97-2003) không được hỗ trợ",
        ".dot": "Tệp mẫu .dot (Word 97-2003) không được hỗ trợ",
        ".docm": "Tệp .docm có chứa macro nên không được nhận",
        ".dotm": "Tệp mẫu .dotm có chứa macro nên không được nhận",
        ".rtf": "Tệp .rtf không được hỗ trợ",
        ".odt": "Tệp .odt (LibreOffice) không được hỗ trợ",
    }
    if suffix in kinds:
        raise AppendixFileError(f"{kinds[suffix]}: {SAVE_AS_DOCX}")
    if not data:
        raise AppendixFileError("Tệp rỗng (0 byte): hãy chọn lại tệp phụ lục .docx.")
    if data.startswith(OLE2_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise AppendixFileError(
                "Tệp Word được đặt mật khẩu nên không đọc được: hãy mở tệp, bỏ mật khẩu "
                "(Tệp → Thông tin → Bảo vệ tài liệu → Mã hóa bằng mật khẩu, xóa mật khẩu), "
                "lưu lại rồi tải lên."
            )
        raise AppendixFileError(f"Tệp này là văn bản Word 97-2003 (.doc): {SAVE_AS_DOCX}")
    if data.startswith(b"{\\rtf"):
        raise AppendixFileError(f"Tệp này là văn bản RTF, không phải .docx: {SAVE_AS_DOCX}")
    if not data.startswith(ZIP_MAGIC):
        raise AppendixFileError(
            "Tệp không phải là tệp Word .docx hợp lệ (có thể tệp bị hỏng hoặc chỉ được đổi "
            f"đuôi): {SAVE_AS_DOCX}"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise AppendixFileError(
            "Tệp .docx bị hỏng, không mở được: hãy mở lại bằng Word, lưu lại rồi tải lên."
        ) from exc
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
            raise AppendixFileError(
                f"Tệp nén này không phải văn bản Word .docx (thiếu phần nội dung): {SAVE_AS_DOCX}"
            )
        check_unzipped_size(archive, "Word")
        content_types = archive.read("[Content_Types].xml")
        if any(n.lower().endswith("vbaproject.bin") for n in names) or (
            b"macroEnabled" in content_types
        ):
            raise AppendixFileError(f"Tệp có chứa macro nên không được nhận: {SAVE_AS_DOCX}")


# --- reading ---------------------------------------------------------------------------------


def read_appendix(source: str | Path | bytes | BinaryIO, filename: str | None = None) -> ReadResult:
    """Read the appendix table of a Word document, or raise AppendixFileError (Vietnamese)."""
    if filename is None and isinstance(source, (str, Path)):
        filename = Path(source).name
    data = read_bytes(source)
    check_file(data, filename or "")
    try:
        return _read_document(data)
    except AppendixFileError:
        raise
    except DefusedXmlException as exc:
        raise AppendixFileError(
            "Tệp chứa cấu trúc XML không an toàn (khai báo thực thể — entity) nên bị từ "
            "chối: hãy mở bằng Word và lưu lại thành tệp .docx mới."
        ) from exc
    except (ParseError, etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, ValueError,
            TypeError, OSError, EOFError) as exc:  # fmt: skip
        raise AppendixFileError(
            "Không đọc được nội dung tệp .docx (tệp bị hỏng hoặc không do Word tạo ra): "
            "hãy mở bằng Word, lưu lại rồi tải lên."
        ) from exc


def _parse(archive: zipfile.ZipFile, name: str) -> Element:
    return fromstring(archive.read(name), forbid_dtd=True)


#: For the document part, which holds the whole table: libxml2 (C) builds the tree several
#: times faster than defusedxml's Python callbacks. It never loads a DTD, resolves an entity
#: or touches the network, and a part declaring a DTD at all is refused before parsing
#: (Word never writes one), as defusedxml's forbid_dtd does.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


def _parse_document(data: bytes):
    text = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:64]:
        text = data.decode("utf-16").encode("utf-8")  # UnicodeDecodeError is a ValueError
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        raise DTDForbidden(None, None, None)
    return etree.fromstring(data, _PARSER)


def _main_part(archive: zipfile.ZipFile) -> str:
    """The document part named by the package relationships (word/document.xml usually)."""
    try:
        rels = _parse(archive, "_rels/.rels")
    except KeyError:
        return "word/document.xml"
    for rel in rels.iter(f"{REL}Relationship"):
        if rel.get("Type") == OFFICE_DOCUMENT:
            return rel.get("Target", "").lstrip("/") or "word/document.xml"
    return "word/document.xml"


def _read_document(data: bytes) -> ReadResult:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = _parse_document(archive.read(_main_part(archive)))
    body = root.find(f"{W}body")
    if body is None:
        raise AppendixFileError("Tệp Word không có nội dung: hãy kiểm tra lại tệp.")
    paragraphs: list[str] = []  # body text before the appendix table
    table: _Table | None = None
    partial: dict[str, int] = {}
    any_table = False
    next_appendix = ""  # a "PHỤ LỤC II" heading after the table read
    for kind, element in _blocks(body):
        if kind == "p":
            text = _paragraph_text(element).strip()
            if table is None and text:
                paragraphs.append(text)
            elif table is not None and fold(text).startswith("phu luc"):
                next_appendix = next_appendix or text
            continue
        grid = _grid(element)
        if table is not None and next_appendix:
            table.notes.append(
                f"Tệp còn bảng của phụ lục khác sau bảng đã đọc (“{next_appendix[:60]}”): "
                "chỉ bảng đầu tiên được nhập; hãy nhập phụ lục kia bằng một tệp riêng."
            )
            break
        any_table = any_table or bool(grid.rows)
        if table is None:
            header, columns = find_header([r.texts for r in grid.rows[:HEADER_SEARCH_ROWS]])
            if header is not None:
                table = _Table(header=header, width=grid.width, grids=[grid])
                table.title_lines = _title_lines(paragraphs)
            elif len(columns) > len(partial):
                partial = columns
        elif grid.width == table.width or _continues(grid, table):
            table.grids.append(grid)
        else:
            break  # another table after the appendix (signatures …)
    if table is None:
        if not any_table:
            raise AppendixFileError(
                "Tệp Word không có bảng nào: phụ lục cần là một bảng (Chèn → Bảng) có dòng "
                "tiêu đề STT, NỘI DUNG NHIỆM VỤ, ĐƠN VỊ CHỦ TRÌ."
            )
        if len(partial) >= 2:
            raise AppendixFileError(
                "Dòng tiêu đề của bảng phụ lục trong tệp Word thiếu cột bắt buộc: "
                f"{', '.join(missing_columns(partial))}. Hãy thêm cột với đúng tên đó vào dòng "
                "tiêu đề."
            )
        raise AppendixFileError(
            "Không tìm thấy bảng phụ lục trong tệp Word. Bảng cần có dòng tiêu đề gồm các cột "
            "STT, NỘI DUNG NHIỆM VỤ, ĐƠN VỊ CHỦ TRÌ (có thể thêm ĐƠN VỊ PHỐI HỢP, SẢN PHẨM, "
            "THỜI GIAN THỰC HIỆN)."
        )
    return table.read()


def _continues(grid: _Grid, table: _Table) -> bool:
    """A table of another width continues the appendix if it starts with its header."""
    header, _ = find_header([r.texts for r in grid.rows[:3]])
    return header is not None


def _title_lines(paragraphs: list[str]) -> list[str]:
    """The lines just above the table, from the "PHỤ LỤC" heading if there is one."""
    recent = paragraphs[-TITLE_LINES * 3 :]
    for index in range(len(recent) - 1, -1, -1):
        if fold(recent[index]).startswith("phu luc"):
            return recent[index:][: TITLE_LINES * 2]
    return recent[-TITLE_LINES:]


def _blocks(parent: Element):
    """Paragraphs and tables of the body in order (content controls opened)."""
    for child in parent:
        if child.tag == f"{W}p":
            yield "p", child
        elif child.tag == f"{W}tbl":
            yield "tbl", child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _blocks(content)


_TEXT, _TAB, _BREAKS = f"{W}t", f"{W}tab", (f"{W}br", f"{W}cr")


def _paragraph_text(p: Element) -> str:
    parts = []
    for node in p.iter(_TEXT, _TAB, *_BREAKS):
        tag = node.tag
        if tag == _TEXT:
            parts.append(node.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag in _BREAKS:
            parts.append("\n")
    return "".join(parts)


def _cell_text(tc: Element) -> str:
    """The paragraphs of a cell, one line each (nested tables left out)."""
    lines = []
    for child in tc:
        if child.tag == f"{W}p":
            lines.append(_paragraph_text(child))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                lines.extend(_paragraph_text(p) for p in content.iter(f"{W}p"))
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _int(element: Element | None, default: int) -> int:
    if element is None:
        return default
    try:
        return max(int(element.get(f"{W}val", default)), 1)
    except ValueError:
        return default


@dataclass
class _Row:
    texts: list[str]  # one per grid column; "" in spanned and merged-down cells
    continued: set[int]  # columns whose cell continues a vertical merge from above
    spans: list[tuple[int, int]]  # (first column, last column) of each cell
    marked_header: bool


@dataclass
class _Grid:
    rows: list[_Row]
    width: int


def _cells(tr: Element):
    for child in tr:
        if child.tag == f"{W}tc":
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from (c for c in content if c.tag == f"{W}tc")


def _table_rows(tbl: Element):
    """The table's own rows (content controls opened; nested tables live inside cells)."""
    for child in tbl:
        if child.tag == f"{W}tr":
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _table_rows(content)


def _grid(tbl: Element) -> _Grid:
    width = 0
    result = []
    for tr in _table_rows(tbl):
        tr_pr = tr.find(f"{W}trPr")
        marked = False
        column = 0
        if tr_pr is not None:
            if tr_pr.find(f"{W}del") is not None:
                continue  # a row deleted with tracked changes on
            flag = tr_pr.find(f"{W}tblHeader")
            marked = flag is not None and flag.get(f"{W}val", "true") not in ("0", "false", "off")
            before = tr_pr.find(f"{W}gridBefore")
            column = _int(before, 0) if before is not None else 0
        texts: dict[int, str] = {}
        continued: set[int] = set()
        spans = []
        for tc in _cells(tr):
            tc_pr = tc.find(f"{W}tcPr")
            span, merge = 1, None
            if tc_pr is not None:
                span = _int(tc_pr.find(f"{W}gridSpan"), 1)
                v_merge = tc_pr.find(f"{W}vMerge")
                if v_merge is not None:
                    merge = v_merge.get(f"{W}val", "continue")
                h_merge = tc_pr.find(f"{W}hMerge")  # the older way of spanning columns
                if h_merge is not None and spans and h_merge.get(f"{W}val") != "restart":
                    spans[-1] = (spans[-1][0], column + span - 1)
                    column += span
                    continue
            if merge == "continue":
                continued.add(column)
                texts[column] = ""
            else:
                texts[column] = _cell_text(tc)
            spans.append((column, column + span - 1))
            column += span
        width = max(width, column)
        values = [""] * column
        for index, text in texts.items():
            values[index] = text
        result.append(_Row(values, continued, spans, marked))
    return _Grid(result, width)


@dataclass
class _Table:
    header: Header
    width: int
    grids: list[_Grid]
    title_lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def read(self) -> ReadResult:
        header = self.header
        columns = header.columns
        # A task cell merged down (vMerge) is filled too: see MERGED_TASK.
        fill = {columns[c] for c in (*FILL_DOWN, MERGED_TASK) if c in columns}
        last = max(columns.values())
        content = columns["content"]

        def rows():
            above: dict[int, str] = {}  # column → text of the cell a merge starts from
            top_of: dict[int, int] = {}  # column → the row number a merge starts from
            number = 0
            skip = header.index + header.height
            for grid in self.grids:
                for position, row in enumerate(grid.rows):
                    number += 1
                    if skip:
                        skip -= 1
                        continue
                    values = list(row.texts)
                    continues = None
                    for column in fill:
                        if column >= len(values):
                            continue
                        if column in row.continued:
                            values[column] = above.get(column, "")
                            if column == content and (content, content) not in row.spans:
                                values[column] = ""  # a block merged across and down
                            elif column == content and values[column].strip():
                                continues = top_of.get(column)
                        else:
                            above[column] = values[column]
                            top_of[column] = number
                    across = next(
                        (a for a, b in row.spans if a <= content and b >= last and b > a), None
                    )
                    # Rows marked to repeat as the header, at the top of a continuing table.
                    marked = row.marked_header and position < MARKED_HEADER_ROWS
                    yield TableRow(number, values, across, marked, continues)

        result = read_rows(
            rows(),
            header,
            sheet="Word",
            place=PLACE,
            title_lines=self.title_lines,
        )
        result.notes.extend(self.notes)
        return result


__all__ = ["COLUMN_LABELS", "WORD_SUFFIXES", "check_file", "read_appendix"]
