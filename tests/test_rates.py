"""Completion and update rates (issue 12 §1) and dashboards that never crash (§6).

- Nghệ An 2026 (686/KH-UBND, seed data) with every line done on time, accepted and sent
  on time reads 100 % on the dashboard and in the consolidated report, its ongoing
  ("Thường xuyên") lines counted apart, never in the denominator.
- Every dashboard and export URL, for every role, over seed data with no periods, only
  ad-hoc periods, only closed periods, and a plan with no lines: 200 or refused, never 500.
"""

import io
from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from dashboards import figures as dash
from dashboards.views import filters_from_request
from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from reports.models import ProgressReport, ReportingPeriod
from reports.periods import create_adhoc_period, ensure_periods, sync_lines
from reports.timeliness import Ongoing, completion_rate, count_text, unit_on_time, update_rate
from reports.timeliness import Timeliness as T
from tasks.models import Task
from tests.exports import download_export

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


# --- the rule, pure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts, expected",
    [
        # the worked example of the domain notes: 2 tasks due, 21 ongoing, all done
        ({T.DONE_ON_TIME: 2, T.NO_DEADLINE: 21}, 100.0),
        # Nghệ An: 288 lines due all done, 2,743 ongoing lines never in the denominator
        ({T.DONE_ON_TIME: 288, T.NO_DEADLINE: 2743}, 100.0),
        ({T.DONE_ON_TIME: 1, T.DONE_LATE: 1, T.NOT_DONE_OVERDUE: 2, T.NO_DEADLINE: 5}, 50.0),
        ({T.NOT_DONE_IN_TIME: 3}, 0.0),
        ({T.NO_DEADLINE: 21}, None),  # only ongoing tasks: no completion rate, not "0 %"
        ({}, None),
    ],
)
def test_completion_rate_is_over_what_is_due(counts, expected):
    assert completion_rate(counts) == expected


@pytest.mark.parametrize(
    "lines, on_time, expected",
    [(3, 3, True), (3, 2, False), (1, 0, False), (0, 0, False)],
)
def test_a_unit_is_on_time_when_every_line_was_sent_on_time(lines, on_time, expected):
    assert unit_on_time(lines, on_time) is expected


def test_update_rate_and_ongoing_text():
    assert update_rate(8, 21) == 38.1 and update_rate(0, 0) is None
    o = Ongoing.of_lines(
        [
            {"tl": T.NO_DEADLINE, "state": "accepted", "status": "done"},
            {"tl": T.NO_DEADLINE, "state": "submitted", "status": "in_progress"},
            {"tl": T.NO_DEADLINE, "state": "draft", "status": "done"},  # not a report yet
            {"tl": T.DONE_ON_TIME, "state": "accepted", "status": "done"},  # not ongoing
        ]
    )
    assert o.text == "Nhiệm vụ thường xuyên: 2/3 đã báo cáo, 1 Hoàn thành, 1 Đang thực hiện"


# --- Nghệ An, every line done on time ---------------------------------------------------------


