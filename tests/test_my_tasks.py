"""“Nhiệm vụ của đơn vị”: the tracked assignments of the user's unit, filtered, paginated,
within the plans the user may see, with bounded queries; and the navigation links."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from orgunits.resolver import vocabulary_for
from plans.models import Plan
from tasks.appendix import AppendixRow, prepare_appendix
from tasks.appendix_write import create_tasks
from tasks.expansion import expand_plan

pytestmark = pytest.mark.django_db

URL = reverse("tasks:my_tasks")


def login(client, unit_key=None, role=Profile.Role.OFFICER, **unit_lookup):
    unit = OrgUnit.objects.get(key=unit_key) if unit_key else OrgUnit.objects.get(**unit_lookup)
    user = User.objects.create_user(f"u{User.objects.count()}")
    Profile.objects.create(user=user, unit=unit, role=role)
    client.force_login(user)
    return unit


def rows_of(body: str) -> int:
    return body.count("<tr>") - 1  # minus the header row


def issued_plan_for(unit, n):
    """An issued Quảng Ngãi plan with `n` tasks, each led by `unit`."""
    issuer = OrgUnit.objects.get(key="qn")
    plan = Plan.objects.create(
        title=f"Kế hoạch thử {n}", issuer=issuer, number=f"{n}/KH-THU", status="issued"
    )
    rows = [
        AppendixRow(stt=str(i + 1), content=f"Nhiệm vụ thử số {i + 1}", lead=unit.name,
                    product="Báo cáo", timeframe="Hằng năm, trước ngày 01/10")
        for i in range(n)
    ]  # fmt: skip
    prepared = prepare_appendix(rows, vocabulary_for(issuer))
    assert not prepared.errors
    create_tasks(plan, prepared)
    expand_plan(plan)
    return plan


def test_commune_officer_sees_the_communes_tasks_of_its_province(client):
    commune = login(client, admin_code="21370")
    body = client.get(URL).content.decode()
    assert "Nhiệm vụ của đơn vị" in body and commune.name in body
    assert "Kế hoạch 17/KH-UBND" in body and "686/KH-UBND" not in body
    assert "qua nhóm “Ủy ban nhân dân các xã, phường, đặc khu”" in body  # expanded group
    assert "→ " in body  # deadline summary
    assert rows_of(body) > 0


def test_provincial_officer_sees_only_its_units_tasks(client):
    login(client, "qn-tai-chinh")
    body = client.get(URL).content.decode()
    assert "Kế hoạch 17/KH-UBND" in body and "686/KH-UBND" not in body
    assert "qua nhóm" in body or "Chủ trì" in body
    login(client, "na-tai-chinh")
    other = client.get(URL).content.decode()
    assert "686/KH-UBND" in other and "Kế hoạch 17/KH-UBND" not in other


def test_filters_by_plan_and_role(client):
    # the provincial branch leads some tasks of 17/KH-UBND and coordinates others (a
    # department no longer coordinates every task through "các sở, ban, ngành có liên quan")
    login(client, "qn-nhcsxh")
    qn17 = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    every = rows_of(client.get(URL).content.decode())
    lead = client.get(URL, {"vai_tro": "lead"}).content.decode()
    coordinating = client.get(URL, {"vai_tro": "coordinating"}).content.decode()
    assert rows_of(lead) + rows_of(coordinating) == every
    assert "Phối hợp</td>" not in lead.replace("\n", "")
    by_plan = client.get(URL, {"ke_hoach": qn17.pk}).content.decode()
    assert rows_of(by_plan) == every and "Bỏ lọc" in by_plan
    nghe_an = Plan.objects.get(seed_key="na-686-kh-ubnd")
    assert client.get(URL, {"ke_hoach": nghe_an.pk}).status_code == 404  # invisible plan
    assert client.get(URL, {"ke_hoach": "x"}).status_code == 404


def test_paginated_with_bounded_queries(client, django_assert_max_num_queries):
    unit = login(client, "qn-xay-dung")
    seeded = rows_of(client.get(URL).content.decode())  # its tasks in Kế hoạch 17/KH-UBND
    issued_plan_for(unit, 20)
    with CaptureQueriesContext(connection) as few:
        first = client.get(URL).content.decode()
    issued_plan_for(unit, 200)
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as many:
        page = client.get(URL).content.decode()
    assert len(many) == len(few)
    assert rows_of(page) == 50 and "Trang 1/" in page
    last = client.get(URL, {"trang": 5}).content.decode()
    assert "Trang 5/5" in last and rows_of(first) == seeded + 20


def test_without_a_unit_or_signed_out(client):
    client.force_login(User.objects.create_user("khach"))
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_navigation_links(client):
    login(client, "qn-tai-chinh")
    body = client.get(reverse("plans:list")).content.decode()
    assert f'href="{URL}"' in body and f'href="{reverse("plans:create")}"' in body
    login(client, "qn-nhcsxh", Profile.Role.REVIEWER)
    body = client.get(reverse("plans:list")).content.decode()
    assert f'href="{URL}"' in body and reverse("plans:create") not in body


def _derived_commune_plan():
    """Kế hoạch 17/KH-UBND derived and issued by a Quảng Ngãi commune (not Phước Giang, whose
    seed draft already implements it)."""
    from datetime import date

    from tasks.workflow import derive_commune_plan, issue_plan

    qn17 = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    province = OrgUnit.objects.get(key="qn")
    for commune in OrgUnit.objects.filter(
        kind=OrgUnit.Kind.COMMUNE, tree_id=province.tree_id
    ).exclude(admin_code="21370"):
        try:
            derived = derive_commune_plan(qn17, commune).plan
        except Exception:  # names no task of this commune
            continue
        issue_plan(derived, "01/KH-UBND", date(2025, 12, 10))
        derived.refresh_from_db()
        return qn17, commune, derived
    pytest.skip("no other Quảng Ngãi commune is named by Kế hoạch 17/KH-UBND in the seeds")


def test_commune_task_and_its_provincial_source_show_once(client, django_assert_max_num_queries):
    from tasks.expansion import tracked_assignments

    qn17, commune, derived = _derived_commune_plan()
    unit = login(client, commune.key)
    mine = tracked_assignments().filter(unit=unit)
    copies = mine.filter(task__plan=derived, task__source_task__isnull=False)
    sources = mine.filter(task__plan=qn17, task__derived_tasks__in=copies.values("task_id"))
    assert copies.exists() and sources.exists()  # both exist: the page shows each once
    with django_assert_max_num_queries(20):
        body = client.get(URL).content.decode()
    one = copies.select_related("task__source_task").first()
    source = one.task.source_task
    assert f'href="{reverse("tasks:task", args=[one.task.pk])}"' in body
    assert f'<a href="{reverse("tasks:task", args=[source.pk])}">{source.full_code}. ' not in body
    assert f"của {qn17.label}" in body  # the copy names its source
    every = mine.filter(task__plan__status="issued").count()
    assert rows_of(body) == every - sources.count()


def test_each_row_shows_its_status_deadline_and_report_link(client):
    from django.utils import timezone

    from reports.models import ProgressReport
    from reports.periods import ensure_periods

    qn17, commune, derived = _derived_commune_plan()
    Plan.objects.filter(pk=derived.pk).update(cutoff_day=25, cutoff_month=9)  # yearly, 25/09
    plans = Plan.objects.filter(pk__in=[derived.pk, qn17.pk])
    ensure_periods(today=timezone.localdate(), plans=plans)
    line = (
        ProgressReport.objects.filter(period__plan__in=plans, active=True)
        .filter(unit__tree_id=commune.tree_id, unit__lft__gte=commune.lft,
                unit__rght__lte=commune.rght)
        .order_by("-period__cutoff", "pk")
        .first()
    )  # fmt: skip
    if line is None:
        pytest.skip("neither plan asks a report of the commune's units")
    login(client, pk=line.unit_id)
    body = client.get(URL, {"ke_hoach": line.period.plan_id}).content.decode()
    assert "Tình trạng" in body
    assert f"#line-{line.pk}" in body
    from reports.timeliness import Timeliness

    word = Timeliness.LABELS[line.timeliness(timezone.localdate())]
    assert word in body
    if line.effective_deadline:
        assert f"Hạn {line.effective_deadline:%d/%m/%Y}" in body
