"""Reminders before the cutoffs and escalations after them — each exactly once.

The daily sweep (Celery beat at 07:00, or `manage.py reminders --date …`):

1. makes sure the periods and their lines exist (`periods.ensure_periods`, `sync_lines`);
2. finds the (period, offset) pairs that fire today: 30, 14, 7, 3, 1 days before a
   period's cutoff (reminders), 1 and 7 days after it (escalations), or the plan's own
   offsets (`ReminderPolicy`) — a fixed number of queries whatever the number of units;
3. claims one `Reminder` row per unit that still has unsubmitted lines in such a period,
   in one INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING: a second sweep the same day,
   or two beat processes at once, claim nothing the first did not;
4. enqueues one digest task per unit (after commit).

The digest task (`deliver_digest`) locks the unit's unsent reminders with
SELECT … FOR UPDATE SKIP LOCKED, creates the in-app notifications, sends the emails and
marks the rows sent in the same transaction: a duplicate or concurrent delivery finds
nothing to send; a worker that dies before the commit leaves the rows unsent (and unlocked)
for the retry, and the notifications it made are rolled back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from orgunits.models import Profile
from plans.models import Plan

from .access import reviewing_unit_ids
from .models import (
    DEFAULT_ESCALATION_DAYS,
    DEFAULT_REMINDER_DAYS,
    Notification,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    ReportingPeriod,
)

logger = logging.getLogger(__name__)

#: An unsent reminder older than this is enqueued again (its message was lost).
STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Firing:
    period_id: int
    offset: int  # days before the cutoff; negative after it
    kind: str


@dataclass
class PreviewRow:
    unit_id: int
    unit_name: str
    period: ReportingPeriod
    offset: int
    kind: str
    missing: int
    already: bool


@dataclass
class SweepResult:
    day: date
    firings: list[Firing] = field(default_factory=list)
    claimed: int = 0
    units: list[int] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)


def firings_on(today: date) -> list[Firing]:
    """The (period, offset) pairs that fire on `today` (two queries)."""
    policies = {
        p.plan_id: p for p in ReminderPolicy.objects.filter(plan__status=Plan.Status.ISSUED)
    }
    max_before = max(
        [*DEFAULT_REMINDER_DAYS, *(d for p in policies.values() for d in p.reminder_days)]
    )
    max_after = max(
        [*DEFAULT_ESCALATION_DAYS, *(d for p in policies.values() for d in p.escalation_days)]
    )
    periods = ReportingPeriod.objects.filter(
        closed_at__isnull=True,
        plan__status=Plan.Status.ISSUED,
        cutoff__gte=today - timedelta(days=max_after),
        cutoff__lte=today + timedelta(days=max_before),
    ).values_list("pk", "plan_id", "cutoff")
    out = []
    for pk, plan_id, cutoff in periods:
        policy = policies.get(plan_id)
        before = policy.reminder_days if policy and policy.reminder_days else DEFAULT_REMINDER_DAYS
        after = (
            policy.escalation_days if policy and policy.escalation_days else DEFAULT_ESCALATION_DAYS
        )
        days = (cutoff - today).days
        if days > 0 and days in before:
            out.append(Firing(pk, days, Reminder.Kind.REMINDER))
        elif days < 0 and -days in after:
            out.append(Firing(pk, days, Reminder.Kind.ESCALATION))
    return out


def _values_cte(firings: list[Firing]) -> tuple[str, list]:
    rows = ", ".join(["(%s, %s, %s)"] * len(firings))
    params = [x for f in firings for x in (f.period_id, f.offset, f.kind)]
    return f"WITH v(period_id, off, kind) AS (VALUES {rows})", params


_PENDING_LINES = """
    FROM reports_progressreport r
    JOIN v ON r.period_id = v.period_id
    WHERE r.active AND r.state NOT IN ('submitted', 'accepted')
    GROUP BY r.unit_id, v.period_id, v.off, v.kind
"""


def claim(firings: list[Firing], today: date) -> list[tuple[int, int]]:
    """Insert the reminders due today; returns [(reminder id, unit id)] newly claimed."""
    if not firings:
        return []
    cte, params = _values_cte(firings)
    q = connection.ops.quote_name
    sql = f"""
        {cte}
        INSERT INTO reports_reminder
            (unit_id, period_id, {q("offset")}, kind, for_date, missing, claimed_at,
             outcome, recipients, attempts, last_error)
        SELECT r.unit_id, v.period_id, v.off, v.kind, %s, COUNT(*), %s, '', '', 0, ''
        {_PENDING_LINES}
        ON CONFLICT (unit_id, period_id, {q("offset")}) DO NOTHING
        RETURNING id, unit_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, today, timezone.now()])
        return [tuple(row) for row in cursor.fetchall()]


