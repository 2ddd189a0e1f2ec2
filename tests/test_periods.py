"""Reporting periods from each plan's rule; tasks due in the period containing their date;
ad-hoc periods and closing by the reviewing unit."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orgunits.models import Profile
from plans.models import Plan
from reports.models import ProgressReport, ReportingPeriod
from reports.periods import ensure_periods, period_line, yearly_schedule
from tasks.timeframes import parse_timeframe
from tests.factories import issue_phuoc_giang, make_user, unit

pytestmark = pytest.mark.django_db


def test_yearly_schedule_with_first_year_override():
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    plan.issued_on = date(2025, 12, 1)
    assert yearly_schedule(plan, date(2026, 11, 23)) == [
        (2025, None, date(2025, 12, 31)),
        (2026, date(2026, 1, 1), date(2026, 9, 25)),
        (2027, date(2026, 9, 26), date(2027, 9, 25)),
    ]
    na = Plan.objects.get(seed_key="na-686-kh-ubnd")  # issued 21/08/2025, cutoff 01/10
    assert yearly_schedule(na, date(2026, 3, 1)) == [
        (2025, None, date(2025, 10, 1)),
        (2026, date(2025, 10, 2), date(2026, 10, 1)),
    ]
    late = Plan(cutoff_day=1, cutoff_month=10, issued_on=date(2025, 11, 15))
    assert yearly_schedule(late, date(2026, 1, 1))[0] == (2026, None, date(2026, 10, 1))
    assert yearly_schedule(Plan.objects.get(seed_key="qn-17-kh-ubnd"), date(2026, 1, 1)) == []


@pytest.mark.parametrize(
    "text, starts_on, cutoff, expected",
    [
        ("Tháng 8/2025", None, date(2025, 10, 1), (True, date(2025, 8, 31))),
        ("Tháng 8/2025", date(2025, 10, 2), date(2026, 10, 1), (False, date(2025, 8, 31))),
        ("Quý III/2025", None, date(2025, 10, 1), (True, date(2025, 9, 30))),
        ("Quý IV/2025", None, date(2025, 10, 1), (False, date(2025, 12, 31))),
        ("Quý IV/2025", date(2025, 10, 2), date(2026, 10, 1), (True, date(2025, 12, 31))),
        ("Thường xuyên", date(2025, 10, 2), date(2026, 10, 1), (True, None)),
        ("Hằng năm", date(2025, 10, 2), date(2026, 10, 1), (True, date(2026, 10, 1))),
        ("Trước ngày 31/12 hằng năm", date(2025, 10, 2), date(2026, 10, 1),
         (True, date(2025, 12, 31))),
        ("Giai đoạn 2026-2030", date(2025, 10, 2), date(2026, 10, 1), (True, None)),
        ("Giai đoạn 2026-2030", date(2030, 10, 2), date(2031, 10, 1), (True, date(2030, 12, 31))),
        ("Giai đoạn 2026-2030", date(2031, 10, 2), date(2032, 10, 1), (False, None)),
        # issue 12: ongoing and reported yearly has no deadline of its own ("Không có hạn")
        ("Thường xuyên, hằng năm", date(2025, 10, 2), date(2026, 10, 1), (True, None)),
        ("Định kỳ 6 tháng", date(2025, 10, 2), date(2026, 10, 1), (True, None)),
        # issue 11 phrases
        ("Quý IV hằng năm", date(2025, 10, 2), date(2026, 10, 1), (True, date(2025, 12, 31))),
        ("Quý I, II/2026", date(2025, 10, 2), date(2026, 10, 1), (True, date(2026, 6, 30))),
        ("Năm 2025 - 2026", date(2025, 10, 2), date(2026, 10, 1), (True, None)),
        ("2026", date(2026, 10, 2), date(2027, 10, 1), (True, date(2026, 12, 31))),
    ],
)  # fmt: skip
def test_period_line(text, starts_on, cutoff, expected):
    assert period_line(parse_timeframe(text), starts_on, cutoff) == expected


def test_one_off_task_is_due_in_the_period_containing_it():
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    ensure_periods(date(2026, 3, 1), plans=[plan])
    first = plan.reporting_periods.get(year=2025)
    second = plan.reporting_periods.get(year=2026)
    august = ProgressReport.objects.filter(task__plan=plan, task__timeframe_text="Tháng 8/2025")
    assert august.filter(period=first).exists()
    assert set(august.filter(period=first).values_list("deadline", flat=True)) == {
        date(2025, 8, 31)
    }
    assert not august.filter(period=second).exists()
    ongoing = ProgressReport.objects.filter(period=second, task__schedule_kind="ongoing")
    assert ongoing.exists() and not ongoing.exclude(deadline=None).exists()


def test_ongoing_reported_yearly_is_never_overdue():
    """Issue 12: "Thường xuyên, hằng năm" (Đồng Nai 2.d) is reported every year with no
    deadline of its own, so it stays "Không có hạn" long after the cutoff."""
    from reports.timeliness import Timeliness, timeliness_expression
    from tasks.workflow import issue_plan

    plan = Plan.objects.get(seed_key="dn-kh-ubnd")  # a draft in the seeds, cutoff 15/12
    if plan.status == Plan.Status.DRAFT:
        issue_plan(plan, "99/KH-UBND", date(2025, 10, 1))
        plan.refresh_from_db()
    ensure_periods(date(2026, 3, 1), plans=[plan])
    lines = ProgressReport.objects.filter(
        task__plan=plan, task__timeframe_text="Thường xuyên, hằng năm."
    )
    assert lines.exists() and not lines.exclude(deadline=None).exists()
    after_cutoff = date(2027, 1, 31)
    values = set(lines.annotate(t=timeliness_expression(after_cutoff)).values_list("t", flat=True))
    assert values == {Timeliness.NO_DEADLINE}


def test_ensure_periods_is_idempotent():
    issue_phuoc_giang(today=date(2026, 11, 23))
    before = (ReportingPeriod.objects.count(), ProgressReport.objects.count())
    ensure_periods(date(2026, 11, 23))
    ensure_periods(date(2026, 11, 23))
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    assert list(plan.reporting_periods.values_list("year", flat=True)) == [2025, 2026, 2027]
    lines = ProgressReport.objects.filter(period__plan=plan).count()
    assert lines == 3 * 98
    assert ReportingPeriod.objects.count() >= before[0]


def test_period_command():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reporting_periods", "--date", "2026-01-10", stdout=out)
    assert "kỳ báo cáo mới" in out.getvalue()


@pytest.fixture
def reviewer():
    return make_user("td", unit("qn-pgd-532"), Profile.Role.REVIEWER)


def test_reviewer_creates_an_adhoc_period_and_units_are_notified(client, reviewer):
    plan = issue_phuoc_giang(today=timezone.localdate())
    officer = make_user("cb", unit("w21370-cong-an"))
    client.force_login(reviewer)
    url = reverse("reports:period_list", args=[plan.pk])
    due = timezone.localdate() + timedelta(days=20)
    response = client.post(url, {"title": "", "cutoff": "31/02/2026"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Hạn báo cáo không đúng dạng dd/mm/yyyy." in body
    response = client.post(url, {"title": "", "cutoff": due.strftime("%d/%m/%Y")})
    assert "Nhập tên kỳ báo cáo đột xuất" in response.content.decode()
    past = timezone.localdate() - timedelta(days=1)
    response = client.post(url, {"title": "Sơ kết", "cutoff": past.strftime("%d/%m/%Y")})
    assert "Hạn báo cáo phải từ hôm nay" in response.content.decode()
    assert not plan.reporting_periods.filter(kind="adhoc").exists()

    data = {"title": "Sơ kết 1 năm", "cutoff": due.strftime("%d/%m/%Y"), "note": "Gửi số liệu."}
    response = client.post(url, data, follow=True)
    assert "Đã tạo Báo cáo đột xuất: Sơ kết 1 năm" in response.content.decode()
    client.post(url, data)  # posted twice: still one period
    adhoc = plan.reporting_periods.get(kind="adhoc")
    assert adhoc.cutoff == due and adhoc.lines.count() == 98 and adhoc.created_by == reviewer
    assert officer.notifications.filter(text__contains="Sơ kết 1 năm").exists()


def test_officers_cannot_manage_periods_and_strangers_see_nothing(client, reviewer):
    plan = issue_phuoc_giang(today=timezone.localdate())
    period = plan.reporting_periods.first()
    officer = make_user("cb", unit("w21370-cong-an"))
    client.force_login(officer)
    url = reverse("reports:period_list", args=[plan.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "X", "cutoff": "01/01/2099"})
    assert response.status_code == 403 and "Chỉ đơn vị theo dõi" in response.content.decode()
    assert client.post(reverse("reports:period_close", args=[period.pk])).status_code == 403
    client.force_login(make_user("na", unit("na-nhcsxh"), Profile.Role.REVIEWER))
    assert client.get(url).status_code == 404
    assert client.post(reverse("reports:period_close", args=[period.pk])).status_code == 404
    assert not ReportingPeriod.objects.filter(closed_at__isnull=False).exists()

    client.force_login(reviewer)
    client.post(reverse("reports:period_close", args=[period.pk]))
    period.refresh_from_db()
    assert period.closed_at and period.closed_by == reviewer
    client.post(reverse("reports:period_close", args=[period.pk]), {"reopen": "1"})
    period.refresh_from_db()
    assert period.closed_at is None


def test_period_pages_have_bounded_queries(client, reviewer, django_assert_max_num_queries):
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    ensure_periods(date(2026, 3, 1), plans=[plan])
    period = plan.reporting_periods.get(year=2026)
    client.force_login(make_user("td-na", unit("na-nhcsxh"), Profile.Role.REVIEWER))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("reports:period_list", args=[plan.pk]))
    assert page.status_code == 200 and "Báo cáo năm 2026" in page.content.decode()
    with django_assert_max_num_queries(20):
        page = client.get(reverse("reports:period_detail", args=[period.pk]))
    assert page.status_code == 200
    assert page.context["page"].paginator.count > 100  # ≈150 units, 25 a page
    assert len(page.context["rows"]) == 25
