"""Unresolved names (tên đơn vị chưa xác định): names in a plan's lead or coordinating cells
that match no known unit or group.

An import never stops on such a name: the row is saved and the name kept as written, as an
assignment with no unit and no group (`Assignment.is_unresolved`), tracked by no one. Each
province has one page listing its distinct waiting names (by folded key), how many plans
and tasks wait on each and the closest known units; mapping a name there records an alias
(`UnitAlias`) and resolves every waiting assignment of that name in the province's plans
the target may serve, creating the tracked assignments of issued plans.

    scope = name_scope(user)                        # who sees which names: tasks/access.py
    names = waiting_names(scope)                    # one aggregate query (paginated)
    result = resolve_name(province, key, target)    # alias + resolve + expand, atomic
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Min, Q
from simple_history.utils import bulk_update_with_history

from orgunits.access import units_in_subtree
from orgunits.models import OrgUnit, UnitAlias, UnitGroup
from orgunits.resolver import Target, Vocabulary
from orgunits.territory import naming_scope, territory_of
from orgunits.text import fold
from plans.models import Plan

from .access import NameScope
from .models import Assignment, Task

REASON = "Xác định tên đơn vị chưa xác định"


class NameRefused(Exception):
    """The mapping cannot be saved (a target outside the province, an empty name)."""


def unresolved_assignments():
    """Written assignments whose name is not (yet) a unit or group."""
    return Assignment.objects.filter(via__isnull=True, unit__isnull=True, group__isnull=True)


# --- the list ---------------------------------------------------------------------------------


@dataclass
class WaitingName:
    key: str
    name: str
    plans: int
    tasks: int
    candidates: list[Target] = field(default_factory=list)
    plan_links: list[Plan] = field(default_factory=list)


def waiting_names(scope: NameScope):
    """Distinct waiting names of the scope with counts, most-waited first (a values query,
    for a paginator)."""
    return (
        unresolved_assignments()
        .filter(scope.plan_q("task__plan__"))
        .values("name_key")
        .annotate(
            name=Min("source_text"),
            plans=Count("task__plan_id", distinct=True),
            tasks=Count("task_id", distinct=True),
        )
        .order_by("-plans", "-tasks", "name_key")
    )


def describe(scope: NameScope, rows, vocabulary: Vocabulary) -> list[WaitingName]:
    """One page of `waiting_names` with the closest known units and the plans waiting
    (one query for the plans of the whole page)."""
    names = [
        WaitingName(r["name_key"], r["name"], r["plans"], r["tasks"], vocabulary.closest(r["name"]))
        for r in rows
    ]
    by_key = {n.key: n for n in names}
    pairs = (
        unresolved_assignments()
        .filter(scope.plan_q("task__plan__"))
        .filter(name_key__in=list(by_key))
        .values_list("name_key", "task__plan_id")
        .distinct()
    )
    plan_ids: dict[str, list[int]] = {}
    for key, plan_id in pairs:
        plan_ids.setdefault(key, []).append(plan_id)
    plans = Plan.objects.select_related("issuer").in_bulk(
        {pk for ids in plan_ids.values() for pk in ids}
    )
    for key, ids in plan_ids.items():
        by_key[key].plan_links = sorted((plans[pk] for pk in ids), key=lambda p: p.pk)
    return names


# --- mapping a name ---------------------------------------------------------------------------


@dataclass
class Resolution:
    alias: UnitAlias
    resolved: int  # waiting assignments now pointing at the unit or group
    plans: int
    tracked: int  # tracked assignments created in issued plans


def _served_plans(province: OrgUnit, target: Target) -> Q:
    """Plans (as a filter on Assignment) a name mapped to `target` may be resolved in.

    A body of one commune ("Công an xã Phước Giang") or a group scoped to a commune only
    resolves the plans issued inside that commune, and the province's own plans; every
    other unit or group resolves every plan of the province."""
    if target.kind == "unit":
        territory = territory_of(OrgUnit.objects.select_related("territory").get(pk=target.pk))
    else:
        territory = UnitGroup.objects.select_related("scope").get(pk=target.pk).scope
    if territory is None or territory.kind != OrgUnit.Kind.COMMUNE:
        return Q()
    inside = OrgUnit.objects.filter(units_in_subtree(territory)).values("pk")
    provincial = Q(task__plan__issuer__territory_id=province.pk) | Q(task__plan__issuer=province)
    return Q(task__plan__issuer__in=inside) | provincial


def resolve_name(
    province: OrgUnit,
    name: str,
    target: Target,
    vocabulary: Vocabulary,
    user=None,
) -> Resolution:
    """Map `name` to `target` in `province`: record the alias, point every waiting assignment
    of that name (folded) at the target, and create the tracked assignments of issued plans.

    All or nothing. Raises NameRefused for a target outside the province's vocabulary."""
    from .expansion import expand_tasks

    allowed = {(t.kind, t.pk) for t in vocabulary.targets()}
    if (target.kind, target.pk) not in allowed:
        raise NameRefused("Đơn vị được chọn không thuộc địa bàn của tỉnh này.")
    name = " ".join(name.split())[:300]
    key = fold(name)
    if not key:
        raise NameRefused("Tên đơn vị không được để trống.")
    lookup = {"unit_id": target.pk} if target.kind == "unit" else {"group_id": target.pk}
    with transaction.atomic():
        alias = UnitAlias.objects.filter(key=key, **lookup).first()
        if alias is None:
            alias = UnitAlias(name=name, **lookup)
            alias._history_user = user
            alias._change_reason = REASON
            alias.save()
        waiting = list(
            unresolved_assignments()
            .filter(
                _served_plans(province, target),
                name_key=key[:500],
                task__plan__issuer__tree_id=province.tree_id,
            )
            .select_related("task__plan")
            .select_for_update(of=("self",))
        )
        for a in waiting:
            a.unit_id = lookup.get("unit_id")
            a.group_id = lookup.get("group_id")
        if waiting:
            bulk_update_with_history(
                waiting,
                Assignment,
                ["unit", "group"],
                default_user=user,
                default_change_reason=f"{REASON}: {name}",
            )
        plan_ids = {a.task.plan_id for a in waiting}
        # Anything prepared against the old assignments (an editor page, an import preview)
        # must be reloaded: the plans have changed.
        Plan.objects.filter(pk__in=plan_ids).update(version=F("version") + 1)
        issued = [a for a in waiting if a.task.plan.status == Plan.Status.ISSUED]
        tracked = 0
        if issued:
            # A unit row is tracked itself; a group row gets one tracked row per member.
            tracked = expand_tasks({a.task_id for a in issued}, user=user).added
            tracked += sum(1 for a in issued if a.unit_id)
    return Resolution(alias, len(waiting), len(plan_ids), tracked)


