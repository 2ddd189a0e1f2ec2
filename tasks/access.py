"""Who may do what with a plan's appendix beyond editing it (`plans.access` holds who sees,
creates, edits, revises and derives plans): the unit names (aliases, tên chưa nhận diện)
and the page of a province's unresolved names (`name_scope`). Enforced on the server, per
object."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from orgunits.access import actor_for
from orgunits.models import OrgUnit, Profile
from plans.models import Plan


def can_manage_names(user, unit: OrgUnit) -> bool:
    """May map unit names of `unit`'s province (aliases, unresolved names): superusers and
    the province's admins."""
    actor = actor_for(user)
    if actor.is_superuser:
        return True
    return actor.has_role(Profile.Role.PROVINCE_ADMIN) and actor.in_province(unit)


def can_manage_aliases(user, plan: Plan) -> bool:
    """Superusers, and the provincial admins of the plan's province, may add unit aliases."""
    return can_manage_names(user, plan.issuer)


def may_see_names(user, plan: Plan) -> bool:
    """Whether the plan page links its unresolved names to the names page."""
    actor = actor_for(user)
    if can_manage_names(user, plan.issuer):
        return True
    return actor.has_role(Profile.Role.OFFICER) and actor.unit == plan.issuer


def picks_province(user) -> bool:
    """Superusers see the unresolved names of any province: the page's address names the
    province (?tinh=); everyone else sees their own province's."""
    return actor_for(user).is_superuser


@dataclass
class NameScope:
    """Whose waiting names a user sees: a province's (admins) or one unit's plans (officers)."""

    province: OrgUnit
    issuer: OrgUnit | None = None  # officers: only the plans their unit issues
    can_map: bool = False
    picks_province: bool = False  # superusers: the page's links keep ?tinh=

    def plan_q(self, prefix: str = "") -> Q:
        """Filter on the plans of the scope (`prefix` for a related path, "task__plan__")."""
        if self.issuer is not None:
            return Q(**{f"{prefix}issuer": self.issuer})
        return Q(**{f"{prefix}issuer__tree_id": self.province.tree_id})


def name_scope(user, province: OrgUnit | None = None) -> NameScope | None:
    """The unresolved names page a user may see (None: refused): provincial admins see and
    map their province's names, officers see the names of their own unit's plans (read
    only). Superusers pick a province (`picks_province`) and map its names."""
    actor = actor_for(user)
    if picks_province(user):
        province = (
            province
            or actor.province
            or OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.PROVINCE)
            .order_by("name")
            .first()
        )
        if province is None:
            return None
        return NameScope(province, can_map=True, picks_province=True)
    own = actor.province
    if own is None or (province is not None and province.pk != own.pk):
        return None
    if actor.has_role(Profile.Role.PROVINCE_ADMIN):
        return NameScope(own, can_map=True)
    if actor.has_role(Profile.Role.OFFICER) and actor.unit is not None:
        return NameScope(own, issuer=actor.unit)
    return None
