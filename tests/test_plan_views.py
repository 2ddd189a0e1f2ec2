"""Plain read-only plan pages: login, content, pagination, bounded queries."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client):
    user = User.objects.create_superuser("quantri", password="mat-khau-dai-123")
    client.force_login(user)
    return client


def test_login_required(client):
    response = client.get(reverse("plans:list"))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    plan = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    assert client.get(plan.get_absolute_url()).status_code == 302


def test_list_shows_the_seed_plans(client_in):
    response = client_in.get(reverse("plans:list"))
    body = response.content.decode()
    for label in [
        "Chỉ thị 39-CT/TW",
        "Quyết định 1560/QĐ-TTg",
        "Kế hoạch 17/KH-UBND",
        "Kế hoạch 686/KH-UBND",
        "Kế hoạch UBND xã Phước Giang (chưa rõ số)",
    ]:
        assert label in body
    assert "Trang 1/1" not in body  # 14 plans fit on one page: no pager


def test_list_is_paginated(client_in):
    issuer = Plan.objects.get(seed_key="ct-39").issuer
    Plan.objects.bulk_create(
        [
            Plan(
                title=f"Kế hoạch thử {i}",
                issuer=issuer,
                number=f"{i}/KH-TEST",
                tree_id=1000 + i,
                lft=1,
                rght=2,
                level=0,
            )
            for i in range(30)
        ]
    )
    first = client_in.get(reverse("plans:list"))
    assert "Trang 1/2" in first.content.decode()
    second = client_in.get(reverse("plans:list") + "?trang=2")
    assert "Trang 2/2" in second.content.decode()


def test_detail_shows_chain_tasks_units_and_schedule(client_in):
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    body = client_in.get(plan.get_absolute_url()).content.decode()
    assert "Chỉ thị 39-CT/TW" in body and "Kế hoạch 89/KH-UBND" in body  # breadcrumb chain
    assert "Kế hoạch 27-KH/ĐU" in body  # also implements
    assert "Trung tâm Cung ứng dịch vụ công xã" in body
    assert "PGD NHCSXH Nghĩa Hành" in body
    assert "trước 25/09 hằng năm; riêng năm 2025: trước 31/12/2025" in body
    assert "Thực hiện: Kế hoạch 17/KH-UBND, mục I.2" in body

    body = client_in.get(Plan.objects.get(seed_key="qn-17-kh-ubnd").get_absolute_url())
    text = body.content.decode()
    assert "→ hạn 30/09/2025" in text  # parsed schedule shown beside the printed text
    assert "6 mục · 21 nhiệm vụ · 3 nội dung chi tiết" in text


def test_other_provinces_plans_are_invisible(client):
    user = User.objects.create_user("nhcsxh-qn")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="qn-nhcsxh"), role="reviewer")
    client.force_login(user)
    body = client.get(reverse("plans:list")).content.decode()
    assert "Kế hoạch 17/KH-UBND" in body and "Kế hoạch 686/KH-UBND" not in body
    assert "Kế hoạch UBND tỉnh Kon Tum" in body  # merged into Quảng Ngãi: history stays readable
    nghe_an = Plan.objects.get(seed_key="na-686-kh-ubnd")
    assert client.get(nghe_an.get_absolute_url()).status_code == 404


def test_user_without_profile_sees_nothing(client):
    client.force_login(User.objects.create_user("khach"))
    plan = Plan.objects.get(seed_key="ct-39")
    assert client.get(plan.get_absolute_url()).status_code == 404


def test_detail_unknown_plan_is_404(client_in):
    assert client_in.get(reverse("tasks:plan_detail", args=[999999])).status_code == 404


def test_query_counts_do_not_grow_with_rows(client_in, django_assert_max_num_queries):
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    with django_assert_max_num_queries(17):  # + open inferences, the navbar count, empty groups
        client_in.get(plan.get_absolute_url())
    # Triple the appendix: the page still runs the same number of queries.
    tasks = list(plan.tasks.order_by("position"))
    for copy in range(2):
        for t in tasks:
            t.pk = None
            t.parent = None
            t.position += 1000 * (copy + 1)
            t.tree_id = 100000 + copy * 1000 + t.position % 1000
            t.lft, t.rght, t.level = 1, 2, 0
        Task.objects.bulk_create(tasks)
    assert plan.tasks.count() == 87
    with django_assert_max_num_queries(17):
        client_in.get(plan.get_absolute_url())
    with django_assert_max_num_queries(12):  # + Thẩm định count, filter issuers, years
        client_in.get(reverse("plans:list"))


def test_two_drafts_of_one_commune_read_differently():
    commune = OrgUnit.objects.get(admin_code="21370")
    first = Plan.objects.create(title="Dự thảo một", issuer=commune)
    second = Plan.objects.create(title="Dự thảo hai", issuer=commune)
    assert first.label != second.label
    assert first.label == f"Kế hoạch UBND xã Phước Giang (chưa có số, mã {first.pk})"
    assert Plan(number="17/KH-UBND", issuer=commune).label == "Kế hoạch 17/KH-UBND"
