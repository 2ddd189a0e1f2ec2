"""Reminders before the cutoff and escalations after it: one digest per unit, exactly once."""

import re
import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from orgunits.models import Profile
from plans.models import Plan
from reports.models import (
    Notification,
    ProgressReport,
    Reminder,
    ReminderEmail,
    ReportingPeriod,
)
from reports.reminders import deliver_digest, firings_on, message_id, run_sweep
from tests.factories import issue_phuoc_giang, make_user, unit

# 2026 period of Phước Giang: cutoff 25/09/2026; 18/09 is 7 days before it.
REMIND_DAY = date(2026, 9, 18)
CUTOFF = date(2026, 9, 25)


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def pg(db):
    plan = issue_phuoc_giang(today=REMIND_DAY)
    police, economy = unit("w21370-cong-an"), unit("w21370-phong-kinh-te")
    return {
        "plan": plan,
        "period": plan.reporting_periods.get(year=2026),
        "police": police,
        "police_officer": make_user("cb-congan", police),
        "police_head": make_user("truong-congan", police, head=True),
        "economy_officer": make_user("cb-kinhte", economy),
        "reviewer": make_user("td-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER),
    }


def _units_with_lines(period):
    return set(ProgressReport.objects.filter(period=period).values_list("unit_id", flat=True))


@pytest.mark.django_db
def test_dry_run_previews_without_sending(pg):
    out = StringIO()
    call_command("reminders", "--date", "2026-09-18", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Ngày 18/09/2026 — xem trước, chưa gửi:" in text
    assert "Báo cáo năm 2026, hạn 25/09/2026" in text
    assert "Công an xã Phước Giang: nhắc (còn 7 ngày), 16 nhiệm vụ chưa nộp" in text
    assert f"{len(_units_with_lines(pg['period']))} đơn vị sẽ nhận thư tổng hợp" in text
    assert not Reminder.objects.exists() and not mail.outbox and not Notification.objects.exists()
    out = StringIO()
    call_command("reminders", "--date", "2026-09-19", "--dry-run", stdout=out)
    assert "không có lượt nhắc nào" in out.getvalue()  # 6 days before: not an offset


@pytest.mark.django_db
def test_dry_run_after_the_cutoff_lists_the_reviewing_unit_once(pg):
    out = StringIO()
    call_command("reminders", "--date", "2026-09-26", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Công an xã Phước Giang: báo quá hạn (quá hạn 1 ngày), 16 nhiệm vụ chưa nộp" in text
    line = (
        "Phòng giao dịch Ngân hàng Chính sách xã hội Nghĩa Hành (đơn vị theo dõi): danh sách "
        "các đơn vị chậm báo cáo (quá hạn 1 ngày)"
    )
    assert text.count(line) == 1
    assert not Reminder.objects.exists()


def test_offsets_before_and_after_the_cutoff(pg):
    period = pg["period"]
    fired = {
        day: [(f.offset, f.kind) for f in firings_on(day) if f.period_id == period.pk]
        for day in [date(2026, 8, 26), date(2026, 9, 11), date(2026, 9, 22), date(2026, 9, 24),
                    date(2026, 9, 25), date(2026, 9, 26), date(2026, 10, 2), date(2026, 10, 3)]
    }  # fmt: skip
    assert fired == {
        date(2026, 8, 26): [(30, "reminder")],
        date(2026, 9, 11): [(14, "reminder")],
        date(2026, 9, 22): [(3, "reminder")],
        date(2026, 9, 24): [(1, "reminder")],
        date(2026, 9, 25): [],
        date(2026, 9, 26): [(-1, "escalation")],
        date(2026, 10, 2): [(-7, "escalation")],
        date(2026, 10, 3): [],
    }
    from reports.models import ReminderPolicy

    ReminderPolicy.objects.create(plan=pg["plan"], reminder_days=[5], escalation_days=[2])
    assert [f.offset for f in firings_on(date(2026, 9, 20)) if f.period_id == period.pk] == [5]
    assert not [f for f in firings_on(REMIND_DAY) if f.period_id == period.pk]


@pytest.mark.django_db
def test_sweep_sends_one_digest_per_unit_by_email_and_in_app(
    pg, eager, django_capture_on_commit_callbacks
):
    period = pg["period"]
    # The economy office has submitted everything: it is not reminded.
    economy = unit("w21370-phong-kinh-te")
    ProgressReport.objects.filter(period=period, unit=economy).update(state="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        result = run_sweep(REMIND_DAY)
    expected = _units_with_lines(period) - {economy.pk}
    assert set(result.units) == expected and result.claimed == len(expected)
    assert Reminder.objects.filter(period=period, offset=7, kind="reminder").count() == len(
        expected
    )
    # Only the police and economy offices have users; the economy office has submitted:
    # one email, to the police officers (the head is an officer of the unit too).
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cb-congan@example.vn", "truong-congan@example.vn"]
    assert "Nhắc hạn báo cáo: Công an xã Phước Giang còn 16 nhiệm vụ chưa nộp" in message.subject
    head = "Kế hoạch UBND xã Phước Giang (chưa rõ số) — Báo cáo năm 2026, hạn 25/09/2026"
    assert f"{head} (còn 7 ngày)" in message.body
    assert f"/bao-cao/ky/{period.pk}/don-vi/{pg['police'].pk}/" in message.body
    note = Notification.objects.get(user=pg["police_officer"])
    assert "còn 16 nhiệm vụ chưa nộp" in note.text
    assert not Notification.objects.filter(user=pg["economy_officer"]).exists()
    police = Reminder.objects.get(unit=pg["police"], period=period, offset=7)
    assert police.outcome == "sent" and police.sent_at
    assert police.recipients == "cb-congan@example.vn, truong-congan@example.vn"
    no_user = Reminder.objects.filter(period=period, offset=7).exclude(unit=pg["police"]).first()
    assert no_user.outcome == "no_recipient" and no_user.sent_at  # recorded, visible to admin


@pytest.mark.django_db
def test_beat_running_twice_sends_nothing_more(pg, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = run_sweep(REMIND_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        second = run_sweep(REMIND_DAY)
    assert first.claimed and second.claimed == 0 and second.units == []
    assert len(mail.outbox) == 2  # police office and economy office, once each
    assert Notification.objects.count() == 3
    out = StringIO()
    call_command("reminders", "--date", "2026-09-18", "--dry-run", stdout=out)
    assert "(đã gửi trước đó, sẽ không gửi lại)" in out.getvalue()


@pytest.mark.django_db
def test_escalation_goes_to_the_head_and_the_reviewing_unit(
    pg, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(date(2026, 9, 26))  # one day after the cutoff
    to = {tuple(m.to): m for m in mail.outbox}
    assert set(to) == {
        ("cb-congan@example.vn", "truong-congan@example.vn"),
        ("cb-kinhte@example.vn",),
        ("td-pgd@example.vn",),
    }
    unit_mail = to[("cb-congan@example.vn", "truong-congan@example.vn")]
    assert unit_mail.subject.startswith("[CT39] Quá hạn báo cáo: Công an xã Phước Giang")
    assert "quá hạn 1 ngày" in unit_mail.body
    # The reviewing unit (PGD Nghĩa Hành) gets ONE list of every late unit, not one each.
    late_units = _units_with_lines(pg["period"])
    (review,) = [m for m in mail.outbox if m.to == ["td-pgd@example.vn"]]
    assert review.subject.startswith(f"[CT39] Đơn vị chậm báo cáo: {len(late_units)} đơn vị")
    assert "Kính gửi: Phòng giao dịch Ngân hàng Chính sách xã hội Nghĩa Hành" in review.body
    assert "- Công an xã Phước Giang: 16 báo cáo chưa nộp — http" in review.body
    assert review.body.count(" báo cáo chưa nộp — http") == len(late_units)
    assert f"/bao-cao/ky/{pg['period'].pk}/" in review.body  # the whole period's page
    (note,) = Notification.objects.filter(user=pg["reviewer"])
    assert note.text.startswith(f"Quá hạn báo cáo: {len(late_units)} đơn vị còn")
    assert Reminder.objects.filter(kind="escalation", offset=-1).count() == len(late_units)
    (row,) = Reminder.objects.filter(kind="review")
    assert row.unit.key == "qn-pgd-532" and row.outcome == "sent"
    assert row.recipients == "td-pgd@example.vn"
    assert row.missing == ProgressReport.objects.filter(period=pg["period"]).count()
    # A second sweep the same day (or a second beat) sends the list again to no one.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(date(2026, 9, 26))
    assert not mail.outbox and Reminder.objects.filter(kind="review").count() == 1
    # A week later, after one unit has submitted, the list names the others only.
    police_lines = ProgressReport.objects.filter(period=pg["period"], unit=pg["police"])
    police_lines.update(state="submitted", status="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(date(2026, 10, 2))
    (review,) = [m for m in mail.outbox if m.to == ["td-pgd@example.vn"]]
    assert "Công an xã Phước Giang" not in review.body
    assert review.body.count(" báo cáo chưa nộp — http") == len(late_units) - 1


@pytest.mark.django_db
def test_smtp_refusal_then_retry_sends_once(pg, settings):
    """The first attempt fails in SMTP (the server refused: nothing went out): the e-mail goes
    back to pending; the retry sends it once; a redelivery sends nothing. The in-app
    notification was written once, with the digest's content, before any SMTP."""
    settings.EMAIL_BACKEND = f"{__name__}.FailOnceBackend"
    FailOnceBackend.failures = 1
    run_sweep(REMIND_DAY, enqueue=False)
    police = pg["police"].pk
    with pytest.raises(ConnectionResetError):
        deliver_digest(police)
    assert not mail.outbox
    assert Notification.objects.filter(user=pg["police_officer"]).count() == 1
    (email,) = ReminderEmail.objects.filter(unit_id=police)
    assert email.state == "pending"
    rem = Reminder.objects.get(unit_id=police, offset=7)
    assert rem.sent_at is None and rem.sending_at is not None
    from reports.tasks import send_digest

    celery_app.conf.task_always_eager = True
    try:
        send_digest.apply(args=[police])  # the retry
        send_digest.apply(args=[police])  # a duplicate redelivery
    finally:
        celery_app.conf.task_always_eager = False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    assert Notification.objects.filter(user=pg["police_officer"]).count() == 1
    rem.refresh_from_db()
    assert rem.sent_at and rem.attempts == 1 and rem.outcome == "sent"
    email.refresh_from_db()
    assert email.state == "sent" and email.sent_at


@pytest.mark.django_db
def test_email_left_sending_by_a_dead_worker_is_not_sent_again(pg, settings):
    """A worker killed during SMTP leaves its e-mail "sending": within the timeout another
    delivery leaves it alone (it may be a live, slow worker); after it, the e-mail is marked
    uncertain and never sent again, and the reminder is finished."""
    run_sweep(REMIND_DAY, enqueue=False)
    police = pg["police"].pk
    from reports.reminders import _prepare

    _prepare(police, timezone.now())
    (email,) = ReminderEmail.objects.filter(unit_id=police)
    ReminderEmail.objects.filter(pk=email.pk).update(state="sending", attempt_at=timezone.now())
    deliver_digest(police)
    email.refresh_from_db()
    assert email.state == "sending" and not mail.outbox
    assert Reminder.objects.get(unit_id=police, offset=7).sent_at is None
    later = timezone.now() + timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT + 1)
    deliver_digest(police, now=later)
    email.refresh_from_db()
    assert email.state == "uncertain" and not mail.outbox
    rem = Reminder.objects.get(unit_id=police, offset=7)
    assert rem.sent_at and "có thể chưa đến" in rem.last_error
    assert Notification.objects.filter(user=pg["police_officer"]).count() == 1


def test_message_id_is_derived_from_the_rows_and_recipients():
    a = message_id([5, 3], ["b@x.vn", "a@x.vn"])
    assert a == message_id([3, 5], ["a@x.vn", "b@x.vn"])
    assert a != message_id([3, 5], ["a@x.vn"]) and a != message_id([3, 6], ["a@x.vn", "b@x.vn"])
    assert re.fullmatch(r"<ct39\.reminder\.3\.[0-9a-f]{16}@[\w.-]+>", a)


class FailOnceBackend:
    """A mail backend whose connection drops once, like a worker dying mid-send."""

    failures = 0

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        if FailOnceBackend.failures:
            FailOnceBackend.failures -= 1
            raise ConnectionResetError("mất kết nối máy chủ thư")
        return self.inner.send_messages(messages)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("day", [REMIND_DAY, date(2026, 9, 26)], ids=["reminder", "escalation"])
def test_two_beat_processes_at_once_claim_each_reminder_once(seeded, settings, day):
    """Before the cutoff, one reminder per unit; after it, one escalation per unit and one
    list for the reviewing unit (PGD Nghĩa Hành) — whichever process claims it."""
    issue_phuoc_giang(today=REMIND_DAY)
    period = ReportingPeriod.objects.get(plan__seed_key="pg-kh-ubnd", year=2026)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def beat():
        try:
            barrier.wait(timeout=10)
            results.append(run_sweep(day, enqueue=False))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    claimed = [u for r in results for u in r.units]
    units = _units_with_lines(period)
    assert sorted(claimed) == sorted(units)  # every unit claimed by exactly one process
    reviews = 1 if day > CUTOFF else 0  # the PGD also has lines: its digest holds both
    assert Reminder.objects.filter(period=period).count() == len(units) + reviews
    assert Reminder.objects.filter(period=period, kind="review").count() == reviews
    assert sum(r.claimed for r in results) == len(units) + reviews


@pytest.mark.django_db
def test_sweep_queries_do_not_grow_with_units(pg, django_assert_max_num_queries):
    """Nghệ An's plan (≈150 units) and Phước Giang's (11 units) fire on their dates with
    the same bounded number of queries: the sweep is set-based."""
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    from reports.periods import ensure_periods

    ensure_periods(date(2026, 9, 24))  # every seeded rule is live: Đồng Nai's too
    na = plan.reporting_periods.get(year=2026)  # cutoff 01/10/2026
    with django_assert_max_num_queries(20):
        many = run_sweep(date(2026, 9, 24), enqueue=False)  # 7 days before 01/10
    with django_assert_max_num_queries(20):
        few = run_sweep(REMIND_DAY, enqueue=False)
    assert len(many.units) > 100 and len(few.units) < 15
    assert Reminder.objects.filter(period=na).count() == len(_units_with_lines(na))


@pytest.mark.django_db
def test_reviewing_unit_of_many_plans_is_the_one_of_each(seeded, django_assert_max_num_queries):
    """The batched lookup the escalations use agrees with the per-plan rule."""
    from reports.access import first_reviewing_units, reviewing_unit_ids

    plans = list(Plan.objects.select_related("issuer"))
    with django_assert_max_num_queries(2):
        batched = first_reviewing_units([p.pk for p in plans])
    expected = {p.pk: ids[0] for p in plans if (ids := reviewing_unit_ids(p))}
    assert batched == expected and len(expected) >= 5
