"""End to end on a real Celery worker and the real Redis broker (not eager mode): the sweep
enqueues a digest, the worker delivers it into the locmem mailbox and the notifications."""

import os
import time
import uuid
from datetime import date

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config.celery import app as project_app
from reports.models import Notification, Reminder
from reports.reminders import run_sweep
from reports.testing import issue_phuoc_giang, make_user, unit


def _broker_url() -> str:
    """A Redis database of this test's own (db 12 of the test Redis), and a unique queue."""
    if os.environ.get("REPORTS_TEST_BROKER"):
        return os.environ["REPORTS_TEST_BROKER"]
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    return base.rsplit("/", 1)[0] + "/12"


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
