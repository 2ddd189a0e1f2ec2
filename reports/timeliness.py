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

Submission (the update rate, tỷ lệ cập nhật): a report first submitted before 00:00 of the
day after the period's cutoff, local time, is on time; later is late; never is missing.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate

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
