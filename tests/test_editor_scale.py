"""The data set of bench/editor.py at a small scale: the task-chain page and the editor run the
same number of queries whatever the number of communes deriving the plan."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import OrgUnit, Profile

pytestmark = pytest.mark.django_db

_spec = importlib.util.spec_from_file_location(
    "bench_editor", Path(settings.BASE_DIR) / "bench/editor.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_chain_and_editor_queries_do_not_grow_with_communes(client, django_assert_max_num_queries):
    province = OrgUnit.objects.get(key="na")
    admin = User.objects.create_user("qt-na")
    Profile.objects.create(user=admin, unit=province, role=Profile.Role.PROVINCE_ADMIN)
    client.force_login(admin)
    counts = []
    for communes in (2, 8):
        plan, derived, revision = bench.build(province, tasks=30, communes=communes)
        assert len(derived) == communes
        task = plan.tasks.filter(derived_tasks__isnull=False).order_by("position").first()
        assert task.derived_tasks.count() == communes
        page = client.get(reverse("tasks:task", args=[task.pk])).content.decode()
        assert all(p.issuer.display_name in page for p in derived)  # each commune, down
        counts.append(
            (
                queries(client, reverse("tasks:task", args=[task.pk])),
                queries(client, reverse("tasks:editor", args=[revision.pk])),
                queries(client, reverse("tasks:editor", args=[derived[-1].pk])),
            )
        )
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(20):
        client.get(reverse("tasks:task", args=[task.pk]))
