"""Parsing of the "Thời gian thực hiện" cell of a plan appendix into a schedule.

Pure Python (no Django). The parser never guesses: a cell is recognised only when every
part of it is a known phrase, otherwise it is "unparsed" and its text is kept. What it reads
is said in words by ``Schedule.summary`` (shown in the editor and import previews).

Conventions (one reading per phrase, decided once):

- A deadline day counts as on time, so "trước ngày 30/6/2026", "trước 30/6/2026" and
  "hạn 30/6/2026" are all due 30/06/2026 (not 29/06).
- A month, quarter or year is due on its last day: "Tháng 12/2026" 31/12/2026,
  "quý III năm 2026" 30/09/2026, "Năm 2026", "Trong năm 2026", a bare "2026" (a cell with
  nothing but the year, also an Excel number cell), "Đến năm 2030", "đến hết năm 2030",
  "chậm nhất năm 2030" 31/12 of that year (kind ``once``).
- Several quarters or months of one year are due at the end of the last one named:
  "Quý I, II/2026" 30/06/2026, "Tháng 10-12/2025" 31/12/2025 (they must be in order).
- "6 tháng đầu năm 2026" (the first n months) is due at the end of month n (30/06/2026);
  "6 tháng cuối năm 2026" and "nửa cuối năm 2026" at 31/12/2026, "nửa đầu năm" at 30/06.
- "Năm 2025 - 2026", "Giai đoạn 2026-2030", "từ năm 2026 đến năm 2030": a period (``span``),
  reported every year of it and due at its end (31/12 of the last year).
- "Quý IV hằng năm", "Tháng 10 hằng năm": yearly, due at the end of that quarter or month
  (31/12, 31/10). Without "hằng năm", "Quý IV" or "Tháng 10" name no year: unparsed.
- "Hằng năm", "Hằng năm, giai đoạn", "Hằng năm và từng giai đoạn": yearly without a day of
  its own (due with the plan's yearly report).
- "Thường xuyên, hằng năm" keeps both meanings: ongoing work (``ongoing``, never late,
  "Không có hạn") reported every year (``cadence`` "yearly"). Only an explicit day makes it a
  yearly deadline ("Thường xuyên, trước ngày 15/12 hằng năm").
- "12/2025", "03/2025" (a month and year with a slash, nothing else in the phrase) is that
  month, due on its last day, as "Tháng 12/2025"; "12/5/2025" is a date (read first).
  "Xong trong quý II/2026", "Xong trong tháng 5/2026": "xong" is a verb like "hoàn thành".
- "Liên tục" and "Nhiệm vụ thường xuyên" are "Thường xuyên" (``ongoing``). "Liên tục từ năm
  2028", "2025 và những năm tiếp theo": ongoing from that year, no end ("từ năm 2028");
  "Hằng năm từ năm 2026" likewise yearly. "Từ năm 2026" alone (what then?) is unparsed.
- "Quý IV/2026, 2027", "Quý III, IV/2026, 2027": quarters of a year, then the next year; due
  31/12 of the next year with the period 2026–2027. Read only when the last quarter named is
  IV: "then all of 2027" and "the same quarters in 2027" both end on 31/12/2027 there,
  while in "Quý II, III/2026, 2027" they differ (31/12 or 30/09/2027): unparsed.
- "Định kỳ 6 tháng" (also "6 tháng một lần", "mỗi 6 tháng") cannot be one yearly deadline
  (a task has one yearly day): it is ``ongoing`` with cadence "half_yearly" and says so;
  "Định kỳ 6 tháng, hằng năm" is cadence "half_yearly_yearly". With a date it is unparsed.
- Still unparsed: "Hàng quý", "trước tháng 10", "trước 12/2025", a day and month without
  "hằng năm", two deadlines, "Liên tục và hoàn thành … tháng 6/2027" (ongoing with a
  deadline), "năm tiếp theo" (after which year?), anything with an unknown word.
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

Cadence = Literal["", "yearly", "half_yearly", "half_yearly_yearly"]

#: How often an ongoing task is reported, in words (appended to "thường xuyên").
_CADENCES: dict[str, str] = {
    "yearly": "báo cáo hằng năm",
    "half_yearly": "báo cáo định kỳ 6 tháng",
    "half_yearly_yearly": "báo cáo định kỳ 6 tháng và hằng năm",
}

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
    - ``ongoing``: ``cadence`` says how often it is reported when the cell says so
      ("Thường xuyên, hằng năm" → "yearly"); it never gives a deadline. It is not a
      column of ``Task``: ``Task.schedule`` reads it again from the stored text.
    ``text`` is the input as given.
    """

    kind: ScheduleKind
    due_date: date | None = None
    yearly_day: int | None = None
    yearly_month: int | None = None
    start_year: int | None = None
    end_year: int | None = None
    text: str = ""
    cadence: Cadence = ""

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
            if self.kind == "ongoing" and self.cadence:
                parts.append(_CADENCES[self.cadence])
            if self.yearly_day is not None and self.yearly_month is not None:
                parts.append(f"hạn {self.yearly_day:02d}/{self.yearly_month:02d}")
                if (self.yearly_day, self.yearly_month) == (29, 2):
                    parts[-1] += " (28/02 nếu năm không nhuận)"
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
    if start is not None and end is None:
        return f"từ năm {start}"
    if start is None or end is None:
        return ""
    return f"năm {start}" if start == end else f"giai đoạn {start}–{end}"


