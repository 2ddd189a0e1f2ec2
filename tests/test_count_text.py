"""Counts print with the Vietnamese thousands dot everywhere (no "3031" beside "3.031"):
`config.numbers` (count_text, and the `num` filter every template has), the pages that show
counts (navbar badge, pagination, review unit picker, plan list) and the messages."""

import re
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from config.numbers import count_text as shared_count_text
from config.numbers import num as shared_num
from dashboards.templatetags.dashboard_tags import num
from orgunits.models import Profile
from reports.models import ProgressReport
from reports.timeliness import completion_text, count_text, update_text
from tasks.xlsx_safety import number
from tests.factories import issue_phuoc_giang, make_user, unit


@pytest.mark.parametrize(
    "value,text",
    [(0, "0"), (999, "999"), (1000, "1.000"), (3031, "3.031"), (3321, "3.321"),
     (1234567, "1.234.567"), (-1500, "-1.500"), ("2253", "2.253")],
)  # fmt: skip
def test_count_text_matches_the_num_filter(value, text):
    assert count_text(value) == shared_count_text(value) == text
    assert num(value) == shared_num(value) == text
    assert number(int(value)) == text


def test_num_shows_a_dash_for_no_value():
    assert shared_num(None) == shared_num("") == "—"


def test_num_is_a_builtin_filter_of_every_template():
    """No `{% load %}`: a template of any app prints a count with `|num`."""
    template = engines["django"].from_string("{{ n|num }} mục · {{ none|num }}")
    assert template.render({"n": 2253, "none": None}) == "2.253 mục · —"


def test_thousand_separator_setting_stays_off(settings):
    """Grouping is done by the filter only: a global setting would print pks as "1.234"
    in URLs and form values."""
    assert settings.USE_THOUSAND_SEPARATOR is False


def test_rates_print_their_counts_with_the_thousands_dot():
    assert update_text(3031, 3321) == "91,3 % (3.031/3.321 đơn vị nộp đúng hạn)"
    assert completion_text(1500, 3000, "phân công") == (
        "50 % (1.500/3.000 phân công đến hạn trong kỳ)"
    )


# --- Pages and messages with four-digit counts ------------------------------------------------

URL = "/bao-cao/tham-dinh/"
BIG = {"badge": 4321, "unit": 1234, "page": 2253}


@pytest.fixture
def waiting(db):
    """A reviewer of Phước Giang's plan with a few submitted lines, and counts made large
    where they are computed (cheaper than creating thousands of lines)."""
    plan = issue_phuoc_giang(today=timezone.localdate())
    period = plan.reporting_periods.order_by("-cutoff").first()
    now = timezone.now()
    ProgressReport.objects.filter(period=period, active=True).update(
        state=ProgressReport.State.SUBMITTED, status="in_progress", narrative="Đã làm.",
        submitted_at=now, first_submitted_at=now,
    )  # fmt: skip
    return make_user("thamdinh-so", unit("qn-pgd-532"), Profile.Role.REVIEWER)


def _bare(page: str, *values: int) -> list[int]:
    """The values printed without their thousands dot as a count (a word boundary on both
    sides, not inside a longer number or a URL)."""
    return [v for v in values if re.search(rf"(?<![\d./=-]){v}(?![\d.])", page)]


@pytest.mark.django_db
def test_review_page_prints_four_digit_counts_with_the_dot(client, waiting, monkeypatch):
    import reports.context_processors as cp
    import reports.views_review as views_review

    real = views_review._waiting_by_unit

    def many(user, f):
        return [{**u, "n": BIG["unit"]} for u in real(user, f)]

    monkeypatch.setattr(cp, "waiting_count", lambda user: BIG["badge"])
    monkeypatch.setattr(views_review, "_waiting_by_unit", many)
    monkeypatch.setattr(Paginator, "count", property(lambda self: BIG["page"]))
    client.force_login(waiting)
    police = unit("w21370-cong-an")
    page = client.get(URL, {"don_vi": police.pk}).content.decode()
    assert 'id="review-count">4.321<' in page
    assert f"{police.name} (1.234)" in page
    assert "Chấp nhận tất cả 1.234 dòng chờ thẩm định" in page
    assert "· 2.253 mục" in page
    assert _bare(page, *BIG.values()) == []


@pytest.mark.django_db
def test_plan_list_prints_four_digit_counts_with_the_dot(client, waiting, monkeypatch):
    monkeypatch.setattr(Paginator, "count", property(lambda self: 3031))
    client.force_login(waiting)
    page = client.get(reverse("plans:list"), {"q": "kế hoạch"}).content.decode()
    assert "Tìm thấy 3.031 kế hoạch" in page and "· 3.031 mục" in page
    assert _bare(page, 3031) == []


@pytest.mark.django_db
def test_review_message_prints_four_digit_counts_with_the_dot(client, waiting, monkeypatch):
    import reports.workflow as workflow

    done = SimpleNamespace(changed=1500, units=12, already=1200)
    monkeypatch.setattr(workflow, "review_many", lambda *a, **k: done)
    client.force_login(waiting)
    line = ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED).first()
    response = client.post(URL, {"line": [line.pk], "decision": "accept"}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Đã chấp nhận 1.500 báo cáo của 12 đơn vị. 1.200 dòng đã được chấp nhận" in text


def test_saved_message_prints_four_digit_counts_with_the_dot():
    from reports.views import _saved_message

    text = _saved_message(SimpleNamespace(saved=1021, unchanged=2000))
    assert text == "Đã lưu nháp 1.021 dòng có thay đổi; 2.000 dòng không đổi."
