"""Turn appendix rows into the tasks they will become: the prepared rows of every source.

One code path for every source (an Excel or Word file, the appendix editor's table, a seed
fixture, a plan derived from another): `prepare_appendix` reads the rows into a preview
(hierarchy from the STT column, cleaned cells, parsed timeframes, resolved or chosen units,
and every problem per row in Vietnamese) without touching the database beyond reading the
unit vocabulary. Writing them is `tasks.appendix_write`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from config.numbers import count_text
from orgunits.resolver import Part, Vocabulary, resolve_cell
from orgunits.text import clean_cell, fold

from .models import Task
from .stt import OutlineInput, build_outline
from .timeframes import Schedule, parse_timeframe


@dataclass
class AppendixRow:
    """One row of an appendix table as received (cells not yet cleaned)."""

    stt: str = ""
    content: str = ""
    lead: str = ""
    coordinating: str = ""
    product: str = ""
    timeframe: str | date = ""
    implements: str = ""  # "plan-key#II.1": the higher plan's task it implements (seeds)
    note: str = ""
    source_row: int | None = None  # row number in the source file, for messages
    extra: dict[str, str] = field(default_factory=dict)  # other columns: header → text
    #: How the document heads the lead cell: "" (Đơn vị chủ trì) or "performing" (Đơn vị
    #: thực hiện, as the Đồng Nai plan prints on many tasks).
    lead_heading: str = ""


def task_row(task: Task | None = None, **cells) -> AppendixRow:
    """The appendix row `task` is written as: its cells as printed, its other columns and
    how its lead cell is headed, `cells` replacing what changed (the editor's edited cells).
    Without a task, a row of `cells` only (a row added in the editor). The one way back
    from tasks to rows, for the editor and for a revision."""
    if task is None:
        return AppendixRow(**cells)
    written = {
        "stt": task.code,
        "content": task.content,
        "lead": task.lead_text,
        "coordinating": task.coordinating_text,
        "product": task.product,
        "timeframe": task.timeframe_text,
        "note": task.note,
        "lead_heading": task.lead_heading,
        "extra": dict(task.extra_columns),  # the other columns go with the row
    }
    return AppendixRow(**{**written, **cells})


@dataclass
class PreparedRow:
    source: AppendixRow
    index: int
    parent: int | None
    level: int
    kind: str
    code: str
    full_code: str
    content: str
    product: str
    lead_text: str
    coordinating_text: str
    timeframe_text: str
    schedule: Schedule
    lead_parts: list[Part]
    coordinating_parts: list[Part]
    problems: list[str] = field(default_factory=list)  # block saving
    warnings: list[str] = field(default_factory=list)  # shown, but do not block saving

    @property
    def row_label(self) -> str:
        number = self.source.source_row or self.index + 1
        return f"Dòng {number}"

    @property
    def unresolved(self) -> list[Part]:
        return [p for p in (*self.lead_parts, *self.coordinating_parts) if not p.resolved]


@dataclass
class PreparedAppendix:
    rows: list[PreparedRow]
    problems: list[str] = field(default_factory=list)  # problems not tied to one row

    def count(self, kind: str) -> int:
        return sum(1 for r in self.rows if r.kind == kind)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "sections": self.count(Task.Kind.SECTION),
            "tasks": self.count(Task.Kind.TASK),
            "subitems": self.count(Task.Kind.SUBITEM),
            "assignments": sum(
                1 for r in self.rows for p in (*r.lead_parts, *r.coordinating_parts) if p.resolved
            ),
            "unresolved": sum(len(r.unresolved) for r in self.rows),
            "unparsed_timeframes": sum(
                1 for r in self.rows if r.schedule.kind == Task.ScheduleKind.UNPARSED
            ),
        }

    @property
    def errors(self) -> list[str]:
        """Problems that block saving (numbering, empty content); unknown names do not."""
        return [*self.problems, *(f"{r.row_label}: {p}" for r in self.rows for p in r.problems)]

    @property
    def warnings(self) -> list[str]:
        """Problems shown to the user that do not block saving (unread timeframes, names
        saved as unresolved)."""
        return [f"{r.row_label}: {w}" for r in self.rows for w in r.warnings]

    @property
    def all_problems(self) -> list[str]:
        return [*self.errors, *self.warnings]

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _memo(function):
    """`function` remembered per distinct argument (its type too: 1, 1.0 and True differ),
    for one table: appendix columns repeat the same few units, products and timeframes."""
    seen: dict[tuple, object] = {}

    def call(value):
        key = (type(value), value)
        try:
            return seen[key]
        except KeyError:
            result = seen[key] = function(value)
            return result
        except TypeError:  # unhashable
            return function(value)

    return call


#: Characters one text cell may hold: a longer cell is refused on its row, never cut.
MAX_CELL_TEXT = 20_000
TEXT_CELLS = (("content", "Nội dung"), ("product", "Sản phẩm"),
              ("timeframe", "Thời gian thực hiện"))  # fmt: skip
CODE_LENGTH = Task._meta.get_field("code").max_length
FULL_CODE_LENGTH = Task._meta.get_field("full_code").max_length


def prepare_appendix(
    rows: list[AppendixRow],
    vocabulary: Vocabulary | None = None,
    *,
    parts: list[tuple[list[Part], list[Part]]] | None = None,
    row_problems: dict[int, list[str]] | None = None,
    levels: list[int] | None = None,
) -> PreparedAppendix:
    """Read rows into the tasks they will become, with every problem per row: the one place
    where appendix rows are built and checked, whatever their source (Excel or Word file,
    the editor's table, a seed fixture, a derived plan). Pure apart from `vocabulary`.

    The units of each row are resolved from its lead and coordinating cells with
    `vocabulary`, or given as they are (`parts`: one (lead, coordinating) pair a row, the
    units chosen in the editor's pickers). `row_problems` are problems a reader found on
    rows (row index → messages), kept with the others; `levels`, the indentation each row is
    shown at (the editor), must agree with the level its STT gives."""
    clean = _memo(clean_cell)
    schedule_of = _memo(parse_timeframe)  # a Schedule is frozen: shared between rows
    outline = build_outline([OutlineInput(stt=r.stt, has_units=bool(clean(r.lead))) for r in rows])
    by_row: dict[int, list[str]] = {}
    for problem in outline.problems:
        by_row.setdefault(problem.row, []).append(_strip_row_prefix(problem.message))
    prepared: list[PreparedRow] = []
    resolved: dict[object, list[Part]] = {}  # tables repeat the same few unit cells

    def resolve(cell) -> list[Part]:
        key = cell if isinstance(cell, str) or cell is None else repr(cell)
        if key not in resolved:
            resolved[key] = resolve_cell(cell, vocabulary)
        return list(resolved[key])

    for source, node in zip(rows, outline.rows, strict=True):
        heading, lead = split_lead_heading(source.lead)
        if heading:  # "Đơn vị thực hiện: …" written in the cell (an exported appendix)
            source.lead, source.lead_heading = lead, heading
        if parts is None:
            lead_parts = resolve(source.lead)
            coordinating_parts = resolve(source.coordinating)
        else:
            lead_parts, coordinating_parts = (list(p) for p in parts[node.index])
        schedule = schedule_of(source.timeframe)
        timeframe_text = (
            clean(source.timeframe) if isinstance(source.timeframe, str) else schedule.text
        )
        row = PreparedRow(
            source=source,
            index=node.index,
            parent=node.parent,
            level=node.level,
            kind=node.kind,
            code=node.code,
            full_code=node.full_code,
            content=clean_cell(source.content),
            product=clean(source.product),
            lead_text=clean(source.lead),
            coordinating_text=clean(source.coordinating),
            timeframe_text=timeframe_text,
            schedule=schedule,
            lead_parts=lead_parts,
            coordinating_parts=coordinating_parts,
            problems=list(by_row.get(node.index, [])),
        )
        if levels is not None and levels[node.index] != node.level and not row.problems:
            row.problems.append(_indent_problem(source.stt, levels[node.index], node.level))
        row.problems += _row_problems(row)
        row.problems += (row_problems or {}).get(node.index, [])
        if parts is None:  # the editor shows its unresolved names on their chips
            row.warnings += [unresolved_warning(part) for part in row.unresolved]
        if schedule.kind == Task.ScheduleKind.UNPARSED:
            row.warnings.append(
                f"chưa đọc được thời gian thực hiện “{timeframe_text}”: hãy ghi theo dạng "
                "“Thường xuyên”, “Hằng năm”, “Tháng 8/2025”, “Quý III/2025” hoặc “31/12/2025”."
            )
        prepared.append(row)
    parents = {row.parent for row in prepared}
    for row in prepared:
        lonely = row.kind != Task.Kind.SECTION and row.index not in parents
        if lonely and row.content and not row.lead_parts:
            row.warnings.append("chưa có đơn vị chủ trì (cần có trước khi ban hành).")
    return PreparedAppendix(rows=prepared)


LEVEL_NAMES = ["cấp mục", "cấp nhiệm vụ", "cấp nội dung chi tiết"]


def _indent_problem(stt: str, shown: int, level: int) -> str:
    shown_name = LEVEL_NAMES[min(shown, len(LEVEL_NAMES) - 1)]
    read = LEVEL_NAMES[min(level, len(LEVEL_NAMES) - 1)]
    if not stt:
        return (
            f"dòng không có STT nên được xếp ở {read}, nhưng đang thụt lề ở {shown_name}: hãy "
            "ghi STT hoặc chỉnh thụt lề cho khớp."
        )
    return (
        f"STT “{stt}” xếp dòng này ở {read}, nhưng dòng đang thụt lề ở {shown_name}: hãy sửa "
        "STT hoặc chỉnh thụt lề cho khớp."
    )


def _row_problems(row: PreparedRow) -> list[str]:
    """What refuses a row whatever its source: no content, an STT too long to store, a text
    cell over MAX_CELL_TEXT."""
    problems = []
    if not row.content:
        problems.append("thiếu nội dung nhiệm vụ.")
    if len(row.code) > CODE_LENGTH or len(row.full_code) > FULL_CODE_LENGTH:
        problems.append(f"STT “{row.source.stt}” quá dài.")
    for attr, label in TEXT_CELLS:
        text = getattr(row.source, attr)
        if isinstance(text, str) and len(text) > MAX_CELL_TEXT:
            problems.append(
                f"{label} dài {count_text(len(text))} ký tự, quá giới hạn "
                f"{count_text(MAX_CELL_TEXT)} ký tự của một ô: hãy rút gọn hoặc tách thành nhiều "
                "dòng."
            )
    return problems


def unresolved_warning(part: Part) -> str:
    """What the preview says of a name no known unit matches: it is saved as written, as an
    unresolved name (chưa xác định), and never blocks saving."""
    if part.ambiguous:
        names = ", ".join(t.name for t in part.candidates)
        return (
            f"“{part.text}” khớp với nhiều đơn vị ({names}): được lưu là tên chưa xác định; "
            "hãy ghi rõ tên đơn vị hoặc ghi nhận tên gọi khác."
        )
    hint = ", ".join(t.name for t in part.candidates[:3])
    return (
        f"chưa xác định được đơn vị “{part.text}”"
        + (f" (gần giống: {hint})" if hint else "")
        + ": được lưu là tên chưa xác định; hãy ghi nhận tên gọi khác cho đơn vị (hoặc sửa "
        "tên trong tệp)."
    )


def _strip_row_prefix(message: str) -> str:
    """build_outline says "Dòng n: …"; rows carry their own label."""
    head, sep, rest = message.partition(": ")
    return rest if sep and head.startswith("Dòng") else message


_HEADING_RE = re.compile(r"^\s*(đơn vị thực hiện|don vi thuc hien)\s*:\s*", re.IGNORECASE)


def split_lead_heading(cell) -> tuple[str, object]:
    """("performing", the rest) for a lead cell that starts "Đơn vị thực hiện:"; else
    ("", the cell)."""
    if isinstance(cell, str):
        match = _HEADING_RE.match(cell)
        if match:
            return Task.LeadHeading.PERFORMING, cell[match.end() :]
    return "", cell


def lead_heading(value: str) -> str:
    """The stored heading of a lead cell from what a source says ("performing", or a
    column header such as "Đơn vị thực hiện")."""
    folded = fold(value or "")
    if folded == Task.LeadHeading.PERFORMING or "thuc hien" in folded:
        return Task.LeadHeading.PERFORMING
    return Task.LeadHeading.LEAD


def extra_columns(source: AppendixRow) -> dict[str, str]:
    """The row's other columns (header as printed → text), when the reader found any."""
    extra = getattr(source, "extra", None) or {}
    return {str(k): str(v) for k, v in extra.items() if str(v).strip()}