def test_nghe_an_all_done_on_time_and_accepted_reads_100_percent(
    client, today, django_assert_max_num_queries
):
    from openpyxl import load_workbook

    call_command("reporting_periods", "--date", TODAY.isoformat(), stdout=StringIO())
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    period = plan.reporting_periods.get(kind="yearly", year=2026)
    sent = timezone.make_aware(datetime.combine(period.cutoff, time(9)), VN)
    lines = ProgressReport.objects.filter(period__plan=plan)
    lines.update(
        state=ProgressReport.State.ACCEPTED,
        status=ProgressReport.Status.DONE,
        completed_on=Coalesce(F("deadline"), Value(period.cutoff)),
        first_submitted_at=sent,
        submitted_at=sent,
    )
    year = lines.filter(period=period, active=True)
    n, ongoing = year.count(), year.filter(deadline__isnull=True).count()
    assert n and ongoing and ongoing < n  # both kinds of lines are there
    units = year.values("unit_id").distinct().count()

    reviewer = User.objects.create_user("na.reviewer")
    Profile.objects.create(user=reviewer, unit=OrgUnit.objects.get(key="na-nhcsxh"),
                           role=Profile.Role.REVIEWER)  # fmt: skip
    client.force_login(reviewer)
    province = OrgUnit.objects.get(key="na")
    url = reverse("dashboards:dashboard", args=[province.pk]) + f"?nam=2026&ke_hoach={plan.pk}"
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    due = n - ongoing
    due_t, units_t, ongoing_t = count_text(due), count_text(units), count_text(ongoing)
    assert f"100 % ({due_t}/{due_t} phân công đến hạn trong kỳ)" in body  # 3.031, not 3031
    assert 'id="update-rate">100%<' in body
    assert f"({units_t}/{units_t} đơn vị nộp đúng hạn)" in body
    assert (
        f"Nhiệm vụ thường xuyên: {ongoing_t}/{ongoing_t} đã báo cáo, {ongoing_t} Hoàn thành, "
        "0 Đang thực hiện" in body
    )
    scope = dash.Scope(province, home=province, chain=[province])
    d = dash.build(scope, filters_from_request({"ke_hoach": str(plan.pk)}, TODAY), TODAY)
    assert d.current.completion_rate == 100.0 and d.tasks.task_completion_rate == 100.0
    assert d.tasks.tasks_due > 0 and d.tasks.k[T.NO_DEADLINE] > 0
    tasks_due = count_text(d.tasks.tasks_due)
    assert f"100 % ({tasks_due}/{tasks_due} nhiệm vụ đến hạn" in body
    assert d.reporting.update_rate == 100.0 and d.current.update_rate == 100.0
    assert all(u.figures.completion_rate in (100.0, None) for u in d.units)
    assert all(u.figures.update_rate == 100.0 for u in d.units)

    # The consolidated report says the same.
    response = download_export(client, reverse("reports:consolidated", args=[period.pk, "xlsx"]))
    assert response.status_code == 200
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(response.content))["Tổng hợp"]]
    texts = [r[0] for r in rows if isinstance(r[0], str)]
    assert f"Tỷ lệ hoàn thành (phân công): 100 % ({due}/{due} phân công đến hạn trong kỳ)" in (
        texts
    )
    assert f"Tỷ lệ cập nhật: 100 % ({units}/{units} đơn vị nộp đúng hạn)" in texts
    total = next(r for r in rows if r[1] == "Tổng cộng")
    # Tổng số, đến hạn, HT đúng hạn, % … ; then lines sent, units expected / on time, rate
    assert total[2:6] == [n, due, due, 100.0]
    assert total[12] == ongoing
    assert total[13:20] == [n, 0, 0, 100.0, units, units, 100.0]
    # and the dashboard's unit-table export
    response = client.get(
        reverse("dashboards:dashboard_xlsx", args=[province.pk, "don-vi"]) + f"?ke_hoach={plan.pk}"
    )
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[3:5] == [n, due] and total[15] == 100.0  # completion over the lines due
    assert total[16:23] == [n, 0, 0, 100.0, units, units, 100.0]  # lines sent; per unit


# --- §6: no page crashes, whatever the periods ------------------------------------------------


def _no_periods():
    ProgressReport.objects.all().delete()
    ReportingPeriod.objects.all().delete()


def _state_no_periods():
    """Seed data as loaded: issued plans, no reporting period yet."""
    _no_periods()


def _state_only_adhoc():
    """A reviewer created an ad-hoc period on a plan without yearly periods."""
    _no_periods()
    for key in ("qn-17-kh-ubnd", "na-686-kh-ubnd"):
        plan = Plan.objects.get(seed_key=key)
        create_adhoc_period(plan, title="Sơ kết đột xuất", cutoff=date(2026, 12, 15))
    assert not ReportingPeriod.objects.filter(kind="yearly").exists()


def _state_only_closed():
    """Yearly (and ad-hoc) periods of the Quảng Ngãi plans, every one of them closed."""
    _no_periods()
    plans = Plan.objects.filter(seed_key__in=["qn-17-kh-ubnd", "pg-kh-ubnd"])
    ensure_periods(today=TODAY, plans=plans)
    create_adhoc_period(plans.get(seed_key="qn-17-kh-ubnd"), title="Đột xuất",
                        cutoff=date(2026, 12, 15))  # fmt: skip
    ReportingPeriod.objects.update(closed_at=timezone.now())
    assert ReportingPeriod.objects.exists()


def _state_plan_without_lines():
    """An issued plan with a reporting rule and yearly periods, but no task at all."""
    _no_periods()
    qn = OrgUnit.objects.get(key="qn")
    plan = Plan.objects.create(
        number="1/KH-TEST", title="Kế hoạch không có nhiệm vụ", issuer=qn,
        status=Plan.Status.ISSUED, issued_on=date(2025, 3, 1),
        follow_up_unit=OrgUnit.objects.get(key="qn-nhcsxh"), cutoff_day=30, cutoff_month=9,
    )  # fmt: skip
    ensure_periods(today=TODAY, plans=Plan.objects.filter(pk=plan.pk))
    create_adhoc_period(plan, title="Đột xuất", cutoff=date(2026, 12, 15))
    sync_lines(plan.reporting_periods.values_list("pk", flat=True))
    assert plan.reporting_periods.exists()
    assert not ProgressReport.objects.filter(period__plan=plan).exists()


