"""Dashboards: figures match the hand-computed province of tests/dashboard_data.py
(group assignments, a merger mid-year, an ad-hoc period), agree with the consolidated
report, and each user sees only their scope (404 outside it)."""

import io
from datetime import date

import pytest
from django.urls import reverse

from dashboards import figures as dash
from dashboards.views import filters_from_request
from orgunits.models import OrgUnit, Profile
from reports.consolidate import build as consolidated
from reports.timeliness import Timeliness as T
from tests.dashboard_data import TODAY, build_fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def fx():
    return build_fixture()


@pytest.fixture
def today(monkeypatch):
    """The views' today is 23/11/2026, the day the fixture's figures are computed for."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


def board(unit, **params) -> dash.Dashboard:
    scope = dash.Scope(unit, home=unit, chain=[unit])
    return dash.build(scope, filters_from_request(params, TODAY), TODAY)


# --- figures ---------------------------------------------------------------------------------


def test_assignment_and_task_figures_match_the_hand_computed_case(fx):
    d = board(fx.province)
    assert d.years == [2025, 2026, 2027] and d.filters.year == 2026
    c = d.current
    assert c.n == 7  # xã Cẩm Thạch's line no longer counts (merged before the cutoff)
    assert c.t == {
        T.DONE_ON_TIME: 2, T.DONE_LATE: 1, T.NOT_DONE_IN_TIME: 1, T.NOT_DONE_OVERDUE: 2,
        T.NO_DEADLINE: 1, dash.DUE_SOON: 1,
    }  # fmt: skip
    # 3 done over the 6 lines due in the period; II.1's ongoing line (L7) is counted apart
    assert (c.due, c.completion_rate) == (6, 50.0)
    assert c.completion_text == "50 % (3/6 phân công đến hạn trong kỳ)"
    o = c.ongoing
    assert (o.expected, o.reported, o.done, o.in_progress) == (1, 1, 0, 1)
    assert o.text == "Nhiệm vụ thường xuyên: 1/1 đã báo cáo, 0 Hoàn thành, 1 Đang thực hiện"
    assert c.reported == {
        "done": 3, "in_progress": 2, "not_started": 0, "not_feasible": 0, "unreported": 2
    }  # fmt: skip
    # Each task once, by its lead lines: I.1 done late (An Bình on time, Bình Minh late),
    # I.2 overdue, II.1 no deadline, II.2 done on time.
    assert d.tasks.tasks == 4
    assert d.tasks.k == {
        T.DONE_ON_TIME: 1, T.DONE_LATE: 1, T.NOT_DONE_IN_TIME: 0, T.NOT_DONE_OVERDUE: 1,
        T.NO_DEADLINE: 1, dash.DUE_SOON: 0,
    }  # fmt: skip
    # 2 tasks done over the 3 tasks due (II.1 is ongoing)
    assert d.tasks.task_completion_text == "66,7 % (2/3 nhiệm vụ đến hạn trong kỳ)"
    assert [(r.label, r.figures.tasks, r.figures.n) for r in d.drill] == [
        ("Kế hoạch 99/KH-UBND — UBND tỉnh Thử Nghiệm", 4, 7)
    ]


def test_reporting_rate_of_the_period_and_the_adhoc_period(fx):
    d = board(fx.province)
    r = d.reporting  # the yearly period of 2026 only
    assert (r.n, r.s["on_time"], r.s["late"], r.s["missing"]) == (7, 4, 1, 2)
    assert r.line_submission_rate == 57.1 and r.submitted_rate == 71.4
    # Per unit: only xã An Bình sent every line on time (L1, L8); Bình Minh was late,
    # the finance department and the branch each left a line unsent.
    assert (r.units_on_time, r.units_expected, r.update_rate) == (1, 4, 25.0)
    assert r.update_text == "25 % (1/4 đơn vị nộp đúng hạn)"
    periods = {dash.period_label(p): dash.rate_figures(p) for p in d.periods}
    adhoc = periods["Đột xuất: Sơ kết 6 tháng đầu năm 2026"]
    assert (adhoc.n, adhoc.s["on_time"], adhoc.s["missing"]) == (8, 1, 7)
    assert periods["Năm 2025"].n == 8 and periods["Năm 2025"].s["missing"] == 8
    # the ad-hoc period is in the reporting rates, never in the year's status figures
    assert d.by_year[2025].n == 8 and d.by_year[2025].t[T.NOT_DONE_OVERDUE] == 6
    charts = dash.chart_data(d)
    assert "Đột xuất 15/06/2026" in charts["reporting"]["labels"]
    assert (
        "Báo cáo đột xuất: Sơ kết 6 tháng đầu năm 2026 (hạn 15/06/2026)"
        in (charts["reporting"]["titles"])
    )
    assert charts["years"]["series"][T.NOT_DONE_OVERDUE][:2] == [6, 2]


def test_units_sections_and_overdue_days(fx):
    d = board(fx.province)
    rows = {u.name: u for u in d.units}
    assert set(rows) == {
        "Chi nhánh NHCSXH tỉnh Thử Nghiệm", "Sở Tài chính", "UBND xã An Bình", "UBND xã Bình Minh"
    }  # fmt: skip
    assert rows["UBND xã An Bình"].figures.n == 2
    assert rows["UBND xã An Bình"].figures.completion_rate == 100.0
    assert rows["UBND xã An Bình"].figures.update_rate == 100.0
    assert rows["Sở Tài chính"].figures.t[T.NOT_DONE_OVERDUE] == 2
    branch = rows["Chi nhánh NHCSXH tỉnh Thử Nghiệm"].figures
    assert branch.line_submission_rate == 50.0  # L7 on time, L6 not sent
    assert (branch.units_expected, branch.update_rate) == (1, 0.0)
    assert d.units[0].name == "Sở Tài chính"  # ranked by overdue count
    s1, s2 = (c.tree_id for c in d.columns)
    cells = rows["Sở Tài chính"].cells
    assert (cells[s1].n, cells[s1].done) == (2, 0) and s2 not in cells
    an_binh = rows["UBND xã An Bình"].cells
    assert (an_binh[s1].n, an_binh[s1].done, an_binh[s2].n, an_binh[s2].done) == (1, 1, 1, 1)
    overdue = list(dash.overdue_lines(d.scope, d.filters, TODAY, d.period_ids))
    assert [(line.pk, (TODAY - line.dl).days) for line in overdue] == [
        (fx.lines["L5"].pk, 146),
        (fx.lines["L4"].pk, 54),
    ]


def test_filters_section_role_status_and_kind(fx):
    s1 = fx.sections[0]
    d = board(fx.province, ke_hoach=str(fx.plan.pk), muc=str(s1.pk))
    assert d.level == "task" and [r.code for r in d.drill] == ["I.1", "I.2"]
    assert d.current.n == 5 and d.tasks.tasks == 2
    d = board(fx.province, ke_hoach=str(fx.plan.pk))
    assert d.level == "section" and [(r.code, r.figures.tasks) for r in d.drill] == [
        ("I", 2),
        ("II", 2),
    ]
    d = board(fx.province, vai_tro="lead")
    assert d.current.n == 5 and d.tasks.tasks == 4
    d = board(fx.province, tinh_trang=T.NOT_DONE_OVERDUE)
    assert d.current.n == 2 and d.tasks.tasks == 1 and d.tasks.k[T.NOT_DONE_OVERDUE] == 1
    d = board(fx.province, tinh_trang=dash.DUE_SOON)
    assert d.current.n == 1 and d.tasks.tasks == 0
    d = board(fx.province, loai="commune")  # lines of communes; tasks by communes' lead lines
    assert d.current.n == 3 and d.tasks.tasks == 2
    assert d.tasks.k[T.DONE_LATE] == 1 and d.tasks.k[T.DONE_ON_TIME] == 1
    d = board(fx.province, nam="2025")
    assert d.current.n == 8 and d.current.t[T.NOT_DONE_OVERDUE] == 6


def test_scopes_commune_and_transaction_office(fx):
    assert board(fx.x1).current.n == 2
    pgd = board(fx.pgd)
    assert {u.name for u in pgd.units} == {"UBND xã An Bình", "UBND xã Bình Minh"}
    assert pgd.current.n == 3 and pgd.current.done == 3


def test_dashboard_export_and_consolidated_report_agree(fx):
    data = consolidated(fx.period_2026, TODAY)
    d = board(fx.province, ke_hoach=str(fx.plan.pk))
    total = data.unit_total
    assert total.total == d.current.n == 7
    assert total.timeliness == {k: d.current.t[k] for k in T.ORDER}
    assert total.submission == d.current.s
    assert data.task_counts.total == d.tasks.tasks
    assert data.task_counts.timeliness == {k: d.tasks.k[k] for k in T.ORDER}
    by_unit = {name: c for _, name, c in data.units}
    commune = next(u for u in d.units if u.name == "UBND xã An Bình")
    assert by_unit["UBND xã An Bình"].total == commune.figures.n
    assert by_unit["UBND xã An Bình"].update_rate == commune.figures.update_rate


def test_sql_task_status_is_combine_task(fx):
    """Each task's status from the SQL rule equals timeliness.combine_task."""
    from reports.models import ProgressReport
    from reports.timeliness import combine_task, timeliness_expression

    d = board(fx.province, ke_hoach=str(fx.plan.pk), muc=str(fx.sections[0].pk))
    for row in d.drill:
        lead = ProgressReport.objects.filter(
            period=fx.period_2026, task_id=row.key, role="lead", active=True
        ).annotate(tl=timeliness_expression(TODAY))
        expected = combine_task([x.tl for x in lead])
        assert [k for k in T.ORDER if row.figures.k[k]] == [expected]


