"""The one definition of timeliness, in Python and in SQL (computed, never stored).

Completion × timeliness (domain notes, "Status = completion × timeliness"):

- Hoàn thành đúng hạn: reported done, completion date ≤ deadline (the deadline day itself
  is on time);
- Hoàn thành trễ hạn: reported done, completion date > deadline;
- Chưa hoàn thành, trong hạn: not (yet) reported done, today ≤ deadline;
- Chưa hoàn thành, quá hạn: not reported done, today > deadline;
- Không có hạn: the task has no deadline in the period (ongoing, "Thường xuyên").

Only submitted or accepted reports count as reported; a draft or a returned report is not
a report yet. The deadline is the extended one when an extension was granted.

Submission: a report line first submitted before 00:00 of the day after the period's
cutoff, local time, is on time; later is late; never is missing.

The rates (issue 12; domain notes, "Two rates, not one") — one definition, used by the
dashboards, their exports and the consolidated report:

- Tỷ lệ hoàn thành (completion rate): lines (or tasks) done, on time or late, over the lines
  (tasks) with a deadline in the period ("nhiệm vụ đến hạn trong kỳ": every timeliness but
  Không có hạn). Ongoing tasks ("Thường xuyên") are never in the denominator: they are
  reported on and counted apart (`Ongoing`: reported / expected, how many say Hoàn thành,
  Đang thực hiện).
- Tỷ lệ cập nhật (update rate): units that submitted their report for the period on time
  over the units expected to report, each unit counted once per period. A unit submitted
  on time when *every* one of its lines in that period was first submitted by the cutoff
  (`unit_on_time`, `UNIT_ON_TIME_SQL`).
- Tỷ lệ dòng báo cáo nộp đúng hạn: the per-line figure (lines first submitted on time over
  lines expected), kept as a second figure under that name.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate

from config.numbers import count_text

from .models import ProgressReport, local_day_end


class Timeliness:
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    NOT_DONE_IN_TIME = "not_done_in_time"
    NOT_DONE_OVERDUE = "not_done_overdue"
    NO_DEADLINE = "no_deadline"

    LABELS = {
        DONE_ON_TIME: "Hoàn thành đúng hạn",
        DONE_LATE: "Hoàn thành trễ hạn",
        NOT_DONE_IN_TIME: "Chưa hoàn thành trong hạn",
        NOT_DONE_OVERDUE: "Chưa hoàn thành quá hạn",
        NO_DEADLINE: "Không có hạn",
    }
    #: Order of the columns of the provincial report form.
    ORDER = [DONE_ON_TIME, DONE_LATE, NOT_DONE_IN_TIME, NOT_DONE_OVERDUE, NO_DEADLINE]
    #: Row colours in common use (always shown with the word).
    COLOURS = {
        DONE_ON_TIME: "success",
        DONE_LATE: "warning",
        NOT_DONE_IN_TIME: "primary",
        NOT_DONE_OVERDUE: "danger",
        NO_DEADLINE: "secondary",
    }

    def __init__(self, value: str):
        self.value = value

    @property
    def label(self) -> str:
        return self.LABELS[self.value]


#: Timeliness values of a line with a deadline in the period (the completion rate's
#: denominator); Không có hạn is the only one left out.
DUE = (
    Timeliness.DONE_ON_TIME,
    Timeliness.DONE_LATE,
    Timeliness.NOT_DONE_IN_TIME,
    Timeliness.NOT_DONE_OVERDUE,
)
DONE = (Timeliness.DONE_ON_TIME, Timeliness.DONE_LATE)


class Submission:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    LABELS = {ON_TIME: "Nộp đúng hạn", LATE: "Nộp trễ hạn", MISSING: "Chưa nộp"}
    ORDER = [ON_TIME, LATE, MISSING]


def classify(
    *, reported: bool, status: str, completed_on: date | None, deadline: date | None, today: date
) -> str:
    if deadline is None:
        return Timeliness.NO_DEADLINE
    if reported and status == ProgressReport.Status.DONE and completed_on is not None:
        return Timeliness.DONE_ON_TIME if completed_on <= deadline else Timeliness.DONE_LATE
    return Timeliness.NOT_DONE_IN_TIME if today <= deadline else Timeliness.NOT_DONE_OVERDUE


def submission_of(first_submitted_at: datetime | None, cutoff: date) -> str:
    if first_submitted_at is None:
        return Submission.MISSING
    return Submission.ON_TIME if first_submitted_at < local_day_end(cutoff) else Submission.LATE


def effective_deadline_expression():
    return Coalesce(F("extended_deadline"), F("deadline"))


def timeliness_expression(today: date, prefix: str = ""):
    """SQL CASE giving the Timeliness value of each ProgressReport row (or of `prefix`__)."""
    p = prefix
    deadline = Coalesce(F(f"{p}extended_deadline"), F(f"{p}deadline"))
    done = Q(
        **{
            f"{p}state__in": ProgressReport.REPORTED_STATES,
            f"{p}status": ProgressReport.Status.DONE,
            f"{p}completed_on__isnull": False,
        }
    )
    return Case(
        When(Q(**{f"{p}deadline__isnull": True}), then=Value(Timeliness.NO_DEADLINE)),
        When(
            done & Q(**{f"{p}completed_on__lte": deadline}),
            then=Value(Timeliness.DONE_ON_TIME),
        ),
        When(done, then=Value(Timeliness.DONE_LATE)),
        When(Q(**{f"{p}extended_deadline__gte": today}), then=Value(Timeliness.NOT_DONE_IN_TIME)),
        When(
            Q(**{f"{p}extended_deadline__isnull": True, f"{p}deadline__gte": today}),
            then=Value(Timeliness.NOT_DONE_IN_TIME),
        ),
        default=Value(Timeliness.NOT_DONE_OVERDUE),
        output_field=CharField(),
    )


def submission_expression(prefix: str = ""):
    """SQL CASE giving the Submission value: first submission's local date vs the cutoff."""
    p = prefix
    from zoneinfo import ZoneInfo

    local_date = TruncDate(f"{p}first_submitted_at", tzinfo=ZoneInfo(settings.TIME_ZONE))
    return Case(
        When(Q(**{f"{p}first_submitted_at__isnull": True}), then=Value(Submission.MISSING)),
        When(
            Q(**{f"{p}first_submitted_at__isnull": False})
            & Q(**{f"{p}period__cutoff__gte": local_date}),
            then=Value(Submission.ON_TIME),
        ),
        default=Value(Submission.LATE),
        output_field=CharField(),
    )


