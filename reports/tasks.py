"""Celery jobs of the reports app: periods, the daily reminder sweep and the per-unit digest."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="reports.ensure_periods")
def ensure_periods_task() -> int:
    """Daily: create the reporting periods of issued plans and keep their lines in sync."""
    from .periods import ensure_periods, sync_lines

    created = ensure_periods(timezone.localdate())
    sync_lines()
    return len(created)


@shared_task(name="reports.reminder_sweep")
def reminder_sweep() -> dict:
    """Daily at 07:00: claim today's reminders and enqueue one digest per unit."""
    from .reminders import run_sweep

    result = run_sweep(timezone.localdate())
    return {"claimed": result.claimed, "digests": len(result.units)}


@shared_task(
    bind=True,
    name="reports.send_digest",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=6,
    default_retry_delay=120,
    soft_time_limit=240,
    time_limit=300,  # shorter than REMINDER_SENDING_TIMEOUT and the broker visibility timeout
)
def send_digest(self, unit_id: int) -> dict:
    """Send one unit's unsent reminders (idempotent: safe to redeliver and retry)."""
    from .reminders import deliver_digest, record_failure

    try:
        result = deliver_digest(unit_id)
    except Exception as exc:
        logger.warning("Digest for unit %s failed: %s", unit_id, exc)
        record_failure(unit_id, exc)
        raise self.retry(exc=exc) from exc
    return {"reminders": result.reminders, "emails": result.emails}
