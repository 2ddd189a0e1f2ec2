"""Who is who: the unit, province and role of a user, and the units they may see.

Every permission check of the app starts here; the per-object rules live next to the
objects (`plans/access.py`, `tasks/access.py`, `reports/access.py`,
`dashboards/access.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import F, Q

from .models import OrgUnit, Profile
from .territory import territory_of


def is_national_unit(unit: OrgUnit | None) -> bool:
    """THE national unit (NHCSXH Việt Nam), the only source of national rights.

    Structural rule, not a key: a unit of kind NHCSXH_HEAD whose territory is the root of the
    central bodies' tree (kind CENTRAL, no parent) and lies in the same tree — i.e. NHCSXH
    Việt Nam placed among the central bodies, outside every province's tree. A unit of that
    kind anywhere else (under a province, a commune, another central body, or a root of its
    own) grants nothing national. `OrgUnit.clean` allows only one such unit, and only
    superusers may place it or attach accounts to it (`orgunits/admin.py`).

    Reads `unit.territory` (select_related by `actor_for`: no query of its own)."""
    if unit is None or unit.kind != OrgUnit.Kind.NHCSXH_HEAD or unit.parent_id is None:
        return False
    territory = unit.territory
    return (
        territory is not None
        and territory.kind == OrgUnit.Kind.CENTRAL
        and territory.parent_id is None
        and territory.tree_id == unit.tree_id
    )


def national_units_q(prefix: str = "") -> Q:
    """The same rule as a filter on OrgUnit rows (`prefix` for a related path, "unit__")."""
    return Q(
        **{
            f"{prefix}kind": OrgUnit.Kind.NHCSXH_HEAD,
            f"{prefix}parent__isnull": False,
            f"{prefix}territory__kind": OrgUnit.Kind.CENTRAL,
            f"{prefix}territory__parent__isnull": True,
            f"{prefix}territory__tree_id": F(f"{prefix}tree_id"),
        }
    )


def national_units():
    """The national unit(s) — at most one, as `OrgUnit.clean` keeps it."""
    return OrgUnit.objects.filter(national_units_q())


#: The roles that read everything of their province: reviewers (NHCSXH), provincial admins
#: and leaders (`Actor.sees_whole_province`, the reports' and dashboards' province rules).
PROVINCE_ROLES = (Profile.Role.REVIEWER, Profile.Role.PROVINCE_ADMIN, Profile.Role.LEADER)


@dataclass
class Actor:
    """A signed-in user as the permission rules see them."""

    user: object
    profile: Profile | None

    @property
    def is_superuser(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False))

    @property
    def unit(self) -> OrgUnit | None:
        return self.profile.unit if self.profile else None

    @property
    def role(self) -> str | None:
        return self.profile.role if self.profile else None

    @cached_property
    def province(self) -> OrgUnit | None:
        """The root of the user's unit tree (their province)."""
        unit = self.unit
        return unit.province() if unit else None

    @cached_property
    def territory(self) -> OrgUnit | None:
        """The province or commune the user's unit belongs to."""
        unit = self.unit
        if unit is None:
            return None
        return territory_of(unit)

    @cached_property
    def is_national(self) -> bool:
        """Staff of THE national unit (NHCSXH Việt Nam, see `is_national_unit`): they follow
        every province (read only). The unit's kind alone grants nothing."""
        return is_national_unit(self.unit)

    @property
    def is_commune_level(self) -> bool:
        return bool(self.territory and self.territory.kind == OrgUnit.Kind.COMMUNE)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def sees_whole_province(self) -> bool:
        """Reviewers (NHCSXH), provincial admins and leaders read everything of the province."""
        return self.has_role(*PROVINCE_ROLES) or (
            self.has_role(Profile.Role.OFFICER) and not self.is_commune_level
        )

    def in_province(self, unit: OrgUnit) -> bool:
        return self.province is not None and unit.tree_id == self.province.tree_id

    def in_own_territory(self, unit: OrgUnit) -> bool:
        """A unit inside the user's territory subtree (their commune, or their province)."""
        t = self.territory
        return t is not None and t.contains(unit)


def managed_province(actor: Actor) -> OrgUnit | None:
    """The province a provincial admin manages (in the admin: its units, accounts, names);
    None for superusers (they manage everything through Django's permissions) and others."""
    if actor.is_superuser or not actor.has_role(Profile.Role.PROVINCE_ADMIN):
        return None
    return actor.province


