"""The appendix editor: a draft plan's tasks as rows of a table on a page, and back.

    rows = load_rows(plan)                               # the table as the page shows it
    outcome = save_rows(plan, payload, version, user=…)  # the table the page sent back

The page sends its rows as JSON (one form field, whatever the number of rows): for each row
its key, the id of the task it shows (none for a new row), its indentation (0 mục, 1 nhiệm
vụ, 2 nội dung chi tiết), STT, content, product, timeframe and the units and groups chosen
in the lead and coordinating pickers ("unit:12", "group:3").

Saving goes through the one write path of an appendix (`appendix_write.apply_rows`): the
rows become a `PreparedAppendix`, built and checked by `appendix.prepare_appendix` as every
imported file is — the outline from the STT column, cleaned cells, parsed timeframes —
whose unit parts are the chosen targets themselves (nothing is re-resolved from text), and
rows are matched to tasks by id, so a reworded task keeps its primary key, its source task
and whatever hangs off it. Every problem is reported per row in Vietnamese and nothing is
saved while there is one; a plan saved by someone else meanwhile is refused (version), and
the same form posted twice saves once (the second post finds nothing to change).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from config.numbers import count_text
from config.query import positive_int
from orgunits import collective
from orgunits.models import OrgUnit, UnitGroup
from orgunits.resolver import Part, Target
from orgunits.territory import naming_scope
from orgunits.text import fold, xml_safe
from plans.models import Plan

from .appendix import PreparedRow, prepare_appendix, task_row
from .appendix_write import ImportRefused, PlanChanged, apply_rows
from .models import Assignment, Task
from .timeframes import parse_timeframe

REASON = "Soạn thảo phụ lục trên trang"


BAD_PAYLOAD = (
    "Không đọc được bảng đã gửi (trang đã cũ hoặc bị lỗi): hãy tải lại trang rồi sửa lại. "
    "Chưa có gì được lưu."
)


class EditorError(Exception):
    """The submitted table cannot be read at all."""


@dataclass
class Chosen:
    """A unit or group chosen in a picker, with the name its chip shows and the cell prints."""

    kind: str  # "unit", "group", or "name": an unresolved name (pk: its assignment)
    pk: int
    name: str
    request: bool = False  # "Đề nghị …": kept as the document wrote it
    #: A unit picked for a related group ("Các sở, ban, ngành có liên quan"): the group's pk
    #: and how the cell writes the group (the assignment's source text).
    picked_for: int | None = None
    group_text: str = ""
    related: bool = False  # a group that stands for a selection still to be picked

    @property
    def value(self) -> str:
        suffix = f"@{self.picked_for}" if self.picked_for else ""
        return f"{self.kind}:{self.pk}{suffix}"

    @property
    def cell_key(self) -> tuple[str, int]:
        """What the cell names: picks stand for the group they were picked for."""
        return ("group", self.picked_for) if self.picked_for else self.key

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.pk)


@dataclass
class EditorRow:
    key: str
    task_id: int | None = None
    level: int = 0
    stt: str = ""
    content: str = ""
    product: str = ""
    timeframe: str = ""
    lead: list[Chosen] = field(default_factory=list)
    coordinating: list[Chosen] = field(default_factory=list)
    source_label: str = ""  # the higher plan's task this one implements
    note: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def schedule(self):
        return parse_timeframe(self.timeframe)

    @property
    def has_timeframe(self) -> bool:
        return bool(self.timeframe.strip())


@dataclass
class EditorOutcome:
    rows: list[EditorRow]
    errors: list[str] = field(default_factory=list)
    saved: bool = False
    changed: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    stale: bool = False

    @property
    def message(self) -> str:
        if not self.changed:
            return "Phụ lục không có gì thay đổi: không cần lưu."
        c = self.counts
        return (
            f"Đã lưu phụ lục: {count_text(c['added'])} dòng thêm mới, "
            f"{count_text(c['changed'])} dòng sửa, "
            f"{count_text(c['removed'])} dòng xóa, {count_text(c['unchanged'])} dòng giữ nguyên."
        )

    @property
    def warnings(self) -> list[str]:
        return [f"Dòng {i + 1}: {w}" for i, r in enumerate(self.rows) for w in r.warnings]


# --- the plan's tasks as rows ------------------------------------------------------------------


def _written(plan: Plan) -> dict[int, list[Assignment]]:
    by_task: dict[int, list[Assignment]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(task__plan=plan, via__isnull=True)
        .select_related("unit", "group")
        .order_by("task_id", "role", "position", "pk")
    ):
        by_task[a.task_id].append(a)
    return by_task


def _key_of(a: Assignment) -> tuple[str, int]:
    if a.unit_id:
        return ("unit", a.unit_id)
    if a.group_id:
        return ("group", a.group_id)
    return ("name", a.pk)  # unresolved (chưa xác định): kept as written while it stays


def _chosen(a: Assignment) -> Chosen:
    kind, pk = _key_of(a)
    if a.picked_for_id and a.unit_id:
        return Chosen(
            kind,
            pk,
            a.unit.display_name,
            request=a.is_request,
            picked_for=a.picked_for_id,
            group_text=a.source_text,
        )
    return Chosen(
        kind,
        pk,
        a.source_text or a.assignee_name,
        request=a.is_request,
        related=bool(a.group_id and is_related_group(a.group)),
    )


def is_related_group(group: UnitGroup) -> bool:
    """A group "có liên quan" without rule members: the office picks its units per plan."""
    if group.is_rule:
        return False
    meaning = collective.read(group.name)
    return bool(meaning and meaning.related)


def _source_label(task: Task) -> str:
    source = task.source_task
    if source is None:
        return ""
    return f"{source.plan.label}, mục {source.full_code}" if source.full_code else source.plan.label


def load_rows(plan: Plan) -> list[EditorRow]:
    """The plan's tasks as editor rows (three queries whatever the number of rows)."""
    tasks = plan.tasks.select_related("source_task__plan__issuer").order_by("position")
    written = _written(plan)
    rows = []
    for task in tasks:
        assignments = written.get(task.pk, [])
        rows.append(
            EditorRow(
                key=f"t{task.pk}",
                task_id=task.pk,
                level=task.level,
                stt=task.code,
                content=task.content,
                product=task.product,
                timeframe=task.timeframe_text,
                lead=[_chosen(a) for a in assignments if a.role == Assignment.Role.LEAD],
                coordinating=[
                    _chosen(a) for a in assignments if a.role == Assignment.Role.COORDINATING
                ],
                source_label=_source_label(task),
                note=task.note,
            )
        )
    return rows


