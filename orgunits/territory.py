"""Small questions about where a unit sits, asked in several apps: its territory (địa bàn),
the trees of the central bodies, the NHCSXH branch of a province, and the units a plan of
the unit may name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from .models import OrgUnit


def territory_of(unit: OrgUnit) -> OrgUnit:
    """The province or commune a unit belongs to (the unit itself when it is one).

    Reads `unit.territory` (select_related it to avoid a query)."""
    return unit if unit.territory_id in (None, unit.pk) else unit.territory


_PLACE = re.compile(
    r"^(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+(?:tỉnh|thành phố|xã|phường|đặc khu)\s+",
    re.IGNORECASE,
)


def place_name(unit: OrgUnit) -> str:
    """The địa danh written before "ngày … tháng … năm …" in the unit's documents (Nghị định
    30/2020): the name of the province or commune it sits in ("Nghệ An", "Phước Giang"),
    "" when the unit is outside any territory (central bodies)."""
    territory = territory_of(unit)
    if territory.kind not in (OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COMMUNE):
        return ""
    return _PLACE.sub("", territory.name).strip()


def central_tree_ids() -> list[int]:
    """The tree ids of the central bodies (Trung ương: roots of kind CENTRAL); one query."""
    return list(
        OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.CENTRAL).values_list(
            "tree_id", flat=True
        )
    )


def _branches(tree_ids):
    """The NHCSXH branches of the trees, the first (lowest pk) first: should a tree hold two,
    its branch is the first."""
    return OrgUnit.objects.filter(tree_id__in=tree_ids, kind=OrgUnit.Kind.NHCSXH_BRANCH).order_by(
        "pk"
    )


def branch_ids(tree_ids) -> dict[int, int]:
    """The NHCSXH branch of each tree (a province): tree id → its branch's pk. Trees
    without one are left out; one query."""
    branches: dict[int, int] = {}
    tree_ids = set(tree_ids)
    if tree_ids:
        for pk, tree in _branches(tree_ids).values_list("pk", "tree_id"):
            branches.setdefault(tree, pk)
    return branches


def branch_of(unit: OrgUnit) -> OrgUnit | None:
    """The NHCSXH branch of the unit's province (`branch_ids` for one unit), if any."""
    return _branches([unit.tree_id]).first()


@dataclass(frozen=True)
class NamingScope:
    """The units and groups a plan issued by a unit may name: the one definition behind the
    unit pickers (`orgunits.views.search_scope`), the editor's checks of the chosen units
    (`tasks.editor`) and the names an appendix resolves (`orgunits.resolver.vocabulary_for`).

    Units of the plan's own tree (its province) and of the central bodies; groups of its
    territory chain (its commune, its province)."""

    territory: OrgUnit  # the plan's own territory (a province or a commune)
    chain: tuple[int, ...]  # the territories around it, the outermost first, itself last
    central_trees: tuple[int, ...]

    @property
    def trees(self) -> tuple[int, ...]:
        """Tree ids whose units may be named: the plan's own tree first."""
        return (self.territory.tree_id, *self.central_trees)

    def may_name_unit(self, unit: OrgUnit) -> bool:
        return unit.tree_id in self.trees

    def may_name_group(self, group) -> bool:
        return group.scope_id in self.chain

    def is_local(self, unit: OrgUnit) -> bool:
        """A unit of the plan's own territory chain, or a central body (its short name reads
        back to it); not one of another commune of the province."""
        return unit.tree_id != self.territory.tree_id or unit.territory_id in self.chain

    def written_name(self, unit: OrgUnit) -> str:
        """How the plan writes a unit in a cell: its short name when local, its full name
        otherwise ("Công an xã Phước Giang" in a provincial plan), so that the printed text
        reads back to the same unit (the editor's chosen units, the appendix export)."""
        return unit.display_name if self.is_local(unit) else unit.name


def naming_scope(unit: OrgUnit) -> NamingScope:
    """The NamingScope of the plans `unit` issues (one query, two below a province;
    `unit.territory` read as in `territory_of`)."""
    territory = territory_of(unit)
    if territory.parent_id is None:  # a province (or a central body): no query
        chain = (territory.pk,)
    else:
        chain = tuple(
            OrgUnit.objects.filter(
                Q(kind__in=OrgUnit.TERRITORIAL_KINDS) | Q(parent__isnull=True),
                tree_id=territory.tree_id,
                lft__lte=territory.lft,
                rght__gte=territory.rght,
            )
            .order_by("lft")
            .values_list("pk", flat=True)
        )
    return NamingScope(territory, chain, tuple(central_tree_ids()))
