"""Small questions about where a unit sits, asked in several apps: its territory (địa bàn)
and the trees of the central bodies."""

from __future__ import annotations

from .models import OrgUnit


def territory_of(unit: OrgUnit) -> OrgUnit:
    """The province or commune a unit belongs to (the unit itself when it is one).

    Reads `unit.territory` (select_related it to avoid a query)."""
    return unit if unit.territory_id in (None, unit.pk) else unit.territory


def central_tree_ids() -> list[int]:
    """The tree ids of the central bodies (Trung ương: roots of kind CENTRAL); one query."""
    return list(
        OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.CENTRAL).values_list(
            "tree_id", flat=True
        )
    )