def rate(part: int, total: int) -> float | None:
    """A percentage with one decimal, or None when nothing is counted."""
    return round(100.0 * part / total, 1) if total else None


# --- the rates (one definition) ---------------------------------------------------------------


def due_count(by_timeliness: dict[str, int]) -> int:
    """Lines (or tasks) with a deadline in the period: the completion rate's denominator."""
    return sum(by_timeliness.get(k, 0) for k in DUE)


def done_count(by_timeliness: dict[str, int]) -> int:
    return sum(by_timeliness.get(k, 0) for k in DONE)


def completion_rate(by_timeliness: dict[str, int]) -> float | None:
    """Tỷ lệ hoàn thành: done (on time or late) over those due in the period; None when
    nothing is due (only ongoing tasks, or nothing at all)."""
    return rate(done_count(by_timeliness), due_count(by_timeliness))


def timeliness_rate(by_timeliness: dict[str, int], key: str) -> float | None:
    """The share of one timeliness column over those due (None for Không có hạn)."""
    if key not in DUE:
        return None
    return rate(by_timeliness.get(key, 0), due_count(by_timeliness))


def unit_on_time(lines: int, on_time: int) -> bool:
    """A unit submitted its report for a period on time: it had lines to report and every
    one of them was first submitted by the cutoff."""
    return lines > 0 and on_time == lines


#: `unit_on_time` in SQL, over a unit's per-period counts (format with the column names).
UNIT_ON_TIME_SQL = "({lines} > 0 AND {on_time} = {lines})"


T = Timeliness