# --- phrase grammar (on the key: lowercase, no diacritics, one space) ------------------------

_Y = r"(\d{4})"
_D = r"(\d{1,2})"
_SEP = r"\s*[/.-]\s*"
_NOT_MORE = r"(?![\w/])"
_VERB = r"(?:(?:hoan thanh xong|thuc hien xong|hoan thanh|thuc hien|bao cao|gui bao cao|xong)\s+)?"
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
# "12/2025", "03/2025": a month and a year with a slash and nothing else (a full date
# "12/5/2025" is read before this; "trước 12/2025" has no reading: which day?).
_MONTH_YEAR_RE = re.compile(rf"{_VERB}(?:trong\s+)?{_D}\s*/\s*{_Y}{_NOT_MORE}")
_Q = r"(?:iv|i{1,3}|[1-4])"
_NO_YEAR = r"(?!\s*(?:[/.-]\s*\d|nam\s+\d))(?![\w/])"
_LIST_SEP = r"\s*(?:,|-|va|den)\s*"
_QUARTER_RE = re.compile(rf"{_VERB}(?:trong\s+)?quy\s+({_Q})(?:{_SEP}|\s+nam\s+){_Y}{_NOT_MORE}")
# "Quý IV/2026, 2027", "Quý III, IV/2026, 2027": the quarters of a year, then the next year.
_QUARTERS_NEXT_YEAR_RE = re.compile(
    rf"{_VERB}(?:trong\s+)?(?:cac\s+)?quy\s+({_Q}(?:{_LIST_SEP}(?:quy\s+)?{_Q})*)"
    rf"(?:{_SEP}|\s+nam\s+){_Y}\s*(?:,|va)\s*(?:nam\s+)?{_Y}{_NOT_MORE}(?!\s*-)"
)
_QUARTERS_RE = re.compile(
    rf"{_VERB}(?:trong\s+)?(?:cac\s+)?quy\s+({_Q}(?:{_LIST_SEP}(?:quy\s+)?{_Q})+)"
    rf"(?:{_SEP}|\s+nam\s+){_Y}{_NOT_MORE}"
)
_MONTHS_RE = re.compile(
    rf"{_VERB}(?:trong\s+)?(?:cac\s+)?thang\s+(\d{{1,2}}(?:{_LIST_SEP}(?:thang\s+)?\d{{1,2}})+)"
    rf"(?:{_SEP}|\s+nam\s+){_Y}{_NOT_MORE}"
)
# "Quý IV hằng năm", "Tháng 10 hằng năm": a quarter or month with no year.
_QUARTER_ONLY_RE = re.compile(rf"{_VERB}(?:trong\s+)?quy\s+({_Q}){_NO_YEAR}")
_MONTH_ONLY_RE = re.compile(rf"{_VERB}(?:trong\s+)?thang\s+{_D}{_NO_YEAR}")
# "6 tháng đầu năm 2026", "nửa cuối năm 2026".
_PART_OF_YEAR_RE = re.compile(
    rf"{_VERB}(?:trong\s+)?(?:(\d{{1,2}})\s+thang|(nua))\s+(dau|cuoi)\s+nam\s+{_Y}{_NOT_MORE}"
)
_YEAR_DEADLINE_RE = re.compile(
    rf"(?:hoan thanh|thuc hien xong|(?:tu nay\s+)?den(?:\s+het)?|cham nhat)\s+(?:trong\s+)?"
    rf"(?:nam\s+)?{_Y}{_NOT_MORE}"
)
_SPAN_RE = re.compile(
    rf"(?:giai doan\s+)?(?:tu\s+)?(?:nam\s+)?{_Y}\s*(?:-|den(?:\s+nam)?)\s*{_Y}{_NOT_MORE}"
)
_YEAR_RE = re.compile(rf"(?:trong\s+)?nam\s+{_Y}{_NOT_MORE}")
# "từ năm 2028" (with "liên tục", "hằng năm"): from that year on, no end named.
_FROM_YEAR_RE = re.compile(rf"(?:bat dau\s+)?tu\s+(?:nam\s+)?{_Y}{_NOT_MORE}(?!\s*-)")
# "2025 và những năm tiếp theo": ongoing from that year on.
_YEAR_ONWARDS_RE = re.compile(
    rf"(?:(?:tu\s+)?nam\s+)?{_Y}\s+(?:va|,)?\s*(?:nhung|cac)\s+nam\s+(?:tiep theo|sau)\b"
)
_BARE_YEAR_RE = re.compile(rf"{_Y}")
_PERIOD_RE = re.compile(r"(?:(?:tung|cac|moi)\s+)?giai doan(?!\s*\d)\b")
_HALF_YEARLY_RE = re.compile(
    r"(?:(?:bao cao\s+)?(?:dinh ky|moi|hang)\s+0?6\s+thang(?:\s+(?:mot|1)\s+lan)?"
    r"|0?6\s+thang\s+(?:mot|1)\s+lan)(?![\w/])"
)
_YEARLY_RE = re.compile(r"(?:(?:bao cao\s+)?dinh ky\s+)?(?:hang|moi)\s+nam\b")
_ONGOING_RE = re.compile(r"(?:nhiem vu\s+)?(?:thuong xuyen|lien tuc)\b")
# Words between phrases that change nothing ("…, theo quy định").
_CONNECTOR_RE = re.compile(r"(?:[\s,;().]|va\b|theo quy dinh\b)+")

