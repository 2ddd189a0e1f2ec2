"""Counts print with the Vietnamese thousands dot everywhere (no "3031" beside "3.031")."""

import pytest

from dashboards.templatetags.dashboard_tags import num
from reports.timeliness import completion_text, count_text, update_text


@pytest.mark.parametrize(
    "value,text", [(0, "0"), (999, "999"), (3031, "3.031"), (3321, "3.321"), (1234567, "1.234.567")]
)
def test_count_text_matches_the_num_filter(value, text):
    assert count_text(value) == text == num(value)


def test_rates_print_their_counts_with_the_thousands_dot():
    assert update_text(3031, 3321) == "91,3 % (3.031/3.321 đơn vị nộp đúng hạn)"
    assert completion_text(1500, 3000, "phân công") == (
        "50 % (1.500/3.000 phân công đến hạn trong kỳ)"
    )
