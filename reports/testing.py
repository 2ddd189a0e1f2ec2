"""Small helpers for the reports tests (users with a unit and role, the Phước Giang plan)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model

from orgunits.models import OrgUnit, Profile
from plans.models import Plan

PASSWORD = "mat-khau-dai-123"


def make_user(username: str, unit: OrgUnit, role: str = Profile.Role.OFFICER, *, head=False):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.vn", password=PASSWORD
    )
    Profile.objects.create(user=user, unit=unit, role=role, is_unit_head=head)
    return user


def unit(key: str) -> OrgUnit:
    return OrgUnit.objects.get(key=key)


def phuoc_giang() -> OrgUnit:
    return OrgUnit.objects.get(admin_code="21370")


def issue_phuoc_giang(issued_on: date = date(2025, 12, 1), today: date | None = None) -> Plan:
    """The Phước Giang commune plan with its periods: issued in the seeds (chưa rõ số);
    issued here as 12/KH-UBND only if a test made it a draft again."""
    from tasks.workflow import issue_plan

    from .periods import ensure_periods

    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    if plan.status == Plan.Status.DRAFT:
        issue_plan(plan, "12/KH-UBND", issued_on)
        plan.refresh_from_db()
    ensure_periods(today=today, plans=Plan.objects.filter(pk=plan.pk))
    return plan


class PausingFileBackend:
    """Test mail backend: Django's file backend that pauses after each e-mail is written
    (CT39_TEST_MAIL_PAUSE seconds), so that a test can kill a worker in the middle of the
    SMTP step of a digest — the e-mail is out, the worker has not yet recorded it."""

    def __new__(cls, *args, **kwargs):
        import os
        import time

        from django.core.mail.backends.filebased import EmailBackend

        class _Backend(EmailBackend):
            def send_messages(self, messages):
                sent = super().send_messages(messages)
                time.sleep(float(os.environ.get("CT39_TEST_MAIL_PAUSE", "0")))
                return sent

        return _Backend(*args, **kwargs)


def download_export(client, url: str):
    """GET an export; when it went to a job (reports.export_jobs), run the job at once (eager
    Celery) and follow its progress page to the file. The answer holding the file."""
    import re

    from django.urls import reverse

    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        response = client.get(url)
    finally:
        app.conf.task_always_eager = eager
    found = re.search(r"/tep-xuat/([0-9a-f]{32})/$", response.get("Location", ""))
    if response.status_code != 302 or found is None:
        return response
    page = client.get(response["Location"]).content.decode()
    assert "Tải tệp" in page, page
    return client.get(reverse("reports:export_download", args=[found.group(1)]))
