"""Plan indicators: seeded from the targets, copied to derived commune plans, set-based."""

import pytest

from orgunits.models import OrgUnit
from plans.models import Plan
from reports.indicators import ensure_indicators
from reports.models import Indicator
from tasks.workflow import derive_commune_plan

pytestmark = pytest.mark.django_db


def derived_plans(count):
    source = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    communes = OrgUnit.objects.filter(kind="commune", tree_id=source.issuer.tree_id)[:count]
    return [derive_commune_plan(source, c).plan for c in communes]


def test_derived_plans_get_the_provincial_indicators():
    ensure_indicators(Plan.objects.filter(seed_key="qn-17-kh-ubnd"))
    (plan,) = derived_plans(1)
    Indicator.objects.filter(plan=plan).delete()
    assert ensure_indicators([plan]) == 3
    codes = set(Indicator.objects.filter(plan=plan).values_list("code", flat=True))
    assert codes == {"von-uy-thac", "ty-le-tang-truong", "ty-trong-tong-nguon-von"}
    assert ensure_indicators([plan]) == 0  # idempotent


@pytest.mark.parametrize("count", [2, 6])
def test_queries_do_not_grow_with_plans(count, django_assert_max_num_queries):
    ensure_indicators(Plan.objects.filter(seed_key="qn-17-kh-ubnd"))
    plans = derived_plans(count)
    Indicator.objects.filter(plan__in=plans).delete()
    with django_assert_max_num_queries(5):
        created = ensure_indicators(plans)
    assert created == 3 * count
