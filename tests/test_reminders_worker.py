"""End to end on a real Celery worker and the real Redis broker (not eager mode): the sweep
enqueues a digest, the worker delivers it into the locmem mailbox and the notifications."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection

from config.celery import app as project_app
from reports.models import Notification, Reminder, ReminderEmail
from reports.reminders import run_sweep
from tests.factories import issue_phuoc_giang, make_user, unit


def _broker_url() -> str:
    """The test run's Redis database (one per pytest-xdist worker, see config/settings.py);
    each test has a queue of its own."""
    if os.environ.get("REPORTS_TEST_BROKER"):
        return os.environ["REPORTS_TEST_BROKER"]
    return settings.REDIS_URL or "redis://127.0.0.1:6379/15"


@pytest.fixture
def worker_app():
    app = Celery("ct39-reports-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=_broker_url(),
        task_default_queue=f"reports-test-{uuid.uuid4().hex[:12]}",
        task_always_eager=False,
        result_backend=None,
        broker_connection_retry_on_startup=False,
    )
    import reports.tasks  # noqa: F401 - registers the shared tasks on the new app

    app.set_current()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=20):
            yield app
    finally:
        project_app.set_current()


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_the_digest_end_to_end(seeded, worker_app):
    issue_phuoc_giang(today=date(2026, 9, 18))
    officer = make_user("cb-worker", unit("w21370-cong-an"))
    result = run_sweep(date(2026, 9, 18))  # enqueues after commit: autocommit here
    assert result.units
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.2)
    assert len(mail.outbox) == 1, "the worker did not deliver the digest in 30 s"
    message = mail.outbox[0]
    assert message.to == ["cb-worker@example.vn"]
    assert "Công an xã Phước Giang còn 16 nhiệm vụ chưa nộp" in message.subject
    # Let the worker finish the other units' digests (they have no users: recorded only).
    while time.monotonic() < deadline and Reminder.objects.filter(sent_at__isnull=True).exists():
        time.sleep(0.2)
    assert Notification.objects.filter(user=officer, text__contains="16 nhiệm vụ").count() == 1
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert Reminder.objects.get(unit__key="w21370-cong-an").outcome == "sent"


def _start_worker(queue: str, mail_dir, pause: float, log) -> subprocess.Popen:
    """A real `celery worker` process on the test database, writing e-mails to files."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": _broker_url(),
        "EMAIL_BACKEND": "tests.mail_backends.PausingFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CT39_TEST_MAIL_PAUSE": str(pause),
        "REMINDER_SENDING_TIMEOUT": "2",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("PYTEST_XDIST_WORKER", None)  # REDIS_URL is already this worker's database
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _recipients(mail_dir) -> Counter:
    """How many e-mails each address got, over every file the file backend wrote."""
    seen = Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                seen.update(a.strip() for a in line[4:].split(","))
    return seen


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_sends_each_email_once(seeded, tmp_path):
    """SIGKILL of the worker process while it is in the SMTP step of a digest (the e-mail was
    written, not yet recorded as sent), then a new worker and a redelivery of every digest:
    each recipient has exactly one e-mail; the cut one is marked uncertain, not resent."""
    issue_phuoc_giang(today=date(2026, 9, 18))
    result = run_sweep(date(2026, 9, 18), enqueue=False)
    keys = ["w21370-cong-an", "w21370-phong-kinh-te", "w21370-hoi-nong-dan"]
    units = [unit(k) for k in keys]
    assert {u.pk for u in units} <= set(result.units)
    emails = [make_user(f"cb-kill-{i}", u).email for i, u in enumerate(units)]
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    queue = f"reports-kill-{uuid.uuid4().hex[:12]}"
    sender = Celery("ct39-kill-test", broker=_broker_url())

    def enqueue_all():
        for u in units:
            sender.send_task("reports.send_digest", args=[u.pk], queue=queue)

    with open(tmp_path / "worker1.log", "w") as log1:
        worker = _start_worker(queue, mail_dir, pause=30, log=log1)
        try:
            enqueue_all()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(mail_dir.iterdir()):
                time.sleep(0.1)
            assert any(mail_dir.iterdir()), (tmp_path / "worker1.log").read_text()[-3000:]
            time.sleep(0.5)  # inside the pause: written, not yet recorded
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
    assert sum(_recipients(mail_dir).values()) == 1
    (cut,) = ReminderEmail.objects.filter(state="sending")

    time.sleep(2.5)  # past REMINDER_SENDING_TIMEOUT of the workers (2 s)
    with open(tmp_path / "worker2.log", "w") as log2:
        worker = _start_worker(queue, mail_dir, pause=0, log=log2)
        try:
            enqueue_all()  # as the sweep re-enqueues units with unfinished reminders
            deadline = time.monotonic() + 60
            pending = Reminder.objects.filter(unit__in=units, sent_at__isnull=True)
            while time.monotonic() < deadline and pending.exists():
                time.sleep(0.2)
            assert not pending.exists(), (tmp_path / "worker2.log").read_text()[-3000:]
        finally:
            worker.terminate()
            worker.wait(20)
    assert _recipients(mail_dir) == Counter({e: 1 for e in emails})
    cut.refresh_from_db()
    assert cut.state == "uncertain"
    assert ReminderEmail.objects.filter(unit__in=units, state="sent").count() == 2
    for i, u in enumerate(units):
        assert Notification.objects.filter(user__username=f"cb-kill-{i}").count() == 1, u