# --- the submitted table -----------------------------------------------------------------------


def _text(value, limit: int | None = None) -> str:
    """A submitted cell as text. Cells longer than `appendix.MAX_CELL_TEXT` are kept whole
    here and refused with a message on their row (`prepare_appendix`), never cut silently."""
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise EditorError(BAD_PAYLOAD)
    text = xml_safe(str(value))
    return text[:limit] if limit else text


def _targets(values) -> list[tuple[str, int, int | None]]:
    """("unit", 12, None), ("group", 3, None), ("name", 40, None), or ("unit", 12, 3): unit
    12 picked for the related group 3 ("unit:12@3")."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise EditorError(BAD_PAYLOAD)
    result, seen = [], set()
    for value in values:
        kind, _, rest = str(value).partition(":")
        pk, _, picked_for = rest.partition("@")
        if (
            kind not in ("unit", "group", "name")
            or positive_int(pk) is None
            or (picked_for and (kind != "unit" or positive_int(picked_for) is None))
        ):
            raise EditorError(BAD_PAYLOAD)
        if (kind, int(pk)) not in seen:  # the same unit chosen twice counts once
            seen.add((kind, int(pk)))
            result.append((kind, int(pk), int(picked_for) if picked_for else None))
    return result


@dataclass
class _Submitted:
    row: EditorRow
    lead: list[tuple[str, int, int | None]]
    coordinating: list[tuple[str, int, int | None]]


def parse_payload(payload: str) -> list[_Submitted]:
    """The rows of the submitted JSON, checked for shape only. Raises EditorError."""
    try:
        data = json.loads(payload or "")
    except ValueError as exc:
        raise EditorError(BAD_PAYLOAD) from exc
    if not isinstance(data, list) or len(data) > settings.IMPORT_MAX_ROWS:
        raise EditorError(BAD_PAYLOAD)
    result, keys, ids = [], set(), set()
    for item in data:
        if not isinstance(item, dict):
            raise EditorError(BAD_PAYLOAD)
        key = _text(item.get("key"), 40)
        task_id = item.get("id")
        level = item.get("level", 0)
        if (
            not key
            or key in keys
            or not isinstance(level, int)
            or not 0 <= level <= 9
            or (task_id not in (None, "") and positive_int(task_id) is None)
        ):
            raise EditorError(BAD_PAYLOAD)
        task_id = int(task_id) if task_id not in (None, "") else None
        if task_id is not None and task_id in ids:
            raise EditorError(BAD_PAYLOAD)
        keys.add(key)
        ids.add(task_id)
        row = EditorRow(
            key=key,
            task_id=task_id,
            level=level,
            stt=_text(item.get("stt"), 200).strip(),
            content=_text(item.get("content")),
            product=_text(item.get("product")),
            timeframe=_text(item.get("timeframe")),
        )
        result.append(
            _Submitted(row, _targets(item.get("lead")), _targets(item.get("coordinating")))
        )
    return result


# --- checking and preparing ----------------------------------------------------------------------


def _cell_keys(chosen: list[Chosen]) -> list[tuple[str, int]]:
    keys: list[tuple[str, int]] = []
    for c in chosen:
        if c.cell_key not in keys:
            keys.append(c.cell_key)
    return keys


def _cell_text(chosen: list[Chosen], before: list[Chosen], text_before: str) -> str:
    """The raw cell text: kept as printed while it names exactly the same units (units picked
    for a related group count as that group: the cell still says "Các sở, ban, ngành có liên
    quan"), otherwise the chosen names joined by "; "."""
    if _cell_keys(chosen) == _cell_keys(before):
        return text_before
    names: list[str] = []
    for c in chosen:
        name = c.group_text if c.picked_for else c.name
        if c.request:  # "Đề nghị …" stays written, so that the cell reads back the same
            name = f"Đề nghị {name}"
        if name not in names:
            names.append(name)
    return "; ".join(names)


def _pick(unit_pk, group_pk, units, groups, as_written, scope, today) -> Chosen | str:
    """A unit picked for a related group, or the problem (Vietnamese) that refuses it."""
    unit, group = units.get(unit_pk), groups.get(group_pk)
    if unit is None or group is None:
        return "một đơn vị đã chọn không còn trong danh mục: hãy bỏ và chọn lại."
    if not scope.may_name_group(group) or not is_related_group(group):
        return (
            f"nhóm “{group.name}” không phải nhóm “có liên quan” của địa bàn kế hoạch: chỉ chọn "
            "đơn vị cho nhóm có liên quan trong phụ lục."
        )
    meaning = collective.read(group.name)
    if unit.tree_id != group.scope.tree_id or (meaning.kinds and unit.kind not in meaning.kinds):
        return f"“{unit.name}” không thuộc nhóm “{group.name}”: hãy chọn đơn vị thuộc nhóm."
    if not unit.is_active_on(today):
        return f"“{unit.name}” đã ngừng hoạt động: hãy chọn đơn vị hiện nay."
    existing = as_written.get(("unit", unit_pk))
    if existing is not None and existing.picked_for_id == group_pk:
        return _chosen(existing)
    written_group = as_written.get(("group", group_pk))
    return Chosen(
        "unit",
        unit_pk,
        unit.display_name,
        request=written_group.is_request if written_group else False,
        picked_for=group_pk,
        group_text=written_group.source_text if written_group else group.name,
    )


def prepare_rows(plan: Plan, submitted: list[_Submitted]):
    """Check the submitted rows and turn them into a PreparedAppendix for `apply_rows`.

    Returns (rows with their problems and display names, prepared appendix, row index →
    task id). A fixed number of queries whatever the number of rows."""
    tasks = {t.pk: t for t in plan.tasks.select_related("source_task__plan__issuer")}
    written = _written(plan)
    scope = naming_scope(plan.issuer)
    today = timezone.localdate()
    chips = [c for s in submitted for c in (*s.lead, *s.coordinating)]
    wanted_units = {pk for k, pk, _ in chips if k == "unit"}
    wanted_groups = {pk for k, pk, _ in chips if k == "group"} | {g for *_, g in chips if g}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=wanted_units)}
    groups = {
        g.pk: g for g in UnitGroup.objects.filter(pk__in=wanted_groups).select_related("scope")
    }
    names = {a.pk: a for rows in written.values() for a in rows if a.is_unresolved}

    rows: list[EditorRow] = []
    texts: list[tuple[str, str]] = []  # (lead, coordinating) cell text of each row
    for s in submitted:
        row = s.row
        task = tasks.get(row.task_id) if row.task_id else None
        if task is None:
            row.task_id = None  # an id not of this plan: a new row
        else:
            row.source_label = _source_label(task)
            row.note = task.note
        before = written.get(row.task_id, []) if task else []
        as_written = {_key_of(a): a for a in before}
        for attr in ("lead", "coordinating"):
            chosen = []
            submitted_chips = getattr(s, attr)
            picked_groups = {g for *_, g in submitted_chips if g}
            for kind, pk, picked_for in submitted_chips:
                if kind == "group" and pk in picked_groups:
                    continue  # replaced by the units picked for it
                if picked_for:
                    pick = _pick(pk, picked_for, units, groups, as_written, scope, today)
                    if isinstance(pick, str):
                        row.problems.append(pick)
                    else:
                        chosen.append(pick)
                    continue
                existing = as_written.get((kind, pk))
                if kind == "name":  # an unresolved name of the plan, moved or kept
                    existing = existing or names.get(pk)
                    if existing is None:
                        row.problems.append(
                            "một tên đơn vị chưa xác định không còn trong kế hoạch (có thể vừa "
                            "được xác định): hãy tải lại trang."
                        )
                    else:
                        chosen.append(_chosen(existing))
                    continue
                target = units.get(pk) if kind == "unit" else groups.get(pk)
                if target is None:
                    row.problems.append(
                        "một đơn vị đã chọn không còn trong danh mục: hãy bỏ và chọn lại."
                    )
                    continue
                if existing is not None:  # as printed in the plan, wherever it is
                    chosen.append(_chosen(existing))
                    continue
                if kind == "unit":
                    if not scope.may_name_unit(target):
                        province = plan.issuer.province().name.removeprefix("Ủy ban nhân dân ")
                        row.problems.append(
                            f"“{target.name}” không thuộc địa bàn {province} hoặc các "
                            "cơ quan Trung ương: chỉ chọn đơn vị trong danh sách gợi ý."
                        )
                        continue
                    if not target.is_active_on(today):
                        row.problems.append(
                            f"“{target.name}” đã ngừng hoạt động"
                            + (
                                f" (đơn vị kế thừa: {target.successor.name})"
                                if target.successor_id
                                else ""
                            )
                            + ": hãy chọn đơn vị hiện nay."
                        )
                        continue
                    chosen.append(Chosen("unit", pk, scope.written_name(target)))
                else:
                    if not scope.may_name_group(target):
                        row.problems.append(
                            f"nhóm “{target.name}” thuộc địa bàn khác, không phải địa bàn của kế "
                            "hoạch: chỉ chọn nhóm trong danh sách gợi ý."
                        )
                        continue
                    chosen.append(
                        Chosen("group", pk, target.name, related=is_related_group(target))
                    )
            setattr(row, attr, chosen)
        lead_before = [_chosen(a) for a in before if a.role == Assignment.Role.LEAD]
        coord_before = [_chosen(a) for a in before if a.role == Assignment.Role.COORDINATING]
        texts.append(
            (
                _cell_text(row.lead, lead_before, task.lead_text if task else ""),
                _cell_text(row.coordinating, coord_before, task.coordinating_text if task else ""),
            )
        )
        rows.append(row)

    sources, parts = [], []
    for index, (row, (lead_text, coordinating_text)) in enumerate(zip(rows, texts, strict=True)):
        task = tasks.get(row.task_id) if row.task_id else None
        source = task_row(  # the note and the other columns are not edited on the page
            task,
            stt=row.stt,
            content=row.content,
            lead=lead_text,
            coordinating=coordinating_text,
            product=row.product,
            timeframe=row.timeframe,
            source_row=index + 1,
        )
        sources.append(source)
        parts.append(([_part(c) for c in row.lead], [_part(c) for c in row.coordinating]))
    prepared = prepare_appendix(
        sources,
        parts=parts,
        levels=[row.level for row in rows],
        row_problems={i: row.problems for i, row in enumerate(rows)},  # picking the units
    )
    task_ids = {}
    for row, ready in zip(rows, prepared.rows, strict=True):
        row.problems = list(ready.problems)
        row.warnings = [*ready.warnings, *row.warnings]
        if row.task_id is not None:
            task_ids[ready.index] = row.task_id
    return rows, prepared, task_ids


