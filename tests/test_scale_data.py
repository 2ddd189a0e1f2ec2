"""generate_scale_data at a tiny size: the counts, sound trees, and exactly the rows the
app itself would have made (expansion and period lines change nothing when rerun)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from orgunits.models import OrgUnit, UnitGroup
from orgunits.trees import check_all
from plans.models import Plan
from reports.models import ProgressReport, ReportingPeriod
from reports.periods import sync_lines
from tasks.expansion import expand_tasks
from tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


@pytest.fixture
def generated():
    out = StringIO()
    call_command(
        "generate_scale_data", provinces=2, communes_per_province=3, years=2,
        today=TODAY.isoformat(), stdout=out,
    )  # fmt: skip
    return out.getvalue()


def _gen_lines():
    return ProgressReport.objects.filter(period__plan__seed_key__startswith="gen-")


def test_counts_and_trees(generated):
    assert "Thời gian:" in generated and "tổng" in generated
    roots = OrgUnit.objects.filter(key__startswith="gen-p", parent=None)
    assert [r.name for r in roots.order_by("admin_code")] == [
        "Ủy ban nhân dân thành phố Hà Nội",
        "Ủy ban nhân dân tỉnh Cao Bằng",
    ]
    communes = OrgUnit.objects.filter(key__startswith="gen-w", kind=OrgUnit.Kind.COMMUNE)
    assert communes.count() == 6
    # Each commune is served by one PGD of its province.
    assert all(c.served_by.count() == 1 for c in communes)
    plans = Plan.objects.filter(seed_key__startswith="gen-")
    assert plans.filter(parent=None).count() == 2 and plans.count() == 2 + 6
    assert sorted(plans.filter(parent=None).values_list("number", flat=True)) == [
        "17/KH-UBND",
        "686/KH-UBND",
    ]
    # Two yearly periods per plan, one ad-hoc (the first province's mid-year review).
    periods = ReportingPeriod.objects.filter(plan__in=plans)
    assert periods.filter(kind="yearly").count() == 16
    assert list(periods.filter(kind="adhoc").values_list("year", "cutoff")) == [
        (2026, date(2026, 6, 15))
    ]
    assert not periods.filter(year=2025, closed_at=None).exists()
    assert not periods.filter(year=2026).exclude(closed_at=None).exists()
    # Groups expanded: the provincial plan tracks every commune of its province.
    hanoi = roots.get(admin_code="1")
    task = Task.objects.filter(
        plan__issuer=hanoi, assignments__group__key="gen-p01-ubnd-xa"
    ).first()
    tracked = Assignment.objects.filter(task=task, unit__kind="commune", retired_on=None)
    assert tracked.count() == 2  # three communes, one merged into its neighbour
    assert UnitGroup.objects.filter(key__startswith="gen-").count() > 0
    for report in check_all():
        assert report.errors == [], report
    lines = _gen_lines()
    assert lines.count() > 1000
    states = set(lines.values_list("state", flat=True))
    assert states == {"draft", "submitted", "accepted", "returned"}
    statuses = set(lines.exclude(status="").values_list("status", flat=True))
    assert statuses == {"done", "in_progress", "not_started", "not_feasible"}
    assert lines.filter(first_submitted_at__isnull=False, status="not_feasible", reason="")\
        .exclude(state="returned").count() == 0  # fmt: skip


def test_merged_commune_hands_over_as_expansion_does(generated):
    merged = OrgUnit.objects.get(key__startswith="gen-w", kind="commune", successor__isnull=False)
    assert merged.active_until == date(2026, 6, 30)
    heir = merged.successor
    rows = Assignment.objects.filter(unit=merged)
    assert rows.exists() and not rows.filter(retired_on=None).exists()
    # The heir's rows carry the merged commune's own plan from 01/07.
    handed = Assignment.objects.filter(via__unit__territory=merged, unit__territory=heir)
    assert handed.exists() and set(handed.values_list("active_from", flat=True)) == {
        date(2026, 7, 1)
    }
    # Its unsubmitted reports of the open 2026 periods no longer count.
    open_lines = ProgressReport.objects.filter(unit=merged, period__closed_at=None,
                                               period__kind="yearly")  # fmt: skip
    assert open_lines.exists() and not open_lines.filter(active=True).exists()


def test_rerunning_the_apps_own_rules_changes_nothing(generated):
    snapshot = set(_gen_lines().values_list("period_id", "assignment_id", "deadline", "active"))
    with transaction.atomic():
        tasks = Task.objects.filter(plan__seed_key__startswith="gen-").values_list("pk", flat=True)
        result = expand_tasks(tasks, today=TODAY)
        assert (result.added, result.retired, result.moved) == (0, 0, 0)
        periods = ReportingPeriod.objects.filter(plan__seed_key__startswith="gen-")
        ids = list(periods.values_list("pk", flat=True))
        assert sync_lines(ids) == 0
        assert (
            set(_gen_lines().values_list("period_id", "assignment_id", "deadline", "active"))
            == snapshot
        )
        # The tracked assignments' lines of the open periods, rebuilt from scratch by the
        # app, are the same rows with the same deadlines.
        tracked = _gen_lines().filter(period__closed_at=None, assignment__retired_on=None)
        before = set(tracked.values_list("period_id", "assignment_id", "deadline", "active"))
        tracked.delete()
        assert sync_lines(ids) == len(before)
        assert (
            set(
                _gen_lines()
                .filter(period__closed_at=None, assignment__retired_on=None)
                .values_list("period_id", "assignment_id", "deadline", "active")
            )
            == before
        )
        transaction.set_rollback(True)


def test_second_run_needs_replace(generated):
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_scale_data", provinces=1, communes_per_province=2, years=1,
                     stdout=StringIO())  # fmt: skip
    call_command("generate_scale_data", provinces=1, communes_per_province=2, years=1,
                 replace=True, today=TODAY.isoformat(), stdout=StringIO())  # fmt: skip
    assert OrgUnit.objects.filter(key__startswith="gen-p", parent=None).count() == 1
    assert Plan.objects.filter(seed_key__startswith="gen-").count() == 3
    assert [r.errors for r in check_all()] == [[], [], []]
