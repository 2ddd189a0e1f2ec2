"""Who sees which dashboard (Bảng theo dõi): the national overview, a province, a transaction
office's communes, a commune or a unit's subtree. `scope_for` checks a requested unit
against the user's home; outside it, `OutOfScope` (the views answer 404)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, Subquery

from orgunits.access import PROVINCE_ROLES, Actor, units_in_subtree
from orgunits.models import OrgUnit
from plans.access import visible_plans
from plans.models import Plan
from tasks.models import Task


class OutOfScope(Exception):
    """A unit, plan or section the user may not see on a dashboard (the views answer 404)."""


# --- who sees what --------------------------------------------------------------------------


def sees_every_province(actor: Actor) -> bool:
    """The national overview: superusers and the staff of NHCSXH Việt Nam
    (`Actor.is_national`, the one meaning of "national") see every province."""
    return actor.is_superuser or actor.is_national


def lands_on_dashboard(actor: Actor) -> bool:
    """Whether signing in leads to the user's own dashboard (national users land on the
    overview, `sees_every_province`): NHCSXH staff of a branch or a transaction office,
    reviewers, provincial admins and leaders; data-entry officers land on the plans."""
    unit = actor.unit
    if unit is None:
        return False
    nhcsxh = unit.kind in (OrgUnit.Kind.NHCSXH_BRANCH, OrgUnit.Kind.NHCSXH_PGD)
    return nhcsxh or actor.has_role(*PROVINCE_ROLES)


def home_kind(actor: Actor) -> str:
    """Which dashboard a user starts from (and the most they see):

    - "national": the staff of NHCSXH Việt Nam and superusers — every province;
    - "pgd": a transaction office — the communes it serves;
    - "commune": commune-level users — their commune;
    - "province": NHCSXH reviewers, provincial admins and leaders — their province;
    - "unit": other officers — their own unit and the units below it."""
    if sees_every_province(actor):
        return "national"
    unit = actor.unit
    if unit is None:
        raise OutOfScope
    if unit.kind == OrgUnit.Kind.NHCSXH_PGD:
        return "pgd"
    if actor.is_commune_level:
        return "commune"
    if actor.has_role(*PROVINCE_ROLES):
        return "province"
    return "unit"


def home_unit(actor: Actor) -> OrgUnit | None:
    """The unit of the user's own dashboard; None for national users (the overview)."""
    kind = home_kind(actor)
    return {
        "national": lambda: None,
        "pgd": lambda: actor.unit,
        "commune": lambda: actor.territory,
        "province": lambda: actor.province,
        "unit": lambda: actor.unit,
    }[kind]()


def served_ids(pgd: OrgUnit):
    """The communes a transaction office serves (a subquery: no query of its own)."""
    return OrgUnit.serves.through.objects.filter(from_orgunit_id=pgd.pk).values("to_orgunit_id")


@dataclass
class Scope:
    """The units whose lines a dashboard counts."""

    unit: OrgUnit | None  # None: the whole country
    home: OrgUnit | None = None
    chain: list[OrgUnit] = field(default_factory=list)  # breadcrumb, home first

    @property
    def is_pgd(self) -> bool:
        return self.unit is not None and self.unit.kind == OrgUnit.Kind.NHCSXH_PGD

    def q(self, p: str = "unit__") -> Q:
        """Filter on lines (or any model with `p` leading to the unit)."""
        u = self.unit
        if u is None:
            return Q()
        if self.is_pgd:
            return Q(**{f"{p}territory_id__in": served_ids(u)})
        if u.parent_id is None:
            return Q(**{f"{p}tree_id": u.tree_id})
        return units_in_subtree(u, p)


def scope_for(actor: Actor, unit_pk: int) -> Scope:
    """The scope of a dashboard request; 404 when the unit is outside what the user sees.

    One query (the unit with its ancestors), two for a transaction office looking at one
    of its communes."""
    kind = home_kind(actor)
    this = OrgUnit.objects.filter(pk=unit_pk)
    chain = list(
        OrgUnit.objects.filter(
            tree_id=Subquery(this.values("tree_id")),
            lft__lte=Subquery(this.values("lft")),
            rght__gte=Subquery(this.values("lft")),
        ).order_by("lft")
    )
    if not chain or chain[-1].pk != unit_pk:
        raise OutOfScope
    target = chain[-1]
    own = actor.unit
    if kind == "national":
        home = None
    elif kind == "province":
        home = chain[0]
        if target.tree_id != own.tree_id:
            raise OutOfScope
    elif kind == "pgd":
        home = own
        if target.pk != own.pk:
            commune = target.territory_id
            if not OrgUnit.serves.through.objects.filter(
                from_orgunit_id=own.pk, to_orgunit_id=commune
            ).exists():
                raise OutOfScope
    else:
        home = actor.territory if kind == "commune" else own
        if home is None or not home.contains(target):
            raise OutOfScope
    if kind == "pgd":
        crumbs = [own] + [u for u in chain if u.level >= 1 and target.pk != own.pk]
    elif home is not None:
        crumbs = [u for u in chain if u.level >= home.level]
    else:
        crumbs = chain
    return Scope(target, home=home, chain=crumbs)


@dataclass
class WaitingPlan:
    """A plan of the scope that has no reporting period yet, and what it is waiting for."""

    plan: Plan
    reason: str


WAITING_LIMIT = 20


def waiting_plans(scope: Scope, actor: Actor) -> list[WaitingPlan]:
    """Why a dashboard is empty: the plans issued in the scope or assigning work to its
    units, each with what keeps it from having reporting periods — not issued yet, no
    yearly cutoff written, replaced. Only the plans the actor may see (the plan list's
    rule, `plans.access.visible_plans`). One query, a few more for a commune's visible
    plans; the empty state only."""
    visible = visible_plans(actor)
    in_scope = Q(pk__in=Plan.objects.filter(scope.q("issuer__")).values("pk")) | Q(
        pk__in=Task.objects.filter(
            scope.q("assignments__unit__"), assignments__retired_on__isnull=True
        ).values("plan_id")
    )
    plans = (
        visible.filter(in_scope)
        .select_related("issuer")
        .order_by("issuer__level", "-issued_on", "pk")[:WAITING_LIMIT]
    )
    out = []
    for plan in plans:
        if plan.status == Plan.Status.SUPERSEDED:
            reason = "Đã được thay thế: không theo dõi nữa."
        elif plan.status != Plan.Status.ISSUED:
            reason = "Dự thảo: kỳ báo cáo được tạo khi kế hoạch ban hành."
        elif not plan.has_reporting_rule:
            reason = "Chưa ghi hạn báo cáo hằng năm trong chế độ báo cáo của kế hoạch."
        else:
            reason = "Đã có chế độ báo cáo; kỳ báo cáo đầu tiên được tạo trong lần chạy hằng ngày."
        out.append(WaitingPlan(plan, reason))
    return out