def preview(firings: list[Firing]) -> list[PreviewRow]:
    if not firings:
        return []
    cte, params = _values_cte(firings)
    q = connection.ops.quote_name
    sql = f"""
        {cte}
        SELECT r.unit_id, v.period_id, v.off, v.kind, COUNT(*),
               EXISTS (SELECT 1 FROM reports_reminder m WHERE m.unit_id = r.unit_id
                       AND m.period_id = v.period_id AND m.{q("offset")} = v.off)
        {_PENDING_LINES}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    from orgunits.models import OrgUnit

    periods = ReportingPeriod.objects.select_related("plan").in_bulk({r[1] for r in rows})
    names = dict(OrgUnit.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", "name"))
    out = [
        PreviewRow(u, names[u], periods[p], off, kind, n, bool(already))
        for u, p, off, kind, n, already in rows
    ]
    out.sort(key=lambda r: (r.period.plan_id, r.period.cutoff, r.unit_name))
    return out


def stale_units(today: date) -> set[int]:
    """Units with reminders claimed but not sent for a while (a lost message)."""
    return set(
        Reminder.objects.filter(
            sent_at__isnull=True,
            claimed_at__lt=timezone.now() - STALE_AFTER,
            for_date__gte=today - timedelta(days=7),
        )
        .values_list("unit_id", flat=True)
        .distinct()
    )


def run_sweep(today: date | None = None, *, dry_run: bool = False, enqueue: bool = True):
    """Decide who gets what today; claim and enqueue one digest per unit."""
    from .periods import ensure_periods, sync_lines

    today = today or timezone.localdate()
    ensure_periods(today)
    result = SweepResult(day=today, firings=firings_on(today))
    sync_lines({f.period_id for f in result.firings})
    if dry_run:
        result.preview = preview(result.firings)
        return result
    with transaction.atomic():
        claimed = claim(result.firings, today)
        units = {unit_id for _, unit_id in claimed} | stale_units(today)
        result.claimed = len(claimed)
        result.units = sorted(units)
        if enqueue and units:
            from .tasks import send_digest

            transaction.on_commit(lambda: [send_digest.delay(u) for u in result.units])
    logger.info(
        "Reminder sweep %s: %d firings, %d reminders claimed, %d digests",
        today,
        len(result.firings),
        result.claimed,
        len(result.units),
    )
    return result


# --- delivery ------------------------------------------------------------------------------


def site_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


@dataclass
class Delivery:
    reminders: int = 0
    emails: int = 0
    notifications: int = 0


def _item_text(rem: Reminder, missing: int, unit_name: str, for_reviewer: bool) -> str:
    period, plan = rem.period, rem.period.plan
    head = f"{plan.label} — {period.label}, hạn {period.cutoff:%d/%m/%Y}"
    if rem.kind == Reminder.Kind.REMINDER:
        return f"{head} ({rem.offset_text}): còn {missing} nhiệm vụ chưa nộp báo cáo."
    who = unit_name if for_reviewer else "Đơn vị"
    return f"{head}: {who} chưa nộp {missing} báo cáo, {rem.offset_text}."


def deliver_digest(unit_id: int) -> Delivery:
    """Send the unit's unsent reminders as one digest (idempotent; see module docstring)."""
    from .workflow import unit_report_url

    User = get_user_model()
    result = Delivery()
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(unit_id=unit_id, sent_at__isnull=True)
            .select_related("unit", "period__plan")
            .order_by("period__cutoff", "pk")
        )
        if not rows:
            return result
        unit = rows[0].unit
        missing = dict(
            ProgressReport.objects.filter(
                unit_id=unit_id, period_id__in={r.period_id for r in rows}, active=True
            )
            .exclude(state__in=ProgressReport.REPORTED_STATES)
            .values_list("period_id")
            .annotate(n=Count("pk"))
        )
        now = timezone.now()
        live = [r for r in rows if missing.get(r.period_id)]
        for r in rows:
            if r not in live:
                r.outcome = Reminder.Outcome.NOT_NEEDED
        # Audiences: the unit's officers (reminders and its own overdue notices), the
        # unit's heads (overdue notices), the reviewing unit's reviewers (overdue notices).
        unit_users = list(
            User.objects.filter(is_active=True, profile__unit_id=unit_id).select_related("profile")
        )
        reviewer_units = {r.pk: reviewing_unit_ids(r.period.plan)[:1] for r in live}
        reviewers = defaultdict(list)
        wanted_units = {u for ids in reviewer_units.values() for u in ids}
        for user in User.objects.filter(
            is_active=True,
            profile__unit_id__in=wanted_units,
            profile__role=Profile.Role.REVIEWER,
        ).select_related("profile"):
            reviewers[user.profile.unit_id].append(user)
        per_user: dict[int, tuple[object, list[tuple[Reminder, bool]]]] = {}

        def add(user, rem, for_reviewer):
            per_user.setdefault(user.pk, (user, []))[1].append((rem, for_reviewer))

        for rem in live:
            for user in unit_users:
                officer = user.profile.role == Profile.Role.OFFICER
                if officer or (user.profile.is_unit_head and rem.kind == Reminder.Kind.ESCALATION):
                    add(user, rem, False)
            if rem.kind == Reminder.Kind.ESCALATION:
                for rid in reviewer_units[rem.pk]:
                    for user in reviewers[rid]:
                        add(user, rem, True)
        # One message per distinct content; in-app notice per user.
        groups: dict[tuple, list] = defaultdict(list)
        notes = []
        for user, items in per_user.values():
            key = tuple((rem.pk, rev) for rem, rev in items)
            groups[key].append(user)
        messages = []
        recipients_of: dict[int, list[str]] = defaultdict(list)
        for key, users in groups.items():
            items = [(next(r for r in live if r.pk == pk), rev) for pk, rev in key]
            lines = []
            for rem, rev in items:
                link = site_url(unit_report_url(rem.period_id, unit_id))
                lines.append(
                    "- "
                    + _item_text(rem, missing[rem.period_id], unit.name, rev)
                    + f"\n  Xem và nộp báo cáo: {link}"
                )
            escalation = any(rem.kind == Reminder.Kind.ESCALATION for rem, _ in items)
            total = sum(missing[rem.period_id] for rem, _ in items)
            subject = (
                f"[CT39] {'Quá hạn báo cáo' if escalation else 'Nhắc hạn báo cáo'}: "
                f"{unit.name} còn {total} nhiệm vụ chưa nộp"
            )
            to_reviewers = all(rev for _, rev in items)
            body = (
                f"Kính gửi: {'Đơn vị theo dõi' if to_reviewers else unit.name}\n\n"
                f"Báo cáo tiến độ thực hiện Chỉ thị 39-CT/TW của {unit.name}:\n\n"
                + "\n".join(lines)
                + "\n\nThư này được gửi tự động từ hệ thống theo dõi thực hiện Chỉ thị 39-CT/TW."
            )
            first = items[0][0]
            link = unit_report_url(first.period_id, unit_id)
            short = (
                f"{'Quá hạn' if escalation else 'Nhắc hạn'} báo cáo: {unit.name} còn "
                f"{total} nhiệm vụ chưa nộp ("
                + "; ".join(
                    f"{rem.period.plan.label}, hạn {rem.period.cutoff:%d/%m/%Y}" for rem, _ in items
                )
                + ")."
            )
            for user in users:
                notes.append(Notification(user=user, text=short, link=link, created_at=now))
                for rem, _ in items:
                    recipients_of[rem.pk].append(user.email or user.get_username())
            emails = sorted({u.email for u in users if u.email})
            if emails:
                messages.append(EmailMessage(subject, body, to=emails))
        Notification.objects.bulk_create(notes)
        if messages:
            with get_connection() as mail:
                mail.send_messages(messages)
        for r in rows:
            if r in live:
                r.outcome = (
                    Reminder.Outcome.SENT
                    if recipients_of.get(r.pk)
                    else Reminder.Outcome.NO_RECIPIENT
                )
                r.missing = missing[r.period_id]
            r.sent_at = now
            r.recipients = ", ".join(sorted(set(recipients_of.get(r.pk, []))))
            r.attempts += 1
            r.last_error = ""
        Reminder.objects.bulk_update(
            rows, ["outcome", "missing", "sent_at", "recipients", "attempts", "last_error"]
        )
        result.reminders = len(rows)
        result.emails = len(messages)
        result.notifications = len(notes)
    return result


def record_failure(unit_id: int, error: BaseException) -> None:
    """Keep the error of a failed delivery on the unsent rows (visible in the admin)."""
    Reminder.objects.filter(unit_id=unit_id, sent_at__isnull=True).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )
