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

The digest task (`deliver_digest`) works in two steps, so that no e-mail is sent twice:

- prepare: in one transaction it locks the unit's reminders not yet prepared
  (SELECT … FOR UPDATE SKIP LOCKED), fixes their outcome, creates the in-app notifications
  and writes every e-mail of the digest as a `ReminderEmail` row (state "pending", with a
  Message-ID derived from the reminder rows and the recipients), and marks the reminders
  "sending" (`sending_at`). A worker that dies here rolls everything back.
- send: each pending e-mail is claimed by a conditional UPDATE (pending → sending,
  committed) just before SMTP and marked sent just after; when all of a unit's e-mails are
  done, its reminders get `sent_at`. A redelivered or concurrent task finds the e-mails
  already claimed or sent and sends nothing again; one that failed in SMTP (refused) goes
  back to pending for the retry.

The remaining window, stated honestly: a worker killed *during* one SMTP exchange (after
the claim, before the "sent" update) leaves that one e-mail "sending"; after
`REMINDER_SENDING_TIMEOUT` (longer than the task's time limit, so it cannot be a live
worker) the next delivery for the unit (the sweep re-enqueues units with unfinished
reminders) marks it "uncertain" and does not resend it. So each e-mail is delivered at most
once, and exactly once unless its own SMTP exchange was cut by a crash — in which case the
recipient may have it or not, the in-app notification exists in any case, and the admin
shows the e-mail as uncertain. The broker's visibility timeout (config/celery.py) is longer
than any digest, so a slow task is not handed to a second worker either.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from config.numbers import count_text
from plans.models import Plan

from .access import fills_reports, first_reviewing_units, reviews_reports
from .models import (
    DEFAULT_ESCALATION_DAYS,
    DEFAULT_REMINDER_DAYS,
    Notification,
    ProgressReport,
    Reminder,
    ReminderEmail,
    ReminderPolicy,
    ReportingPeriod,
)
from .timeliness import REPORTED_STATES_SQL

logger = logging.getLogger(__name__)

#: An unsent reminder older than this is enqueued again (its message was lost).
STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Firing:
    period_id: int
    offset: int  # days before the cutoff; negative after it
    kind: str
    plan_id: int = 0


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
            out.append(Firing(pk, days, Reminder.Kind.REMINDER, plan_id))
        elif days < 0 and -days in after:
            out.append(Firing(pk, days, Reminder.Kind.ESCALATION, plan_id))
    return out


def _targets(firings: list[Firing]) -> tuple[str, list]:
    """SQL (a WITH clause) of `targets`: who is due what today, from the firings and the
    lines not submitted — (unit_id, period_id, off, kind, n). Each unit with such lines,
    for its reminder or escalation; and after the cutoff, each plan's reviewing unit once,
    kind "review", n = every late line of the period."""
    escalations = {f.plan_id for f in firings if f.kind == Reminder.Kind.ESCALATION}
    reviewers = first_reviewing_units(escalations) if escalations else {}
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(firings))
    params = [
        x
        for f in firings
        for x in (
            f.period_id,
            f.offset,
            f.kind,
            reviewers.get(f.plan_id) if f.kind == Reminder.Kind.ESCALATION else None,
        )
    ]
    sql = f"""
        WITH v(period_id, off, kind, reviewer_id) AS (VALUES {rows}),
        pending AS (
            SELECT r.unit_id, v.period_id, v.off, v.kind, v.reviewer_id
            FROM reports_progressreport r
            JOIN v ON r.period_id = v.period_id
            WHERE r.active AND r.state NOT IN ({REPORTED_STATES_SQL})
        ),
        targets AS (
            SELECT unit_id, period_id, off, kind, COUNT(*) AS n
            FROM pending GROUP BY unit_id, period_id, off, kind
            UNION ALL
            SELECT CAST(reviewer_id AS bigint), period_id, off, '{Reminder.Kind.REVIEW}', COUNT(*)
            FROM pending WHERE reviewer_id IS NOT NULL GROUP BY reviewer_id, period_id, off
        )
    """
    return sql, params


def claim(firings: list[Firing], today: date) -> list[tuple[int, int]]:
    """Insert the reminders due today; returns [(reminder id, unit id)] newly claimed."""
    if not firings:
        return []
    targets, params = _targets(firings)
    q = connection.ops.quote_name
    sql = f"""
        {targets}
        INSERT INTO reports_reminder
            (unit_id, period_id, {q("offset")}, kind, for_date, missing, claimed_at,
             outcome, recipients, attempts, last_error)
        SELECT unit_id, period_id, off, kind, %s, n, %s, '', '', 0, ''
        FROM targets WHERE 1 = 1
        ON CONFLICT (unit_id, period_id, {q("offset")}, kind) DO NOTHING
        RETURNING id, unit_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, today, timezone.now()])
        return [tuple(row) for row in cursor.fetchall()]


def preview(firings: list[Firing]) -> list[PreviewRow]:
    if not firings:
        return []
    targets, params = _targets(firings)
    q = connection.ops.quote_name
    sql = f"""
        {targets}
        SELECT t.unit_id, t.period_id, t.off, t.kind, t.n,
               EXISTS (SELECT 1 FROM reports_reminder m WHERE m.unit_id = t.unit_id
                       AND m.period_id = t.period_id AND m.{q("offset")} = t.off
                       AND m.kind = t.kind)
        FROM targets t
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
    out.sort(key=lambda r: (r.period.plan_id, r.period.cutoff, r.kind == "review", r.unit_name))
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
        return f"{head} ({rem.offset_text}): còn {count_text(missing)} nhiệm vụ chưa nộp báo cáo."
    who = unit_name if for_reviewer else "Đơn vị"
    return f"{head}: {who} chưa nộp {count_text(missing)} báo cáo, {rem.offset_text}."


def sending_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "REMINDER_SENDING_TIMEOUT", 15 * 60))


def message_id(reminder_ids: list[int], emails: list[str]) -> str:
    """The same Message-ID for the same reminders to the same people, whoever sends it."""
    digest = hashlib.sha256(
        (",".join(map(str, sorted(reminder_ids))) + "|" + ",".join(sorted(emails))).encode()
    ).hexdigest()[:16]
    domain = urlsplit(site_url("/")).hostname or "localhost"
    return f"<ct39.reminder.{min(reminder_ids)}.{digest}@{domain}>"


def deliver_digest(unit_id: int, now=None) -> Delivery:
    """Send the unit's unsent reminders as one digest, each e-mail at most once (see the
    module docstring): prepare in one transaction, then send e-mail by e-mail.

    The unit's officers get its reminders, and with its heads its escalations; when the
    unit reviews plans (a PGD, a Chi nhánh NHCSXH), its reviewers get one list of every
    unit still late ("review" rows) — never one message per late unit."""
    result = _prepare(unit_id, now or timezone.now())
    result.emails = _send_prepared(unit_id, now)
    return result


def _prepare(unit_id: int, now) -> Delivery:
    result = Delivery()
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(unit_id=unit_id, sent_at__isnull=True, sending_at__isnull=True)
            .select_related("unit", "period__plan")
            .order_by("period__cutoff", "pk")
        )
        if not rows:
            return result
        unit = rows[0].unit
        own = [r for r in rows if r.kind != Reminder.Kind.REVIEW]
        reviews = [r for r in rows if r.kind == Reminder.Kind.REVIEW]
        missing = _missing_of_unit(unit_id, own)
        late = _late_units(reviews)
        live = [r for r in own if missing.get(r.period_id)]
        live_reviews = [r for r in reviews if late.get(r.period_id)]
        users = list(
            get_user_model()
            .objects.filter(is_active=True, profile__unit_id=unit_id)
            .select_related("profile")
        )
        notes: list[Notification] = []
        messages: list[tuple[EmailMessage, list[int]]] = []
        recipients_of: dict[int, list[str]] = defaultdict(list)
        _own_digests(unit, live, missing, users, now, notes, messages, recipients_of)
        _review_digest(unit, live_reviews, late, users, now, notes, messages, recipients_of)
        Notification.objects.bulk_create(notes)
        ReminderEmail.objects.bulk_create(
            [
                ReminderEmail(
                    unit_id=unit_id,
                    message_id=message_id(ids, m.to),
                    subject=m.subject,
                    body=m.body,
                    to=", ".join(m.to),
                    reminder_ids=ids,
                    created_at=now,
                )
                for m, ids in messages
            ]
        )
        late_lines = {p: sum(n for _, _, n in units) for p, units in late.items()}
        for r in rows:
            if r in live or r in live_reviews:
                r.outcome = (
                    Reminder.Outcome.SENT
                    if recipients_of.get(r.pk)
                    else Reminder.Outcome.NO_RECIPIENT
                )
                r.missing = late_lines[r.period_id] if r in live_reviews else missing[r.period_id]
            else:
                r.outcome = Reminder.Outcome.NOT_NEEDED
            r.sending_at = now
            r.recipients = ", ".join(sorted(set(recipients_of.get(r.pk, []))))
            r.attempts += 1
            r.last_error = ""
        Reminder.objects.bulk_update(
            rows, ["outcome", "missing", "sending_at", "recipients", "attempts", "last_error"]
        )
        result.reminders = len(rows)
        result.notifications = len(notes)
    return result


