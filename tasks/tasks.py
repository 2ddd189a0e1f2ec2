"""Celery jobs of the tasks app: keep tracked assignments in line with groups and mergers;
read large appendix uploads with a time limit."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from plans.models import Plan

from . import import_jobs, xlsx_safety
from .expansion import expand_plan
from .importer import imports_dir
from .xlsx_reader import AppendixFileError, read_appendix

logger = logging.getLogger(__name__)


@shared_task(name="tasks.reexpand_plans", acks_late=True)
def reexpand_plans(plan_ids: list[int]) -> dict[str, int]:
    """Re-expand the issued plans whose groups or units changed (idempotent, safe to retry)."""
    totals = {"added": 0, "retired": 0, "moved": 0}
    for plan in Plan.objects.filter(pk__in=plan_ids, status=Plan.Status.ISSUED):
        result = expand_plan(plan)
        totals["added"] += result.added
        totals["retired"] += result.retired
        totals["moved"] += result.moved
    if any(totals.values()):
        logger.info("Re-expanded plans %s: %s", plan_ids, totals)
    return totals


@shared_task(name="tasks.expand_all_issued")
def expand_all_issued() -> dict[str, int]:
    """Daily: units whose activity ended (mergers dated in advance) hand over their work."""
    ids = list(Plan.objects.filter(status=Plan.Status.ISSUED).values_list("pk", flat=True))
    return reexpand_plans(ids)


@shared_task(
    name="tasks.read_appendix_upload",
    acks_late=False,  # a worker killed by the hard limit must not get the file again
    soft_time_limit=settings.IMPORT_READ_SOFT_SECONDS,
    time_limit=settings.IMPORT_READ_SOFT_SECONDS + 15,
)
def read_appendix_upload(token: str, name: str) -> str:
    """Read an uploaded appendix (stored under its token) and leave the answer in the cache."""
    path = imports_dir() / f"{token}.xlsx"
    expected = xlsx_safety.estimated_rows(path)

    def rows_read(n: int) -> None:
        import_jobs.progress(token, n, expected)

    try:
        read = read_appendix(path, name, progress=rows_read)
    except AppendixFileError as exc:
        import_jobs.finish(token, message=str(exc))
        return "refused"
    except SoftTimeLimitExceeded:
        logger.warning("Reading upload %s took longer than the time limit", token)
        import_jobs.finish(token, message=import_jobs.TOO_SLOW.format(
            seconds=settings.IMPORT_READ_SOFT_SECONDS))  # fmt: skip
        return "too slow"
    except (OSError, MemoryError):
        logger.exception("Reading upload %s failed", token)
        import_jobs.finish(token, message=import_jobs.FAILED)
        return "failed"
    import_jobs.finish(token, read=read)
    return "done"
