"""Celery jobs of the tasks app: keep tracked assignments in line with groups and mergers."""

import logging

from celery import shared_task

from plans.models import Plan

from .expansion import expand_plan

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
