"""A returned report resubmitted twice at once (two requests on PostgreSQL): one wins, the
other gets a Vietnamese message and changes nothing."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from orgunits.models import Profile
from reports.models import ProgressReport, ReportTransition
from reports.workflow import LineInput, ReportError, review_report, save_unit_report
from tests.factories import issue_phuoc_giang, make_user, unit


def _input(row, narrative):
    return LineInput(
        report_id=row.pk, version=row.version, status="in_progress", narrative=narrative
    )


@pytest.mark.django_db(transaction=True)
def test_returned_report_resubmitted_twice_at_once(seeded):
    plan = issue_phuoc_giang(today=timezone.localdate())
    period = plan.reporting_periods.order_by("-cutoff").first()
    police = unit("w21370-cong-an")
    officer = make_user("cb-dongthoi", police)
    reviewer = make_user("td-dongthoi", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    row = ProgressReport.objects.filter(period=period, unit=police).first()
    save_unit_report(period, police, officer, [_input(row, "Lần 1")], submit=True, token="a")
    row.refresh_from_db()
    review_report(row, reviewer, accept=False, comment="Thiếu số liệu.")
    row.refresh_from_db()
    assert row.state == ProgressReport.State.RETURNED

    barrier = threading.Barrier(2)
    outcomes = []

    def resubmit(token, text):
        try:
            barrier.wait(timeout=10)
            save_unit_report(period, police, officer, [_input(row, text)], submit=True, token=token)
            outcomes.append(("ok", text))
        except ReportError as exc:
            outcomes.append(("refused", exc.message))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=resubmit, args=("tab-1", "Bổ sung từ tab 1")),
        threading.Thread(target=resubmit, args=("tab-2", "Bổ sung từ tab 2")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    kinds = sorted(k for k, _ in outcomes)
    assert kinds == ["ok", "refused"]
    winner = next(text for k, text in outcomes if k == "ok")
    message = next(text for k, text in outcomes if k == "refused")
    assert "vừa được người khác cập nhật" in message and "chưa có gì được lưu" in message
    row.refresh_from_db()
    assert row.state == ProgressReport.State.SUBMITTED and row.narrative == winner
    states = list(ReportTransition.objects.filter(report=row).values_list("to_state", flat=True))
    assert states == ["submitted", "returned", "submitted"]  # resubmitted once
