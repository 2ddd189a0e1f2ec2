"""One look for every .xlsx (issue 14): the appendix, the consolidated report and the
dashboard exports share the named styles and print settings of tasks/xlsx_writer.py."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orgunits.models import Profile
from plans.models import Plan
from reports.consolidate import build, to_xlsx
from tasks.xlsx_writer import STYLES, row_height, write_appendix
from tests.dashboard_data import TODAY, build_fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_every_export_uses_the_shared_styles_and_print_settings(client, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    fx = build_fixture()
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "phan-cong"])
    plan = Plan.objects.select_related("issuer").get(seed_key="qn-17-kh-ubnd")
    books = {
        "appendix": load_workbook(io.BytesIO(write_appendix(plan))),
        "consolidated": load_workbook(io.BytesIO(to_xlsx(build(fx.period_2026, TODAY)))),
        "dashboard": load_workbook(io.BytesIO(client.get(url).content)),
    }
    for name, wb in books.items():
        assert set(STYLES) <= set(wb.named_styles), name
        for ws in wb.worksheets:
            if ws.title == "Suy luận":
                continue
            header = int(ws.print_title_rows.split(":")[0].lstrip("$"))
            head = ws.cell(row=header, column=1)
            assert head.style == "ct39_head", (name, ws.title)
            assert head.font.name == "Times New Roman" and head.border.left.style == "thin"
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
            assert ws.oddFooter.center.text == "Trang &P/&N"
            fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
            assert fonts == {"Times New Roman"}, (name, ws.title)
            if name != "appendix":  # the official appendix prints without filter buttons
                assert ws.auto_filter.ref.startswith(f"A{header}:"), (name, ws.title)
    summary = books["consolidated"]["Tổng hợp"]
    last = int(summary.auto_filter.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert summary.cell(row=last + 1, column=2).value == "Tổng cộng"  # outside the filter


def test_row_height_grows_with_wrapped_text():
    assert row_height([]) == row_height([("ngắn", 20)]) == 18
    assert row_height([("x" * 130, 50)]) == 15 * 2 + 3
    assert row_height([("a\nb\nc", 50), (None, 10), (12, 5)]) == 15 * 3 + 3
