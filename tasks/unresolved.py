"""Unresolved names (tên đơn vị chưa xác định): names in a plan's lead or coordinating cells
that match no known unit or group.

An import never stops on such a name: the row is saved and the name kept as written, as an
assignment with no unit and no group (`Assignment.is_unresolved`), tracked by no one. Each
province has one page listing its distinct waiting names (by folded key), how many plans
and tasks wait on each and the closest known units; mapping a name there records an alias
(`UnitAlias`) and resolves every waiting assignment of that name in the province's plans
the target may serve, creating the tracked assignments of issued plans.

    names = waiting_names(scope)                    # one aggregate query (paginated)
    result = resolve_name(province, key, target)    # alias + resolve + expand, atomic
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Min, Q
from simple_history.utils import bulk_update_with_history

from orgunits.access import actor_for, units_in_subtree
from orgunits.models import OrgUnit, Profile, UnitAlias, UnitGroup
from orgunits.resolver import Target, Vocabulary
from orgunits.text import fold
from plans.models import Plan

from .models import Assignment

REASON = "Xác định tên đơn vị chưa xác định"


class NameRefused(Exception):
    """The mapping cannot be saved (a target outside the province, an empty name)."""


def unresolved_assignments():
    """Written assignments whose name is not (yet) a unit or group."""
    return Assignment.objects.filter(via__isnull=True, unit__isnull=True, group__isnull=True)


# --- who sees and who maps ------------------------------------------------------------------


@dataclass
class NameScope:
    """Whose waiting names a user sees: a province's (admins) or one unit's plans (officers)."""

    province: OrgUnit
    issuer: OrgUnit | None = None  # officers: only the plans their unit issues
    can_map: bool = False

    def plans(self):
        plans = Plan.objects.filter(issuer__tree_id=self.province.tree_id)
        return plans.filter(issuer=self.issuer) if self.issuer is not None else plans

    def assignments(self):
        if self.issuer is not None:
            return unresolved_assignments().filter(task__plan__issuer=self.issuer)
        return unresolved_assignments().filter(task__plan__issuer__tree_id=self.province.tree_id)


def name_scope(user, province: OrgUnit | None = None) -> NameScope | None:
    """The names page a user may see (None: refused). Superusers pick a province."""
    actor = actor_for(user)
    if actor.is_superuser:
        province = (
            province
            or actor.province
            or OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.PROVINCE)
            .order_by("name")
            .first()
        )
        return NameScope(province, can_map=True) if province is not None else None
    own = actor.province
    if own is None or (province is not None and province.pk != own.pk):
        return None
    if actor.has_role(Profile.Role.PROVINCE_ADMIN):
        return NameScope(own, can_map=True)
    if actor.has_role(Profile.Role.OFFICER) and actor.unit is not None:
        return NameScope(own, issuer=actor.unit)
    return None


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
        scope.assignments()
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
        scope.assignments()
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
        unit = OrgUnit.objects.select_related("territory").get(pk=target.pk)
        territory = unit.territory if unit.territory_id else None
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


def unresolved_count(plan: Plan) -> int:
    return unresolved_assignments().filter(task__plan=plan).count()


__all__ = [
    "NameRefused",
    "NameScope",
    "Resolution",
    "WaitingName",
    "describe",
    "name_scope",
    "resolve_name",
    "unresolved_assignments",
    "waiting_names",
]
