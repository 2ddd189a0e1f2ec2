"""Reporting periods from a plan's rule, and the lines (one report per assignment) due in them.

- `ensure_periods`: every issued plan with a reporting rule gets its yearly periods, from
  the first cutoff on or after its issue date (for an issued plan whose copy has no date,
  the latest date of the plans it implements: `Plan.earliest_start`) up to the period
  containing today. The
  first-year override (Phước Giang: 31/12/2025 for 2025) comes from `Plan.cutoff_for_year`.
  Idempotent (a unique constraint per plan and year); run daily by Celery beat and by the
  `reporting_periods` command.
- `create_adhoc_period`: a báo cáo đột xuất the reviewing unit asks for, with its due date.
- `period_line`: whether a task is reported in a period and with which deadline of its own
  (pure). A task with a one-off deadline ("Tháng 8/2025" → 31/08/2025, "quý III/2025")
  is due in the period that contains it; yearly tasks with a date are due on that date;
  "hằng năm" without a date is due at the cutoff; ongoing tasks are reported every period
  and have no deadline ("Không có hạn").
- `sync_lines`: creates the missing lines of open periods (set-based), and switches off
  the lines of assignments retired before the cutoff that were never submitted.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from plans.models import Plan
from tasks.models import Assignment, Task
from tasks.timeframes import Schedule

from .models import ProgressReport, ReportingPeriod

#: Marks demonstration data (dữ liệu minh họa): the request note of a period and the lines
#: that `demo_reports` fills; the dashboards show a banner for such periods.
DEMO_MARK = "Dữ liệu minh họa"

ALWAYS_REPORTED = ("none", "external", "unparsed")


def period_line(
    schedule: Schedule, starts_on: date | None, cutoff: date, plan_start: date | None = None
) -> tuple[bool, date | None]:
    """(is the task reported in the period (starts_on, cutoff]?, its own deadline there)."""

    def in_range(day: date) -> bool:
        return (starts_on is None or day >= starts_on) and day <= cutoff

    def overlaps_years(first: int | None, last: int | None) -> bool:
        lo = starts_on.year if starts_on else None
        if first is not None and cutoff.year < first:
            return False
        return not (last is not None and lo is not None and lo > last)

    kind = schedule.kind
    if kind == "once":
        return (schedule.due_date is not None and in_range(schedule.due_date)), schedule.due_date
    if kind == "yearly":
        if not overlaps_years(schedule.start_year, schedule.end_year):
            return False, None
        lowest = starts_on or plan_start
        first_year = lowest.year if lowest else cutoff.year
        dates = [schedule.due_in_year(y) for y in range(first_year, cutoff.year + 1)]
        dates = [d for d in dates if d and in_range(d) and (lowest is None or d >= lowest)]
        if dates:
            return True, max(dates)
        if schedule.yearly_day is None and schedule.due_date is None:
            return True, cutoff  # "hằng năm" with no date: due with the yearly report
        return True, None
    if kind == "span":
        if not overlaps_years(schedule.start_year, schedule.end_year):
            return False, None
        end = date(schedule.end_year, 12, 31) if schedule.end_year else None
        return True, end if end and in_range(end) else None
    if kind == "ongoing":
        return overlaps_years(schedule.start_year, schedule.end_year), None
    return kind in ALWAYS_REPORTED, None


def _first_year(plan: Plan) -> int | None:
    start = plan.earliest_start() or timezone.localdate()
    for year in (start.year, start.year + 1):
        cutoff = plan.cutoff_for_year(year)
        if cutoff and cutoff >= start:
            return year
    return None


def yearly_schedule(plan: Plan, today: date) -> list[tuple[int, date | None, date]]:
    """The yearly periods a plan has by `today`: [(year, starts_on, cutoff)] (pure)."""
    year = _first_year(plan)
    if year is None:
        return []
    periods, previous = [], None
    while True:
        cutoff = plan.cutoff_for_year(year)
        if cutoff is None:
            break
        starts_on = previous + timedelta(days=1) if previous else None
        if starts_on is not None and starts_on > today:
            break
        periods.append((year, starts_on, cutoff))
        previous, year = cutoff, year + 1
    return periods


def ensure_periods(today: date | None = None, plans=None) -> list[ReportingPeriod]:
    """Create the missing yearly periods of issued plans; returns the ones created."""
    from .indicators import ensure_indicators

    today = today or timezone.localdate()
    if plans is None:  # parents and co-implemented plans date the undated (earliest_start)
        plans = (
            Plan.objects.filter(status=Plan.Status.ISSUED)
            .select_related("parent")
            .prefetch_related("also_implements")
        )
    plans = [p for p in plans if p.status == Plan.Status.ISSUED and p.has_reporting_rule]
    existing = set(
        ReportingPeriod.objects.filter(
            plan__in=plans, kind=ReportingPeriod.Kind.YEARLY
        ).values_list("plan_id", "year")
    )
    wanted = [
        ReportingPeriod(plan=plan, kind=ReportingPeriod.Kind.YEARLY, year=y, starts_on=s, cutoff=c)
        for plan in plans
        for y, s, c in yearly_schedule(plan, today)
        if (plan.pk, y) not in existing
    ]
    created = []
    if wanted:
        with transaction.atomic():
            ReportingPeriod.objects.bulk_create(wanted, ignore_conflicts=True)
        created = list(
            ReportingPeriod.objects.filter(
                plan__in={p.plan_id for p in wanted},
                year__in={p.year for p in wanted},
                kind=ReportingPeriod.Kind.YEARLY,
            )
        )
    ensure_indicators(plans)
    sync_lines(
        ReportingPeriod.objects.filter(plan__in=plans, closed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    return created


def create_adhoc_period(plan: Plan, *, title: str, cutoff: date, note: str = "", user=None):
    """A báo cáo đột xuất with its own due date; covers the current yearly cycle so far."""
    today = timezone.localdate()
    errors = {}
    if not title.strip():
        errors["title"] = "Nhập tên kỳ báo cáo đột xuất, vd. “Báo cáo sơ kết 6 tháng”."
    if cutoff is None:
        errors["cutoff"] = "Nhập hạn báo cáo (dd/mm/yyyy)."
    elif cutoff < today:
        errors["cutoff"] = f"Hạn báo cáo phải từ hôm nay ({today:%d/%m/%Y}) trở đi."
    if plan.status != Plan.Status.ISSUED:
        errors["__all__"] = "Chỉ yêu cầu báo cáo đối với kế hoạch đã ban hành."
    if errors:
        raise ValidationError(errors)
    previous = (
        ReportingPeriod.objects.filter(
            plan=plan, kind=ReportingPeriod.Kind.YEARLY, cutoff__lt=cutoff
        )
        .order_by("-cutoff")
        .first()
    )
    with transaction.atomic():
        period, _ = ReportingPeriod.objects.get_or_create(
            plan=plan,
            kind=ReportingPeriod.Kind.ADHOC,
            title=title.strip(),
            cutoff=cutoff,
            defaults={
                "year": cutoff.year,
                "request_note": note.strip(),
                "starts_on": previous.cutoff + timedelta(days=1) if previous else None,
                "created_by": user,
            },
        )
        sync_lines([period.pk])
    return period


def close_period(period: ReportingPeriod, user) -> bool:
    """Lock a period: nothing can be saved or submitted in it any more."""
    updated = ReportingPeriod.objects.filter(pk=period.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_by=user
    )
    return bool(updated)


def reopen_period(period: ReportingPeriod) -> bool:
    return bool(
        ReportingPeriod.objects.filter(pk=period.pk, closed_at__isnull=False).update(
            closed_at=None, closed_by=None
        )
    )


def sync_lines(period_ids=None) -> int:
    """Create the lines of open periods that are missing; returns how many were created.

    One query finds the (period, tracked assignment) pairs without a line, the schedule
    rule decides which are due, one bulk insert creates them (ON CONFLICT DO NOTHING)."""
    periods = ReportingPeriod.objects.filter(closed_at__isnull=True)
    if period_ids is not None:
        periods = periods.filter(pk__in=list(period_ids))
    # Plan.earliest_start in the same query: an undated issued plan starts with the latest
    # of the plans it implements.
    latest_also = (
        Plan.objects.filter(also_implemented_by=OuterRef("plan_id"), issued_on__isnull=False)
        .order_by("-issued_on")
        .values("issued_on")[:1]
    )
    periods = periods.select_related("plan").annotate(
        parent_issued_on=F("plan__parent__issued_on"), also_issued_on=Subquery(latest_also)
    )
    by_plan: dict[int, list[ReportingPeriod]] = {}
    for period in periods:
        by_plan.setdefault(period.plan_id, []).append(period)
    if not by_plan:
        return 0
    plan_start = {}
    for pid, (first, *_rest) in by_plan.items():
        known = [d for d in (first.parent_issued_on, first.also_issued_on) if d]
        start = first.plan.issued_on or (max(known) if known else None)
        if start:
            plan_start[pid] = start
    period_of = {p.pk: p for ps in by_plan.values() for p in ps}
    rows = (
        Assignment.objects.filter(
            unit__isnull=False,
            retired_on__isnull=True,
            task__plan_id__in=list(by_plan),
            task__plan__reporting_periods__in=list(period_of),
        )
        .exclude(task__kind=Task.Kind.SECTION)
        .annotate(period_id=F("task__plan__reporting_periods__id"))
        .filter(
            ~Exists(
                ProgressReport.objects.filter(
                    assignment_id=OuterRef("pk"), period_id=OuterRef("period_id")
                )
            )
        )
        .values_list(
            "pk",
            "period_id",
            "unit_id",
            "task_id",
            "role",
            "task__plan_id",
            "task__schedule_kind",
            "task__due_date",
            "task__yearly_day",
            "task__yearly_month",
            "task__start_year",
            "task__end_year",
        )
    )
    new = []
    schedules: dict[tuple, Schedule] = {}
    for pk, period_id, unit_id, task_id, role, plan_id, *sched in rows:
        key = tuple(sched)
        schedule = schedules.get(key)
        if schedule is None:
            schedule = schedules[key] = Schedule(*sched)
        period = period_of[period_id]
        due, deadline = period_line(
            schedule, period.starts_on, period.cutoff, plan_start.get(plan_id)
        )
        if due:
            new.append(
                ProgressReport(
                    period_id=period_id,
                    assignment_id=pk,
                    unit_id=unit_id,
                    task_id=task_id,
                    role=role,
                    deadline=deadline,
                )
            )
    if new:
        ProgressReport.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
    # Assignments retired before the cutoff hand their work over: their unsubmitted lines
    # stop counting; an assignment tracked again counts again.
    scope = ProgressReport.objects.filter(period_id__in=list(period_of))
    scope.filter(
        active=True,
        first_submitted_at__isnull=True,
        assignment__retired_on__lte=F("period__cutoff"),
    ).update(active=False)
    scope.filter(active=False).filter(
        Q(assignment__retired_on__isnull=True) | Q(first_submitted_at__isnull=False)
    ).update(active=True)
    return len(new)
