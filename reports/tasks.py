"""Celery jobs of the reports app: periods, the daily reminder sweep and the per-unit digest."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
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


@shared_task(
    name="reports.build_export",
    acks_late=False,  # a worker killed by the hard limit must not build the file again
    soft_time_limit=settings.EXPORT_SOFT_SECONDS,
    time_limit=settings.EXPORT_SOFT_SECONDS + 15,
)
def build_export(token: str) -> str:
    """Build an export file (consolidated report, large dashboard table) with progress."""
    from django.contrib.auth import get_user_model

    from . import export_jobs

    job = export_jobs.get(token)
    if job is None or not job.running:
        return "gone"
    export_jobs.purge_old()

    def step(done: int, total: int) -> None:
        job.done, job.total = done, total
        export_jobs.save(token, job)

    user = get_user_model().objects.filter(pk=job.user_id, is_active=True).first()
    try:
        if user is None:
            raise PermissionError(export_jobs.REFUSED)
        body = export_jobs.build(job, user, step)
        path = export_jobs.file_path(token)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    except PermissionError:
        job.state, job.message = "failed", export_jobs.REFUSED
        export_jobs.save(token, job)
        return "refused"
    except SoftTimeLimitExceeded:
        logger.warning("Export %s took longer than the time limit", token)
        job.state = "failed"
        job.message = export_jobs.TOO_SLOW.format(seconds=settings.EXPORT_SOFT_SECONDS)
        export_jobs.save(token, job)
        return "too slow"
    except Exception:
        logger.exception("Export %s failed", token)
        job.state, job.message = "failed", export_jobs.FAILED
        export_jobs.save(token, job)
        return "failed"
    job.state, job.done = "done", job.total
    export_jobs.save(token, job)
    return "done"


@shared_task(name="reports.purge_exports")
def purge_exports() -> int:
    """Daily: delete export files older than a day."""
    from . import export_jobs

    return export_jobs.purge_old()
