"""Who may see and change which plan. Enforced on the server, per object.

- Superusers: everything.
- Central plans (Chỉ thị 39, Quyết định 1560, …): every signed-in officer, once issued.
- Reviewers (NHCSXH), provincial admins, leaders and province-level officers: every plan
  of their province; drafts only of their own unit, except provincial admins and the plan's
  follow-up unit, who see the province's drafts too.
- Staff of NHCSXH Việt Nam (national users): every issued plan of every province.
- Commune-level officers: their commune's own plans (drafts included), the issued plans of
  the province that assign work to their commune (directly or through a group such as
  "Ủy ban nhân dân các xã, phường, đặc khu"), and the issued plans those implement.
  Another commune's plans and another province's data are invisible (404).
- Editing: only drafts, by the issuing unit's officers or the province's admins; an issued
  plan is changed by issuing a revision, a superseded plan never. Superusers may still
  change an issued plan's header and import its appendix, but the appendix editor serves
  drafts only (`can_use_editor`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from orgunits.access import Actor, actor_for, groups_covering, units_in_subtree
from orgunits.models import OrgUnit, Profile
from orgunits.territory import central_tree_ids

from .models import Plan

PUBLISHED = (Plan.Status.ISSUED, Plan.Status.SUPERSEDED)

#: The kinds of unit a plan may name as its follow-up unit or the unit it reports to.
REVIEWING_KINDS = (
    OrgUnit.Kind.NHCSXH_BRANCH,
    OrgUnit.Kind.NHCSXH_PGD,
    OrgUnit.Kind.PROVINCE,
    OrgUnit.Kind.DEPARTMENT,
)


def followed_by(unit: OrgUnit, prefix: str = "") -> Q:
    """Filter on plans the unit follows: it is their follow-up unit or the unit they report
    to (`prefix` for a related path, "period__plan__")."""
    return Q(**{f"{prefix}follow_up_unit": unit}) | Q(**{f"{prefix}report_to_unit": unit})


def visible_plans(user) -> QuerySet[Plan]:
    actor = actor_for(user)
    plans = Plan.objects.all()
    if actor.is_superuser:
        return plans
    if actor.unit is None:
        return plans.none()
    if actor.is_national:
        return plans.filter(status__in=PUBLISHED)
    central = Q(issuer__tree_id__in=central_tree_ids(), status__in=PUBLISHED)
    own_unit = Q(issuer=actor.unit)
    if actor.sees_whole_province:
        # A province sees the plans of the provinces merged into it (Kon Tum → Quảng Ngãi).
        merged = OrgUnit.objects.filter(parent__isnull=True, successor=actor.province)
        trees = [actor.province.tree_id, *merged.values_list("tree_id", flat=True)]
        province = Q(issuer__tree_id__in=trees)
        drafts_ok = actor.has_role(Profile.Role.PROVINCE_ADMIN)
        followed = followed_by(actor.unit)
        if drafts_ok:
            return plans.filter(central | province)
        return plans.filter(central | own_unit | (province & (Q(status__in=PUBLISHED) | followed)))
    # Commune level.
    commune = actor.territory
    own_commune = units_in_subtree(commune, "issuer__")
    groups = [g.pk for g in groups_covering(commune)]
    units_here = OrgUnit.objects.filter(units_in_subtree(commune)).values("pk")
    assigning = Plan.objects.filter(
        Q(tasks__assignments__unit__in=units_here) | Q(tasks__assignments__group__in=groups),
        issuer__tree_id=commune.tree_id,
        status__in=PUBLISHED,
    ).values("pk")
    # The plans above the commune's own plans (their chain) are readable too.
    chain = Q(pk__in=[])
    for tree_id, lft, rght in Plan.objects.filter(own_commune).values_list(
        "tree_id", "lft", "rght"
    ):
        chain |= Q(tree_id=tree_id, lft__lt=lft, rght__gt=rght)
    return plans.filter(
        central | own_commune | Q(pk__in=assigning) | (chain & Q(status__in=PUBLISHED))
    ).distinct()


def can_create_plans(user) -> bool:
    """May start a new plan (Lập kế hoạch): officers and provincial admins, and superusers.
    Which units they may name as issuer is `plan_issuers`."""
    if not getattr(user, "is_authenticated", True):
        return False
    actor = actor_for(user)
    return actor.is_superuser or actor.has_role(Profile.Role.OFFICER, Profile.Role.PROVINCE_ADMIN)


def plan_issuers(actor: Actor) -> QuerySet[OrgUnit]:
    """The units a user may name as a plan's issuer: any active unit (superusers); the
    province's units outside communes, and the communes themselves (provincial admins);
    their own unit (everyone else)."""
    in_province = _active_in_province(actor)
    if actor.is_superuser:
        return OrgUnit.objects.filter(active_until__isnull=True)
    if actor.has_role(Profile.Role.PROVINCE_ADMIN):
        return in_province.exclude(territory__kind=OrgUnit.Kind.COMMUNE) | (
            in_province.filter(kind=OrgUnit.Kind.COMMUNE)
        )
    return OrgUnit.objects.filter(pk=actor.unit.pk) if actor.unit else in_province


def reviewing_unit_choices(actor: Actor) -> QuerySet[OrgUnit]:
    """The units a user may name as a plan's follow-up unit or the unit it reports to: the
    active NHCSXH branch and transaction offices, province and departments of their own
    province (none without a province). The chosen unit must also be of the issuer's
    province (`PlanForm.clean`)."""
    return _active_in_province(actor).filter(kind__in=REVIEWING_KINDS).order_by("lft")


def _active_in_province(actor: Actor) -> QuerySet[OrgUnit]:
    province = actor.province
    if province is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(tree_id=province.tree_id, active_until__isnull=True)


def can_view_plan(user, plan: Plan) -> bool:
    return visible_plans(user).filter(pk=plan.pk).exists()


def can_edit_plan(user, plan: Plan) -> bool:
    """May change the plan's header and appendix (drafts only, except superusers)."""
    actor = actor_for(user)
    if actor.is_superuser:
        return plan.status != Plan.Status.SUPERSEDED
    if actor.unit is None or plan.status != Plan.Status.DRAFT:
        return False
    if actor.has_role(Profile.Role.PROVINCE_ADMIN):
        return actor.in_province(plan.issuer)
    if actor.has_role(Profile.Role.OFFICER):
        return plan.issuer_id == actor.unit.pk
    return False


def can_use_editor(user, plan: Plan) -> bool:
    """May open the appendix editor (Soạn thảo phụ lục): `can_edit_plan`, and drafts only,
    superusers included: an issued plan's appendix changes through a revision (or, for a
    superuser, an import, which keeps its reports)."""
    return plan.status == Plan.Status.DRAFT and can_edit_plan(user, plan)


def can_derive_for(user, plan: Plan) -> OrgUnit | None:
    """The commune a user may derive a commune plan for from `plan`, if any."""
    actor = actor_for(user)
    if plan.status != Plan.Status.ISSUED or not actor.is_commune_level:
        return None
    if not actor.has_role(Profile.Role.OFFICER, Profile.Role.PROVINCE_ADMIN):
        return None
    if actor.in_own_territory(plan.issuer):
        return None  # the commune's own plan: nothing to derive from it
    return actor.territory


def can_revise(user, plan: Plan) -> bool:
    actor = actor_for(user)
    if plan.status != Plan.Status.ISSUED:
        return False
    if actor.is_superuser:
        return True
    if actor.has_role(Profile.Role.PROVINCE_ADMIN):
        return actor.in_province(plan.issuer)
    return actor.has_role(Profile.Role.OFFICER) and actor.unit == plan.issuer
