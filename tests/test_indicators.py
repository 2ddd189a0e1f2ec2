"""Plan indicators: every seed target, copied to derived commune plans (set-based), evaluated
against the target, rolled up the unit tree, shown on dashboards and in the exports."""

import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboards import figures as dash
from dashboards.indicators import rollup_by_unit
from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from reports.consolidate import build as consolidated
from reports.consolidate import to_docx, to_xlsx
from reports.indicators import (
    SEED_INDICATORS,
    ensure_indicators,
    evaluate,
    rollup,
    vn_number,
)
from reports.models import Indicator, IndicatorValue, ProgressReport
from tasks.models import Assignment
from tasks.workflow import derive_commune_plan
from tests.dashboard_data import TODAY, build_fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def derived_plans(count):
    source = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    communes = OrgUnit.objects.filter(kind="commune", tree_id=source.issuer.tree_id)[:count]
    return [derive_commune_plan(source, c).plan for c in communes]


def test_derived_plans_get_the_provincial_indicators():
    ensure_indicators(Plan.objects.filter(seed_key="qn-17-kh-ubnd"))
    (plan,) = derived_plans(1)
    Indicator.objects.filter(plan=plan).delete()
    assert ensure_indicators([plan]) == 3
    codes = set(Indicator.objects.filter(plan=plan).values_list("code", flat=True))
    assert codes == {"von-uy-thac", "ty-le-tang-truong", "ty-trong-tong-nguon-von"}
    assert ensure_indicators([plan]) == 0  # idempotent


@pytest.mark.parametrize("count", [2, 6])
def test_queries_do_not_grow_with_plans(count, django_assert_max_num_queries):
    ensure_indicators(Plan.objects.filter(seed_key="qn-17-kh-ubnd"))
    plans = derived_plans(count)
    Indicator.objects.filter(plan__in=plans).delete()
    with django_assert_max_num_queries(5):
        created = ensure_indicators(plans)
    assert created == 3 * count


# --- every seed target is an indicator ---------------------------------------------------

#: (plan key, task, code, target_min, target_max, target_year, from_year, aggregation, words
#: of the task's text stating the target), one row per numeric target of the seed texts.
SEED_TARGETS = [
    ("qn-17-kh-ubnd", "IV.1.a", "ty-le-tang-truong", "15", "20", None, None, "avg", "15 - 20%"),
    ("qn-17-kh-ubnd", "IV.1.a", "ty-trong-tong-nguon-von", "15", None, 2030, None, "avg",
     "đến năm 2030 chiếm 15%"),
    ("kt-kh-ubnd", "IV.1.a", "ty-le-tang-truong", "15", "20", None, None, "avg", "15-20%"),
    ("kt-kh-ubnd", "IV.1.a", "ty-trong-tong-nguon-von", "15", None, 2030, None, "avg",
     "2030 chiếm 15%"),
    ("na-686-kh-ubnd", "4.1", "ty-le-tang-truong", "15", "20", None, None, "avg", "15%-20%"),
    ("na-686-kh-ubnd", "4.1", "ty-trong-tong-nguon-von", "15", None, 2030, None, "avg",
     "chiếm 15% tổng nguồn vốn"),
    ("pg-kh-ubnd", "4.a", "ty-le-tang-truong", "15", "20", None, None, "avg", "15 - 20%"),
    ("pg-kh-ubnd", "4.a", "ty-trong-tong-nguon-von", "15", None, 2030, None, "avg",
     "2030 chiếm 15%"),
    ("dn-kh-ubnd", "3.d", "ty-le-tang-truong", "25", None, None, None, "avg",
     "khoảng 25% tăng trưởng dư nợ"),
    ("dn-kh-ubnd", "3.d", "ty-trong-tong-nguon-von", "30", None, 2030, None, "avg",
     "khoảng 30% tổng nguồn vốn"),
    ("dn-kh-ubnd", "3.d", "tang-truong-du-no", "10", None, None, 2026, "avg",
     "từ năm 2026 trở đi của Chi nhánh Ngân hàng CSXH thành phố đạt từ 10%/năm trở lên"),
    ("dn-kh-ubnd", "4.e", "tiep-can-dich-vu", "100", None, None, None, "avg",
     "đảm bảo 100% người nghèo"),
]  # fmt: skip