_LABEL_RE = re.compile(r"^(?:thoi gian(?:\s+thuc hien|\s+hoan thanh)?|thoi han)\s*:\s*")
_EXTERNAL_RE = re.compile(
    r"^(?:[^:]{1,80}:\s*)?(?:thuc hien\s+|thuc hien\s+va\s+hoan thanh\s+)?theo\s+"
    r"(?:ke hoach|tien do|quy dinh|lo trinh|yeu cau|chi dao|huong dan|van ban|thong bao)\b"
)
_BULLET_RE = re.compile(r"^[-–+•]\s*")
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_TOKEN_RE = re.compile(r"iv|i{1,3}|[1-4]")


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
    from_years: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    half_yearly: bool = False


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
        elif match := _QUARTERS_NEXT_YEAR_RE.match(key, pos):
            quarters = [_QUARTERS[q] for q in _QUARTER_TOKEN_RE.findall(match.group(1))]
            first, then = _year(match.group(2)), _year(match.group(3))
            # Read alike as "those quarters, then the whole next year" and as "those quarters
            # of both years" only when the last quarter is IV: then due 31/12 of the next year.
            if _last(quarters) != 4 or then != first + 1:
                raise _Unrecognised
            parts.deadlines.append(_make_date(then, 12, 31))
            parts.spans.append((first, then))
        elif match := _QUARTER_RE.match(key, pos):
            quarter = _QUARTERS[match.group(1)]
            parts.deadlines.append(_month_end(_year(match.group(2)), quarter * 3))
        elif match := _QUARTERS_RE.match(key, pos):
            quarters = [_QUARTERS[q] for q in _QUARTER_TOKEN_RE.findall(match.group(1))]
            parts.deadlines.append(_month_end(_year(match.group(2)), _last(quarters) * 3))
        elif match := _MONTHS_RE.match(key, pos):
            months = [int(m) for m in re.findall(r"\d+", match.group(1))]
            parts.deadlines.append(_month_end(_year(match.group(2)), _last(months)))
        elif match := _MONTH_YEAR_RE.match(key, pos):
            parts.deadlines.append(_month_end(_year(match.group(2)), match.group(1)))
        elif match := _PART_OF_YEAR_RE.match(key, pos):
            count = 6 if match.group(2) else int(match.group(1))
            if not 1 <= count <= 11:
                raise _Unrecognised
            month = count if match.group(3) == "dau" else 12
            parts.deadlines.append(_month_end(_year(match.group(4)), month))
        elif match := _QUARTER_ONLY_RE.match(key, pos):
            month = _QUARTERS[match.group(1)] * 3
            parts.day_months.append((calendar.monthrange(2000, month)[1], month))
        elif match := _MONTH_ONLY_RE.match(key, pos):
            month = int(match.group(1))
            if not 1 <= month <= 12:
                raise _Unrecognised
            # 2000 is a leap year: "tháng 2" ends on the 29th, cut to the 28th when needed.
            parts.day_months.append((calendar.monthrange(2000, month)[1], month))
        elif match := _YEAR_DEADLINE_RE.match(key, pos):
            parts.deadlines.append(_make_date(_year(match.group(1)), 12, 31))
        elif match := _YEAR_ONWARDS_RE.match(key, pos):
            parts.from_years.append(_year(match.group(1)))
            parts.ongoing = True
        elif match := _SPAN_RE.match(key, pos):
            start, end = _year(match.group(1)), _year(match.group(2))
            if start >= end:
                raise _Unrecognised
            parts.spans.append((start, end))
        elif match := _YEAR_RE.match(key, pos):
            parts.years.append(_year(match.group(1)))
        elif match := _FROM_YEAR_RE.match(key, pos):
            parts.from_years.append(_year(match.group(1)))
        elif match := _PERIOD_RE.match(key, pos):
            parts.bare_period = True
        elif match := _HALF_YEARLY_RE.match(key, pos):
            parts.half_yearly = True
        elif match := _YEARLY_RE.match(key, pos):
            parts.yearly = True
        elif match := _ONGOING_RE.match(key, pos):
            parts.ongoing = True
        else:
            raise _Unrecognised
        pos = match.end()
    return parts