# --- pages -----------------------------------------------------------------------------------


def test_branch_officer_lands_on_the_province_dashboard(client, fx, today):
    user = make_user("cn", fx.branch, Profile.Role.REVIEWER)
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboards:dashboard", args=[fx.province.pk])
    body = response.content.decode()
    assert "Bảng theo dõi: Ủy ban nhân dân tỉnh Thử Nghiệm" in body
    assert 'id="n-tasks">4<' in body and 'id="n-lines">7<' in body
    assert "mỗi đơn vị" in body and "một lần" in body  # says which figure is which
    assert 'id="update-rate">25%<' in body and "1/4 đơn vị nộp đúng hạn" in body
    assert "tỷ lệ dòng báo cáo nộp đúng hạn" in body.lower()
    assert "50 % (3/6 phân công đến hạn trong kỳ)" in body
    assert "66,7 % (2/3 nhiệm vụ đến hạn trong kỳ)" in body
    assert "Nhiệm vụ thường xuyên: 1/1 đã báo cáo, 0 Hoàn thành, 1 Đang thực hiện" in body
    assert "146 ngày" in body and "54 ngày" in body
    assert "dashboard-data" in body  # the charts' JSON
    # htmx: a filter change returns the content only
    partial = client.get(
        reverse("dashboards:dashboard", args=[fx.province.pk]) + "?vai_tro=lead",
        HTTP_HX_REQUEST="true",
    )
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_officer_lands_on_their_units_tasks_not_the_dashboard(client, fx):
    client.force_login(make_user("cb", fx.dept))
    assert client.get("/")["Location"] == reverse("tasks:my_tasks")


