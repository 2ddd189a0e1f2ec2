"""Derive a commune plan, issue it, revise it; a task's chain; history tabs."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks.models import Task

pytestmark = pytest.mark.django_db


def user_of(username, unit, role="officer"):
    user = User.objects.create_user(username)
    if isinstance(unit, str):
        unit = OrgUnit.objects.get(key=unit)
    Profile.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def phuoc_giang():
    return OrgUnit.objects.get(admin_code="21370")


@pytest.fixture
def provincial():
    return Plan.objects.get(seed_key="qn-17-kh-ubnd")


@pytest.fixture
def commune_client(client, phuoc_giang):
    client.force_login(user_of("pg", phuoc_giang))
    return client


def derive(client, plan):
    return client.post(reverse("tasks:derive", args=[plan.pk]))


def test_commune_officer_derives_once(commune_client, provincial, phuoc_giang):
    first = derive(commune_client, provincial)
    derived = Plan.objects.get(parent=provincial, issuer=phuoc_giang)
    assert first["Location"] == derived.get_absolute_url()
    second = derive(commune_client, provincial)
    assert second["Location"] == derived.get_absolute_url()
    assert Plan.objects.filter(parent=provincial, issuer=phuoc_giang).count() == 1
    page = commune_client.get(derived.get_absolute_url(), follow=True).content.decode()
    assert "Thực hiện: Kế hoạch 17/KH-UBND" in page


def test_provincial_officer_cannot_derive(client, provincial):
    client.force_login(user_of("stc", "qn-tai-chinh"))
    assert derive(client, provincial).status_code == 403


def test_derive_is_post_only(commune_client, provincial):
    assert commune_client.get(reverse("tasks:derive", args=[provincial.pk])).status_code == 405


def test_other_commune_cannot_see_the_draft(client, commune_client, provincial, phuoc_giang):
    derive(commune_client, provincial)
    draft = Plan.objects.get(parent=provincial, issuer=phuoc_giang)
    other = OrgUnit.objects.filter(kind="commune", tree_id=phuoc_giang.tree_id).exclude(
        pk=phuoc_giang.pk
    )[0]
    client.force_login(user_of("other", other))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("tasks:issue", args=[draft.pk])).status_code == 404


def test_issue_flow(commune_client, provincial, phuoc_giang):
    derive(commune_client, provincial)
    draft = Plan.objects.get(parent=provincial, issuer=phuoc_giang)
    url = reverse("tasks:issue", args=[draft.pk])
    assert "Ban hành Kế hoạch UBND xã Phước Giang" in commune_client.get(url).content.decode()
    empty = commune_client.post(url, {"number": "", "issued_on": "05/01/2026"})
    assert "Cần nhập số, ký hiệu văn bản trước khi ban hành." in empty.content.decode()
    bad = commune_client.post(url, {"number": "12/KH-UBND", "issued_on": "32/01/2026"})
    assert "Ngày ban hành không hợp lệ" in bad.content.decode()
    future = commune_client.post(url, {"number": "12/KH-UBND", "issued_on": "01/01/2099"})
    assert "không được ở tương lai" in future.content.decode()
    ok = commune_client.post(url, {"number": "12/KH-UBND", "issued_on": "05/01/2026"})
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Plan.Status.ISSUED and draft.number == "12/KH-UBND"
    # issued: read-only, editing refused, revision possible for the owner
    assert commune_client.get(url).status_code == 403
    assert commune_client.get(reverse("plans:edit", args=[draft.pk])).status_code == 403
    revise = commune_client.post(reverse("tasks:revise", args=[draft.pk]))
    revision = Plan.objects.get(replaces=draft)
    assert revise["Location"] == revision.get_absolute_url()


def test_reviewer_cannot_issue_or_revise(client, provincial):
    client.force_login(user_of("nh", "qn-nhcsxh", "reviewer"))
    draft = Plan.objects.get(seed_key="pg-kh-ubnd")
    assert client.get(reverse("tasks:issue", args=[draft.pk])).status_code == 403
    assert client.post(reverse("tasks:revise", args=[provincial.pk])).status_code == 403


def test_task_chain_up_and_down(commune_client, provincial, phuoc_giang,
                                django_assert_max_num_queries):  # fmt: skip
    derive(commune_client, provincial)
    source = Task.objects.get(plan=provincial, full_code="I.2")
    derived = Task.objects.get(
        plan__issuer=phuoc_giang, plan__parent=provincial, source_task=source
    )
    seed_copy = Task.objects.get(plan__seed_key="pg-kh-ubnd", full_code="1.b")
    body = commune_client.get(reverse("tasks:task", args=[source.pk])).content.decode()
    assert "Chỉ thị 39-CT/TW" in body and "Quyết định 1560/QĐ-TTg" in body  # up
    assert f"mục {derived.full_code}</a> — UBND xã Phước Giang" in body  # down, with its unit
    assert f"mục {seed_copy.full_code}</a> — UBND xã Phước Giang" in body
    up = commune_client.get(reverse("tasks:task", args=[seed_copy.pk])).content.decode()
    assert "Kế hoạch 17/KH-UBND, mục I.2" in up
    with django_assert_max_num_queries(27):  # + the navbar's "Thẩm định" count
        commune_client.get(reverse("tasks:task", args=[source.pk]))


def test_task_of_another_province_is_invisible(commune_client):
    task = Task.objects.get(plan__seed_key="na-686-kh-ubnd", full_code="1.1")
    assert commune_client.get(reverse("tasks:task", args=[task.pk])).status_code == 404


def test_history_tabs_show_who_changed_what(client):
    admin = User.objects.create_superuser("qt")
    client.force_login(admin)
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    plan.title = "Tiêu đề mới của kế hoạch xã"
    plan._history_user = admin
    plan.save()
    body = client.get(reverse("tasks:plan_history", args=[plan.pk])).content.decode()
    assert "Tiêu đề mới của kế hoạch xã" in body and "qt" in body
    tasks_tab = client.get(reverse("tasks:plan_history", args=[plan.pk]), {"loai": "task"})
    assert "Nạp dữ liệu mẫu từ văn bản gốc" in tasks_tab.content.decode()
    task = plan.tasks.get(full_code="1.b")
    body = client.get(reverse("tasks:task_history", args=[task.pk])).content.decode()
    assert "Tạo mới" in body
