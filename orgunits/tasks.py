"""Scheduled jobs of the unit app."""

import logging

from celery import shared_task

from .trees import check_all

logger = logging.getLogger(__name__)


@shared_task(name="orgunits.tasks.check_trees")
def check_trees() -> int:
    """Nightly integrity check of every MPTT tree; logs errors, returns how many trees broke."""
    broken = 0
    for report in check_all():
        if report.errors:
            broken += 1
            logger.error("Tree %s is corrupt: %s", report.model, "; ".join(report.errors))
    return broken
