"""Who may do what with a plan's appendix beyond editing it (`plans.access` holds who sees,
creates, edits, revises and derives plans): the unit names (aliases, tên chưa nhận diện).
Enforced on the server, per object."""

from __future__ import annotations

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
