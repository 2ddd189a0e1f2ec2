"""Navigation helpers for base.html (no query when the view already looked up the actor)."""

from django import template

from orgunits.access import actor_for
from orgunits.models import Profile

register = template.Library()


@register.filter
def can_create_plans(user) -> bool:
    """Whether “Lập kế hoạch” is offered: the rule of `plans.views.plan_create`."""
    if not getattr(user, "is_authenticated", False):
        return False
    actor = actor_for(user)
    return actor.is_superuser or actor.has_role(Profile.Role.OFFICER, Profile.Role.PROVINCE_ADMIN)
