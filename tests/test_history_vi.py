"""History tabs (Lịch sử) speak Vietnamese: no "… as of <timestamp>", dates dd/mm/yyyy,
states by their Vietnamese names, units by name — in a bounded number of queries."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit
from plans.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("qt")
    client.force_login(admin)
    return client, admin


def test_plan_history_shows_vietnamese_dates_states_and_names(admin_client):
    client, admin = admin_client
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    plan.status = Plan.Status.DRAFT
    plan.issued_on = None
    plan._history_user = admin
    plan.save()
    plan.status = Plan.Status.ISSUED
    plan.issued_on = dt.date(2026, 1, 20)
    plan.follow_up_unit = OrgUnit.objects.get(key="qn-nhcsxh")
    plan._history_user = admin
    plan.save()
    body = client.get(reverse("tasks:plan_history", args=[plan.pk])).content.decode()
    assert "20/01/2026" in body and "2026-01-20" not in body
    assert "Dự thảo → Đã ban hành" in body
    assert "draft" not in body and "issued" not in body
    assert " as of " not in body
    assert not re.search(r"\d{4}-\d\d-\d\d", body)
    assert str(OrgUnit.objects.get(key="qn-nhcsxh")) in body


def test_task_history_has_no_raw_timestamps(admin_client, django_assert_max_num_queries):
    client, admin = admin_client
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    tasks = list(plan.tasks.all()[:5])
    for task in tasks:
        task.content = task.content + " (sửa)"
        task._history_user = admin
        task.save()
    with django_assert_max_num_queries(20):
        tab = client.get(reverse("tasks:plan_history", args=[plan.pk]), {"loai": "task"})
    body = tab.content.decode()
    assert " as of " not in body and "Sửa" in body
    assert not re.search(r"\d{4}-\d\d-\d\d", body)
    body = client.get(reverse("tasks:task_history", args=[tasks[0].pk])).content.decode()
    assert " as of " not in body and "Sửa" in body
    assert not re.search(r"\d{4}-\d\d-\d\d", body)
