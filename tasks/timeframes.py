"""Parsing of the "Thời gian thực hiện" cell of a plan appendix into a schedule.

Pure Python (no Django). The parser never guesses: a cell is recognised only when every
part of it is a known phrase, otherwise it is "unparsed" and its text is kept.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from orgunits.text import clean_cell, strip_accents

__all__ = ["Schedule", "ScheduleKind", "parse_timeframe"]

ScheduleKind = Literal["none", "ongoing", "yearly", "once", "span", "external", "unparsed"]

_SUMMARIES: dict[str, str] = {
    "none": "không ghi thời hạn",
    "ongoing": "thường xuyên",
    "yearly": "hằng năm",
    "external": "theo kế hoạch, tiến độ khác",
    "unparsed": "chưa đọc được thời hạn",
}


@dataclass(frozen=True)
class Schedule:
    """The schedule of a task.

    - ``once``: ``due_date`` is the deadline; ``start_year``/``end_year`` keep a period
      named alongside it ("Năm 2025 và giai đoạn 2026-2030 (hoàn thành trong quý III/2025)").
    - ``yearly``: ``yearly_day``/``yearly_month`` is the yearly deadline when given;
      ``due_date`` is a one-year exception ("riêng năm 2025 … trước ngày 31/12/2025").
    - ``span``, ``ongoing``: ``start_year``/``end_year`` is the period when given.
    ``text`` is the input as given.
    """

    kind: ScheduleKind
    due_date: date | None = None
    yearly_day: int | None = None
    yearly_month: int | None = None
    start_year: int | None = None
    end_year: int | None = None
    text: str = ""

    @property
    def summary(self) -> str:
        """Short Vietnamese description for display ("hằng năm, hạn 01/10" …)."""
        period = _period_text(self.start_year, self.end_year)
        if self.kind == "once" and self.due_date is not None:
            text = f"hạn {self.due_date:%d/%m/%Y}"
            return f"{text} ({period})" if period else text
        if self.kind == "span" and period:
            return period
        if self.kind in ("yearly", "ongoing"):
            parts = [_SUMMARIES[self.kind]]
            if self.yearly_day is not None and self.yearly_month is not None:
                parts.append(f"hạn {self.yearly_day:02d}/{self.yearly_month:02d}")
            if period:
                parts.append(period)
            text = ", ".join(parts)
            if self.due_date is not None:
                text += f" (năm {self.due_date.year}: hạn {self.due_date:%d/%m/%Y})"
            return text
        return _SUMMARIES.get(self.kind, _SUMMARIES["unparsed"])

    def due_in_year(self, year: int) -> date | None:
        """The deadline falling in ``year``, if the schedule gives one."""
        if self.kind == "once":
            return self.due_date if self.due_date and self.due_date.year == year else None
        if self.kind != "yearly":
            return None
        if self.start_year is not None and year < self.start_year:
            return None
        if self.end_year is not None and year > self.end_year:
            return None
        if self.due_date is not None and self.due_date.year == year:
            return self.due_date
        if self.yearly_day is None or self.yearly_month is None:
            return None
        last_day = calendar.monthrange(year, self.yearly_month)[1]
        return date(year, self.yearly_month, min(self.yearly_day, last_day))


def _period_text(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return ""
    return f"năm {start}" if start == end else f"giai đoạn {start}–{end}"


# --- phrase grammar (on the key: lowercase, no diacritics, one space) ------------------------

_Y = r"(\d{4})"
_D = r"(\d{1,2})"
_SEP = r"\s*[/.-]\s*"
_NOT_MORE = r"(?![\w/])"
_VERB = r"(?:(?:hoan thanh|thuc hien|bao cao|gui bao cao)\s+)?"
_DATE = rf"(?:{_D}{_SEP}{_D}{_SEP}{_Y}|{_D}\s+thang\s+{_D}\s+nam\s+{_Y}){_NOT_MORE}"

_EXCEPTION_RE = re.compile(
    rf"rieng\s+(?:nam\s+)?{_Y}\s*,?\s*{_VERB}(?:(?:truoc|han|den|cham nhat)\s+)?"
    rf"(?:ngay\s+)?{_DATE}"
)
_FULL_DATE_RE = re.compile(rf"{_VERB}(?:(?:truoc|han|den|cham nhat)\s+)?(?:ngay\s+)?{_DATE}")
_DAY_MONTH_RE = re.compile(
    rf"{_VERB}(?:(?:truoc|han|den|cham nhat)\s+(?:ngay\s+)?|ngay\s+)"
    rf"{_D}(?:{_SEP}|\s+thang\s+){_D}(?!\s*(?:[/.-]\s*\d|nam\s+\d))(?![\w/])"
)
_MONTH_RE = re.compile(rf"{_VERB}(?:trong\s+)?thang\s+{_D}(?:{_SEP}|\s+nam\s+){_Y}{_NOT_MORE}")
_QUARTER_RE = re.compile(
    rf"{_VERB}(?:trong\s+)?quy\s+(iv|i{{1,3}}|[1-4])(?:{_SEP}|\s+nam\s+){_Y}{_NOT_MORE}"
)
_YEAR_DEADLINE_RE = re.compile(rf"(?:hoan thanh|thuc hien xong)\s+(?:trong\s+)?(?:nam\s+)?{_Y}")
_SPAN_RE = re.compile(
    rf"(?:giai doan\s+)?(?:tu\s+)?(?:nam\s+)?{_Y}\s*(?:-|den(?:\s+nam)?)\s*{_Y}{_NOT_MORE}"
)
_YEAR_RE = re.compile(rf"(?:trong\s+)?nam\s+{_Y}{_NOT_MORE}")
_PERIOD_RE = re.compile(r"giai doan(?!\s*\d)\b")
_YEARLY_RE = re.compile(r"(?:dinh ky\s+)?(?:hang|moi)\s+nam\b")
_ONGOING_RE = re.compile(r"thuong xuyen\b")
# Words between phrases that change nothing ("…, theo quy định").
_CONNECTOR_RE = re.compile(r"(?:[\s,;().]|va\b|theo quy dinh\b)+")

_LABEL_RE = re.compile(r"^(?:thoi gian(?:\s+thuc hien|\s+hoan thanh)?|thoi han)\s*:\s*")
_EXTERNAL_RE = re.compile(
    r"^(?:[^:]{1,80}:\s*)?(?:thuc hien\s+|thuc hien\s+va\s+hoan thanh\s+)?theo\s+"
    r"(?:ke hoach|tien do|quy dinh|lo trinh|yeu cau|chi dao|huong dan|van ban|thong bao)\b"
)
_BULLET_RE = re.compile(r"^[-–+•]\s*")
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


class _Unrecognised(Exception):
    """Raised inside the parser when a cell cannot be read without guessing."""


def _key(line: str) -> str:
    key = strip_accents(line).lower().replace("–", "-").replace("—", "-")
    key = re.sub(r"\s+", " ", key).strip()
    key = _BULLET_RE.sub("", key)
    return _LABEL_RE.sub("", key).strip(" .;,")


def _make_date(year: str | int, month: str | int, day: str | int) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError as error:
        raise _Unrecognised from error


def _month_end(year: str | int, month: str | int) -> date:
    month = int(month)
    if not 1 <= month <= 12:
        raise _Unrecognised
    return _make_date(year, month, calendar.monthrange(int(year), month)[1])


def _date_from(groups: tuple[str | None, ...]) -> date:
    """Date from the six groups of ``_DATE`` (d/m/y or "d tháng m năm y")."""
    day, month, year = groups[0:3] if groups[0] is not None else groups[3:6]
    return _make_date(str(year), str(month), str(day))


def _year(value: str) -> int:
    year = int(value)
    if not 1900 <= year <= 2199:
        raise _Unrecognised
    return year


@dataclass
class _Parts:
    """The phrases found in a cell."""

    ongoing: bool = False
    yearly: bool = False
    bare_period: bool = False
    day_months: list[tuple[int, int]] = field(default_factory=list)
    deadlines: list[date] = field(default_factory=list)
    exceptions: list[date] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


def _scan(key: str) -> _Parts:
    """Split a key into known phrases; raise ``_Unrecognised`` on anything else."""
    parts = _Parts()
    pos = 0
    while pos < len(key):
        if match := _CONNECTOR_RE.match(key, pos):
            pos = match.end()
            continue
        if match := _EXCEPTION_RE.match(key, pos):
            _year(match.group(1))
            parts.exceptions.append(_date_from(match.groups()[1:]))
        elif match := _FULL_DATE_RE.match(key, pos):
            parts.deadlines.append(_date_from(match.groups()))
        elif match := _DAY_MONTH_RE.match(key, pos):
            day, month = int(match.group(1)), int(match.group(2))
            _make_date(2000, month, day)  # validates (2000 is a leap year: 29/02 allowed)
            parts.day_months.append((day, month))
        elif match := _MONTH_RE.match(key, pos):
            parts.deadlines.append(_month_end(_year(match.group(2)), match.group(1)))
        elif match := _QUARTER_RE.match(key, pos):
            quarter = _QUARTERS[match.group(1)]
            parts.deadlines.append(_month_end(_year(match.group(2)), quarter * 3))
        elif match := _YEAR_DEADLINE_RE.match(key, pos):
            parts.deadlines.append(_make_date(_year(match.group(1)), 12, 31))
        elif match := _SPAN_RE.match(key, pos):
            start, end = _year(match.group(1)), _year(match.group(2))
            if start >= end:
                raise _Unrecognised
            parts.spans.append((start, end))
        elif match := _YEAR_RE.match(key, pos):
            parts.years.append(_year(match.group(1)))
        elif match := _PERIOD_RE.match(key, pos):
            parts.bare_period = True
        elif match := _YEARLY_RE.match(key, pos):
            parts.yearly = True
        elif match := _ONGOING_RE.match(key, pos):
            parts.ongoing = True
        else:
            raise _Unrecognised
        pos = match.end()
    return parts


def _combine(parts: _Parts, text: str) -> Schedule:
    """Turn the phrases of a cell into a schedule, refusing contradictory combinations."""
    if len(parts.deadlines) > 1 or len(parts.day_months) > 1 or len(parts.exceptions) > 1:
        raise _Unrecognised
    if (
        len(parts.spans) > 1
        or (len(parts.years) > 1)
        or (parts.years and not parts.spans and (parts.yearly or parts.ongoing))
    ):
        raise _Unrecognised
    bounds = [year for span in parts.spans for year in span] + parts.years
    start, end = (min(bounds), max(bounds)) if bounds else (None, None)
    deadline = parts.deadlines[0] if parts.deadlines else None

    if parts.yearly:
        if deadline is not None:
            raise _Unrecognised
        day, month = parts.day_months[0] if parts.day_months else (None, None)
        exception = parts.exceptions[0] if parts.exceptions else None
        return Schedule("yearly", exception, day, month, start, end, text)
    if parts.day_months or parts.exceptions:
        raise _Unrecognised  # a day and month without "hằng năm": which year?
    if parts.ongoing:
        if deadline is not None or parts.bare_period:
            raise _Unrecognised
        return Schedule("ongoing", start_year=start, end_year=end, text=text)
    if parts.bare_period:
        raise _Unrecognised
    if deadline is not None:
        return Schedule("once", deadline, start_year=start, end_year=end, text=text)
    if parts.spans:
        return Schedule("span", start_year=start, end_year=end, text=text)
    if parts.years:
        return Schedule("once", date(parts.years[0], 12, 31), text=text)
    raise _Unrecognised


def _parse_text(cleaned: str, text: str) -> Schedule:
    lines = [line for line in cleaned.split("\n") if line.strip()]
    keys = [_key(line) for line in lines]
    external = [bool(_EXTERNAL_RE.match(key)) for key in keys]
    if all(external):
        return Schedule("external", text=text)
    if any(external):
        raise _Unrecognised
    return _combine(_scan(" ; ".join(keys)), text)


def parse_timeframe(value: str | date | datetime | None) -> Schedule:
    """Parse a "Thời gian thực hiện" cell (text, or an Excel date cell) into a schedule.

    Anything not recognised gives kind "unparsed" with the text kept; invalid dates
    never raise.
    """
    if value is None:
        return Schedule("none")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return Schedule("once", value, text=f"{value:%d/%m/%Y}")
    text = str(value)
    cleaned = clean_cell(text)
    if not cleaned:
        return Schedule("none", text=text)
    try:
        return _parse_text(cleaned, text)
    except _Unrecognised:
        return Schedule("unparsed", text=text)