def _dec(v):
    return None if v is None else Decimal(v)


def test_every_seed_target_is_an_indicator_with_its_target():
    """load_seeds (run for the test database) created them; the table is the seed texts'."""
    found = {
        (i.plan.seed_key, i.task.full_code, i.code): i
        for i in Indicator.objects.filter(plan__seed_key__isnull=False).select_related(
            "plan", "task"
        )
        if i.target_min is not None or i.target_max is not None
    }
    assert len(found) == len(SEED_TARGETS) == 12
    for key, task, code, low, high, year, from_year, aggregation, words in SEED_TARGETS:
        i = found[(key, task, code)]
        assert words in " ".join(i.task.content.split()), (key, task, words)
        assert (i.target_min, i.target_max) == (_dec(low), _dec(high)), (key, code)
        assert (i.target_year, i.from_year, i.aggregation) == (year, from_year, aggregation)
        assert i.comparison == "min" and i.target_text
    # the amounts are summed, without a target (none in the texts)
    capital = Indicator.objects.filter(plan__seed_key__isnull=False, code="von-uy-thac")
    assert capital.count() == 5
    assert {(c.aggregation, c.target_min) for c in capital} == {("sum", None)}


def test_load_seeds_adds_missing_indicators_and_fixes_old_definitions():
    """A database seeded before: Đồng Nai had 3 indicators, without roll-up settings."""
    dn = Plan.objects.get(seed_key="dn-kh-ubnd")
    Indicator.objects.filter(plan=dn, code__in=["tang-truong-du-no", "tiep-can-dich-vu"]).delete()
    Indicator.objects.filter(plan=dn).update(aggregation="sum", target_text="")
    call_command("load_seeds", verbosity=0, stdout=StringIO())
    assert Indicator.objects.filter(plan=dn).count() == 5
    assert set(Indicator.objects.filter(plan=dn, unit_label="%").values_list(
        "aggregation", flat=True)) == {"avg"}  # fmt: skip
    assert ensure_indicators(Plan.objects.filter(seed_key__in=SEED_INDICATORS)) == 0


# --- evaluation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, text",
    [
        ("2.5", "2,5"),
        ("1200", "1.200"),
        ("1234567.50", "1.234.567,5"),
        ("0.005", "0,01"),
        ("15.00", "15"),
        ("-3.25", "-3,25"),
    ],
)
def test_vietnamese_number_format(number, text):
    assert vn_number(Decimal(number)) == text


def ind(low=None, high=None, unit="%", comparison="min", from_year=None, target_year=None):
    return Indicator(
        code="x", name="x", unit_label=unit, target_min=_dec(low), target_max=_dec(high),
        comparison=comparison, from_year=from_year, target_year=target_year,
    )  # fmt: skip


@pytest.mark.parametrize(
    "indicator, value, year, expected",
    [
        (ind("15", "20"), "17.5", 2026, ("đạt", "vượt 2,5 điểm %")),
        (ind("15", "20"), "15", 2026, ("đạt", "đúng mục tiêu")),
        (ind("15", "20"), "12.4", 2026, ("chưa đạt", "còn thiếu 2,6 điểm %")),
        (ind("15", "20", comparison="range"), "22", 2026, ("chưa đạt", "vượt mức trên 2 điểm %")),
        (ind("15", "20", comparison="range"), "18", 2026, ("đạt", "vượt 3 điểm %")),
        (ind("100"), "100", 2026, ("đạt", "đúng mục tiêu")),
        (ind("100"), "97.5", 2026, ("chưa đạt", "còn thiếu 2,5 điểm %")),
        (ind("5000", unit="triệu đồng"), "3800", 2026,
         ("chưa đạt", "còn thiếu 1.200 triệu đồng")),
        (ind(high="5", comparison="max"), "6.25", 2026,
         ("chưa đạt", "vượt mức tối đa 1,25 điểm %")),
        (ind(high="5", comparison="max"), "4", 2026, ("đạt", "thấp hơn mức tối đa 1 điểm %")),
        (ind("10", from_year=2026), "8", 2025, ("chưa áp dụng", "áp dụng từ năm 2026")),
        (ind("10", from_year=2026), "8", 2026, ("chưa đạt", "còn thiếu 2 điểm %")),
        (ind("10", from_year=2026), None, 2027, ("chưa có số liệu", "")),
        (ind(unit="triệu đồng"), "1000", 2026, ("không đặt mục tiêu", "")),
        (ind("30", target_year=2030), "31", 2026, ("đạt", "vượt 1 điểm %")),
    ],
)  # fmt: skip
def test_evaluate(indicator, value, year, expected):
    assert evaluate(indicator, _dec(value), year) == expected


