"""Sections are labelled by their own STT as printed in the document (issue 14): "I" … "VI"
for Quảng Ngãi's plan, "1" … "5" where Nghệ An's plan numbers its sections so, on the plan
page, the dashboards, their exports and the consolidated report — never by position."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import figures as dash
from dashboards.views import filters_from_request
from orgunits.models import Profile
from plans.models import Plan
from reports.consolidate import build as consolidated
from reports.consolidate import to_xlsx
from tests.dashboard_data import TODAY, build_fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "codes"),
    [
        ("qn-17-kh-ubnd", ["I", "II", "III", "IV", "V", "VI"]),
        ("na-686-kh-ubnd", ["1", "2", "3", "4", "5"]),
    ],
)
def test_plan_page_labels_sections_as_the_document(client, key, codes):
    client.force_login(User.objects.create_superuser("quantri", password="mat-khau-dai-123"))
    plan = Plan.objects.get(seed_key=key)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert re.findall(r'<tr class="section-row"><th class="stt">([^<]*)</th>', body) == codes


def test_dashboard_and_consolidated_report_use_the_sections_code(client, monkeypatch):
    """tests/dashboard_data.py: a province whose plan numbers its sections "I", "II"."""
    fx = build_fixture()
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    assert [s.code for s in fx.sections] == ["I", "II"]
    scope = dash.Scope(fx.province, home=fx.province, chain=[fx.province])
    d = dash.build(scope, filters_from_request({}, TODAY), TODAY)
    assert dash.chart_data(d)["sections"]["labels"] == ["Mục I", "Mục II"]

    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    base = reverse("dashboards:dashboard", args=[fx.province.pk])
    body = client.get(base).content.decode()
    assert re.findall(r">Mục ([^<]*)</a></th>", body) == ["I", "II"]
    body = client.get(f"{base}?ke_hoach={fx.plan.pk}").content.decode()
    assert f">I. {fx.sections[0].content}" in body  # the section filter and the drill rows

    url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "don-vi"])
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    headers = [c.value for row in sheet.iter_rows(max_row=8) for c in row if c.value]
    assert [h for h in headers if str(h).startswith("Mục ")] == [
        "Mục I: hoàn thành (%)",
        "Mục II: hoàn thành (%)",
    ]

    report = consolidated(fx.period_2026, TODAY)
    assert [sec.full_code or sec.code for sec, _tasks in report.sections if sec] == ["I", "II"]
    detail = load_workbook(io.BytesIO(to_xlsx(report)))["Chi tiết"]
    column = [c.value for c in detail["A"]]
    assert "I" in column and "II" in column and "1" not in column
