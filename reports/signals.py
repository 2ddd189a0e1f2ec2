"""An issued plan gets its reporting periods at once (not only at the next daily run); the
seed loader (`tasks.seed.seeds_loaded`) gets the seed plans' indicators."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from plans.models import Plan
from tasks.seed import seeds_loaded


@receiver(post_save, sender=Plan, dispatch_uid="reports_periods_on_issue")
def plan_saved(sender, instance: Plan, raw=False, **kwargs):
    if raw or instance.status != Plan.Status.ISSUED or not instance.has_reporting_rule:
        return
    pk = instance.pk

    def create():
        from .periods import ensure_periods

        ensure_periods(plans=Plan.objects.filter(pk=pk))

    transaction.on_commit(create)


@receiver(seeds_loaded, dispatch_uid="reports_seed_indicators")
def seed_indicators(sender, **kwargs) -> str:
    """The indicators of the seed plans (created, or brought up to their definitions)."""
    from .indicators import SEED_INDICATORS, ensure_indicators

    created = ensure_indicators(Plan.objects.filter(seed_key__in=SEED_INDICATORS))
    return f"Chỉ tiêu: {created} tạo mới."