def test_query_count_does_not_grow_with_units(client, fx, today, django_assert_max_num_queries):
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard", args=[fx.province.pk])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    # Twenty more communes, each given I.1 through the group, each with reports.
    from reports.periods import sync_lines
    from tasks.expansion import expand_plan

    for n in range(20):
        fx.province.refresh_from_db()
        OrgUnit.objects.create(
            key=f"tt-more-{n}", name=f"Ủy ban nhân dân xã Thêm {n:02d}",
            short_name=f"UBND xã Thêm {n:02d}", kind=OrgUnit.Kind.COMMUNE, parent=fx.province,
        )  # fmt: skip
    expand_plan(fx.plan, today=TODAY)
    sync_lines(fx.plan.reporting_periods.filter(year=2027).values_list("pk", flat=True))
    for params in ["", f"?ke_hoach={fx.plan.pk}", f"?ke_hoach={fx.plan.pk}&muc={fx.sections[0].pk}",
                   "?tinh_trang=not_done_overdue&vai_tro=lead&loai=commune"]:  # fmt: skip
        with django_assert_max_num_queries(14):
            assert client.get(url + params).status_code == 200
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("dashboards:dashboard_overdue", args=[fx.province.pk])).status_code
            == 200
        )
    with django_assert_max_num_queries(14):
        assert (
            client.get(
                reverse("dashboards:dashboard_task", args=[fx.province.pk, fx.tasks[0].pk])
            ).status_code
            == 200
        )