# --- roll-up over the unit tree, dashboard, exports ---------------------------------------


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def fx():
    """The hand-computed province of tests/dashboard_data.py, with two indicators on
    task I.1 (lead: the communes): xã An Bình and xã Bình Minh submitted their figures for
    2026, xã Cẩm Thạch's draft (L3) does not count."""
    fx = build_fixture()
    t1 = fx.tasks[0]
    capital = Indicator.objects.create(
        plan=fx.plan, task=t1, code="von", name="Vốn ủy thác", unit_label="triệu đồng",
        target_min=Decimal("3000"), target_text="3.000 triệu đồng", aggregation="sum",
    )  # fmt: skip
    rate = Indicator.objects.create(
        plan=fx.plan, task=t1, code="ty-le", name="Tỷ lệ tăng trưởng", unit_label="%",
        target_min=Decimal("15"), target_text="từ 15% trở lên", aggregation="avg", position=1,
    )  # fmt: skip
    for line, money, pct in [("L1", "1200.50", "20"), ("L2", "800", "12"), ("L3", "5000", "99")]:
        IndicatorValue.objects.create(report=fx.lines[line], indicator=capital, value=money)
        IndicatorValue.objects.create(report=fx.lines[line], indicator=rate, value=pct)
    return fx


def test_rollup_sums_amounts_and_averages_rates_up_the_tree(fx, django_assert_max_num_queries):
    province = dash.Scope(fx.province, home=fx.province, chain=[fx.province])
    with django_assert_max_num_queries(1):
        capital, rate = rollup(fx.plan.pk, 2026, province.q("unit__"))
    assert (capital.value, capital.units, capital.reports) == (Decimal("2000.50"), 2, 2)
    assert (capital.verdict, capital.difference) == ("chưa đạt", "còn thiếu 999,5 triệu đồng")
    assert (rate.value, rate.verdict, rate.difference) == (Decimal("16.00"), "đạt", "vượt 1 điểm %")
    x2 = dash.Scope(fx.x2, home=fx.x2, chain=[fx.x2])
    capital, rate = rollup(fx.plan.pk, 2026, x2.q("unit__"))
    assert (capital.value, rate.value) == (Decimal("800.00"), Decimal("12.00"))
    assert (rate.verdict, rate.difference) == ("chưa đạt", "còn thiếu 3 điểm %")
    # another year: nothing reported yet
    capital, rate = rollup(fx.plan.pk, 2025, province.q("unit__"))
    assert (capital.value, capital.verdict, rate.verdict) == (None, "chưa có số liệu",
                                                             "chưa có số liệu")  # fmt: skip
    # accepting a report keeps it counted; returning it takes it out
    ProgressReport.objects.filter(pk=fx.lines["L2"].pk).update(state="returned")
    capital, rate = rollup(fx.plan.pk, 2026, province.q("unit__"))
    assert (capital.value, rate.value, rate.units) == (Decimal("1200.50"), Decimal("20.00"), 1)


def test_rollup_by_unit_gives_each_subtree_its_figure(fx, django_assert_max_num_queries):
    # a value reported by a unit under xã Bình Minh counts in xã Bình Minh's subtree
    fx.x2.refresh_from_db()
    hamlet = OrgUnit.objects.create(key="tt-thon", name="Thôn Một", kind="village", parent=fx.x2)
    line = fx.lines["L2"]
    clone = ProgressReport.objects.get(pk=line.pk)
    clone.pk = None
    clone.unit = hamlet
    clone.assignment = Assignment.objects.create(task=line.task, role="lead", unit=hamlet)
    clone.save()
    for indicator, value in [("von", "100"), ("ty-le", "18")]:
        IndicatorValue.objects.create(
            report=clone, indicator=Indicator.objects.get(plan=fx.plan, code=indicator),
            value=value,
        )  # fmt: skip
    fx.province.refresh_from_db()
    with django_assert_max_num_queries(3):
        by_unit = rollup_by_unit(fx.plan.pk, 2026, fx.province)
    figures = {u.name: [(r.value, r.units) for r in rows] for u, rows in by_unit}
    assert figures == {
        "Ủy ban nhân dân xã An Bình": [(Decimal("1200.50"), 1), (Decimal("20.00"), 1)],
        "Ủy ban nhân dân xã Bình Minh": [(Decimal("900.00"), 2), (Decimal("15.00"), 2)],
    }


