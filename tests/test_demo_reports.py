"""demo_reports: clearly labelled illustrative reports in the seeded periods; idempotent;
refused on real data; the Nghệ An dashboard then shows figures and the banner."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from reports.models import ProgressReport, ReportingPeriod, ReportTransition
from reports.periods import DEMO_MARK, ensure_periods
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def periods():
    ensure_periods(plans=Plan.objects.filter(seed_key="na-686-kh-ubnd"))
    return ReportingPeriod.objects.filter(plan__seed_key="na-686-kh-ubnd")


def test_refused_unless_debug(periods):
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_reports", stdout=StringIO())


def test_fills_labelled_reports_once(periods, client):
    call_command("demo_reports", force=True, stdout=StringIO())
    lines = ProgressReport.objects.filter(period__plan__seed_key="na-686-kh-ubnd")
    sent = lines.filter(first_submitted_at__isnull=False)
    assert sent.count() > lines.count() // 3
    assert not sent.exclude(narrative__startswith=DEMO_MARK).exists()
    assert set(sent.values_list("status", flat=True)) >= {"done", "in_progress", "not_started"}
    assert set(sent.values_list("state", flat=True)) == {"submitted", "accepted"}
    assert all(DEMO_MARK in p.request_note for p in periods.all())
    assert periods.filter(kind="adhoc", title__contains=DEMO_MARK.lower()).count() == 1
    assert ReportTransition.objects.filter(report__in=sent).count() >= sent.count()
    snapshot = list(lines.order_by("pk").values_list("pk", "state", "status", "completed_on"))
    call_command("demo_reports", force=True, stdout=StringIO())  # idempotent
    assert list(lines.order_by("pk").values_list("pk", "state", "status", "completed_on")) == (
        snapshot
    )
    assert periods.filter(kind="adhoc").count() == 1
    # The branch's dashboard shows figures and says they are illustrative.
    client.force_login(make_user("cn", OrgUnit.objects.get(key="na-nhcsxh"), Profile.Role.REVIEWER))
    body = client.get(reverse("dashboards:dashboard_home"), follow=True).content.decode()
    assert "Dữ liệu minh họa." in body and "Chưa có kỳ báo cáo nào" not in body
