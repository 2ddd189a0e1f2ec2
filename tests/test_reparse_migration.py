"""Tasks stored before the parser learnt a phrase are read again by tasks 0005."""

import importlib

import pytest
from django.apps import apps

from tasks.models import Task

pytestmark = pytest.mark.django_db

reparse = importlib.import_module("tasks.migrations.0005_reparse_timeframes").reparse


def test_stored_yearly_reading_of_ongoing_yearly_becomes_ongoing():
    task = Task.objects.filter(timeframe_text__iexact="Thường xuyên, hằng năm").first()
    assert task is not None
    # As the old parser stored it: a yearly deadline that turned "quá hạn".
    Task.objects.filter(pk=task.pk).update(schedule_kind="yearly", yearly_day=31, yearly_month=12)
    bare = Task.objects.exclude(pk=task.pk).filter(kind=Task.Kind.TASK).first()
    Task.objects.filter(pk=bare.pk).update(timeframe_text="2026", schedule_kind="unparsed")

    reparse(apps, None)

    task.refresh_from_db()
    bare.refresh_from_db()
    assert (task.schedule_kind, task.yearly_day, task.due_date) == ("ongoing", None, None)
    assert (bare.schedule_kind, f"{bare.due_date:%d/%m/%Y}") == ("once", "31/12/2026")
