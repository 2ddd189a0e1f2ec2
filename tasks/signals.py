"""When units or groups change, re-expand the plans that name them (after commit, in Celery)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from orgunits.models import OrgUnit, UnitGroup
from plans.models import Plan

from .expansion import groups_affected_by, plans_using_groups
from .models import Assignment


def schedule_reexpansion(plan_ids) -> None:
    ids = sorted(
        Plan.objects.filter(pk__in=list(plan_ids), status=Plan.Status.ISSUED).values_list(
            "pk", flat=True
        )
    )
    if ids:
        from .tasks import reexpand_plans

        transaction.on_commit(lambda: reexpand_plans.delay(ids))


@receiver(post_save, sender=OrgUnit, dispatch_uid="reexpand_on_unit_change")
def unit_changed(sender, instance: OrgUnit, raw=False, **kwargs):
    if raw:
        return
    plan_ids = set(plans_using_groups(groups_affected_by(instance)))
    plan_ids |= set(
        Assignment.objects.filter(unit=instance, via__isnull=True).values_list(
            "task__plan_id", flat=True
        )
    )
    schedule_reexpansion(plan_ids)


@receiver(post_save, sender=UnitGroup, dispatch_uid="reexpand_on_group_change")
def group_changed(sender, instance: UnitGroup, raw=False, **kwargs):
    if not raw:
        schedule_reexpansion(plans_using_groups([instance.pk]))


@receiver(
    m2m_changed, sender=UnitGroup.explicit_members.through, dispatch_uid="reexpand_on_members"
)
def members_changed(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, UnitGroup):
        schedule_reexpansion(plans_using_groups([instance.pk]))