STATES = {
    "no_periods": _state_no_periods,
    "only_adhoc": _state_only_adhoc,
    "only_closed": _state_only_closed,
    "plan_without_lines": _state_plan_without_lines,
}
# (username, unit key, role); None: a superuser. The demo logins, plus NHCSXH Việt Nam.
ROLES = [
    ("admin", None, None),
    ("nhcsxh.vn", "tw-nhcsxh", Profile.Role.REVIEWER),
    ("canbo.phuocgiang", "w21370", Profile.Role.OFFICER),
    ("canbo.sotaichinh", "qn-tai-chinh", Profile.Role.OFFICER),
    ("pgd.nghiahanh", "qn-pgd-532", Profile.Role.REVIEWER),
    ("nhcsxh.quangngai", "qn-nhcsxh", Profile.Role.REVIEWER),
    ("quantri.quangngai", "qn", Profile.Role.PROVINCE_ADMIN),
    ("lanhdao.quangngai", "qn", Profile.Role.LEADER),
    ("nhcsxh.nghean", "na-nhcsxh", Profile.Role.REVIEWER),
]
UNITS = ["qn", "na", "w21370", "qn-pgd-532"]
#: The default year (the latest with periods, else this year) and a past one.
YEARS = ["", "?nam=2025"]


def _urls() -> list[str]:
    """Every dashboard and export URL of reports/urls.py, over several units; the pages
    that choose a year, over several years."""
    task = Task.objects.filter(plan__seed_key="qn-17-kh-ubnd", kind="task").first()
    by_year = [
        reverse("dashboards:dashboard_national"),
        reverse("dashboards:dashboard_national_xlsx"),
    ]
    once = [reverse("dashboards:dashboard_home")]
    for key in UNITS:
        pk = OrgUnit.objects.get(key=key).pk
        by_year += [
            reverse("dashboards:dashboard", args=[pk]),
            reverse("dashboards:dashboard_xlsx", args=[pk, "don-vi"]),
        ]
        once += [
            *[reverse("dashboards:dashboard_xlsx", args=[pk, t]) for t in sorted(dash_tables())],
            reverse("dashboards:dashboard_overdue", args=[pk]),
            reverse("dashboards:dashboard_task", args=[pk, task.pk]),
            reverse("dashboards:dashboard_task_xlsx", args=[pk, task.pk]),
        ]
    return [u + y for u in by_year for y in YEARS] + once


def dash_tables() -> set[str]:
    from dashboards.views import TABLES

    return TABLES


@pytest.mark.parametrize("state", list(STATES))
def test_every_dashboard_and_export_answers_for_every_role(client, today, state):
    STATES[state]()
    urls = _urls()
    seen = {}
    for username, key, role in ROLES:
        if key is None:
            user = User.objects.create_superuser(username)
        else:
            user = User.objects.create_user(username)
            Profile.objects.create(user=user, unit=OrgUnit.objects.get(key=key), role=role)
        client.force_login(user)
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 302, 403, 404), (state, username, url, status)
            seen[(username, url)] = status
    # the pages were really drawn, not all refused
    qn = reverse("dashboards:dashboard", args=[OrgUnit.objects.get(key="qn").pk])
    assert seen[("nhcsxh.quangngai", qn)] == 200 and seen[("admin", qn + "?nam=2025")] == 200
    assert seen[("canbo.phuocgiang", qn)] == 404  # a commune officer never sees the province
    national = reverse("dashboards:dashboard_national_xlsx")
    assert seen[("nhcsxh.vn", national)] == 200 and seen[("nhcsxh.quangngai", national)] == 404


def test_adhoc_only_dashboard_shows_the_adhoc_rates(client, today):
    """The §6 crash: an ad-hoc period on a plan without yearly periods."""
    _state_only_adhoc()
    client.force_login(User.objects.create_superuser("root"))
    na = OrgUnit.objects.get(key="na")
    response = client.get(reverse("dashboards:dashboard", args=[na.pk]))
    assert response.status_code == 200
    assert "Đột xuất: Sơ kết đột xuất" in response.content.decode()
    scope = dash.Scope(na, home=na, chain=[na])
    d = dash.build(scope, filters_from_request({}, TODAY), TODAY)
    assert d.period_ids == [] and d.units == [] and d.current.n == 0
    assert sum(dash.rate_figures(p).n for p in d.periods) > 0
