"""Pick the reader of an uploaded appendix: Excel .xlsx or Word .docx.

By content when it tells (a zip package holding `word/…` parts is a Word document, one
holding `xl/workbook.xml` a workbook), otherwise by the file name's extension. Both readers raise
`AppendixFileError` with a Vietnamese message and return the same `ReadResult`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import BinaryIO

from . import docx_reader, xlsx_reader
from .appendix_table import AppendixFileError, ReadResult

EXCEL_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".xlsb", ".csv", ".ods", ".tsv", ".txt")
ACCEPT = (
    ".xlsx,.docx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)


def _is_word(data: bytes, filename: str) -> bool:
    """Word or Excel: by content when it tells (a package of word/… or xl/… parts, an OLE
    file with a WordDocument or Workbook stream), else by the name's extension."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in docx_reader.WORD_SUFFIXES and suffix not in (".docx", ".dotx"):
        return True  # .doc, .docm …: refused by the Word reader, with what to do
    if data.startswith(xlsx_reader.ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            names = []
        if "xl/workbook.xml" in names:
            return False
        if any(n.startswith("word/") for n in names):
            return True
    elif data.startswith(xlsx_reader.OLE2_MAGIC):
        head = data[: 1 << 20]
        if "WordDocument".encode("utf-16-le") in head:
            return True
        if "Workbook".encode("utf-16-le") in head:
            return False
    return suffix in docx_reader.WORD_SUFFIXES


def check_upload(data: bytes, filename: str = "") -> None:
    """Refuse a file neither reader would take, with the reason (before storing it)."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix and suffix not in EXCEL_SUFFIXES and suffix not in docx_reader.WORD_SUFFIXES:
        raise AppendixFileError(
            f"Chỉ nhận tệp Excel .xlsx hoặc Word .docx (tệp đã chọn là {suffix})."
        )
    if _is_word(data, filename):
        docx_reader.check_file(data, filename)
    else:
        xlsx_reader.check_file(data, filename)


def read_appendix(source: str | Path | bytes | BinaryIO, filename: str | None = None) -> ReadResult:
    """Read the appendix of an .xlsx or a .docx file (see the two readers)."""
    if filename is None and isinstance(source, (str, Path)):
        filename = Path(source).name
    data = xlsx_reader.read_bytes(source)
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix and suffix not in EXCEL_SUFFIXES and suffix not in docx_reader.WORD_SUFFIXES:
        check_upload(data, filename or "")
    if _is_word(data, filename or ""):
        return docx_reader.read_appendix(data, filename)
    return xlsx_reader.read_appendix(data, filename)


__all__ = ["ACCEPT", "AppendixFileError", "check_upload", "read_appendix"]
