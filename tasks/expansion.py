"""Tracked assignments: one per unit that must report, derived from what the plan prints.

A plan prints "Ủy ban nhân dân các xã, phường, đặc khu" once; the tracker needs one
assignment per commune so that each commune's progress can be followed. The rows written
in the appendix (`Assignment.via IS NULL`) are kept as printed; this module derives the
tracked rows from them:

- a written *group* row is expanded into one row per member unit (`via` = the group row,
  role kept);
- a written *unit* row is tracked itself;
- a unit that has been merged away (inactive, with a successor) is retired and its work
  moves to the successor: a new row (`via` = the retired row), with `replaced_by` on the
  old one so the history and any reports on it stay.

A unit is tracked once per task: when it is written as lead and is also a member of a
coordinating group of the same task (or of two groups), only the first row in precedence
(leads before coordinating units, units as written before group members) tracks it.

Re-expansion after a group's members change adds the new members and retires (never
deletes) the rows of units that left, so reports attached to them are never lost.
Tracked rows are `unit IS NOT NULL AND retired_on IS NULL`.

A written row whose name is unresolved (chưa xác định: no unit, no group) creates no
tracked row; once the name is mapped (`tasks.unresolved.resolve_name`) it becomes a unit or
group row and is expanded like any other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import IntegerField, Q, Value
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from config.history import bulk_create_with_history
from config.numbers import count_text
from orgunits.models import OrgUnit, UnitGroup

from .models import Assignment, Task


@dataclass
class ExpansionResult:
    added: int = 0
    retired: int = 0
    moved: int = 0
    kept: int = 0

    def __iadd__(self, other: ExpansionResult) -> ExpansionResult:
        self.added += other.added
        self.retired += other.retired
        self.moved += other.moved
        self.kept += other.kept
        return self


def tracked_assignments():
    """The assignments progress is followed on (one unit each, still current)."""
    return Assignment.objects.filter(unit__isnull=False, retired_on__isnull=True)


def _current_unit(unit: OrgUnit, units: dict[int, OrgUnit], today: date) -> OrgUnit:
    """The unit itself while active; its final successor once merged away."""
    seen = set()
    while not unit.is_active_on(today) and unit.successor_id and unit.pk not in seen:
        seen.add(unit.pk)
        unit = units.get(unit.successor_id) or unit.successor
    return unit


def _precedence(source: Assignment) -> tuple:
    """Which written row tracks a unit named twice in one task (lowest first)."""
    return (
        source.task_id,
        source.role != Assignment.Role.LEAD,
        source.group_id is not None,
        source.position,
        source.pk,
    )


def expand_tasks(task_ids, *, today: date | None = None, user=None) -> ExpansionResult:
    """Bring the tracked assignments of these tasks in line with groups and mergers.

    Set-based: a fixed number of queries per call plus one per distinct group."""
    today = today or timezone.localdate()
    result = ExpansionResult()
    written = list(
        Assignment.objects.filter(task_id__in=list(task_ids), via__isnull=True)
        .exclude(unit__isnull=True, group__isnull=True)  # unresolved names: no one to track
        .select_related("unit", "group")
    )
    if not written:
        return result
    derived = list(
        Assignment.objects.filter(
            via__in=[a.pk for a in written], retired_on__isnull=True
        ).select_related("unit")
    )
    derived_by_source: dict[int, list[Assignment]] = defaultdict(list)
    for row in derived:
        derived_by_source[row.via_id].append(row)

    members: dict[int, list[OrgUnit]] = {}
    for source in written:
        if source.group_id and source.group_id not in members:
            members[source.group_id] = list(source.group.members(on=today))
    successor_ids = {
        a.unit.successor_id for a in [*written, *derived] if a.unit_id and a.unit.successor_id
    }
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=successor_ids)}

    to_create: list[Assignment] = []
    changed: dict[int, Assignment] = {}
    # Each unit is tracked once per task: a written unit first, then a group's members, leads
    # before coordinating units (a lead department inside "các sở, ban, ngành" coordinating
    # the same task is tracked as lead only).
    claimed: dict[int, set[int]] = defaultdict(set)
    written.sort(key=_precedence)
    for source in written:
        current = {row.unit_id: row for row in derived_by_source[source.pk]}
        taken = claimed[source.task_id]
        if source.group_id:
            wanted = {u.pk: u for u in members[source.group_id] if u.pk not in taken}
            taken.update(wanted)
        else:
            unit = _current_unit(source.unit, units, today)
            tracked_itself = unit.pk == source.unit_id
            wanted = {} if tracked_itself else {unit.pk: unit}
            taken.add(unit.pk)
            if tracked_itself == (source.retired_on is not None):
                source.retired_on = None if tracked_itself else today
                changed[source.pk] = source
                result.retired += 0 if tracked_itself else 1
        rows = dict(current)
        for unit_id, unit in wanted.items():
            if unit_id in current:
                result.kept += 1
                continue
            rows[unit_id] = Assignment(
                task_id=source.task_id,
                role=source.role,
                unit=unit,
                via=source,
                source_text=source.source_text,
                position=source.position,
                is_request=source.is_request,
                active_from=today if (current or source.retired_on) else None,
            )
            to_create.append(rows[unit_id])
        leaving = [row for unit_id, row in current.items() if unit_id not in wanted]
        if not source.group_id and source.retired_on == today and wanted:
            leaving.append(source)
        for row in leaving:
            if row is not source:
                row.retired_on = today
                result.retired += 1
            # Merged into a unit that now carries the work: record where it went.
            heir = _current_unit(row.unit, units, today)
            if heir.pk != row.unit_id and heir.pk in rows:
                row.replaced_by = rows[heir.pk]
                result.moved += 1
            changed[row.pk] = row

    with transaction.atomic():
        if to_create:
            bulk_create_with_history(to_create, Assignment, default_user=user)
            for row in changed.values():
                if row.replaced_by is not None:
                    row.replaced_by_id = row.replaced_by.pk
        if changed:
            bulk_update_with_history(
                list(changed.values()),
                Assignment,
                ["retired_on", "replaced_by"],
                default_user=user,
            )
    result.added = len(to_create)
    return result


def expand_plan(plan, *, today: date | None = None, user=None) -> ExpansionResult:
    """Expand every task of a plan (issued plans are the ones units report on)."""
    return expand_tasks(
        Task.objects.filter(plan=plan).values_list("pk", flat=True), today=today, user=user
    )


def plans_using_groups(group_ids) -> list[int]:
    return list(
        Task.objects.filter(assignments__group_id__in=list(group_ids), assignments__via=None)
        .values_list("plan_id", flat=True)
        .distinct()
    )


def groups_affected_by(unit: OrgUnit) -> list[int]:
    """Groups whose members may change when `unit` is added, moved or merged."""
    scopes = OrgUnit.objects.filter(
        tree_id=unit.tree_id, lft__lte=unit.lft, rght__gte=unit.rght
    ).values("pk")
    return list(
        UnitGroup.objects.filter(Q(scope__in=scopes) | Q(explicit_members=unit))
        .values_list("pk", flat=True)
        .distinct()
    )


@dataclass
class EmptyGroup:
    """A group a plan names that stands for no unit yet: its tasks are tracked by no one."""

    group: UnitGroup
    related: bool  # "có liên quan": the office has to pick the units
    tasks: int  # how many tasks name it

    @property
    def message(self) -> str:
        if self.related:
            return (
                f"Nhóm “{self.group.name}” ({count_text(self.tasks)} nhiệm vụ) là các đơn vị có "
                "liên quan, chưa chọn đơn vị cụ thể nên chưa được theo dõi: hãy chọn các đơn vị "
                "liên quan của từng nhiệm vụ trong trang Soạn thảo phụ lục."
            )
        return (
            f"Chưa có đơn vị nào thuộc nhóm “{self.group.name}” trong danh mục "
            f"({count_text(self.tasks)} nhiệm vụ chưa được theo dõi cho đơn vị nào của nhóm)"
            + (f": {self.group.note}" if self.group.note else ".")
        )


def empty_groups(tasks, *, today: date | None = None) -> list[EmptyGroup]:
    """The groups named in these tasks (written assignments prefetched as
    `task.assignments`, with their group and its scope) that stand for no unit (one query)."""
    from orgunits.collective import read

    today = today or timezone.localdate()
    named: dict[int, UnitGroup] = {}
    uses: dict[int, set[int]] = defaultdict(set)
    for task in tasks:
        for a in task.assignments.all():
            if a.via_id is None and a.group_id:
                named[a.group_id] = a.group
                uses[a.group_id].add(task.pk)
    if not named:
        return []
    # One query: the groups that have at least one member (a UNION of one probe per group).
    probes = [
        g.members(on=today)
        .order_by()
        .annotate(group_pk=Value(pk, output_field=IntegerField()))
        .values_list("group_pk", flat=True)[:1]
        for pk, g in named.items()
    ]
    having = set(probes[0].union(*probes[1:], all=True))
    result = []
    for pk, group in named.items():
        if pk in having:
            continue
        meaning = None if group.is_rule else read(group.name)
        result.append(EmptyGroup(group, bool(meaning and meaning.related), len(uses[pk])))
    return sorted(result, key=lambda e: e.group.name)
