"""Counts as Vietnamese write them: 3031 → "3.031", on every page, message and notification.

USE_THOUSAND_SEPARATOR stays off (it would also print primary keys as "1.234" in URLs and
form values), so a count shown to users goes through `count_text` in Python or the `num`
filter in templates (a builtin of the template engine: no `{% load %}` needed).
"""

from django import template

register = template.Library()


def count_text(value) -> str:
    """3031 → "3.031"; -1500 → "-1.500"."""
    return f"{int(value):,}".replace(",", ".")


@register.filter
def num(value) -> str:
    """A count for a template: `{{ n|num }}`; "—" when there is none."""
    if value in (None, ""):
        return "—"
    return count_text(value)
