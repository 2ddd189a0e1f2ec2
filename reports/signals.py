"""An issued plan gets its reporting periods at once (not only at the next daily run)."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from plans.models import Plan


@receiver(post_save, sender=Plan, dispatch_uid="reports_periods_on_issue")
def plan_saved(sender, instance: Plan, raw=False, **kwargs):
    if raw or instance.status != Plan.Status.ISSUED or not instance.has_reporting_rule:
        return
    pk = instance.pk

    def create():
        from .periods import ensure_periods

        ensure_periods(plans=Plan.objects.filter(pk=pk))

    transaction.on_commit(create)
