"""Navigation helpers for base.html (no query when the view already looked up the actor)."""

from django import template

from plans import access

register = template.Library()


@register.filter
def can_create_plans(user) -> bool:
    """Whether “Lập kế hoạch” is offered: `plans.access.can_create_plans`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return access.can_create_plans(user)