def _send_prepared(unit_id: int, now=None) -> int:
    """Send the unit's pending e-mails one by one; reconcile those a dead worker left
    "sending"; finish the reminders when nothing is left open. Returns e-mails sent."""
    stuck_before = (now or timezone.now()) - sending_timeout()
    for email in ReminderEmail.objects.filter(
        unit_id=unit_id, state=ReminderEmail.State.SENDING, attempt_at__lt=stuck_before
    ):
        if ReminderEmail.objects.filter(
            pk=email.pk, state=ReminderEmail.State.SENDING, attempt_at__lt=stuck_before
        ).update(state=ReminderEmail.State.UNCERTAIN):
            logger.warning(
                "Reminder e-mail %s to %s: the worker died during SMTP; not sent again",
                email.message_id,
                email.to,
            )
            Reminder.objects.filter(pk__in=email.reminder_ids).update(
                last_error=f"Thư {email.message_id} gửi {email.to} có thể chưa đến: "
                "tiến trình gửi dừng giữa chừng, không gửi lại để tránh gửi trùng."
            )
    sent = 0
    pending = list(
        ReminderEmail.objects.filter(unit_id=unit_id, state=ReminderEmail.State.PENDING).order_by(
            "pk"
        )
    )
    if pending:
        with get_connection() as mail:
            for email in pending:
                claimed = ReminderEmail.objects.filter(
                    pk=email.pk, state=ReminderEmail.State.PENDING
                ).update(state=ReminderEmail.State.SENDING, attempt_at=timezone.now())
                if not claimed:  # another worker has it
                    continue
                message = EmailMessage(
                    email.subject,
                    email.body,
                    to=[a.strip() for a in email.to.split(",") if a.strip()],
                    headers={"Message-ID": email.message_id},
                )
                try:
                    mail.send_messages([message])
                except Exception:
                    # Refused by the server: not delivered, so safe to try again later.
                    ReminderEmail.objects.filter(pk=email.pk).update(
                        state=ReminderEmail.State.PENDING, attempt_at=None
                    )
                    raise
                ReminderEmail.objects.filter(pk=email.pk).update(
                    state=ReminderEmail.State.SENT, sent_at=timezone.now()
                )
                sent += 1
    if not ReminderEmail.objects.filter(
        unit_id=unit_id, state__in=[ReminderEmail.State.PENDING, ReminderEmail.State.SENDING]
    ).exists():
        Reminder.objects.filter(
            unit_id=unit_id, sent_at__isnull=True, sending_at__isnull=False
        ).update(sent_at=timezone.now())
    return sent


def _missing_of_unit(unit_id: int, rows: list[Reminder]) -> dict[int, int]:
    """Period id → the unit's lines still not submitted (one query)."""
    if not rows:
        return {}
    return dict(
        ProgressReport.objects.filter(
            unit_id=unit_id, period_id__in={r.period_id for r in rows}, active=True
        )
        .exclude(state__in=ProgressReport.REPORTED_STATES)
        .values_list("period_id")
        .annotate(n=Count("pk"))
    )


