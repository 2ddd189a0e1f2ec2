"""Staff of NHCSXH Việt Nam follow every province: issued plans, reports, dashboards."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from reports.models import ProgressReport
from tasks.workflow import create_revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(client):
    user = User.objects.create_user("nhcsxh.vn")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="tw-nhcsxh"), role="reviewer")
    client.force_login(user)
    return client


def test_sees_issued_plans_of_every_province_but_no_drafts(national):
    assert (
        national.get(Plan.objects.get(seed_key="na-686-kh-ubnd").get_absolute_url()).status_code
        == 200
    )
    assert (
        national.get(Plan.objects.get(seed_key="qn-17-kh-ubnd").get_absolute_url()).status_code
        == 200
    )
    pg = Plan.objects.get(seed_key="pg-kh-ubnd")  # issued, chưa rõ số
    assert national.get(pg.get_absolute_url()).status_code == 200
    draft = create_revision(pg).plan
    assert national.get(draft.get_absolute_url()).status_code == 404


def test_reads_reports_but_cannot_review_or_edit(national):
    call_command("reporting_periods", stdout=StringIO())
    report = ProgressReport.objects.filter(period__plan__seed_key="na-686-kh-ubnd").first()
    assert national.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    assert national.get(reverse("tasks:editor", args=[plan.pk])).status_code in (403, 404)
    assert national.get(reverse("dashboards:dashboard_national")).status_code == 200