def test_drill_down_and_task_page(client, fx, today):
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    base = reverse("dashboards:dashboard", args=[fx.province.pk])
    body = client.get(f"{base}?ke_hoach={fx.plan.pk}").content.decode()
    assert "Theo mục" in body and f"muc={fx.sections[0].pk}" in body
    body = client.get(f"{base}?ke_hoach={fx.plan.pk}&muc={fx.sections[0].pk}").content.decode()
    task_url = reverse("dashboards:dashboard_task", args=[fx.province.pk, fx.tasks[0].pk])
    assert task_url in body
    body = client.get(task_url).content.decode()
    assert "Tổ chức quán triệt Chỉ thị 39" in body
    assert "UBND xã An Bình" in body and "UBND xã Bình Minh" in body
    assert "Hoàn thành trễ hạn" in body  # I.1's status from its lead units
    assert reverse("reports:report_detail", args=[fx.lines["L1"].pk]) in body
    # along the unit tree: province → commune
    body = client.get(reverse("dashboards:dashboard", args=[fx.x1.pk])).content.decode()
    assert "Bảng theo dõi: Ủy ban nhân dân xã An Bình" in body


def test_exports_follow_the_filters(client, fx, today):
    from openpyxl import load_workbook

    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))

    def sheet(table, query=""):
        url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, table]) + query
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        return [[c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active]

    rows = sheet("phan-cong")
    data = [r for r in rows if isinstance(r[0], int)]
    assert len(data) == 7
    rows = sheet("phan-cong", "?vai_tro=lead")
    assert len([r for r in rows if isinstance(r[0], int)]) == 5
    rows = sheet("qua-han")
    data = [r for r in rows if isinstance(r[0], int)]
    assert [(r[1], r[10]) for r in data] == [("Sở Tài chính", 146), ("Sở Tài chính", 54)]
    assert all(r[9] == "Chưa hoàn thành quá hạn" for r in data)
    rows = sheet("don-vi")
    total = next(r for r in rows if r[1] == "Tổng cộng")
    # Tổng số, đến hạn trong kỳ, HT đúng hạn, % (of the 6 due), HT trễ hạn
    assert total[3:8] == [7, 6, 2, 33.3, 1]
    # lines on time / late / missing, line rate, units expected, on time, update rate
    assert total[16:23] == [4, 1, 2, 57.1, 4, 1, 25.0]
    rows = sheet("bang", f"?ke_hoach={fx.plan.pk}")
    assert [r[0] for r in rows if r[0] in ("I", "II")] == ["I", "II"]
    rows = sheet("ky")
    assert any(r[2] == "Đột xuất: Sơ kết 6 tháng đầu năm 2026" for r in rows)


# --- who sees what ---------------------------------------------------------------------------


def test_commune_officer_never_sees_another_commune(client, fx, today):
    client.force_login(make_user("xa", fx.x1))
    assert client.get("/bao-cao/theo-doi/")["Location"].startswith(
        reverse("dashboards:dashboard", args=[fx.x1.pk])
    )
    body = client.get(reverse("dashboards:dashboard", args=[fx.x1.pk])).content.decode()
    assert "UBND xã An Bình" in body and "Bình Minh" not in body and "Sở Tài chính" not in body
    for unit in (fx.x2, fx.province, fx.pgd, fx.dept):
        assert client.get(reverse("dashboards:dashboard", args=[unit.pk])).status_code == 404
    assert (
        client.get(reverse("dashboards:dashboard_xlsx", args=[fx.x2.pk, "don-vi"])).status_code
        == 404
    )
    xlsx = client.get(reverse("dashboards:dashboard_xlsx", args=[fx.x1.pk, "phan-cong"])).content
    from openpyxl import load_workbook

    names = {r[1] for r in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)}
    assert "UBND xã Bình Minh" not in names and "UBND xã An Bình" in names
    assert client.get(reverse("dashboards:dashboard_national")).status_code == 404


def test_transaction_office_sees_only_the_communes_it_serves(client, fx, today):
    client.force_login(make_user("pgd", fx.pgd, Profile.Role.REVIEWER))
    response = client.get("/bao-cao/theo-doi/")
    assert response["Location"] == reverse("dashboards:dashboard", args=[fx.pgd.pk])
    body = client.get(response["Location"]).content.decode()
    assert "UBND xã An Bình" in body and "UBND xã Bình Minh" in body
    assert "Cẩm Thạch" not in body and "Sở Tài chính" not in body
    assert client.get(reverse("dashboards:dashboard", args=[fx.x1.pk])).status_code == 200
    for unit in (fx.x3, fx.province, fx.dept, fx.branch):
        assert client.get(reverse("dashboards:dashboard", args=[unit.pk])).status_code == 404