def test_dashboard_shows_the_indicators_of_the_chosen_plan(
    client, fx, today, django_assert_max_num_queries
):
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard", args=[fx.province.pk])
    page = client.get(url).content.decode()
    assert "Chọn một kế hoạch" in page and "indicators-table" not in page
    with django_assert_max_num_queries(15):
        page = client.get(url, {"ke_hoach": fx.plan.pk, "nam": 2026}).content.decode()
    assert 'id="indicators-table"' in page
    table = page[page.index('id="indicators-table"') :]
    assert "2.000,5 triệu đồng" in table and "còn thiếu 999,5 triệu đồng" in table
    assert "16 %" in table and "vượt 1 điểm %" in table
    # a commune sees its own figure only
    client.force_login(make_user("xa2", fx.x2, Profile.Role.REVIEWER))
    page = client.get(
        reverse("dashboards:dashboard", args=[fx.x2.pk]), {"ke_hoach": fx.plan.pk, "nam": 2026}
    ).content.decode()
    table = page[page.index('id="indicators-table"') :]
    assert "800 triệu đồng" in table and "còn thiếu 3 điểm %" in table


def _sheet_rows(body: bytes, title: str):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body))
    assert title in wb.sheetnames
    return list(wb[title].iter_rows(values_only=True))


def test_dashboard_export_contains_the_indicators(client, fx, today):
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "chi-tieu"])
    response = client.get(url, {"ke_hoach": fx.plan.pk, "nam": 2026})
    assert response.status_code == 200
    rows = _sheet_rows(response.content, "Chỉ tiêu")
    by_name = {r[1]: r for r in rows if r[0] in (1, 2)}
    assert by_name["Vốn ủy thác"][5:] == ("2.000,5", 2, "chưa đạt", "còn thiếu 999,5 triệu đồng")
    assert by_name["Tỷ lệ tăng trưởng"][5:] == ("16", 2, "đạt", "vượt 1 điểm %")
    units = _sheet_rows(response.content, "Chỉ tiêu theo đơn vị")
    assert [(r[1], r[2], r[6], r[8]) for r in units[1:]] == [
        ("Ủy ban nhân dân xã An Bình", "Vốn ủy thác", "1.200,5", "chưa đạt"),
        ("Ủy ban nhân dân xã An Bình", "Tỷ lệ tăng trưởng", "20", "đạt"),
        ("Ủy ban nhân dân xã Bình Minh", "Vốn ủy thác", "800", "chưa đạt"),
        ("Ủy ban nhân dân xã Bình Minh", "Tỷ lệ tăng trưởng", "12", "chưa đạt"),
    ]
    # a commune's officer cannot export the province's figures
    client.force_login(make_user("xa1", fx.x1))
    assert client.get(url, {"ke_hoach": fx.plan.pk}).status_code == 404


def test_consolidated_report_has_the_indicators(fx):
    c = consolidated(fx.period_2026, TODAY)
    assert [r.value for r in c.indicators] == [Decimal("2000.50"), Decimal("16.00")]
    rows = _sheet_rows(to_xlsx(c), "Chỉ tiêu")
    assert [r[1] for r in rows if r[0] in (1, 2)] == ["Vốn ủy thác", "Tỷ lệ tăng trưởng"]
    assert ("chưa đạt", "còn thiếu 999,5 triệu đồng") in [tuple(r[7:9]) for r in rows]
    from docx import Document

    doc = Document(io.BytesIO(to_docx(c)))
    cells = [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    assert "vượt 1 điểm %" in cells
    # the ad-hoc period counts alone: nothing was reported with it
    assert all(r.value is None for r in consolidated(fx.adhoc, TODAY).indicators)
