"""Response headers (CSP, Permissions-Policy, Cache-Control), the password-reset throttle, the
Vietnamese password messages, the client address behind the proxy, local-only redirects."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from config.security import client_ip, is_local_path
from reports.models import Notification
from tests.factories import make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def officer():
    return make_user("cb-sec", unit("w21370-cong-an"))


def test_strict_content_security_policy_on_every_page(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_admin_allows_inline_styles_only(client):
    """django-mptt's tree indentation in the admin is inline style: styles only are relaxed
    there, scripts never."""
    staff = User.objects.create_superuser("qt-sec", "qt@example.vn", "Mat-khau-qt-2025")
    client.force_login(staff)
    response = client.get(reverse("admin:plans_plan_changelist"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    script = next(p.strip() for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script == "script-src 'self'"
    assert "unsafe-inline" not in client.get(reverse("plans:list"))["Content-Security-Policy"]


def test_permissions_policy_denies_unused_features(client):
    header = client.get(reverse("login"))["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header


def test_signed_in_pages_are_not_cached(client, officer):
    assert "no-store" not in client.get("/healthz/").get("Cache-Control", "")
    client.force_login(officer)
    for url in (reverse("plans:list"), reverse("reports:notifications")):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store", url
        assert "Cookie" in response["Vary"]


def test_templates_have_no_inline_script_or_style():
    """The policy refuses inline code: none may come back into a template."""
    pattern = re.compile(
        r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|=\s*[\"']?\s*javascript:",
        re.IGNORECASE,
    )
    offenders = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert offenders == []


# --- password reset throttle -----------------------------------------------------------------


def test_password_reset_is_throttled_per_email(client):
    User.objects.create_user("nan-nhan", email="nan.nhan@example.vn", password="x-Khac-2025")
    statuses = [
        client.post(
            reverse("password_reset"),
            {"email": "Nan.Nhan@example.vn"},
            REMOTE_ADDR=f"203.0.113.{i}",  # a new address each time: the e-mail limit applies
        ).status_code
        for i in range(10)
    ]
    assert statuses == [302] * 3 + [429] * 7
    assert len(mail.outbox) == 3
    refused = client.post(
        reverse("password_reset"), {"email": "nan.nhan@example.vn"}, REMOTE_ADDR="203.0.113.99"
    )
    assert "quá nhiều yêu cầu đặt lại mật khẩu" in refused.content.decode()


def test_password_reset_is_throttled_per_address(client):
    for i in range(5):
        User.objects.create_user(f"u{i}", email=f"u{i}@example.vn", password="x-Khac-2025")
    statuses = [
        client.post(
            reverse("password_reset"), {"email": f"u{i}@example.vn"}, REMOTE_ADDR="198.51.100.7"
        ).status_code
        for i in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert sorted(m.to[0] for m in mail.outbox) == [f"u{i}@example.vn" for i in range(3)]
    other = client.post(
        reverse("password_reset"), {"email": "u4@example.vn"}, REMOTE_ADDR="198.51.100.8"
    )
    assert other.status_code == 302 and len(mail.outbox) == 4


# --- password validators ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("abc", "Mật khẩu quá ngắn: cần ít nhất 8 ký tự."),
        ("Kh0ng-du", None),  # exactly 8 characters
    ],
)
def test_password_length_message_is_vietnamese(password, expected):
    if expected is None:
        validate_password(password)
        return
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert expected in error.value.messages
    assert not any("password" in m.lower() for m in error.value.messages)


# --- client address behind the proxy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "", "203.0.113.5"),
        (0, "203.0.113.5", "6.6.6.6", "203.0.113.5"),  # no proxy: a forged header is ignored
        (1, "172.18.0.5", "198.51.100.20", "198.51.100.20"),  # nginx appended the client
        (1, "172.18.0.5", "6.6.6.6, 198.51.100.20", "198.51.100.20"),  # client forged the left
        (1, "172.18.0.5", "", "172.18.0.5"),  # header missing: the peer
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.20, 10.0.0.1", "198.51.100.20"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_lockout_keys_on_the_client_behind_the_proxy(client, settings):
    """Behind nginx every request comes from the proxy's address: a lockout of one client must
    not lock the same username out for another client."""
    settings.TRUSTED_PROXY_COUNT = 1
    User.objects.create_user("canbo.px", password="Mat-khau-dung-2025")
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "canbo.px", "password": "sai"},
            HTTP_X_FORWARDED_FOR="6.6.6.6",
            **proxy,
        )
    attacker = client.post(
        reverse("login"),
        {"username": "canbo.px", "password": "Mat-khau-dung-2025"},
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        **proxy,
    )
    assert attacker.status_code == 429
    owner = client.post(
        reverse("login"),
        {"username": "canbo.px", "password": "Mat-khau-dung-2025"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
        **proxy,
    )
    assert owner.status_code == 302


# --- local-only redirects ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("/bao-cao/12/", True),
        ("/ke-hoach/?trang=2", True),
        ("//evil.example/", False),
        ("/\\evil.example/", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("bao-cao/", False),
        ("", False),
    ],
)
def test_is_local_path(url, local):
    assert is_local_path(url) is local


def test_notification_link_to_another_host_is_not_followed(client, officer):
    client.force_login(officer)
    note = Notification.objects.create(user=officer, text="Thông báo", link="//evil.example/x")
    response = client.post(reverse("reports:notification_read", args=[note.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:notifications")
    note.refresh_from_db()
    assert note.read_at is not None
