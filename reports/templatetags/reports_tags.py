"""Small display helpers for the report pages (badges, days left, figures)."""

from datetime import date

from django import template

register = template.Library()

STATE_COLOURS = {
    "draft": "secondary",
    "submitted": "primary",
    "accepted": "success",
    "returned": "danger",
}


@register.filter
def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def days_text(cutoff: date, today: date) -> str:
    days = (cutoff - today).days
    if days > 0:
        return f"còn {days} ngày"
    if days == 0:
        return "hạn là hôm nay"
    return f"quá hạn {-days} ngày"


@register.filter
def figure(value) -> str:
    """1234567.50 → 1.234.567,5 (Vietnamese grouping)."""
    if value in (None, ""):
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value:g}%".replace(".", ",")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def person(user, missing: str = "hệ thống") -> str:
    """The name shown for whoever made a change: full name, else login, else `missing`
    (transitions made by the system or by an account since deleted have no user)."""
    if user is None:
        return missing
    return user.get_full_name() or user.username
