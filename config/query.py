"""The one validated path for numbers and tokens read from query strings and forms.

`str.isdigit()` accepts "²" and "٣" (Unicode digits), which `int()` then refuses, and
nothing bounded the size: every id, year or version read from a request goes through here,
and a bad value reads as missing (the view answers 400/404 or ignores the filter, never 500).
"""

from __future__ import annotations

import re
import uuid

_ASCII_DIGITS = re.compile(r"[0-9]{1,9}")


def positive_int(value, default: int | None = None) -> int | None:
    """ "42" → 42; anything but 1 to 9 ASCII digits ("abc", "-1", "²", "", None, a 20-digit
    number) → `default`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**9 else default
    if not isinstance(value, str):
        return default
    return int(value) if _ASCII_DIGITS.fullmatch(value) else default


def year(value, default: int | None = None) -> int | None:
    """A plausible calendar year (1900–2999), else `default`."""
    number = positive_int(value)
    return number if number is not None and 1900 <= number <= 2999 else default


def uuid_or_none(value) -> uuid.UUID | None:
    """A UUID written in any of its usual forms, else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
