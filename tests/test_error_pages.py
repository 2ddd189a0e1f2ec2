"""Refusals and errors reach users in Vietnamese: 400, 403 (with the reason), 404, 500 and
the CSRF failure page, never Django's bare English pages."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from orgunits.models import OrgUnit, Profile

pytestmark = pytest.mark.django_db

ENGLISH = ("Forbidden", "Not Found", "Server Error", "Bad Request", "CSRF verification failed")


def _leader(client):
    user = User.objects.create_user("lanhdao.thu", password="mat-khau-dai-123")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="qn"), role=Profile.Role.LEADER)
    client.force_login(user)
    return client


def _assert_vietnamese(body: str) -> None:
    assert 'lang="vi"' in body
    for word in ENGLISH:
        assert word not in body


def test_forbidden_page_shows_the_reason_in_vietnamese(client):
    response = _leader(client).get(reverse("plans:create"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Tài khoản của bạn không được lập kế hoạch." in body
    _assert_vietnamese(body)


def test_forbidden_without_a_reason_says_so_in_vietnamese():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = defaults.permission_denied(request, PermissionDenied())
    body = response.content.decode()
    assert response.status_code == 403
    assert "Bạn không có quyền xem trang này" in body
    _assert_vietnamese(body)


def test_not_found_page_is_vietnamese(client):
    response = _leader(client).get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang" in body
    _assert_vietnamese(body)


def test_server_error_and_bad_request_pages_are_vietnamese():
    request = RequestFactory().get("/")
    error = defaults.server_error(request)
    assert error.status_code == 500
    assert "Hệ thống gặp lỗi" in error.content.decode()
    _assert_vietnamese(error.content.decode())
    bad = defaults.bad_request(request, Exception("x"))
    assert bad.status_code == 400
    assert "Yêu cầu không hợp lệ" in bad.content.decode()
    _assert_vietnamese(bad.content.decode())


def test_csrf_failure_page_is_vietnamese():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Không gửi được biểu mẫu" in body
    _assert_vietnamese(body)