# --- printing mapped names ----------------------------------------------------------------------


def mapped_aliases(plan: Plan) -> set[tuple[str, int, str]]:
    """(kind, pk, folded name) of the aliases people mapped (the names page, an import's
    preview, the admin) for the units and groups the plan's cells name: names the plan still
    holds as typed in its file. The catalogue's own spellings (seeded aliases) are not
    mapped names. One query."""
    written = Assignment.objects.filter(task__plan=plan, via__isnull=True)
    by_people = UnitAlias.history.filter(history_type="+").filter(
        Q(history_change_reason=REASON) | Q(history_user__isnull=False)
    )
    aliases = UnitAlias.objects.filter(
        Q(unit_id__in=written.filter(unit__isnull=False).values("unit_id"))
        | Q(group_id__in=written.filter(group__isnull=False).values("group_id")),
        pk__in=by_people.values("id"),
    )
    return {
        ("unit" if unit_id else "group", unit_id or group_id, key)
        for unit_id, group_id, key in aliases.values_list("unit_id", "group_id", "key")
    }


def _replace_names(text: str, names: list[tuple[str, str | None]]) -> str:
    """`text` with each name (in the order written) replaced by its printed form (None:
    kept). Names are looked for one after the other, so that a short name inside a longer
    one written before it is not taken for it; a name not found is left alone."""
    out: list[str] = []
    cursor = 0
    for written, printed in names:
        at = text.find(written, cursor) if written else -1
        if at < 0:
            continue
        end = at + len(written)
        out.append(text[cursor:at] if printed is not None else text[cursor:end])
        if printed is not None:
            out.append(printed)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def printed_cells(plan: Plan) -> dict[int, tuple[str, str]]:
    """Task pk → (lead text, coordinating text) for the tasks whose cells name a mapped
    name, each such name written as the unit's name the way the plan writes a chosen unit
    (`NamingScope.written_name`: its short name within the plan's territory, its full name
    otherwise) or the group's name; unresolved names and the rest of the cell stay as
    written. Empty (one query) when the plan holds no mapped name."""
    mapped = mapped_aliases(plan)
    if not mapped:
        return {}
    wanted_units = {pk for kind, pk, _key in mapped if kind == "unit"}
    wanted_groups = {pk for kind, pk, _key in mapped if kind == "group"}
    rows = (
        Assignment.objects.filter(task__plan=plan, via__isnull=True)
        .filter(Q(unit_id__in=wanted_units) | Q(group_id__in=wanted_groups))
        .values_list("task_id", flat=True)
        .distinct()
    )
    tasks = {
        t.pk: t for t in Task.objects.filter(pk__in=rows).only("lead_text", "coordinating_text")
    }
    assignments = (
        Assignment.objects.filter(task_id__in=tasks, via__isnull=True)
        .select_related("unit", "group")
        .order_by("task_id", "role", "position", "pk")
    )
    scope = naming_scope(plan.issuer)
    names: dict[tuple[int, str], list[tuple[str, str | None]]] = {}
    for a in assignments:
        printed = None
        key = fold(" ".join(a.source_text.split()))
        if a.unit_id and ("unit", a.unit_id, key) in mapped:
            printed = scope.written_name(a.unit)
        elif a.group_id and ("group", a.group_id, key) in mapped:
            printed = a.group.name
        names.setdefault((a.task_id, a.role), []).append((a.source_text, printed))
    result = {}
    for pk, task in tasks.items():
        result[pk] = (
            _replace_names(task.lead_text, names.get((pk, Assignment.Role.LEAD), [])),
            _replace_names(
                task.coordinating_text, names.get((pk, Assignment.Role.COORDINATING), [])
            ),
        )
    return result


def unresolved_count(plan: Plan) -> int:
    return unresolved_assignments().filter(task__plan=plan).count()


__all__ = [
    "NameRefused",
    "Resolution",
    "WaitingName",
    "describe",
    "mapped_aliases",
    "printed_cells",
    "resolve_name",
    "unresolved_assignments",
    "waiting_names",
]
