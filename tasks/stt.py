"""STT (số thứ tự) parsing and the section/task/sub-item outline of a plan appendix.

Pure Python (no Django): used by the Excel importer, its preview and the seed loader.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "LETTER_SEQUENCE",
    "VIETNAMESE_ALPHABET",
    "Outline",
    "OutlineInput",
    "OutlineRow",
    "Problem",
    "Stt",
    "SttKind",
    "RowKind",
    "build_outline",
    "parse_stt",
]

SttKind = Literal["roman", "subsection", "number", "dotted", "letter", "empty", "invalid"]
RowKind = Literal["section", "task", "subitem"]

#: The 29 letters of the Vietnamese alphabet, in order.
VIETNAMESE_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
#: The letters used to number sub-items, in order (a, b, c, d, đ, e, g, h, i, k …).
LETTER_SEQUENCE = "abcdđeghiklmnopqrstuvxy"

_ROMAN_RE = re.compile(r"(?=[IVXL])(XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_NUMBER_RE = re.compile(r"\d+")
_DOTTED_RE = re.compile(r"\d+(?:\.\d+)+")
#: A sub-section of a Roman section, "II.1" (Phụ lục 2 of Chương trình 104-CTr/TU, Lào Cai).
_SUBSECTION_RE = re.compile(r"([IVXL]+)\.(\d+)")
_BRACKETED_RE = re.compile(r"[(\[]\s*(.*?)\s*[)\]]")
_TRAILING_RE = re.compile(r"\s*[.)\]]$")


@dataclass(frozen=True)
class Stt:
    """A parsed STT cell.

    ``code`` is the normalised STT ("I", "II.1", "12", "1.1", "đ", "" when empty, the raw
    text when invalid); ``parts`` holds the numbers of a number, dotted or sub-section code
    ((12,), (1, 1), (1,) for "II.1").
    """

    kind: SttKind
    code: str
    parts: tuple[int, ...] = ()

    @property
    def ordinal(self) -> int | None:
        """Position among its siblings (1 for "I", "1", "x.1", "a"), None if unknown."""
        if self.kind in ("number", "dotted", "subsection"):
            return self.parts[-1]
        if self.kind == "roman":
            return _roman_value(self.code)
        if self.kind == "letter" and self.code in LETTER_SEQUENCE:
            return LETTER_SEQUENCE.index(self.code) + 1
        return None


def _roman_value(code: str) -> int:
    total = 0
    for char, following in zip(code, [*code[1:], ""], strict=True):
        value = _ROMAN_VALUES[char]
        total += -value if following and _ROMAN_VALUES[following] > value else value
    return total


def to_roman(value: int) -> str:
    """1 → "I", 14 → "XIV" (up to 89, more than any appendix has sections)."""
    result = ""
    for number, symbol in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV")):
        while value >= number:
            result += symbol
            value -= number
    return result + "I" * value


def parse_stt(raw: str | int | float | None) -> Stt:
    """Parse an STT cell: "I.", "II", " 3. ", "1.1.", "a)", "(b)", "đ)", "A)", "" …

    Uppercase I, V, X, L (and valid combinations) are Roman numerals; a single letter of
    the Vietnamese alphabet is a sub-item letter ("i)" is a letter, "I" is Roman).
    Anything else is "invalid" and keeps its text in ``code``.
    """
    if raw is None:
        return Stt("empty", "")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFC", str(raw)).strip()
    if not text:
        return Stt("empty", "")

    bracketed = _BRACKETED_RE.fullmatch(text)
    core = bracketed.group(1) if bracketed else _TRAILING_RE.sub("", text)
    core = re.sub(r"\s*\.\s*", ".", core.strip())

    if _NUMBER_RE.fullmatch(core):
        number = int(core)
        return Stt("number", str(number), (number,))
    if _DOTTED_RE.fullmatch(core):
        parts = tuple(int(part) for part in core.split("."))
        return Stt("dotted", ".".join(str(part) for part in parts), parts)
    if _ROMAN_RE.fullmatch(core):
        return Stt("roman", core)
    subsection = _SUBSECTION_RE.fullmatch(core)
    if subsection and _ROMAN_RE.fullmatch(subsection.group(1)):
        number = int(subsection.group(2))
        return Stt("subsection", f"{subsection.group(1)}.{number}", (number,))
    if len(core) == 1 and core.lower() in VIETNAMESE_ALPHABET:
        return Stt("letter", core.lower())
    return Stt("invalid", text)


@dataclass(frozen=True)
class OutlineInput:
    """One appendix row as the outline needs it: its STT and whether it names units."""

    stt: str | None
    has_units: bool = False


@dataclass(frozen=True)
class OutlineRow:
    """Position of one input row in the outline."""

    index: int
    parent: int | None
    level: int
    kind: RowKind
    code: str
    full_code: str
    stt: Stt


@dataclass(frozen=True)
class Problem:
    """A numbering problem: ``row`` is the input index, ``message`` is for the user."""

    row: int
    message: str


@dataclass
class Outline:
    """The outline of an appendix: one :class:`OutlineRow` per input row, plus problems."""

    rows: list[OutlineRow]
    problems: list[Problem]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> OutlineRow:
        return self.rows[index]

    def __iter__(self) -> Iterator[OutlineRow]:
        return iter(self.rows)

    @property
    def ok(self) -> bool:
        """True when the numbering has no problem."""
        return not self.problems

    def children(self, index: int | None) -> list[int]:
        """Indices of the direct children of a row (of the top level for None)."""
        return [row.index for row in self.rows if row.parent == index]

    def count(self, kind: RowKind) -> int:
        """Number of rows of a kind."""
        return sum(1 for row in self.rows if row.kind == kind)


#: Kinds of the rows under which numbered tasks may number on across sections.
SECTIONS = ("roman", "subsection")


def _rank(stt: Stt) -> int:
    """Nesting rank: a row nests under the nearest preceding row of a smaller rank."""
    if stt.kind == "roman":
        return 0
    if stt.kind == "subsection":  # "II.1" nests under "II" and holds numbered tasks
        return 1
    if stt.kind == "number":
        return 2
    if stt.kind == "dotted":
        return len(stt.parts) + 1
    return 1000  # letter


def _expected_code(stt: Stt, ordinal: int) -> str:
    if stt.kind == "roman":
        return to_roman(ordinal)
    if stt.kind == "letter":
        return LETTER_SEQUENCE[ordinal - 1] if ordinal <= len(LETTER_SEQUENCE) else "?"
    if stt.kind == "dotted":
        return ".".join(str(part) for part in (*stt.parts[:-1], ordinal))
    if stt.kind == "subsection":
        return f"{stt.code.split('.')[0]}.{ordinal}"
    return str(ordinal)


def _next_ordinals(stt: Stt, previous: int) -> tuple[int, ...]:
    """Ordinals allowed after ``previous``: the next one; after "d" also "e" (no "đ")."""
    if stt.kind == "letter" and previous == LETTER_SEQUENCE.index("d") + 1:
        return (previous + 1, previous + 2)
    return (previous + 1,)


def build_outline(rows: Sequence[OutlineInput], first_row_number: int = 1) -> Outline:
    """Build the section/task/sub-item outline of appendix rows from their STT.

    Nesting follows the code kinds (Roman > number > dotted > letter); an empty STT
    continues the list as a sibling of the previous row, or becomes the child of a
    preceding top-level section title. Numbering problems are reported in Vietnamese
    ("Dòng n" counts from ``first_row_number``) and the outline is still built.
    """
    stts = [parse_stt(row.stt) for row in rows]
    parents: list[int | None] = []
    levels: list[int] = []
    problems: list[Problem] = []
    stack: list[int] = []  # chain of coded rows the next row may nest under
    last_sibling: dict[tuple[int | None, str], int] = {}  # (parent, kind) -> row index
    seen_codes: dict[tuple[int | None, str], int] = {}  # (parent, code) -> row index
    # National documents number tasks on across sections (I: 1–13, II: 14…): the last task
    # number seen under a Roman section lets the next section start where it left off.
    last_number_in_sections: int | None = None

    def report(index: int, message: str) -> None:
        problems.append(Problem(index, f"Dòng {index + first_row_number}: {message}"))

    for index, stt in enumerate(stts):
        if stt.kind in ("empty", "invalid"):
            if stt.kind == "invalid":
                report(
                    index,
                    f"STT “{stt.code}” không hợp lệ. Hãy dùng số La Mã (I, II…), số (1, 2…), "
                    "số có dấu chấm (1.1, 1.2…) hoặc chữ cái (a, b…), hoặc để trống.",
                )
            parent: int | None = None
            if index > 0:
                prev = index - 1
                prev_is_title = (
                    parents[prev] is None
                    and not rows[prev].has_units
                    and stts[prev].kind not in ("empty", "invalid")
                )
                parent = prev if prev_is_title else parents[prev]
            parents.append(parent)
            levels.append(0 if parent is None else levels[parent] + 1)
            continue

        rank = _rank(stt)
        while stack and _rank(stts[stack[-1]]) >= rank:
            stack.pop()
        parent = stack[-1] if stack else None
        parent_stt = stts[parent] if parent is not None else None
        stack.append(index)
        parents.append(parent)
        levels.append(0 if parent is None else levels[parent] + 1)

        if stt.kind == "letter" and (parent_stt is None or parent_stt.kind in SECTIONS):
            report(
                index,
                f"mục “{stt.code}” đứng trước mọi nhiệm vụ có STT số; chữ cái chỉ dùng cho "
                "mục con của một nhiệm vụ (1, 2… hoặc 1.1, 1.2…). Hãy thêm dòng nhiệm vụ "
                "hoặc sửa STT.",
            )
        if stt.kind == "subsection":
            prefix = stt.code.split(".")[0]
            if parent_stt is None or parent_stt.kind != "roman":
                report(index, f"STT “{stt.code}” không có mục “{prefix}” đứng trước.")
            elif parent_stt.code != prefix:
                report(index, f"STT “{stt.code}” không thuộc mục “{parent_stt.code}” đứng trước.")
        if stt.kind == "dotted":
            prefix = ".".join(str(part) for part in stt.parts[:-1])
            if parent_stt is None or parent_stt.kind not in ("number", "dotted"):
                report(index, f"STT “{stt.code}” không có mục “{prefix}” đứng trước.")
            elif parent_stt.parts != stt.parts[:-1]:
                report(index, f"STT “{stt.code}” không thuộc mục “{parent_stt.code}” đứng trước.")

        code_key = (parent, stt.code)
        previous = last_sibling.get((parent, stt.kind))
        ordinal = stt.ordinal
        if code_key in seen_codes:
            report(
                index,
                f"STT “{stt.code}” bị lặp lại (đã có ở dòng "
                f"{seen_codes[code_key] + first_row_number}); hãy sửa số thứ tự.",
            )
        elif ordinal is not None:
            previous_ordinal = stts[previous].ordinal if previous is not None else None
            continues = (
                previous is None
                and stt.kind == "number"
                and parent_stt is not None
                and parent_stt.kind in SECTIONS
                and last_number_in_sections is not None
                and ordinal == last_number_in_sections + 1
            )
            if previous is None and ordinal != 1 and not continues:
                report(
                    index,
                    f"STT “{stt.code}” không đúng thứ tự: mục đầu tiên phải là "
                    f"“{_expected_code(stt, 1)}”.",
                )
            elif previous_ordinal is not None:
                allowed = _next_ordinals(stt, previous_ordinal)
                if ordinal not in allowed:
                    expected = " hoặc ".join(f"“{_expected_code(stt, n)}”" for n in allowed)
                    report(
                        index,
                        f"STT “{stt.code}” không đúng thứ tự: sau “{stts[previous].code}” "
                        f"phải là {expected}.",
                    )
        seen_codes.setdefault(code_key, index)
        last_sibling[(parent, stt.kind)] = index
        if stt.kind == "number" and parent_stt is not None and parent_stt.kind in SECTIONS:
            last_number_in_sections = ordinal

    has_children = {parent for parent in parents if parent is not None}
    full_codes: list[str] = []
    result: list[OutlineRow] = []
    for index, (row, stt) in enumerate(zip(rows, stts, strict=True)):
        parent, level = parents[index], levels[index]
        kind: RowKind
        if level == 0:
            is_section = not row.has_units and index in has_children
            kind = "section" if is_section else "task"
        else:
            kind = "task" if level == 1 else "subitem"
        if stt.kind in ("empty", "invalid"):
            full_code = ""
        elif stt.kind in ("dotted", "subsection") or parent is None or not full_codes[parent]:
            full_code = stt.code
        else:
            full_code = f"{full_codes[parent]}.{stt.code}"
        full_codes.append(full_code)
        result.append(OutlineRow(index, parent, level, kind, stt.code, full_code, stt))
    return Outline(result, problems)