def test_another_province_is_404_and_leader_sees_the_province(client, fx, today):
    client.force_login(make_user("na", OrgUnit.objects.get(key="na-nhcsxh"), Profile.Role.REVIEWER))
    assert client.get(reverse("dashboards:dashboard", args=[fx.province.pk])).status_code == 404
    task = reverse("dashboards:dashboard_task", args=[fx.province.pk, fx.tasks[0].pk])
    assert client.get(task).status_code == 404
    na = OrgUnit.objects.get(key="na")
    assert (
        client.get(reverse("dashboards:dashboard_task", args=[na.pk, fx.tasks[0].pk])).status_code
        == 404
    )
    client.force_login(make_user("ld", fx.province, Profile.Role.LEADER))
    assert client.get(reverse("dashboards:dashboard", args=[fx.province.pk])).status_code == 200
    client.force_login(make_user("sotc", fx.dept))  # a department officer: own unit only
    assert client.get(reverse("dashboards:dashboard", args=[fx.province.pk])).status_code == 404
    assert client.get(reverse("dashboards:dashboard", args=[fx.dept.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("dashboards:dashboard", args=[fx.province.pk])).status_code == 302


def test_national_user_sees_one_row_per_province_and_drills_in(
    client, fx, today, django_assert_max_num_queries
):
    client.force_login(make_user("tw", OrgUnit.objects.get(key="tw-nhcsxh"), Profile.Role.REVIEWER))
    assert client.get("/")["Location"] == reverse("dashboards:dashboard_national")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("dashboards:dashboard_national"))
    body = response.content.decode()
    assert body.count('<option value="2026"') == 1  # each year once in the filter
    assert body.count('class="dash-name"><a href="/bao-cao/theo-doi/') >= 1
    assert "UBND tỉnh Thử Nghiệm" in body
    f = filters_from_request({}, TODAY)
    ids = list(
        fx.plan.reporting_periods.filter(year=2026, kind="yearly").values_list("pk", flat=True)
    )
    rows = {r["unit_id"]: dash.Figures.of(r) for r in dash.national_table(f, TODAY, ids)}
    assert rows[fx.province.pk].n == 7 and rows[fx.province.pk].tasks == 4
    assert client.get(reverse("dashboards:dashboard", args=[fx.province.pk])).status_code == 200
    assert client.get(reverse("dashboards:dashboard", args=[fx.x2.pk])).status_code == 200
    xlsx = client.get(reverse("dashboards:dashboard_national_xlsx"))
    assert xlsx.status_code == 200


def test_empty_province_says_why(client, today):
    """Quảng Ngãi's 17/KH-UBND has no reporting rule in the seeds: no period, no figures."""
    client.force_login(make_user("qn", OrgUnit.objects.get(key="qn-nhcsxh"), Profile.Role.REVIEWER))
    body = client.get("/bao-cao/theo-doi/", follow=True).content.decode()
    assert "Chưa có kỳ báo cáo nào" in body
    # ... and which plans wait for what: 17/KH-UBND has no cutoff; Phước Giang's is issued
    # (chưa rõ số) with its rule, its first period comes with the daily run
    waiting = body.split('id="waiting-table"')[1].split("</table>")[0]
    row_17 = waiting.split("Kế hoạch 17/KH-UBND")[1].split("</tr>")[0]
    assert "Chưa ghi hạn báo cáo hằng năm" in row_17
    row_pg = waiting.split("Phước Giang (chưa rõ số)")[1].split("</tr>")[0]
    assert "kỳ báo cáo đầu tiên được tạo" in row_pg and "25/09 (năm 2025: 31/12/2025)" in row_pg
    assert "686/KH-UBND" not in waiting  # Nghệ An's plan is another province's


def test_empty_dashboard_lists_only_plans_the_user_may_see(
    client, today, django_assert_max_num_queries
):
    """Another commune's officer never learns of Phước Giang's draft from the empty state."""
    thien_tin = OrgUnit.objects.get(key="w21388")
    client.force_login(make_user("tt", thien_tin, Profile.Role.OFFICER))
    url = reverse("dashboards:dashboard", args=[thien_tin.pk])
    with django_assert_max_num_queries(16):  # visible_plans: +2 for a commune
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chưa có kỳ báo cáo nào" in body
    assert "Kế hoạch 17/KH-UBND" in body  # it assigns work to every commune
    assert "Phước Giang" not in body


def test_timeliness_moves_with_the_day(fx):
    """On 01/09/2026 only I.2 of the finance department (due 30/06) was overdue; the
    coordinating line of I.1 (due 30/09) was still in time."""
    day = date(2026, 9, 1)
    scope = dash.Scope(fx.province, home=fx.province, chain=[fx.province])
    d = dash.build(scope, filters_from_request({}, day), day)
    assert d.current.t[T.NOT_DONE_OVERDUE] == 1 and d.current.t[T.NOT_DONE_IN_TIME] == 2


def test_due_soon_follows_the_plans_window(client, fx, today):
    """Due soon is the plan's window (ReminderPolicy), 7 days by default."""
    from openpyxl import load_workbook

    from reports.models import ReminderPolicy

    ReminderPolicy.objects.create(plan=fx.plan, due_soon_days=3)
    assert board(fx.province).current.t[dash.DUE_SOON] == 0  # 30/11 is 7 days away
    ReminderPolicy.objects.filter(plan=fx.plan).update(due_soon_days=10)
    d = board(fx.province, tinh_trang=dash.DUE_SOON)
    assert d.current.n == 1 and d.current.t[dash.DUE_SOON] == 1
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "phan-cong"])
    book = load_workbook(io.BytesIO(client.get(url + "?tinh_trang=due_soon").content))
    data = [r for r in book.active.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [(r[1], r[6].date()) for r in data] == [
        ("Chi nhánh NHCSXH tỉnh Thử Nghiệm", date(2026, 11, 30))
    ]


def test_unit_filter_lists_the_units_below(client, fx, today):
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    body = client.get(reverse("dashboards:dashboard", args=[fx.province.pk])).content.decode()
    assert 'id="f-dv"' in body
    assert f'value="{reverse("dashboards:dashboard", args=[fx.x1.pk])}?nam=2026"' in body


#: A task text and a unit name far wider than their columns (60 and 34 units wide).
LONG_TASK = (
    "Rà soát, cập nhật danh sách hộ nghèo, hộ cận nghèo và hộ mới thoát nghèo trên địa bàn; "
    "phối hợp với Ngân hàng Chính sách xã hội giải ngân kịp thời nguồn vốn tín dụng ưu đãi, "
    "kiểm tra việc sử dụng vốn vay đúng mục đích và báo cáo kết quả định kỳ hằng quý "
    "về Ủy ban nhân dân tỉnh qua Sở Tài chính trước ngày 25 của tháng cuối quý."
)
LONG_UNIT = "Phòng Giao dịch Ngân hàng Chính sách xã hội huyện miền núi biên giới phía Tây"


def _min_lines(text: str, width: float) -> int:
    """Lines `text` needs at least in a column `width` wide: no print fits more than 1.6
    characters per unit of width (Times New Roman 11 through LibreOffice)."""
    return -(-len(text) // int(width * 1.6))


def _long_texts(fx):
    from tasks.models import Task

    Task.objects.filter(pk=fx.tasks[0].pk).update(content=LONG_TASK)
    OrgUnit.objects.filter(pk=fx.x1.pk).update(short_name=LONG_UNIT)


def _xlsx(client, url):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(client.get(url).content)).active


def _header_row(ws, first="STT") -> int:
    return next(r[0].row for r in ws.iter_rows() if r[0].value == first)


def _assert_prints(ws, header: int, columns: int, name: str) -> int:
    """Header row repeated on each printed page, AutoFilter over the data (not the total),
    A4 landscape one page wide, Times New Roman with borders. Returns the last data row."""
    from openpyxl.utils import get_column_letter

    assert ws.print_title_rows == f"${header}:${header}", name
    first, last_cell = ws.auto_filter.ref.split(":")
    assert first == f"A{header}", name
    assert last_cell.rstrip("0123456789") == get_column_letter(columns), name
    last = int(last_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert last > header and ws.cell(row=last, column=2).value != "Tổng cộng", name
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, name
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, name
    for row in (header, header + 1, last):
        assert ws.cell(row=row, column=2).font.name == "Times New Roman", (name, row)
    assert ws.cell(row=header + 1, column=2).border.left.style == "thin", name
    return last


def test_exports_print_with_header_filter_and_row_heights(client, fx):
    """Wrapped text gets a row height, the header row repeats on each page and filters."""
    _long_texts(fx)
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    for table in ("phan-cong", "qua-han", "don-vi"):
        ws = _xlsx(client, reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, table]))
        header = _header_row(ws)
        _assert_prints(ws, header, ws.max_column, table)
    ws = _xlsx(client, reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "phan-cong"]))
    header = _header_row(ws)
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMN"}
    rows = list(ws.iter_rows(min_row=header + 1))
    long_rows = [r for r in rows if r[4].value == LONG_TASK]
    others = [r for r in rows if r[4].value != LONG_TASK and r[1].value != LONG_UNIT]
    assert long_rows and others, "the fixture lists the long task and others"
    lines = _min_lines(LONG_TASK, widths["E"])
    assert lines >= 3
    height = {r[0].row: ws.row_dimensions[r[0].row].height or 15 for r in rows}
    for row in long_rows:
        assert row[4].alignment.wrap_text
        # The row grows with its text: at least 15 points per line it needs …
        assert height[row[0].row] >= 15 * lines, row[0].row
    # … and only the rows of long text grow that much.
    assert max(height[r[0].row] for r in others) < min(height[r[0].row] for r in long_rows)
    unit_rows = [r for r in rows if r[1].value == LONG_UNIT]
    assert unit_rows and all(r[1].alignment.wrap_text for r in unit_rows)
    for row in unit_rows:
        needed = max(_min_lines(LONG_UNIT, widths["B"]), _min_lines(str(row[4].value), widths["E"]))
        assert needed >= 2 and ws.row_dimensions[row[0].row].height >= 15 * needed, row[0].row
    for row in rows:
        longest = max(
            (len(c.value) / (widths.get(c.column_letter) or 10) for c in row
             if isinstance(c.value, str) and c.alignment.wrap_text), default=0,
        )  # fmt: skip
        if longest > 1.5:  # text wider than its column: the row is tall enough for it
            assert ws.row_dimensions[row[0].row].height >= 15 * int(longest / 1.3), row[0].row


