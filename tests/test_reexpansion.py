"""Changes to units and groups re-expand the issued plans that name them (via Celery)."""

import pytest

from config.celery import app as celery_app
from orgunits.models import OrgUnit, UnitGroup
from tasks.expansion import tracked_assignments
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_new_commune_gets_assignments_after_commit(eager, django_capture_on_commit_callbacks):
    qn = OrgUnit.objects.get(key="qn")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        new = OrgUnit.objects.create(
            key="w99998",
            name="Ủy ban nhân dân xã Mới Lập",
            short_name="UBND xã Mới Lập",
            kind=OrgUnit.Kind.COMMUNE,
            parent=qn,
        )
    assert len(callbacks) == 1
    t = Task.objects.get(plan__seed_key="qn-17-kh-ubnd", full_code="I.1")
    assert tracked_assignments().filter(task=t, unit=new).exists()


def test_explicit_member_change_reexpands(eager, django_capture_on_commit_callbacks):
    group = UnitGroup.objects.get(key="qn-so-nganh")
    group.rule_kinds = []
    with django_capture_on_commit_callbacks(execute=True):
        group.save()
    t = Task.objects.get(plan__seed_key="qn-17-kh-ubnd", full_code="I.1")
    assert not tracked_assignments().filter(task=t, unit__kind="department").exists()
    with django_capture_on_commit_callbacks(execute=True):
        group.explicit_members.add(OrgUnit.objects.get(key="qn-tai-chinh"))
    assert list(
        tracked_assignments()
        .filter(task=t, unit__kind="department")
        .values_list("unit__key", flat=True)
    ) == ["qn-tai-chinh"]


def test_changes_to_unrelated_units_queue_nothing(django_capture_on_commit_callbacks):
    unit = OrgUnit.objects.get(key="tw-ban-chinh-sach")
    with django_capture_on_commit_callbacks() as callbacks:
        unit.note = "ghi chú"
        unit.save()
    assert callbacks == []
