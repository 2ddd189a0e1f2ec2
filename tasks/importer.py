"""Import an appendix (.xlsx or .docx) into a plan: preview (with the diff against what the
plan has), then apply in one transaction.

One code path for the officer page, the admin and `manage.py import_appendix`:

    preview = preview_import(plan, file, filename)   # reads, prepares, diffs; writes nothing
    result = apply_import(plan, file, filename, user=…, expected_version=preview.plan_version)

Re-importing a corrected file updates the plan in place. Rows are matched to the plan's
tasks by full code and position, then by full code, then by content; matched tasks (and
their written assignments) keep their primary keys, so whatever hangs off them stays.
`apply_import` recomputes the diff under the Task tree lock and a row lock on the plan, so
two confirmations of the same file at the same time cannot duplicate rows; a plan changed
since the preview (its `version`) is refused with a message to preview again.

The writing half, `apply_rows(plan, prepared, …)`, is shared with the appendix editor
(`tasks/editor.py`), which prepares its rows from the table on the page, with the units
chosen in the pickers, and matches them to the plan's tasks by id.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import logging
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from simple_history.models import HistoricalRecords

from config.query import positive_int
from orgunits.locks import tree_lock
from orgunits.resolver import Part, Target, Vocabulary, vocabulary_for
from orgunits.text import fold
from plans.models import Plan

from .appendix import (
    PreparedAppendix,
    PreparedRow,
    _task_fields,
    assignment_specs,
    create_tasks,
    prepare_appendix,
    tree_layout,
)
from .history import bulk_create_with_history
from .models import Assignment, Task
from .readers import ReadResult, read_appendix
from .xlsx_reader import _read_bytes

logger = logging.getLogger(__name__)

REASON = "Nhập phụ lục từ Excel"
SIMILARITY = 0.6  # content this close (0–1) counts as the same row, reworded
CODE_SIMILARITY = 0.4  # a row under the same code is the same row if at least this close
MAX_SIMILARITY_PAIRS = 40_000  # beyond, only identical content is matched (keeps it fast)

#: Task fields an import writes, with how the preview names them. `note` and
#: `source_task` are not in the file and are kept.
SHOWN_FIELDS = {
    "code": "STT",
    "full_code": "Mã đầy đủ",
    "kind": "Loại dòng",
    "content": "Nội dung nhiệm vụ",
    "lead_text": "Đơn vị chủ trì",
    "lead_heading": "Tiêu đề ô đơn vị chủ trì",
    "coordinating_text": "Đơn vị phối hợp",
    "product": "Sản phẩm",
    "timeframe_text": "Thời gian thực hiện",
}
SCHEDULE_FIELDS = (
    "schedule_kind",
    "due_date",
    "yearly_day",
    "yearly_month",
    "start_year",
    "end_year",
)
WRITTEN_FIELDS = (*SHOWN_FIELDS, *SCHEDULE_FIELDS, "position", "extra_columns")
TREE_FIELDS = ("parent", "tree_id", "lft", "rght", "level")


class ImportRefused(Exception):
    """The import cannot be applied (problems in the file, or the plan changed meanwhile)."""


# --- diff ----------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def segments(self) -> list[tuple[str, str]]:
        """Word-level diff for display: ("same" | "del" | "ins", text)."""
        a, b = self.old.split(" "), self.new.split(" ")
        result: list[tuple[str, str]] = []
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                result.append(("same", " ".join(a[i1:i2])))
                continue
            if i2 > i1:
                result.append(("del", " ".join(a[i1:i2])))
            if j2 > j1:
                result.append(("ins", " ".join(b[j1:j2])))
        return result


@dataclass
class RowDiff:
    row: PreparedRow
    task: Task | None  # the plan's task this row updates; None for a new row
    changes: list[FieldChange] = field(default_factory=list)
    matched_by: str = ""  # "code", "content" or "" (new row)

    @property
    def status(self) -> str:
        if self.task is None:
            return "added"
        return "changed" if self.changes else "unchanged"


@dataclass
class AppendixDiff:
    rows: list[RowDiff]
    removed: list[Task]
    moved: int = 0  # matched rows whose place in the tree changes without other change

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.rows)
        return {
            "added": counts["added"],
            "changed": counts["changed"],
            "unchanged": counts["unchanged"],
            "removed": len(self.removed),
        }

    @property
    def has_changes(self) -> bool:
        c = self.counts
        return bool(c["added"] or c["changed"] or c["removed"] or self.moved)


def _key(text: str) -> str:
    return fold(text)


def _similar(a: str, b: str, threshold: float) -> float:
    """How alike two folded texts are (0–1), or 0 when below `threshold` (cheap bounds first)."""
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= threshold else 0.0


def match_rows(rows: list[PreparedRow], tasks: list[Task]) -> dict[int, tuple[Task, str]]:
    """Pair file rows with the plan's tasks: row index → (task, how it was matched).

    By full code and position, then by full code, then by content. A code match whose
    content is unrelated waits until the content matching is done: when rows are deleted
    and the rest renumbered, each task follows its own text, not its old number; only the
    rows left over are then paired by code (a row rewritten under the same number)."""
    if not tasks:
        return {}
    free = {t.pk: t for t in tasks}
    matched: dict[int, tuple[Task, str]] = {}
    texts = {t.pk: _key(t.content) for t in tasks}
    row_texts = {r.index: _key(r.content) for r in rows}

    def take(row: PreparedRow, task: Task, how: str) -> None:
        matched[row.index] = (task, how)
        del free[task.pk]

    by_code_position = {(t.full_code, t.position): t for t in tasks}
    by_code: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.full_code:
            by_code[task.full_code].append(task)

    def by_code_stage(require_similar: bool) -> None:
        for row in rows:
            if row.index in matched:
                continue
            task = by_code_position.get((row.full_code, row.index))
            candidates = [task] if task is not None else []
            if row.full_code:
                candidates += by_code.get(row.full_code, [])
            for task in candidates:
                if task.pk not in free:
                    continue
                if require_similar and not _similar(
                    row_texts[row.index], texts[task.pk], CODE_SIMILARITY
                ):
                    continue
                take(row, task, "code")
                break

    by_code_stage(require_similar=True)
    by_content: dict[str, list[Task]] = defaultdict(list)
    for task in free.values():
        by_content[texts[task.pk]].append(task)
    for row in rows:
        if row.index in matched:
            continue
        candidates = [t for t in by_content.get(row_texts[row.index], []) if t.pk in free]
        if candidates:
            take(row, candidates[0], "content")
    left = [r for r in rows if r.index not in matched]
    if left and free and len(left) * len(free) <= MAX_SIMILARITY_PAIRS:
        pairs = []
        for row in left:
            for task in free.values():
                ratio = _similar(row_texts[row.index], texts[task.pk], SIMILARITY)
                if ratio:
                    pairs.append((-ratio, row.index, task.pk))
        by_index = {r.index: r for r in left}
        for _ratio, index, pk in sorted(pairs):
            if index not in matched and pk in free:
                take(by_index[index], free[pk], "content")
    by_code_stage(require_similar=False)
    return matched


def _assignment_key(a) -> tuple:
    """Same role and unit or group; an unresolved name by its folded text."""
    unresolved = a.unit_id is None and a.group_id is None
    return (a.role, a.unit_id, a.group_id, a.name_key if unresolved else "")


def _extra_text(extra: dict) -> str:
    return "; ".join(f"{k}: {v}" for k, v in (extra or {}).items())


def _names(keys, names: dict[tuple, str]) -> str:
    return "; ".join(names.get(k, "?") for k in keys)


def diff_appendix(
    prepared: PreparedAppendix,
    tasks: list[Task],
    written: list[Assignment],
    match=match_rows,
) -> AppendixDiff:
    """What importing `prepared` would change in a plan with these tasks and assignments.

    `match` pairs rows with tasks (row index → (task, how)); by default by code and content
    (an Excel file carries no ids)."""
    rows = prepared.rows
    matched = match(rows, tasks)
    written_by_task: dict[int, list[Assignment]] = defaultdict(list)
    for a in written:
        written_by_task[a.task_id].append(a)
    result = []
    moved = 0
    for row in rows:
        task, how = matched.get(row.index, (None, ""))
        diff = RowDiff(row=row, task=task, matched_by=how)
        if task is not None:
            new = _task_fields(row)
            for name, label in SHOWN_FIELDS.items():
                old_value, new_value = getattr(task, name), new[name]
                if old_value != new_value:
                    if name == "kind":
                        old_value = Task.Kind(old_value).label
                        new_value = Task.Kind(new_value).label
                    elif name == "lead_heading":
                        old_value = Task.LeadHeading(old_value).label
                        new_value = Task.LeadHeading(new_value).label
                    diff.changes.append(FieldChange(label, old_value or "", new_value or ""))
            if (task.extra_columns or {}) != new["extra_columns"]:
                diff.changes.append(
                    FieldChange(
                        "Các cột khác",
                        _extra_text(task.extra_columns),
                        _extra_text(new["extra_columns"]),
                    )
                )
            if not diff.changes and any(getattr(task, f) != new[f] for f in SCHEDULE_FIELDS):
                diff.changes.append(
                    FieldChange("Thời hạn (đọc từ thời gian thực hiện)", "", row.schedule.summary)
                )
            old_keys = Counter(_assignment_key(a) for a in written_by_task[task.pk])
            wanted = assignment_specs(row)
            new_keys = Counter(_assignment_key(a) for a in wanted)
            if old_keys != new_keys:
                names = {_assignment_key(a): _target_name(a) for a in written_by_task[task.pk]}
                names.update({_assignment_key(a): _target_name(a) for a in wanted})
                diff.changes.append(
                    FieldChange(
                        "Phân công",
                        _names(sorted((old_keys - new_keys).elements(), key=str), names),
                        _names(sorted((new_keys - old_keys).elements(), key=str), names),
                    )
                )
            parent = matched.get(row.parent, (None, ""))[0] if row.parent is not None else None
            parent_pk = parent.pk if parent is not None else None
            if not diff.changes and (
                task.position != row.index
                or task.parent_id != parent_pk
                or (row.parent is not None and parent is None)
            ):
                moved += 1
        result.append(diff)
    used = {d.task.pk for d in result if d.task is not None}
    removed = [t for t in tasks if t.pk not in used]
    return AppendixDiff(rows=result, removed=removed, moved=moved)


def reported_removals(removed: list[Task]) -> list[str]:
    """One error per row the import would delete although units already reported on it (a
    report keeps its task: deleting it would fail, and lose the unit's history)."""
    if not removed:
        return []
    reported = set(
        Task.objects.filter(pk__in=[t.pk for t in removed], progress_reports__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    errors = []
    for task in removed:
        if task.pk in reported:
            content = task.content if len(task.content) <= 80 else task.content[:79] + "…"
            errors.append(
                f"Dòng {task.full_code or task.code or '(không số)'} “{content}” đã có báo cáo, "
                "không thể xóa: hãy giữ dòng này trong tệp, hoặc lập bản sửa đổi của kế hoạch."
            )
    return errors


def _target_name(a) -> str:
    name = a.source_text or str(a.unit_id or a.group_id)
    return f"{name} (chưa xác định)" if a.unit_id is None and a.group_id is None else name


# --- preview -------------------------------------------------------------------------------


@dataclass
class UnknownName:
    """A name in the lead/coordinating cells that is not a known unit or group."""

    text: str
    rows: list[str]
    candidates: list[Target]
    ambiguous: bool


@dataclass
class ImportPreview:
    plan: Plan
    read: ReadResult
    prepared: PreparedAppendix
    diff: AppendixDiff
    filename: str
    plan_version: int
    notes: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # deletions refused (rows with reports)

    @property
    def errors(self) -> list[str]:
        return [*self.prepared.errors, *self.blocked]

    @property
    def warnings(self) -> list[str]:
        return [*self.notes, *self.prepared.warnings]

    @property
    def can_confirm(self) -> bool:
        return not self.errors and self.diff.has_changes

    @property
    def summary(self) -> dict[str, int]:
        return {**self.prepared.summary, **self.diff.counts}

    @property
    def unknown_names(self) -> list[UnknownName]:
        found: dict[str, UnknownName] = {}
        for row in self.prepared.rows:
            for part in row.unresolved:
                key = _key(part.text)
                entry = found.get(key)
                if entry is None:
                    entry = found[key] = UnknownName(
                        part.text, [], list(part.candidates), part.ambiguous
                    )
                if row.row_label not in entry.rows:
                    entry.rows.append(row.row_label)
        return list(found.values())

    def summary_lines(self) -> list[str]:
        """The summary in Vietnamese, as printed by the command and shown on the pages."""
        s = self.summary
        return [
            f"Đọc {s['rows']} dòng ({self.read.place or self.read.sheet}, tiêu đề ở dòng "
            f"{self.read.header_row}): {s['sections']} mục, {s['tasks']} nhiệm vụ, "
            f"{s['subitems']} nội dung chi tiết; {s['assignments']} phân công; "
            f"{s['unresolved']} tên đơn vị chưa xác định (vẫn được lưu); "
            f"{s['unparsed_timeframes']} thời hạn chưa đọc được.",
            f"So với kế hoạch hiện có: {s['added']} dòng thêm mới, {s['changed']} dòng sửa, "
            f"{s['removed']} dòng bị xóa, {s['unchanged']} dòng giữ nguyên.",
        ]


SKIPPED_LABELS = {
    "header": "dòng tiêu đề lặp lại",
    "page": "dòng số trang",
    "blank": "dòng trống",
    "numbers": "dòng đánh số cột",
}


def _prepare(plan: Plan, read: ReadResult, vocabulary: Vocabulary | None) -> PreparedAppendix:
    prepared = prepare_appendix(read.rows, vocabulary or vocabulary_for(plan.issuer))
    for index, problems in read.row_problems.items():
        prepared.rows[index].problems.extend(problems)
    return prepared


def _notes(plan: Plan, read: ReadResult) -> list[str]:
    notes = list(read.notes)
    named = read.plan_number
    if named and plan.number and fold(named).replace(" ", "") != fold(plan.number).replace(" ", ""):
        notes.append(
            f"Tệp ghi “kèm theo … số {named}” nhưng đang nhập vào {plan.label}: hãy kiểm tra "
            "đã chọn đúng kế hoạch."
        )
    skipped = [f"{n} {SKIPPED_LABELS[k]}" for k, n in read.skipped.items() if n]
    if skipped:
        notes.append(f"Đã bỏ qua {', '.join(skipped)}.")
    return notes


#: Parsed files kept between the preview and the confirmation (same bytes, same name): the
#: confirmation does not read the file again. Bump the version when a reader changes.
READ_CACHE_KEY = "appendix-parsed:v1:{digest}"
READ_CACHE_SECONDS = 2 * 60 * 60


def read_source(source, filename: str | None = None) -> ReadResult:
    """The ReadResult of `source` (a ReadResult, a path, bytes or a file), read once per
    content and name: the preview leaves it in the cache for the confirmation. Only files
    read without error are kept; a refused file is read (and refused) again."""
    if isinstance(source, ReadResult):
        return source
    if filename is None and isinstance(source, (str, Path)):
        filename = Path(source).name
    data = _read_bytes(source)
    digest = hashlib.sha256(data)
    limits = (filename or "", settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS)
    digest.update(repr(limits).encode())
    key = READ_CACHE_KEY.format(digest=digest.hexdigest())
    try:
        read = cache.get(key)
    except Exception:  # the cache is a shortcut: without it, read the file
        logger.warning("appendix read cache unavailable", exc_info=True)
        read = None
    if isinstance(read, ReadResult):
        return read
    read = read_appendix(data, filename)
    try:
        cache.set(key, read, READ_CACHE_SECONDS)
    except Exception:
        logger.warning("appendix read cache unavailable", exc_info=True)
    return read


def preview_import(
    plan: Plan, source, filename: str | None = None, vocabulary: Vocabulary | None = None
) -> ImportPreview:
    """Read the file (or take the ReadResult already read) and show what importing it would
    do. Raises AppendixFileError."""
    read = read_source(source, filename)
    prepared = _prepare(plan, read, vocabulary)
    tasks = list(plan.tasks.order_by("position"))
    written = list(Assignment.objects.filter(task__plan=plan, via__isnull=True))
    diff = diff_appendix(prepared, tasks, written)
    return ImportPreview(
        plan=plan,
        read=read,
        prepared=prepared,
        diff=diff,
        filename=filename or "",
        plan_version=plan.version,
        notes=_notes(plan, read),
        blocked=reported_removals(diff.removed),
    )


# --- apply ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    plan: Plan
    counts: dict[str, int]
    changed: bool

    @property
    def message(self) -> str:
        c = self.counts
        if not self.changed:
            return f"Phụ lục của {self.plan.label} đã đúng như tệp: không có gì thay đổi."
        return (
            f"Đã nhập phụ lục vào {self.plan.label}: {c['added']} dòng thêm mới, "
            f"{c['changed']} dòng sửa, {c['removed']} dòng xóa, {c['unchanged']} dòng giữ nguyên."
        )


@contextmanager
def _history_user(user):
    """Deletions record their history through signals: tell them who is importing."""
    context = HistoricalRecords.context
    if user is None or getattr(context, "request", None) is not None:
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del context.request


def apply_import(
    plan: Plan,
    source,
    filename: str | None = None,
    user=None,
    expected_version: int | None = None,
    reason: str = REASON,
) -> ImportResult:
    """Read, prepare and write the file into the plan, all or nothing.

    Raises AppendixFileError (unreadable file) or ImportRefused (problems in the rows, or
    the plan changed since `expected_version` was previewed). `source` may be a ReadResult
    already read (by the background job of a large upload); a file just previewed is not
    read again (`read_source`)."""
    read = read_source(source, filename)
    prepared = _prepare(plan, read, None)
    if prepared.errors:
        raise ImportRefused(
            f"Chưa nhập được: tệp còn {len(prepared.errors)} lỗi cần sửa (xem danh sách)."
        )
    reason = f"{reason}: {filename}" if filename else reason
    return apply_rows(plan, prepared, user=user, expected_version=expected_version, reason=reason)


class PlanChanged(ImportRefused):
    """The plan was saved by someone else since the version the user started from."""

    def __init__(self, message: str, version: int):
        super().__init__(message)
        self.version = version


Matcher = Callable[[list[PreparedRow], list[Task]], dict[int, tuple[Task, str]]]


def apply_rows(
    plan: Plan,
    prepared: PreparedAppendix,
    *,
    user=None,
    expected_version: int | None = None,
    reason: str = REASON,
    match: Matcher = match_rows,
    unchanged_if_stale: bool = False,
) -> ImportResult:
    """Write prepared rows into the plan in one transaction: the one write path of the
    Excel import and the appendix editor.

    The diff is recomputed under a row lock on the plan and the Task tree lock, so two
    saves of the same rows at the same time cannot duplicate them. `match` pairs rows with
    the plan's tasks (the importer guesses by code and content; the editor knows the ids).
    A plan whose version is no longer `expected_version` is refused (PlanChanged), except,
    with `unchanged_if_stale`, when the rows already are what the plan holds: a form posted
    twice then succeeds without writing anything."""
    if prepared.errors:
        raise ImportRefused(f"Chưa lưu được: còn {len(prepared.errors)} lỗi cần sửa.")
    with transaction.atomic(), _history_user(user):
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        stale = expected_version is not None and locked.version != expected_version
        if stale and not unchanged_if_stale:
            raise PlanChanged(
                f"{locked.label} vừa được thay đổi (phiên bản {locked.version}) sau khi bạn xem "
                "trước: hãy xem trước lại tệp rồi mới xác nhận.",
                locked.version,
            )
        with tree_lock(Task):
            tasks = list(locked.tasks.order_by("position"))
            written = list(Assignment.objects.filter(task__plan=locked, via__isnull=True))
            diff = diff_appendix(prepared, tasks, written, match=match)
            if not diff.has_changes:
                return ImportResult(locked, diff.counts, changed=False)
            blocked = reported_removals(diff.removed)
            if blocked:
                raise ImportRefused(f"Chưa lưu được: {blocked[0]}" + (
                    f" (và {len(blocked) - 1} dòng khác)" if len(blocked) > 1 else ""
                ))  # fmt: skip
            if stale:
                raise PlanChanged(
                    f"{locked.label} vừa được người khác lưu (phiên bản {locked.version}) "
                    "trong lúc bạn soạn.",
                    locked.version,
                )
            if tasks:
                _write(locked, prepared, diff, tasks, written, user, reason)
            else:
                create_tasks(locked, prepared, user=user, reason=reason)
            locked.version += 1
            locked._history_user = user
            locked._change_reason = reason
            locked.save(update_fields=["version", "updated_at"])
        if locked.status == Plan.Status.ISSUED:
            from .expansion import expand_plan

            expand_plan(locked, user=user)
    plan.version = locked.version
    return ImportResult(locked, diff.counts, changed=True)


def _write(plan, prepared, diff, tasks, written, user, reason) -> None:
    """Update a plan that has tasks: create, update and delete rows; sync assignments."""
    rows = prepared.rows
    layout = tree_layout(rows)
    roots = sorted({t.tree_id for t in tasks})
    needed = 1 + max((root for root, *_ in layout.values()), default=-1)
    if needed > len(roots):
        start = (Task.objects.aggregate(m=Max("tree_id"))["m"] or 0) + 1
        roots += list(range(start, start + needed - len(roots)))
    tracked = (*WRITTEN_FIELDS, "parent_id")
    every = (*tracked, *TREE_FIELDS[1:])
    before = {t.pk: tuple(getattr(t, f) for f in every) for t in tasks}
    objs: dict[int, Task] = {}
    history: list[Task] = []
    for d in diff.rows:
        fields = _task_fields(d.row)
        fields.pop("note")
        task = d.task if d.task is not None else Task(plan=plan, note=d.row.source.note)
        for name, value in fields.items():
            setattr(task, name, value)
        root, task.lft, task.rght, task.level = layout[d.row.index]
        task.tree_id = roots[root]
        objs[d.row.index] = task
    depth = max((t.level for t in objs.values()), default=-1)
    for level in range(depth + 1):
        batch = [i for i, t in objs.items() if t.level == level]
        for i in batch:
            parent = rows[i].parent
            objs[i].parent_id = objs[parent].pk if parent is not None else None
        new = [objs[i] for i in batch if objs[i].pk is None]
        if new:
            bulk_create_with_history(
                new, Task, default_user=user, default_change_reason=reason, batch_size=500
            )
    update = []
    changed: set[str] = set()  # only these columns are written (a CASE per column and row)
    for d in diff.rows:
        task = d.task
        if task is None:
            continue
        now = tuple(getattr(task, f) for f in every)
        if now != before[task.pk]:
            update.append(task)
            changed.update(f for f, a, b in zip(every, now, before[task.pk], strict=True) if a != b)
            if now[: len(tracked)] != before[task.pk][: len(tracked)]:
                history.append(task)
    if update:
        columns = [f.removesuffix("_id") if f == "parent_id" else f for f in every if f in changed]
        Task.objects.bulk_update(update, columns, batch_size=500)
    if history:
        Task.history.bulk_history_create(
            history, update=True, default_user=user, default_change_reason=reason
        )
    if diff.removed:
        Task.objects.filter(pk__in=[t.pk for t in diff.removed]).delete()

    # Written assignments: keep the ones still named (same role and unit or group), create
    # the new ones, delete the ones no longer named.
    by_task: dict[int, list[Assignment]] = defaultdict(list)
    for a in written:
        by_task[a.task_id].append(a)
    create, change, delete = [], [], []
    for d in diff.rows:
        task = objs[d.row.index]
        existing: dict[tuple, list[Assignment]] = defaultdict(list)
        for a in by_task.get(task.pk, []) if d.task is not None else []:
            existing[_assignment_key(a)].append(a)
        for wanted in assignment_specs(d.row):
            kept = existing.get(_assignment_key(wanted))
            if kept:
                a = kept.pop(0)
                fields = ("position", "source_text", "is_request", "picked_for_id")
                if any(getattr(a, f) != getattr(wanted, f) for f in fields):
                    for f in fields:
                        setattr(a, f, getattr(wanted, f))
                    change.append(a)
            else:
                create.append(wanted.build(task))
        delete.extend(a.pk for rest in existing.values() for a in rest)
    if delete:
        Assignment.objects.filter(pk__in=delete).delete()
    if change:
        Assignment.objects.bulk_update(
            change, ["position", "source_text", "is_request", "picked_for"], batch_size=500
        )
        Assignment.history.bulk_history_create(
            change, update=True, default_user=user, default_change_reason=reason
        )
    if create:
        bulk_create_with_history(
            create, Assignment, default_user=user, default_change_reason=reason, batch_size=500
        )


# --- aliases from the preview ----------------------------------------------------------------


def alias_targets(plan: Plan, vocabulary: Vocabulary | None = None) -> list[Target]:
    """What a name in this plan may be mapped to: the units and groups its vocabulary knows."""
    vocabulary = vocabulary or vocabulary_for(plan.issuer)
    seen: dict[Target, None] = {}
    for key in vocabulary._entries:
        for target in vocabulary.get(key):
            seen.setdefault(target, None)
    return sorted(seen, key=lambda t: (t.kind != "group", fold(t.name)))


def add_alias(plan: Plan, name: str, target: Target, user=None):
    """Record that `name` means `target` (from the preview); refuse targets outside the plan's
    vocabulary. Every assignment of the province waiting on that name (chưa xác định) is
    resolved with it (`tasks.unresolved.resolve_name`). Returns the alias (existing or new)."""
    from .unresolved import NameRefused, resolve_name

    try:
        resolution = resolve_name(
            plan.issuer.province(), name, target, vocabulary_for(plan.issuer), user=user
        )
    except NameRefused as exc:
        raise ImportRefused(str(exc)) from exc
    return resolution.alias


def parse_target(value: str) -> Target | None:
    """ "unit:12" / "group:3" from a form, as a Target (the name is filled in by lookup)."""
    kind, _, pk = (value or "").partition(":")
    if kind not in ("unit", "group") or positive_int(pk) is None:
        return None
    return Target(kind, int(pk), "")


__all__ = [
    "ImportPreview",
    "ImportRefused",
    "ImportResult",
    "Part",
    "PlanChanged",
    "add_alias",
    "alias_targets",
    "apply_import",
    "apply_rows",
    "diff_appendix",
    "discard_upload",
    "match_rows",
    "parse_target",
    "pending_upload",
    "preview_import",
    "store_upload",
]


# --- uploads kept between preview and confirmation --------------------------------------------

SESSION_KEY = "appendix_imports"
MAX_PENDING = 5  # uploads kept per session
PENDING_MAX_AGE = 24 * 60 * 60  # seconds; older files are swept on the next upload
_TOKEN_RE = re.compile(r"[0-9a-f]{32}")


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def store_upload(session, plan: Plan, name: str, data: bytes) -> str:
    """Keep an uploaded file for preview and confirmation under a random token.

    The file lives under MEDIA_ROOT/imports named by the token (never by anything the user
    sent); the session remembers which plan and which original file name it belongs to."""
    directory = imports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(directory)
    token = secrets.token_hex(16)
    (directory / f"{token}.xlsx").write_bytes(data)
    pending = dict(session.get(SESSION_KEY, {}))
    pending[token] = {"plan": plan.pk, "name": Path(name).name[:200], "at": int(time.time())}
    while len(pending) > MAX_PENDING:
        oldest = min(pending, key=lambda t: pending[t]["at"])
        _remove(oldest)
        del pending[oldest]
    session[SESSION_KEY] = pending
    return token


def pending_upload(session, plan: Plan, token: str) -> tuple[Path, str] | None:
    """The stored file and original name of an upload of this session for this plan."""
    if not _TOKEN_RE.fullmatch(token or ""):
        return None
    entry = session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("plan") != plan.pk:
        return None
    path = imports_dir() / f"{token}.xlsx"
    return (path, entry["name"]) if path.is_file() else None


def discard_upload(session, token: str) -> None:
    pending = dict(session.get(SESSION_KEY, {}))
    if token in pending:
        del pending[token]
        session[SESSION_KEY] = pending
    if _TOKEN_RE.fullmatch(token or ""):
        _remove(token)


def _remove(token: str) -> None:
    with contextlib.suppress(OSError):
        (imports_dir() / f"{token}.xlsx").unlink()


def _sweep(directory: Path) -> None:
    limit = time.time() - PENDING_MAX_AGE
    for path in directory.glob("*.xlsx"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
