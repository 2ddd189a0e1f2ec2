"""The one write path of an appendix: match prepared rows to a plan's tasks, diff, apply.

Every source hands this module the same `PreparedAppendix` (built and checked by
`tasks.appendix.prepare_appendix`): the Excel and Word import (`tasks.importer`), the
appendix editor (`tasks.editor`), the seed loader (`tasks.seed`) and the plans derived
from another (`tasks.workflow`).

    diff = diff_appendix(prepared, tasks, written)            # what importing would change
    result = apply_rows(plan, prepared, user=…, expected_version=…)  # write it, all or nothing
    create_tasks(plan, prepared, source_tasks=…)              # bulk write into an empty plan

Rows are matched to the plan's tasks by full code and position, then by full code, then by
content (`match_rows`; the editor passes its own matcher, by id); matched tasks (and their
written assignments) keep their primary keys, so whatever hangs off them stays.
`apply_rows` recomputes the diff under the Task tree lock and a row lock on the plan, so two
confirmations of the same rows at the same time cannot duplicate them; a plan changed since
the version the user started from is refused (PlanChanged). MPTT fields are computed here
(`tree_layout`: each top-level row is a tree, numbered depth-first in document order), so
no tree rebuild is ever needed.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import NamedTuple

from django.db import transaction
from django.db.models import Max
from django.db.models.base import ModelState
from simple_history.models import HistoricalRecords

from config.history import bulk_create_with_history
from config.numbers import count_text
from orgunits.locks import tree_lock
from orgunits.text import fold
from plans.models import Plan

from .appendix import PreparedAppendix, PreparedRow, extra_columns, lead_heading
from .models import Assignment, Task

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
#: What a re-import may change on an assignment it keeps (same role and unit or group).
CHANGED_ASSIGNMENT_FIELDS = ("position", "source_text", "is_request", "picked_for_id")


class ImportRefused(Exception):
    """The import cannot be applied (problems in the file, or the plan changed meanwhile)."""


class PlanChanged(ImportRefused):
    """The plan was saved by someone else since the version the user started from."""

    def __init__(self, message: str, version: int):
        super().__init__(message)
        self.version = version


Matcher = Callable[[list[PreparedRow], list[Task]], dict[int, tuple[Task, str]]]


# --- rows as tasks ---------------------------------------------------------------------------


def task_fields(row: PreparedRow) -> dict:
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
        return _new(Assignment, zip(self._fields, self, strict=True), task_id=task.pk)


_BLANKS: dict[type, tuple[dict, list]] = {}


def _new(model, values=(), *, plan=None, **more):
    """A new instance of `model` with these values ((attname, value) pairs, and keywords)
    and the other fields at their defaults: what the constructor gives, without the
    per-field descriptor work of Model.__init__ (an import of 2,000 rows builds some 7,000
    tasks and assignments). `plan`, a Plan, is set as the constructor sets a relation."""
    if model not in _BLANKS:
        made = [f for f in model._meta.concrete_fields if f.has_default() and callable(f.default)]
        skip = {f.attname for f in made}
        blank = {k: v for k, v in model().__dict__.items() if k[0] != "_" and k not in skip}
        _BLANKS[model] = (blank, made)
    blank, made = _BLANKS[model]
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(blank)
    for made_field in made:
        state[made_field.attname] = made_field.get_default()
    state.update(values, **more)
    obj._state = ModelState()
    if plan is not None:
        state["plan_id"] = plan.pk
        obj._state.fields_cache["plan"] = plan
    if hasattr(model, "_mptt_meta"):
        _cache_tree_fields(model._mptt_meta, obj)
    return obj


def _cache_tree_fields(meta, obj) -> None:
    """What MPTT's `update_mptt_cached_fields` caches for an instance with no deferred field
    (the parent, and the order_insertion_by fields), without asking Django for the deferred
    fields of each of thousands of instances."""
    names = {meta.parent_attr, *(f.removeprefix("-") for f in meta.order_insertion_by)}
    obj._mptt_cached_fields = {name: meta.get_raw_field_value(obj, name) for name in names}


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
    written: list,
    match=match_rows,
) -> AppendixDiff:
    """What importing `prepared` would change in a plan with these tasks and assignments.

    `match` pairs rows with tasks (row index → (task, how)); by default by code and content
    (an Excel file carries no ids)."""
    rows = prepared.rows
    matched = match(rows, tasks)
    written_by_task: dict[int, list] = defaultdict(list)
    for a in written:
        written_by_task[a.task_id].append(a)
    result = []
    moved = 0
    for row in rows:
        task, how = matched.get(row.index, (None, ""))
        diff = RowDiff(row=row, task=task, matched_by=how)
        if task is not None:
            new = task_fields(row)
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


#: The columns of a written assignment, as read for a diff (attnames).
WRITTEN_COLUMNS = tuple(f.attname for f in Assignment._meta.concrete_fields)


def plan_rows(plan: Plan) -> tuple[list[Task], list]:
    """The plan's tasks in order and their written assignments: what a diff compares with.

    The assignments come as named rows of WRITTEN_COLUMNS, not model instances (thousands of
    them, each compared and most left alone); `_write` builds instances of those it changes."""
    tasks = _loaded(plan.tasks.order_by("position"))
    written = Assignment.objects.filter(task__plan=plan, via__isnull=True)
    return tasks, list(written.values_list(*WRITTEN_COLUMNS, named=True))


def _loaded(queryset) -> list:
    """`list(queryset)`, the instances built as `_new` builds them (a plan's 2,000 tasks are
    read for every preview and confirmation): the same field values, state and MPTT cache as
    Model.from_db gives, without the per-field descriptor work of Model.__init__."""
    model = queryset.model
    names = [f.attname for f in model._meta.concrete_fields]
    mptt = getattr(model, "_mptt_meta", None)
    result = []
    for row in queryset.values_list(*names):
        obj = model.__new__(model)
        obj.__dict__.update(zip(names, row, strict=True))
        obj._state = state = ModelState()
        state.adding, state.db = False, queryset.db
        if mptt is not None:
            _cache_tree_fields(mptt, obj)
        result.append(obj)
    return result


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
            f"Đã nhập phụ lục vào {self.plan.label}: {count_text(c['added'])} dòng thêm mới, "
            f"{count_text(c['changed'])} dòng sửa, {count_text(c['removed'])} dòng xóa, "
            f"{count_text(c['unchanged'])} dòng giữ nguyên."
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
        raise ImportRefused(f"Chưa lưu được: còn {count_text(len(prepared.errors))} lỗi cần sửa.")
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
            tasks, written = plan_rows(locked)
            diff = diff_appendix(prepared, tasks, written, match=match)
            if not diff.has_changes:
                return ImportResult(locked, diff.counts, changed=False)
            blocked = reported_removals(diff.removed)
            if blocked:
                raise ImportRefused(f"Chưa lưu được: {blocked[0]}" + (
                    f" (và {count_text(len(blocked) - 1)} dòng khác)" if len(blocked) > 1 else ""
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
        fields = task_fields(d.row)
        fields.pop("note")
        task = d.task if d.task is not None else _new(Task, plan=plan, note=d.row.source.note)
        for name, value in fields.items():
            setattr(task, name, value)
        root, task.lft, task.rght, task.level = layout[d.row.index]
        task.tree_id = roots[root]
        objs[d.row.index] = task
    _insert_by_level(objs, rows, user, reason)
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
    by_task: dict[int, list] = defaultdict(list)
    for a in written:
        by_task[a.task_id].append(a)
    create, change, delete = [], [], []
    for d in diff.rows:
        task = objs[d.row.index]
        existing: dict[tuple, list] = defaultdict(list)
        for a in by_task.get(task.pk, []) if d.task is not None else []:
            existing[_assignment_key(a)].append(a)
        for wanted in assignment_specs(d.row):
            kept = existing.get(_assignment_key(wanted))
            if kept:
                a = kept.pop(0)
                now = {f: getattr(wanted, f) for f in CHANGED_ASSIGNMENT_FIELDS}
                if any(getattr(a, f) != value for f, value in now.items()):
                    change.append(Assignment(**{**a._asdict(), **now}))
            else:
                create.append(wanted.build(task))
        delete.extend(a.id for rest in existing.values() for a in rest)
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
            task = _new(
                Task,
                task_fields(rows[index]).items(),
                plan=plan,
                tree_id=next_tree + root_number,
                level=level,
                lft=lft,
                rght=rght,
            )
            if index in source_tasks:
                task.source_task = source_tasks[index]
            tasks[index] = task
        _insert_by_level(tasks, rows, user, reason)
        bulk_create_with_history(
            [a for i, task in tasks.items() for a in _assignments(task, rows[i])],
            Assignment,
            default_user=user,
            default_change_reason=reason,
        )
    return [tasks[i] for i in range(len(rows))]


def _insert_by_level(objs: dict[int, Task], rows: list[PreparedRow], user, reason: str) -> None:
    """Point each task at its parent and insert the new ones level by level, so that parents
    have primary keys before their children are written (one INSERT per level)."""
    depth = max((t.level for t in objs.values()), default=-1)
    for level in range(depth + 1):
        batch = [i for i, t in objs.items() if t.level == level]
        for i in batch:
            parent = rows[i].parent
            objs[i].parent_id = objs[parent].pk if parent is not None else None
        new = [objs[i] for i in batch if objs[i].pk is None]
        if new:
            bulk_create_with_history(new, Task, default_user=user, default_change_reason=reason)
