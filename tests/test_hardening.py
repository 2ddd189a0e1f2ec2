"""Issue 15 (hardening): pages and files survive deleted accounts, hostile text and
oversized input; each test fails without its fix."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from orgunits.models import Profile
from reports.models import ExtensionRequest, ProgressReport, ReportTransition
from reports.testing import issue_phuoc_giang, make_user, unit

pytestmark = pytest.mark.django_db

S = ProgressReport.State


@pytest.fixture
def period():
    plan = issue_phuoc_giang(today=timezone.localdate())
    return plan.reporting_periods.order_by("-cutoff").first()


@pytest.fixture
def reviewer():
    return make_user("thamdinh-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)


# --- 5. deleted accounts and system transitions -------------------------------------------


def test_report_page_names_the_system_and_deleted_accounts(client, period, reviewer):
    report = ProgressReport.objects.filter(period=period).first()
    gone = make_user("da-nghi-viec", report.unit)
    ReportTransition.objects.create(report=report, from_state="", to_state=S.SUBMITTED)
    ReportTransition.objects.create(report=report, from_state=S.SUBMITTED, to_state=S.RETURNED,
                                    user=gone, comment="Bổ sung")  # fmt: skip
    ExtensionRequest.objects.create(report=report, requested_deadline=date(2026, 12, 31),
                                    reason="Chờ số liệu", requested_by=gone)  # fmt: skip
    gone.delete()
    client.force_login(reviewer)
    response = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "hệ thống" in body and "tài khoản đã xóa" in body


def test_accounts_are_deactivated_never_deleted_in_the_admin(client):
    admin_user = get_user_model().objects.create_superuser("sieu", "s@example.vn", "x-123456")
    victim = make_user("can-bo-cu", unit("w21370-cong-an"))
    client.force_login(admin_user)
    delete = reverse("admin:auth_user_delete", args=[victim.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:auth_user_changelist")
    page = client.get(changelist).content.decode()
    assert "delete_selected" not in page and "Vô hiệu hóa" in page
    response = client.post(changelist, {"action": "deactivate", "_selected_action": [victim.pk,
                                        admin_user.pk]}, follow=True)  # fmt: skip
    assert response.status_code == 200
    victim.refresh_from_db()
    admin_user.refresh_from_db()
    assert not victim.is_active and admin_user.is_active  # never locks oneself out
