"""Thẩm định hàng loạt (bulk review): filters, accept the lines ticked, accept all of a unit,
return several lines with one reason — same rules as one line's review, all or nothing, in a
constant number of queries; a reviewer of another province is refused; the navbar count."""

import pytest
from django.urls import reverse
from django.utils import timezone

from orgunits.models import Profile
from reports.models import Notification, ProgressReport, ReportTransition
from tests.factories import issue_phuoc_giang, make_user, unit

pytestmark = pytest.mark.django_db

S = ProgressReport.State
URL = "/bao-cao/tham-dinh/"


@pytest.fixture
def period():
    plan = issue_phuoc_giang(today=timezone.localdate())
    return plan.reporting_periods.order_by("-cutoff").first()


@pytest.fixture
def submitted(period):
    """Every line of the period submitted by its unit (set directly: the unit's page is
    tested elsewhere)."""
    now = timezone.now()
    lines = ProgressReport.objects.filter(period=period, active=True)
    lines.update(
        state=S.SUBMITTED, status="in_progress", narrative="Đã triển khai.",
        submitted_at=now, first_submitted_at=now,
    )  # fmt: skip
    return list(lines.order_by("pk"))


@pytest.fixture
def reviewer():
    return make_user("thamdinh-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)


@pytest.fixture
def stranger():
    """The reviewer of another province's NHCSXH branch."""
    return make_user("thamdinh-nghean", unit("na-nhcsxh"), Profile.Role.REVIEWER)


def _post(client, ids, decision="accept", query="", hx=False, **extra):
    data = {"line": [str(pk) for pk in ids], "decision": decision, **extra}
    headers = {"HX-Request": "true"} if hx else {}
    return client.post(URL + query, data, headers=headers)


def test_bulk_accept_of_50_lines_in_constant_queries(
    client, submitted, reviewer, django_assert_max_num_queries
):
    assert len(submitted) >= 60
    client.force_login(reviewer)
    ids = [r.pk for r in submitted[:50]]
    with django_assert_max_num_queries(12):
        response = _post(client, ids)
    assert response.status_code == 302
    assert ProgressReport.objects.filter(pk__in=ids, state=S.ACCEPTED).count() == 50
    assert ProgressReport.objects.filter(pk__in=ids, reviewed_by=reviewer).count() == 50
    assert ReportTransition.objects.filter(report_id__in=ids, to_state=S.ACCEPTED).count() == 50
    rest = [r.pk for r in submitted[50:]]
    assert ProgressReport.objects.filter(pk__in=rest, state=S.SUBMITTED).count() == len(rest)
    # Ten lines cost no more queries than fifty.
    few = rest[:10]
    with django_assert_max_num_queries(12):
        _post(client, few)
    page = client.get(URL + "?trang_thai=accepted").content.decode()
    assert "Đã chấp nhận 50 báo cáo của" in page


def test_posting_twice_does_not_double_apply(client, submitted, reviewer):
    client.force_login(reviewer)
    ids = [r.pk for r in submitted[:5]]
    _post(client, ids)
    before = {r.pk: r.version for r in ProgressReport.objects.filter(pk__in=ids)}
    response = _post(client, ids, hx=True)
    assert response.status_code == 200
    assert "đã được chấp nhận trước đó; không có gì thay đổi" in response.content.decode()
    assert ReportTransition.objects.filter(report_id__in=ids).count() == 5
    after = {r.pk: r.version for r in ProgressReport.objects.filter(pk__in=ids)}
    assert before == after


def test_reviewer_of_another_province_is_refused_and_nothing_saved(
    client, submitted, reviewer, stranger
):
    client.force_login(stranger)
    ids = [r.pk for r in submitted[:3]]
    response = _post(client, ids)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Bạn không phải cán bộ thẩm định của đơn vị theo dõi 3 trong 3 dòng" in body
    assert "Chưa thẩm định dòng nào" in body
    assert not ProgressReport.objects.filter(pk__in=ids).exclude(state=S.SUBMITTED).exists()
    assert not ReportTransition.objects.exists()
    # Nor does their list show the lines, nor their navbar count them.
    page = client.get(URL)
    assert page.context["page"].paginator.count == 0
    assert 'id="review-count"' in page.content.decode()
    assert page.context["review_waiting"].count == 0


def test_mixed_selection_is_refused_whole(client, submitted, stranger):
    """Nghệ An's reviewer ticks lines of their own plan and one Quảng Ngãi line: refused,
    nothing saved, not even their own lines."""
    from plans.models import Plan
    from reports.periods import ensure_periods

    na_plan = Plan.objects.get(number="686/KH-UBND")
    ensure_periods(today=timezone.localdate(), plans=Plan.objects.filter(pk=na_plan.pk))
    own = ProgressReport.objects.filter(period__plan=na_plan, active=True).order_by("pk")[:4]
    own = [r.pk for r in own]
    assert len(own) == 4
    ProgressReport.objects.filter(pk__in=own).update(state=S.SUBMITTED)
    client.force_login(stranger)
    response = _post(client, [*own, submitted[0].pk], hx=True)
    assert response.status_code == 403
    assert "1 trong 5 dòng đã chọn" in response.content.decode()
    assert ProgressReport.objects.filter(pk__in=own, state=S.SUBMITTED).count() == 4
    assert not ReportTransition.objects.exists()
    # Their own lines alone go through.
    assert _post(client, own).status_code == 302
    assert ProgressReport.objects.filter(pk__in=own, state=S.ACCEPTED).count() == 4


def test_return_several_lines_with_one_reason(client, submitted, reviewer):
    client.force_login(reviewer)
    ids = [r.pk for r in submitted[:6]]
    response = _post(client, ids, "return", comment="", hx=True)
    assert response.status_code == 400
    assert "phải nêu lý do" in response.content.decode()
    assert not ProgressReport.objects.filter(pk__in=ids, state=S.RETURNED).exists()
    response = _post(client, ids, "return", comment="Thiếu số liệu thôn.", hx=True,
                     resubmit_by="31/12/2099")  # fmt: skip
    assert response.status_code == 200
    assert "Đã trả lại 6 báo cáo" in response.content.decode()
    returned = ProgressReport.objects.filter(pk__in=ids, state=S.RETURNED)
    assert returned.count() == 6
    assert {r.review_comment for r in returned} == {"Thiếu số liệu thôn."}
    assert {str(r.resubmit_by) for r in returned} == {"2099-12-31"}


def test_return_notifies_each_unit_once(client, submitted, reviewer):
    police = unit("w21370-cong-an")
    officer = make_user("cb-congan", police)
    lines = [r.pk for r in submitted if r.unit_id == police.pk][:3]
    client.force_login(reviewer)
    _post(client, lines, "return", comment="Bổ sung minh chứng.")
    notes = Notification.objects.filter(user=officer)
    assert notes.count() == 1 and "Bổ sung minh chứng." in notes.get().text


def test_a_line_not_submitted_refuses_the_whole_action(client, submitted, reviewer):
    client.force_login(reviewer)
    draft = submitted[0]
    ProgressReport.objects.filter(pk=draft.pk).update(state=S.DRAFT)
    ids = [r.pk for r in submitted[:5]]
    response = _post(client, ids, hx=True)
    assert "chỉ thẩm định được báo cáo đã nộp" in response.content.decode()
    assert not ProgressReport.objects.filter(pk__in=ids, state=S.ACCEPTED).exists()


def test_stale_version_is_refused(client, submitted, reviewer):
    client.force_login(reviewer)
    line = submitted[0]
    response = _post(client, [line.pk], hx=True, **{f"v-{line.pk}": str(line.version + 3)})
    assert response.status_code == 409
    assert ProgressReport.objects.get(pk=line.pk).state == S.SUBMITTED


def test_accept_all_of_a_unit(client, submitted, reviewer, django_assert_max_num_queries):
    police = unit("w21370-cong-an")
    n = sum(1 for r in submitted if r.unit_id == police.pk)
    client.force_login(reviewer)
    page = client.get(URL + f"?don_vi={police.pk}").content.decode()
    assert f"Chấp nhận tất cả {n} dòng chờ thẩm định" in page
    with django_assert_max_num_queries(32):  # the action, then the list re-rendered
        response = client.post(
            URL + f"?don_vi={police.pk}",
            {"tat_ca_don_vi": str(police.pk), "decision": "accept"},
            headers={"HX-Request": "true"},
        )
    assert f"Đã chấp nhận {n} báo cáo của 1 đơn vị" in response.content.decode()
    assert ProgressReport.objects.filter(unit=police, state=S.ACCEPTED).count() == n
    others = ProgressReport.objects.filter(period=submitted[0].period).exclude(unit=police)
    assert not others.filter(state=S.ACCEPTED).exists()


def test_filters(client, submitted, reviewer):
    police = unit("w21370-cong-an")
    client.force_login(reviewer)
    by_unit = client.get(URL + f"?don_vi={police.pk}").context["page"].paginator.count
    assert by_unit == sum(1 for r in submitted if r.unit_id == police.pk)
    task = submitted[0].task
    word = task.content.split()[0]
    found = client.get(URL, {"q": task.content[:30]}).context["page"]
    assert found.paginator.count >= 1 and word
    assert all(task.content[:30].lower() in r.task.content.lower() for r in found)
    plan_id = submitted[0].period.plan_id
    assert client.get(URL, {"ke_hoach": plan_id}).context["page"].paginator.count == len(submitted)
    assert client.get(URL, {"ke_hoach": 999999}).context["page"].paginator.count == 0
    assert client.get(URL, {"trang_thai": "accepted"}).context["page"].paginator.count == 0
    # Bad values are ignored rather than failing.
    assert client.get(URL, {"ky": "abc", "don_vi": "-1", "trang_thai": "x"}).status_code == 200


def test_period_filter_lists_only_that_periods_lines(client, period, submitted, reviewer):
    """Two periods with lines waiting: `ky` lists the chosen one's lines, and only them."""
    from datetime import timedelta

    from reports.periods import create_adhoc_period

    adhoc = create_adhoc_period(
        period.plan, title="Báo cáo sơ kết 6 tháng", cutoff=timezone.localdate() + timedelta(9)
    )
    now = timezone.now()
    other = ProgressReport.objects.filter(period=adhoc, active=True)
    other.update(
        state=S.SUBMITTED, status="in_progress", narrative="Sơ kết.",
        submitted_at=now, first_submitted_at=now,
    )  # fmt: skip
    adhoc_ids = set(other.values_list("pk", flat=True))
    assert adhoc_ids and not adhoc_ids & {r.pk for r in submitted}
    client.force_login(reviewer)
    size = {"so_dong": 100}
    everything = client.get(URL, size).context["page"]
    assert everything.paginator.count == len(submitted) + len(adhoc_ids)
    for chosen, expected in ((period, {r.pk for r in submitted}), (adhoc, adhoc_ids)):
        page = client.get(URL, {"ky": chosen.pk, **size}).context["page"]
        assert {r.pk for r in page.object_list} == expected, chosen.label
        assert {r.period_id for r in page.object_list} == {chosen.pk}
    # The unit picker counts within the chosen period too.
    police = unit("w21370-cong-an")
    waiting = client.get(URL, {"ky": adhoc.pk}).context["waiting_units"]
    counted = {u["unit_id"]: u["n"] for u in waiting}
    assert counted[police.pk] == other.filter(unit=police).count()


def test_state_filter_lists_the_lines_in_that_state(client, submitted, reviewer):
    client.force_login(reviewer)
    accepted, returned = submitted[:3], submitted[3:5]
    _post(client, [r.pk for r in accepted])
    _post(client, [r.pk for r in returned], decision="return", comment="Bổ sung số liệu.")
    size = {"so_dong": 100}

    def listed(state):
        return {r.pk for r in client.get(URL, {"trang_thai": state, **size}).context["page"]}

    assert listed("accepted") == {r.pk for r in accepted}
    assert listed("returned") == {r.pk for r in returned}
    waiting = {r.pk for r in submitted[5:]}
    assert listed("submitted") == waiting
    # The default is what waits for review.
    assert {r.pk for r in client.get(URL, size).context["page"]} == waiting


def test_navbar_count_is_one_query_per_request(
    client, submitted, reviewer, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from reports.context_processors import notifications

    request = RequestFactory().get("/")
    request.user = reviewer
    waiting = notifications(request)["review_waiting"]
    assert waiting.show
    with django_assert_max_num_queries(1):
        assert waiting.count == len(submitted)
    with django_assert_max_num_queries(0):
        assert waiting.count == len(submitted)
    client.force_login(reviewer)
    page = client.get(reverse("plans:list")).content.decode()
    assert 'id="nav-review"' in page and f">{len(submitted)}<" in page
    officer = make_user("cb-congan", unit("w21370-cong-an"))
    client.force_login(officer)
    assert 'id="nav-review"' not in client.get(reverse("plans:list")).content.decode()


def test_a_decision_is_required(client, submitted, reviewer):
    client.force_login(reviewer)
    ids = [r.pk for r in submitted[:3]]
    response = _post(client, ids, decision="", hx=True)
    assert response.status_code == 400
    assert "Chọn “Chấp nhận” hoặc “Trả lại”" in response.content.decode()
    assert not ProgressReport.objects.filter(pk__in=ids).exclude(state=S.SUBMITTED).exists()
    response = _post(client, [], hx=True)
    assert "Chưa chọn dòng báo cáo nào" in response.content.decode()


def test_htmx_gets_the_list_alone_except_when_restoring_history(client, submitted, reviewer):
    client.force_login(reviewer)
    part = client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="review-area">') and "navbar" not in part
    assert 'hx-swap-oob="true"' in part  # the navbar count follows
    whole = client.get(
        URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    ).content.decode()
    assert whole.startswith("<!doctype html>")