def _part(chosen: Chosen) -> Part:
    if chosen.kind == "name":  # unresolved: saved as written again
        return Part(text=chosen.name, request=chosen.request)
    return Part(
        text=chosen.group_text if chosen.picked_for else chosen.name,
        target=Target(chosen.kind, chosen.pk, chosen.name),
        request=chosen.request,
        picked_for=chosen.picked_for,
    )


def by_id(task_ids: dict[int, int]):
    """Pair rows with tasks by the ids the page sent; a new row whose content is exactly that
    of a task no row claims is that task (the same form posted twice adds nothing)."""

    def match(rows: list[PreparedRow], tasks: list[Task]) -> dict[int, tuple[Task, str]]:
        free = {t.pk: t for t in tasks}
        matched: dict[int, tuple[Task, str]] = {}
        for index, pk in task_ids.items():
            task = free.pop(pk, None)
            if task is not None:
                matched[index] = (task, "id")
        by_content: dict[str, list[Task]] = defaultdict(list)
        for task in free.values():
            by_content[fold(task.content)].append(task)
        for row in rows:
            if row.index in matched or row.index in task_ids:
                continue
            candidates = by_content.get(fold(row.content))
            if candidates:
                matched[row.index] = (candidates.pop(0), "content")
        return matched

    return match


