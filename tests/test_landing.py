"""`/` signed out says what the site is; after login each demo role lands where its work is,
also when the login started from `/`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

PASSWORD = "ct39-demo-2025"


@pytest.fixture
def demo_users(settings):
    settings.DEBUG = True
    call_command("create_demo_users", stdout=StringIO())


def test_signed_out_home_says_what_the_site_is(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Theo dõi thực hiện Chỉ thị 39-CT/TW" in body
    assert "tín dụng chính sách xã hội" in body
    assert reverse("login") in body and "Đăng nhập" in body
    assert "Đăng xuất" not in body


def dashboard_of(key):
    return reverse("dashboards:dashboard", args=[OrgUnit.objects.get(key=key).pk])


LANDINGS = [
    ("admin", lambda: reverse("dashboards:dashboard_national")),
    ("canbo.phuocgiang", lambda: reverse("tasks:my_tasks")),  # its tasks, to report on
    ("canbo.sotaichinh", lambda: reverse("tasks:my_tasks")),
    ("pgd.nghiahanh", lambda: dashboard_of("qn-pgd-532")),
    ("nhcsxh.quangngai", lambda: dashboard_of("qn")),  # the branch sees its province
    ("quantri.quangngai", lambda: dashboard_of("qn")),
    ("lanhdao.quangngai", lambda: dashboard_of("qn")),
]


@pytest.mark.parametrize("username,expected", LANDINGS, ids=[u for u, _ in LANDINGS])
@pytest.mark.parametrize("start", ["/dang-nhap/", "/dang-nhap/?next=/"])
def test_each_role_lands_where_its_work_is(client, demo_users, username, expected, start):
    response = client.post(start, {"username": username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.path == expected().split("?")[0]


def test_the_link_of_the_signed_out_home_leads_to_the_role_landing(client, demo_users):
    """Signed out, `/` no longer bounces through the plan list (which left NHCSXH staff
    there after login): its login link carries no ?next=."""
    body = client.get("/").content.decode()
    assert 'href="/dang-nhap/"' in body
    response = client.post(
        "/dang-nhap/", {"username": "nhcsxh.quangngai", "password": PASSWORD}, follow=True
    )
    assert response.wsgi_request.path == dashboard_of("qn")


def test_an_officer_whose_unit_carries_no_task_lands_on_the_plans(client, demo_users):
    from tasks.expansion import tracked_assignments
    from tests.factories import make_user

    busy = tracked_assignments().values("unit_id")
    idle = OrgUnit.objects.filter(tree_id=OrgUnit.objects.get(key="qn").tree_id).exclude(
        pk__in=busy
    )
    user = make_user("canbo-khong-viec", idle.order_by("pk").first())
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.wsgi_request.path == reverse("plans:list")
