"""Group assignments expand into one tracked assignment per member; mergers move work."""

from datetime import date, timedelta

import pytest

from orgunits.models import OrgUnit
from plans.models import Plan
from tasks.expansion import expand_plan, expand_tasks, tracked_assignments
from tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def plan(key):
    return Plan.objects.get(seed_key=key)


def tracked(task, role="lead"):
    return tracked_assignments().filter(task=task, role=role)


def test_group_expands_to_every_member_with_role_kept():
    result = expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    t = Task.objects.get(plan__seed_key="qn-17-kh-ubnd", full_code="I.1")
    # "UBND các xã, phường, đặc khu" (96); "Các sở, ban, ngành có liên quan" is the
    # departments the office picks, none until it does
    assert tracked(t).count() == 96
    assert tracked(t).filter(unit__admin_code="21370").exists()  # xã Phước Giang
    iv1c = Task.objects.get(plan__seed_key="qn-17-kh-ubnd", full_code="IV.1.c")
    assert not tracked(iv1c, "coordinating").filter(unit__kind="department").exists()
    # the written rows stay as printed: one per name in the cell
    assert t.assignments.filter(via__isnull=True).count() == 2
    assert result.retired == 0 and result.moved == 0


def test_expansion_is_idempotent():
    expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    before = Assignment.objects.count()
    again = expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    assert (again.added, again.retired, again.moved) == (0, 0, 0)
    assert Assignment.objects.count() == before


def test_new_commune_is_added_on_reexpansion():
    expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    qn = OrgUnit.objects.get(key="qn")
    new = OrgUnit.objects.create(
        key="w99999",
        name="Ủy ban nhân dân xã Thử Nghiệm",
        short_name="UBND xã Thử Nghiệm",
        kind=OrgUnit.Kind.COMMUNE,
        parent=qn,
    )
    result = expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    t = Task.objects.get(plan__seed_key="qn-17-kh-ubnd", full_code="I.1")
    row = tracked(t).get(unit=new)
    assert row.active_from == TODAY and result.retired == 0


def test_merged_commune_moves_to_its_successor_keeping_the_old_row():
    expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    t = Task.objects.get(plan__seed_key="qn-17-kh-ubnd", full_code="I.1")
    a, b = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNE, tree_id=t.plan.issuer.tree_id)[:2]
    old_row = tracked(t).get(unit=a)
    a.active_until = TODAY - timedelta(days=1)
    a.successor = b
    a.save()
    result = expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    old_row.refresh_from_db()
    assert old_row.retired_on == TODAY  # kept, not deleted: its reports stay attached
    assert old_row.replaced_by == tracked(t).get(unit=b)
    assert not tracked(t).filter(unit=a).exists()
    assert result.moved >= 1 and result.retired >= 1


def test_written_unit_of_a_merged_province_moves_to_the_successor():
    kon_tum = plan("kt-kh-ubnd")
    expand_plan(kon_tum, today=TODAY)
    v4 = Task.objects.get(plan=kon_tum, full_code="V.4")  # lead: Sở Nông nghiệp và Môi trường
    written = v4.assignments.get(via__isnull=True, role="lead")
    assert written.unit.key == "kt-nong-nghiep" and written.retired_on == TODAY
    heir = tracked(v4).get()
    assert heir.unit.key == "qn-nong-nghiep" and heir.via == written
    assert written.replaced_by == heir
    # districts were abolished on 1/7/2025: nothing left to track for that group
    i1 = Task.objects.get(plan=kon_tum, full_code="I.1")
    assert not tracked(i1).filter(unit__kind=OrgUnit.Kind.DISTRICT).exists()


def test_unit_leaving_a_group_is_retired_not_deleted():
    expand_plan(plan("na-686-kh-ubnd"), today=TODAY)
    t = Task.objects.get(plan__seed_key="na-686-kh-ubnd", full_code="6")  # "Các sở, ban, ngành"
    dept = OrgUnit.objects.get(key="na-y-te")
    row = tracked(t).get(unit=dept)
    dept.kind = OrgUnit.Kind.OTHER  # no longer a department: leaves the group
    dept.save()
    expand_tasks([t.pk], today=TODAY)
    row.refresh_from_db()
    assert row.retired_on == TODAY and row.replaced_by is None


def test_seed_plans_are_expanded_when_loaded():
    t = Task.objects.get(plan__seed_key="na-686-kh-ubnd", full_code="1.1")
    assert tracked(t).filter(unit__kind=OrgUnit.Kind.COMMUNE).count() == 130
    issued = Task.objects.get(plan__seed_key="pg-kh-ubnd", full_code="1.b")  # chưa rõ số
    assert issued.assignments.filter(via__isnull=False).exists()
    draft = Task.objects.filter(plan__status=Plan.Status.DRAFT, plan__seed_key__isnull=False)
    assert not Assignment.objects.filter(task__in=draft, via__isnull=False).exists()


def test_expansion_query_count_does_not_grow(django_assert_max_num_queries):
    Assignment.objects.filter(task__plan__seed_key="qn-17-kh-ubnd", via__isnull=False).delete()
    # Plan-wide expansion: a fixed number of statements whatever the number of units.
    with django_assert_max_num_queries(40):
        result = expand_plan(plan("qn-17-kh-ubnd"), today=TODAY)
    assert result.added > 1000