# --- saving --------------------------------------------------------------------------------------


def save_rows(plan: Plan, payload: str, version, user=None) -> EditorOutcome:
    """Check the submitted table and save it, all rows in one transaction or none."""
    try:
        submitted = parse_payload(payload)
        expected = int(version)
    except (EditorError, TypeError, ValueError):
        return EditorOutcome(rows=load_rows(plan), errors=[BAD_PAYLOAD])
    rows, prepared, task_ids = prepare_rows(plan, submitted)
    if prepared.errors:
        count = len(prepared.errors)
        return EditorOutcome(
            rows=rows,
            errors=[
                f"Chưa lưu: bảng còn {count_text(count)} lỗi cần sửa (đánh dấu đỏ ở từng dòng).",
                *prepared.errors,
            ],
        )
    try:
        result = apply_rows(
            plan,
            prepared,
            user=user,
            expected_version=expected,
            reason=REASON,
            match=by_id(task_ids),
            unchanged_if_stale=True,
        )
    except PlanChanged as exc:
        return EditorOutcome(
            rows=rows,
            stale=True,
            errors=[
                f"{plan.label} vừa được người khác lưu (nay là phiên bản {exc.version}) trong lúc "
                "bạn soạn: thay đổi của bạn chưa được lưu, để không ghi đè lên bản của họ. Hãy "
                "tải lại trang để xem bản mới nhất rồi sửa lại."
            ],
        )
    except ImportRefused as exc:  # e.g. deleting a row units already reported on
        return EditorOutcome(rows=rows, errors=[str(exc)])
    return EditorOutcome(rows=rows, saved=True, changed=result.changed, counts=result.counts)


__all__ = [
    "Chosen",
    "EditorError",
    "EditorOutcome",
    "EditorRow",
    "load_rows",
    "parse_payload",
    "prepare_rows",
    "save_rows",
]
