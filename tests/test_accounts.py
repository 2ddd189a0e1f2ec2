"""Login with lockout, password reset by email, idle session timeout."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The password-reset throttle counts in the shared cache: start each test from zero."""
    cache.clear()


@pytest.fixture
def officer():
    return User.objects.create_user(
        "canbo.pg", email="canbo.pg@phuocgiang.example", password="Mat-khau-dung-2025"
    )


def login(client, password):
    return client.post(reverse("login"), {"username": "canbo.pg", "password": password})


def test_login_and_wrong_password_message(client, officer):
    response = login(client, "sai")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    response = login(client, "Mat-khau-dung-2025")
    assert response.status_code == 302 and response["Location"] == reverse("plans:list")


def test_lockout_after_repeated_failures(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "sai-mat-khau")
    response = login(client, "Mat-khau-dung-2025")  # even the right password is refused now
    assert response.status_code == 429
    assert "tạm thời bị khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, officer):
    response = client.post(reverse("password_reset"), {"email": "canbo.pg@phuocgiang.example"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "Đặt lại mật khẩu" in message.subject
    link = re.search(r"https?://[^/]+(/dat-lai-mat-khau/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Mot-mat-khau-moi-2026", "new_password2": "Mot-mat-khau-moi-2026"},
    )
    assert done.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("Mot-mat-khau-moi-2026")


def test_unknown_email_sends_nothing_and_reveals_nothing(client, officer):
    response = client.post(reverse("password_reset"), {"email": "khong.co@example.vn"})
    assert response.status_code == 302 and mail.outbox == []


def test_idle_session_times_out(client, officer):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 60 * 60
    client.force_login(officer)
    session = client.session
    session.set_expiry(-1)  # as if the hour of inactivity had passed
    session.save()
    response = client.get(reverse("plans:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