def combine_task(values: list[str]) -> str | None:
    """A task's overall timeliness from its lead units' lines (pure)."""
    if not values:
        return None
    if T.NO_DEADLINE in values:
        return T.NO_DEADLINE
    done = {T.DONE_ON_TIME, T.DONE_LATE}
    if all(v in done for v in values):
        return T.DONE_LATE if T.DONE_LATE in values else T.DONE_ON_TIME
    return T.NOT_DONE_OVERDUE if T.NOT_DONE_OVERDUE in values else T.NOT_DONE_IN_TIME


#: A task's status from its lead lines — `combine_task` in SQL (a parity test
#: keeps them equal: tests/test_dashboard.py).
TASK_STATUS_SQL = f"""CASE
    WHEN ln = 0 THEN NULL
    WHEN l_nd > 0 THEN '{T.NO_DEADLINE}'
    WHEN l_done = ln THEN CASE WHEN l_late > 0 THEN '{T.DONE_LATE}' ELSE '{T.DONE_ON_TIME}' END
    WHEN l_over > 0 THEN '{T.NOT_DONE_OVERDUE}'
    ELSE '{T.NOT_DONE_IN_TIME}'
END"""

#: The reported states (`ProgressReport.REPORTED_STATES`) as an SQL list, for raw SQL.
REPORTED_STATES_SQL = ", ".join(f"'{s}'" for s in ProgressReport.REPORTED_STATES)


def update_rate(units_on_time: int, units_expected: int) -> float | None:
    """Tỷ lệ cập nhật: units that submitted on time over units expected to report."""
    return rate(units_on_time, units_expected)


def line_submission_rate(by_submission: dict[str, int], lines: int) -> float | None:
    """Tỷ lệ dòng báo cáo nộp đúng hạn: lines first submitted on time over lines expected."""
    return rate(by_submission.get(Submission.ON_TIME, 0), lines)


class Ongoing:
    """Ongoing tasks' lines (Không có hạn), reported on apart from the completion rate:
    expected (lines), reported (submitted or accepted), and how many of those say Hoàn
    thành or Đang thực hiện."""

    __slots__ = ("expected", "reported", "done", "in_progress")

    def __init__(self, expected=0, reported=0, done=0, in_progress=0):
        self.expected, self.reported = expected, reported
        self.done, self.in_progress = done, in_progress

    @classmethod
    def of_lines(cls, lines) -> Ongoing:
        """From line dicts carrying tl, state, status (Python twin of the SQL sums)."""
        o = cls()
        for line in lines:
            if line["tl"] != Timeliness.NO_DEADLINE:
                continue
            o.expected += 1
            if line["state"] in ProgressReport.REPORTED_STATES:
                o.reported += 1
                o.done += line["status"] == ProgressReport.Status.DONE
                o.in_progress += line["status"] == ProgressReport.Status.IN_PROGRESS
        return o

    def add(self, other: Ongoing) -> None:
        self.expected += other.expected
        self.reported += other.reported
        self.done += other.done
        self.in_progress += other.in_progress

    @property
    def text(self) -> str:
        """The figure in words, as the pages and exports print it."""
        return (
            f"Nhiệm vụ thường xuyên: {count_text(self.reported)}/{count_text(self.expected)}"
            " đã báo cáo, "
            f"{count_text(self.done)} Hoàn thành, {count_text(self.in_progress)} Đang thực hiện"
        )


def completion_text(done: int, due: int, what: str = "nhiệm vụ") -> str:
    """'x % (a/b nhiệm vụ đến hạn trong kỳ)': the rate with its denominator in words."""
    r = rate(done, due)
    shown = "—" if r is None else f"{r:g} %".replace(".", ",")
    return f"{shown} ({count_text(done)}/{count_text(due)} {what} đến hạn trong kỳ)"


def update_text(on_time: int, expected: int) -> str:
    """'x % (u/v đơn vị nộp đúng hạn)'."""
    r = rate(on_time, expected)
    shown = "—" if r is None else f"{r:g} %".replace(".", ",")
    return f"{shown} ({count_text(on_time)}/{count_text(expected)} đơn vị nộp đúng hạn)"