def province_root_locked(actor: Actor, unit: OrgUnit) -> bool:
    """The province itself (the root of its tree) is read-only for its provincial admin in
    the admin: they change and delete the units below it, never the root."""
    return managed_province(actor) is not None and unit.parent_id is None


def grants_national_rights(actor: Actor) -> bool:
    """Only superusers choose the central kinds of unit (NHCSXH Việt Nam, ministries, central
    bodies) and attach accounts to the national unit or a unit of a central kind: the
    admin's unit and account forms offer everyone else the kinds and units of a province."""
    return actor.is_superuser


def managed_accounts_q(tree_id: int) -> Q:
    """Filter on User rows: the accounts a provincial admin manages — of their province's
    tree, never a superuser's."""
    return Q(profile__unit__tree_id=tree_id, is_superuser=False)


def uses_admin(role: str | None) -> bool:
    """Whether an account of this role signs in to the admin (`is_staff`): provincial admins
    (the accounts a provincial admin saves, the demo accounts); superusers aside."""
    return role == Profile.Role.PROVINCE_ADMIN


def is_central_unit(unit: OrgUnit) -> bool:
    """The national unit or a unit of a central kind: only superusers attach accounts to it
    (`grants_national_rights`)."""
    return is_national_unit(unit) or unit.kind in OrgUnit.CENTRAL_ONLY_KINDS


def can_search_units_of(actor: Actor, unit: OrgUnit) -> bool:
    """The unit pickers search around `unit` (a plan's issuer): within the user's province;
    a superuser around any province's plan."""
    return actor.is_superuser or actor.in_province(unit)


def actor_for(user) -> Actor:
    """The actor of a request's user (one query, cached on the user object); an Actor is
    returned as it is, so that every rule takes a user or an actor."""
    if isinstance(user, Actor):
        return user
    cached = getattr(user, "_ct39_actor", None)
    if cached is not None:
        return cached
    profile = None
    if getattr(user, "is_authenticated", False):
        profile = (
            Profile.objects.select_related("unit", "unit__territory").filter(user=user).first()
        )
    actor = Actor(user=user, profile=profile)
    user._ct39_actor = actor
    return actor


def units_in_subtree(unit: OrgUnit, prefix: str = "") -> Q:
    """Filter for OrgUnit rows inside `unit`'s subtree (MPTT range, index-friendly);
    `prefix` for a related path ("unit__", "issuer__"). The rule is `OrgUnit.subtree_q`
    (its Python twin `OrgUnit.contains`)."""
    return unit.subtree_q(prefix)


def groups_covering(unit: OrgUnit):
    """Groups scoped above or at `unit`'s territory whose members include a unit of `unit`'s
    subtree — e.g. "UBND các xã, phường, đặc khu" of Quảng Ngãi covers xã Phước Giang.

    Evaluated from the group rules in Python over the province's groups (3 queries)."""
    from .models import UnitGroup

    kinds_here = set(
        OrgUnit.objects.filter(units_in_subtree(unit)).values_list("kind", flat=True).distinct()
    )
    subtree_pks = None
    covering = []
    candidates = UnitGroup.objects.filter(scope__tree_id=unit.tree_id).select_related("scope")
    for group in candidates.prefetch_related("explicit_members"):
        scope = group.scope
        if not scope.contains(unit):
            continue  # scoped to another commune
        if group.is_rule:
            kinds = set(group.rule_kinds)
            if group.rule_depth == UnitGroup.Depth.OWN:
                # own level of the scope: the unit itself (a commune) or the scope's own bodies
                hit = (
                    unit.territory_id == scope.pk
                    or unit.parent_id == scope.pk
                    or unit.pk == scope.pk
                ) and unit.kind in kinds
                hit = hit or (
                    unit.kind in OrgUnit.TERRITORIAL_KINDS
                    and unit.kind in kinds
                    and unit.parent_id == scope.pk
                )
            else:
                hit = bool(kinds & kinds_here)
        else:
            if subtree_pks is None:
                subtree_pks = set(
                    OrgUnit.objects.filter(units_in_subtree(unit)).values_list("pk", flat=True)
                )
            hit = any(m.pk in subtree_pks for m in group.explicit_members.all())
        if hit:
            covering.append(group)
    return covering
