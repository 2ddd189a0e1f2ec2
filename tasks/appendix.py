"""Turn appendix rows (from a seed fixture or an Excel sheet) into a plan's tasks.

One code path for every source: `prepare_appendix` reads the rows into a preview
(hierarchy from the STT column, cleaned cells, parsed timeframes, resolved units, and
every problem per row in Vietnamese) without touching the database beyond reading the
unit vocabulary; `create_tasks` writes a prepared appendix in bulk (a few statements in
all, whatever the number of rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import transaction
from django.db.models import Max

from orgunits.locks import tree_lock
from orgunits.resolver import Part, Vocabulary, resolve_cell
from orgunits.text import clean_cell, fold

from .history import bulk_create_with_history
from .models import Assignment, Task
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


def prepare_appendix(rows: list[AppendixRow], vocabulary: Vocabulary) -> PreparedAppendix:
    """Read rows into a preview of the tasks they will become. Pure apart from `vocabulary`."""
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
        lead_parts = resolve(source.lead)
        coordinating_parts = resolve(source.coordinating)
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
        if not row.content:
            row.problems.append("thiếu nội dung nhiệm vụ.")
        for part in row.unresolved:
            row.warnings.append(unresolved_warning(part))
        if schedule.kind == Task.ScheduleKind.UNPARSED:
            row.warnings.append(
                f"chưa đọc được thời gian thực hiện “{timeframe_text}”: hãy ghi theo dạng "
                "“Thường xuyên”, “Hằng năm”, “Tháng 8/2025”, “Quý III/2025” hoặc “31/12/2025”."
            )
        prepared.append(row)
    return PreparedAppendix(rows=prepared)


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


def _task_fields(row: PreparedRow) -> dict:
    s = row.schedule
    return {
        "kind": row.kind,
        "code": row.code,
        "full_code": row.full_code,
        "position": row.index,
        "content": row.content,
        "product": row.product,
        "lead_text": row.lead_text,
        "lead_heading": lead_heading(row.source.lead_heading),
        "coordinating_text": row.coordinating_text,
        "timeframe_text": row.timeframe_text,
        "schedule_kind": s.kind,
        "due_date": s.due_date,
        "yearly_day": s.yearly_day,
        "yearly_month": s.yearly_month,
        "start_year": s.start_year,
        "end_year": s.end_year,
        "note": row.source.note,
        "extra_columns": extra_columns(row.source),
    }


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


class AssignmentSpec(NamedTuple):
    """An assignment a row names, before it becomes an Assignment (cheap to compare: the
    importer's diff keys on these fields, and builds model objects only for new ones)."""

    role: str
    position: int
    source_text: str
    unit_id: int | None
    group_id: int | None
    name_key: str  # the folded name of an unresolved one; "" otherwise
    is_request: bool = False  # named after "Đề nghị"
    picked_for_id: int | None = None  # a unit picked for a "… có liên quan" group

    def build(self, task: Task) -> Assignment:
        return Assignment(task=task, **self._asdict())


def assignment_specs(row: PreparedRow) -> list[AssignmentSpec]:
    result = []
    for role, parts in (
        (Assignment.Role.LEAD, row.lead_parts),
        (Assignment.Role.COORDINATING, row.coordinating_parts),
    ):
        for position, part in enumerate(parts):
            target = part.target
            if target is None:  # unresolved: kept as written, tracked by no one yet
                key = fold(part.text)
                if not key:
                    continue
                result.append(
                    AssignmentSpec(
                        role, position, part.text[:500], None, None, key[:500], part.request
                    )
                )
                continue
            result.append(
                AssignmentSpec(
                    role,
                    position,
                    part.text[:500],
                    target.pk if target.kind == "unit" else None,
                    target.pk if target.kind == "group" else None,
                    "",
                    part.request,
                    part.picked_for if target.kind == "unit" else None,
                )
            )
    return result


def _assignments(task: Task, row: PreparedRow) -> list[Assignment]:
    return [spec.build(task) for spec in assignment_specs(row)]


def tree_layout(rows: list[PreparedRow]) -> dict[int, tuple[int, int, int, int]]:
    """MPTT fields of prepared rows: index → (root number, lft, rght, level).

    Each top-level row is a tree (root number counts them in order); nodes are numbered
    depth-first in document order."""
    children: dict[int | None, list[int]] = {}
    for row in rows:
        children.setdefault(row.parent, []).append(row.index)
    layout: dict[int, tuple[int, int, int, int]] = {}
    for root_number, root in enumerate(children.get(None, [])):
        counter = 0
        stack: list[tuple[int, int, bool]] = [(root, 0, False)]
        lefts: dict[int, int] = {}
        while stack:
            index, level, done = stack.pop()
            counter += 1
            if done:
                layout[index] = (root_number, lefts[index], counter, level)
                continue
            lefts[index] = counter
            stack.append((index, level, True))
            for child in reversed(children.get(index, [])):
                stack.append((child, level + 1, False))
    return layout


def create_tasks(
    plan,
    prepared: PreparedAppendix,
    source_tasks: dict[int, Task] | None = None,
    user=None,
    reason: str = "",
) -> list[Task]:
    """Write a prepared appendix into an empty plan, in bulk.

    MPTT fields are computed here (each section is a tree; rows are numbered depth-first
    in document order), so no rebuild is needed; writes hold the Task tree lock.
    """
    source_tasks = source_tasks or {}
    rows = prepared.rows
    layout = tree_layout(rows)
    with transaction.atomic(), tree_lock(Task):
        next_tree = (Task.objects.aggregate(m=Max("tree_id"))["m"] or 0) + 1
        tasks: dict[int, Task] = {}
        for index, (root_number, lft, rght, level) in sorted(layout.items()):
            task = Task(
                plan=plan,
                tree_id=next_tree + root_number,
                level=level,
                lft=lft,
                rght=rght,
                **_task_fields(rows[index]),
            )
            if index in source_tasks:
                task.source_task = source_tasks[index]
            tasks[index] = task
        # Insert level by level so that parents have primary keys.
        for level in range(max((t.level for t in tasks.values()), default=-1) + 1):
            batch = [i for i, t in tasks.items() if t.level == level]
            for i in batch:
                parent = rows[i].parent
                tasks[i].parent_id = tasks[parent].pk if parent is not None else None
            bulk_create_with_history(
                [tasks[i] for i in batch], Task, default_user=user, default_change_reason=reason
            )
        bulk_create_with_history(
            [a for i, task in tasks.items() for a in _assignments(task, rows[i])],
            Assignment,
            default_user=user,
            default_change_reason=reason,
        )
    return [tasks[i] for i in range(len(rows))]