def _last(values: list[int]) -> int:
    """The last of values named in increasing order ("quý I, II" → 2); else unrecognised."""
    if any(a >= b for a, b in zip(values, values[1:], strict=False)):
        raise _Unrecognised
    return values[-1]


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
    if parts.from_years:
        # "từ năm 2028": a start with no end, only for ongoing or yearly work.
        if len(parts.from_years) > 1 or parts.spans or parts.years or parts.deadlines:
            raise _Unrecognised
        if not (parts.ongoing or parts.yearly) or parts.bare_period:
            raise _Unrecognised
    bounds = [year for span in parts.spans for year in span] + parts.years
    start, end = (min(bounds), max(bounds)) if bounds else (None, None)
    if parts.from_years:
        start = parts.from_years[0]
    deadline = parts.deadlines[0] if parts.deadlines else None
    dated = deadline is not None or parts.day_months or parts.exceptions

    if parts.half_yearly or (parts.ongoing and parts.yearly and not dated):
        # Ongoing work reported yearly or every 6 months: never a deadline of its own.
        if dated:
            raise _Unrecognised
        if parts.half_yearly:
            cadence: Cadence = "half_yearly_yearly" if parts.yearly else "half_yearly"
        else:
            cadence = "yearly"
        return Schedule("ongoing", start_year=start, end_year=end, text=text, cadence=cadence)
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
    key = " ; ".join(keys)
    if _BARE_YEAR_RE.fullmatch(key):  # a cell holding only a year: "2026"
        return Schedule("once", _make_date(_year(key), 12, 31), text=text)
    return _combine(_scan(key), text)


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