def test_task_export_prints_with_header_filter_font_and_row_heights(client, fx):
    """The per-task export (dashboard_task_xlsx) prints like the others: the header row
    repeated, an AutoFilter, Times New Roman, and rows as tall as their wrapped text."""
    _long_texts(fx)
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard_task_xlsx", args=[fx.province.pk, fx.tasks[0].pk])
    ws = _xlsx(client, url)
    header = _header_row(ws, "Kỳ báo cáo")
    assert [c.value for c in ws[header]][1:3] == ["STT", "Đơn vị"]
    last = _assert_prints(ws, header, ws.max_column, "nhiệm vụ")
    assert ws.cell(row=1, column=1).font.name == "Times New Roman"
    data = [ws[r] for r in range(header + 1, last + 1)]
    assert data and all(row[5].value == LONG_TASK for row in data)
    lines = _min_lines(LONG_TASK, ws.column_dimensions["F"].width)
    assert lines >= 3
    for row in data:
        assert row[5].alignment.wrap_text
        assert ws.row_dimensions[row[0].row].height >= 15 * lines, row[0].row


def _plan_options(page: str) -> list[str]:
    """The texts of the dashboard's plan filter options (select#f-kh)."""
    import re
    from html import unescape

    select = re.search(r'<select[^>]*id="f-kh".*?</select>', page, re.S)
    assert select, "the dashboard has its plan filter"
    return [unescape(t).strip() for t in re.findall(r"<option[^>]*>(.*?)</option>", select[0])]


def test_plan_filter_counts_the_plans_it_lists(client, fx, today):
    """The first option counts exactly the plans listed below it (it once said
    "Tất cả kế hoạch (0)" above four plans)."""
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard", args=[fx.province.pk])
    first, *plans = _plan_options(client.get(url).content.decode())
    assert plans and any(p.startswith(fx.plan.label) for p in plans)
    assert first == f"Tất cả kế hoạch có số liệu ({len(plans)})"
    chosen = client.get(url, {"ke_hoach": fx.plan.pk}).content.decode()
    first, *listed = _plan_options(chosen)
    assert first == "Tất cả kế hoạch (bỏ chọn kế hoạch)" and listed == plans
