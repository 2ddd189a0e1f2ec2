"""The indicators (chỉ tiêu) on the dashboards: the chosen plan's indicators rolled up over
the dashboard's scope, and over each subordinate unit's subtree (the export's second sheet).

The indicators themselves, their evaluation against the targets and the roll-up over a
subtree are `reports.indicators`'; only the dashboards ask these two questions."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from orgunits.models import OrgUnit
from reports.indicators import SUM, Row, evaluate, rollup
from reports.models import Indicator, IndicatorValue, ProgressReport, ReportingPeriod


def for_dashboard(scope, f) -> list[Row] | None:
    """The indicators table of a dashboard: the chosen plan's indicators for the chosen year,
    rolled up over the dashboard's scope (None when no plan is chosen). The plan must have
    been checked against the scope (dashboards.figures.prepare refuses it otherwise)."""
    if not f.plan:
        return None
    return rollup(f.plan, f.year, scope.q("unit__"))


def rollup_by_unit(plan_id: int, year: int, unit) -> list[tuple[object, list[Row]]]:
    """Each direct subordinate unit of `unit` with the plan's indicators rolled up over its
    own subtree (its reports and its subordinates'), for the yearly periods of `year`.

    Three queries whatever the number of units: the indicators, the units, the values."""
    indicators = list(Indicator.objects.filter(plan_id=plan_id).order_by("position", "pk"))
    if not indicators:
        return []
    children = list(OrgUnit.objects.filter(parent=unit).order_by("name"))
    values = IndicatorValue.objects.filter(
        Q(report__task__plan_id=plan_id) | Q(report__task__plan__parent_id=plan_id),
        unit.subtree_q("report__unit__", strict=True),
        report__state__in=ProgressReport.REPORTED_STATES,
        report__period__year=year,
        report__period__kind=ReportingPeriod.Kind.YEARLY,
        indicator__code__in=[i.code for i in indicators],
    ).values_list("indicator__code", "value", "report__unit_id", "report__unit__lft")
    bucket: dict[tuple[int, str], list[tuple[Decimal, int]]] = defaultdict(list)
    ordered = sorted(children, key=lambda c: c.lft)
    for code, value, unit_id, lft in values:
        for child in ordered:  # a unit's subtree is the range lft..rght
            if child.lft <= lft <= child.rght:
                bucket[(child.pk, code)].append((value, unit_id))
                break
    out = []
    for child in children:
        rows = []
        for ind in indicators:
            got = bucket.get((child.pk, ind.code), [])
            value = None
            if got and ind.aggregation != Indicator.Aggregation.NONE:
                total = sum((v for v, _ in got), Decimal(0))
                value = total if ind.aggregation == SUM else total / len(got)
                value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            elif len(got) == 1:
                value = got[0][0]
            verdict, difference = evaluate(ind, value, year)
            rows.append(Row(ind, value, len(got), len({u for _, u in got}), verdict, difference))
        if any(r.reports for r in rows):
            out.append((child, rows))
    return out
