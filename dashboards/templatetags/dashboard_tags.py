"""Display helpers of the dashboards: status badges (colour, symbol and word), completion
bands of the matrix, Vietnamese numbers, and links that keep the filters."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from config import numbers
from dashboards.figures import STATUS_LABELS

register = template.Library()

#: A symbol per status, besides the colour and always with the word (colour-blind readers).
SYMBOLS = {
    "done_on_time": "✓",
    "done_late": "◔",
    "not_done_in_time": "○",
    "not_done_overdue": "⚠",
    "due_soon": "◷",
    "no_deadline": "∞",
}


@register.simple_tag
def status_badge(key: str, count=None):
    label = STATUS_LABELS.get(key, key)
    if count is None:
        return format_html(
            '<span class="badge st st-{}"><span aria-hidden="true">{}</span> {}</span>',
            key, SYMBOLS.get(key, ""), label,
        )  # fmt: skip
    return format_html(
        '<span class="badge st st-{}"><span aria-hidden="true">{}</span> {}: {}</span>',
        key, SYMBOLS.get(key, ""), label, num(count),
    )  # fmt: skip


@register.filter
def symbol(key: str) -> str:
    return SYMBOLS.get(key, "")


#: 12345 → 12.345 (also a builtin of every template; kept here for the views that import it).
num = register.filter("num", numbers.num)


@register.filter
def pct(value) -> str:
    """62.5 → 62,5%"""
    return "—" if value in (None, "") else f"{value:g}%".replace(".", ",")


@register.filter
def band(rate) -> str:
    """Completion bands of the matrix: ≥ 80 % good, 50–80 % middling, below 50 % low."""
    if rate in (None, ""):
        return "none"
    return "hi" if rate >= 80 else ("mid" if rate >= 50 else "lo")


BAND_SYMBOLS = {"hi": "✓", "mid": "◐", "lo": "⚠", "none": "", "nd": "∞"}
BAND_WORDS = {"hi": "tốt", "mid": "trung bình", "lo": "thấp", "none": "", "nd": "không có hạn"}


def fig_band_of(fig) -> str:
    """The band of a row or cell: "nd" when all its lines are without deadline."""
    if fig is None or fig == "":
        return "none"
    if fig.only_no_deadline:
        return "nd"
    return band(fig.completion_rate)


@register.filter
def fig_band(fig) -> str:
    return fig_band_of(fig)


@register.filter
def fig_rate(fig) -> str:
    """The completion rate as shown: a symbol, the percentage, or "không có hạn"."""
    b = fig_band_of(fig)
    if b == "none":
        return "—"
    if b == "nd":
        return "∞ không có hạn"
    return f"{BAND_SYMBOLS[b]} {pct(fig.completion_rate)}"


@register.filter
def band_symbol(rate) -> str:
    return BAND_SYMBOLS[band(rate)]


@register.filter
def band_word(rate) -> str:
    return BAND_WORDS[band(rate)]


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def dash_url(name, unit_pk, params, **changes):
    """A dashboard URL for `unit_pk` with the filters `params`, changed by `changes`
    (a value of None or "" drops the parameter)."""
    values = dict(params or {})
    for key, value in changes.items():
        if value in (None, ""):
            values.pop(key, None)
        else:
            values[key] = value
    url = reverse(name, args=[unit_pk]) if unit_pk else reverse(name)
    return f"{url}?{urlencode(values)}" if values else url


@register.simple_tag(takes_context=True)
def page_url(context, param, number):
    """The current URL with page `param` set to `number`."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
