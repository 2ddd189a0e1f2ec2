"""The demo logins printed by `make run`."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from orgunits.models import Profile

pytestmark = pytest.mark.django_db


def test_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("create_demo_users", stdout=StringIO())


def test_creates_one_login_per_role_and_prints_them(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    call_command("create_demo_users", stdout=StringIO())  # idempotent
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1
    officer = Profile.objects.get(user__username="canbo.phuocgiang")
    assert officer.unit.admin_code == "21370" and officer.role == "officer"
    assert set(Profile.objects.values_list("role", flat=True)) == {
        "officer", "reviewer", "province_admin", "leader",
    }  # fmt: skip
    assert User.objects.get(username="pgd.nghiahanh").check_password("ct39-demo-2025")
    assert "canbo.phuocgiang" in out.getvalue() and "ct39-demo-2025" in out.getvalue()
