"""Celery jobs of the shared export plumbing (`config/export_jobs.py`): build one file with
its progress, and purge the files older than a day. Loaded by the worker through
`config/celery.py` (config is not an app: autodiscovery does not find it)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(
    name="config.build_export",
    acks_late=False,  # a worker killed by the hard limit must not build the file again
    soft_time_limit=settings.EXPORT_SOFT_SECONDS,
    time_limit=settings.EXPORT_SOFT_SECONDS + 15,
)
def build_export(token: str) -> str:
    """Build an export file (consolidated report, large dashboard table) with progress: the
    builder its app registered in `export_jobs.BUILDERS`."""
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


@shared_task(name="config.purge_exports")
def purge_exports() -> int:
    """Daily: delete export files older than a day."""
    from . import export_jobs

    return export_jobs.purge_old()
