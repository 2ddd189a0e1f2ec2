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
from tasks.appendix import AppendixRow, create_tasks, prepare_appendix
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