def _late_units(rows: list[Reminder]) -> dict[int, list[tuple[int, str, int]]]:
    """Period id → [(unit id, unit name, lines not submitted)] of every late unit."""
    if not rows:
        return {}
    late: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for period_id, unit_id, name, n in (
        ProgressReport.objects.filter(period_id__in={r.period_id for r in rows}, active=True)
        .exclude(state__in=ProgressReport.REPORTED_STATES)
        .values_list("period_id", "unit_id", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("period_id", "unit__name")
    ):
        late[period_id].append((unit_id, name, n))
    return late


def _own_digests(unit, live, missing, users, now, notes, messages, recipients_of) -> None:
    """The unit's reminders to its officers; escalations to its officers and heads. One
    message per distinct content; one in-app notice per user."""
    from .workflow import unit_report_url

    per_user: dict[int, tuple[object, list[Reminder]]] = {}
    for rem in live:
        for user in users:
            escalation = rem.kind == Reminder.Kind.ESCALATION
            if fills_reports(user.profile) or (escalation and user.profile.is_unit_head):
                per_user.setdefault(user.pk, (user, []))[1].append(rem)
    groups: dict[tuple, list] = defaultdict(list)
    for user, items in per_user.values():
        groups[tuple(rem.pk for rem in items)].append(user)
    for key, group in groups.items():
        items = [next(r for r in live if r.pk == pk) for pk in key]
        lines = [
            "- "
            + _item_text(rem, missing[rem.period_id], unit.name, False)
            + f"\n  Xem và nộp báo cáo: {site_url(unit_report_url(rem.period_id, unit.pk))}"
            for rem in items
        ]
        escalation = any(rem.kind == Reminder.Kind.ESCALATION for rem in items)
        total = sum(missing[rem.period_id] for rem in items)
        subject = (
            f"[CT39] {'Quá hạn báo cáo' if escalation else 'Nhắc hạn báo cáo'}: "
            f"{unit.name} còn {count_text(total)} nhiệm vụ chưa nộp"
        )
        body = (
            f"Kính gửi: {unit.name}\n\n"
            f"Báo cáo tiến độ thực hiện Chỉ thị 39-CT/TW của {unit.name}:\n\n"
            + "\n".join(lines)
            + f"\n\n{FOOTER}"
        )
        short = (
            f"{'Quá hạn' if escalation else 'Nhắc hạn'} báo cáo: {unit.name} còn "
            f"{count_text(total)} nhiệm vụ chưa nộp ("
            + "; ".join(f"{r.period.plan.label}, hạn {r.period.cutoff:%d/%m/%Y}" for r in items)
            + ")."
        )
        link = unit_report_url(items[0].period_id, unit.pk)
        _deliver(group, items, subject, body, short, link, now, notes, messages, recipients_of)


def _review_digest(unit, live, late, users, now, notes, messages, recipients_of) -> None:
    """One list of every late unit, per reviewing unit and day, to its reviewers."""
    from .workflow import unit_report_url

    reviewers = [u for u in users if reviews_reports(u.profile)]
    if not live:
        return
    blocks = []
    units = lines_total = 0
    for rem in live:
        period = rem.period
        rows = late[rem.period_id]
        units += len(rows)
        lines_total += sum(n for _, _, n in rows)
        blocks.append(
            f"{period.plan.label} — {period.label}, hạn {period.cutoff:%d/%m/%Y} "
            f"({rem.offset_text}), {count_text(len(rows))} đơn vị chưa nộp đủ:\n"
            + "\n".join(
                f"- {name}: {count_text(n)} báo cáo chưa nộp — "
                f"{site_url(unit_report_url(period.pk, pk))}"
                for pk, name, n in rows
            )
            + f"\n  Cả kỳ báo cáo: {site_url(reverse('reports:period_detail', args=[period.pk]))}"
        )
    units, lines_total = count_text(units), count_text(lines_total)
    subject = f"[CT39] Đơn vị chậm báo cáo: {units} đơn vị còn {lines_total} báo cáo chưa nộp"
    body = (
        f"Kính gửi: {unit.name}\n\n"
        "Danh sách các đơn vị đã quá hạn mà chưa nộp đủ báo cáo tiến độ thực hiện "
        "Chỉ thị 39-CT/TW, thuộc các kế hoạch do đơn vị theo dõi:\n\n"
        + "\n\n".join(blocks)
        + f"\n\n{FOOTER}"
    )
    short = (
        f"Quá hạn báo cáo: {units} đơn vị còn {lines_total} báo cáo chưa nộp ("
        + "; ".join(f"{r.period.plan.label}, hạn {r.period.cutoff:%d/%m/%Y}" for r in live)
        + ")."
    )
    link = reverse("reports:period_detail", args=[live[0].period_id])
    _deliver(reviewers, live, subject, body, short, link, now, notes, messages, recipients_of)


FOOTER = "Thư này được gửi tự động từ hệ thống theo dõi thực hiện Chỉ thị 39-CT/TW."


def _deliver(users, items, subject, body, short, link, now, notes, messages, recipients_of):
    for user in users:
        notes.append(Notification(user=user, text=short, link=link, created_at=now))
        for rem in items:
            recipients_of[rem.pk].append(user.email or user.get_username())
    emails = sorted({u.email for u in users if u.email})
    if emails:
        messages.append((EmailMessage(subject, body, to=emails), [rem.pk for rem in items]))


def record_failure(unit_id: int, error: BaseException) -> None:
    """Keep the error of a failed delivery on the unsent rows (visible in the admin)."""
    Reminder.objects.filter(unit_id=unit_id, sent_at__isnull=True).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )
