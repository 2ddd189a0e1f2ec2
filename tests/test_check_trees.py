"""check_trees verifies every MPTT tree and fails on corruption."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orgunits.models import OrgUnit
from orgunits.tasks import check_trees
from tasks.models import Task

pytestmark = pytest.mark.django_db


def test_seed_trees_are_consistent():
    out = StringIO()
    call_command("check_trees", stdout=out)
    assert "orgunits.OrgUnit" in out.getvalue() and "LỖI" not in out.getvalue()
    assert check_trees() == 0  # the nightly Celery job agrees


def test_corrupted_tree_is_reported():
    node = Task.objects.filter(plan__seed_key="qn-17-kh-ubnd", full_code="IV.1.a").get()
    Task.objects.filter(pk=node.pk).update(rght=node.rght + 5)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_trees", stdout=StringIO(), stderr=err)
    assert f"tasks.Task #{node.pk}: rght" in err.getvalue()
    assert check_trees() == 1


def test_wrong_level_and_orphan_are_reported():
    unit = OrgUnit.objects.get(key="qn-tai-chinh")
    OrgUnit.objects.filter(pk=unit.pk).update(level=5)
    with pytest.raises(CommandError):
        call_command("check_trees", stdout=StringIO(), stderr=StringIO())


def test_rebuild_repairs_the_tree():
    node = Task.objects.filter(plan__seed_key="qn-17-kh-ubnd", full_code="IV.1.a").get()
    Task.objects.filter(pk=node.pk).update(rght=node.rght + 5)
    call_command("check_trees", "--rebuild", stdout=StringIO(), stderr=StringIO())
    assert check_trees() == 0
