"""Every seeded reporting rule is live, and what the app inferred is shown as inferred.

Phước Giang's and Đồng Nai's plans are signed but their copies carry no number or date:
they load as issued ("chưa rõ số"), so the 25/9 rule (with the 31/12/2025 exception) and
the 15/12 rule create periods and reminders. Links and units the seeds do not state carry
a "suy luận" mark with its reason until an admin confirms them.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgunits.models import OrgUnit, Profile
from plans.models import Inference, Plan
from reports.models import Notification, ReportingPeriod
from reports.periods import ensure_periods, yearly_schedule
from tasks.models import Task
from tasks.workflow import NO_RULE_WARNING, derive_commune_plan
from tests.factories import make_user, unit

pytestmark = pytest.mark.django_db


def plan(key: str) -> Plan:
    return Plan.objects.select_related("issuer").get(seed_key=key)


@pytest.mark.parametrize(
    "key, label",
    [
        ("pg-kh-ubnd", "Kế hoạch UBND xã Phước Giang (chưa rõ số)"),
        ("dn-kh-ubnd", "Kế hoạch UBND thành phố Đồng Nai (chưa rõ số)"),
    ],
)
def test_signed_plans_without_a_number_load_as_issued(client, key, label):
    p = plan(key)
    assert p.status == Plan.Status.ISSUED and p.number == "" and p.issued_on is None
    assert p.signer  # the seed names the signer: an issued plan, not a draft
    assert p.label == label and p.number_display == "chưa rõ số"
    client.force_login(get_user_model().objects.create_superuser("su", "su@example.vn", "x"))
    body = client.get(p.get_absolute_url()).content.decode()
    assert label in body and "chưa rõ số" in body


def test_a_draft_without_a_number_still_says_so():
    draft = Plan(title="Dự thảo", issuer=OrgUnit.objects.get(key="qn"))
    assert draft.number_display == "chưa có số" and draft.label.endswith("(chưa có số)")


def test_undated_issued_plans_start_with_the_plans_they_implement():
    # Phước Giang implements 89/KH-UBND (20/11/2025) and 27-KH/ĐU (21/10/2025).
    assert plan("pg-kh-ubnd").earliest_start() == date(2025, 11, 20)
    # Đồng Nai implements 1560/QĐ-TTg (18/7/2025) and 77-KH/TU (30/3/2026).
    assert plan("dn-kh-ubnd").earliest_start() == date(2026, 3, 30)
    assert Plan(title="x", issuer=OrgUnit.objects.get(key="qn")).earliest_start() is None


def test_yearly_schedules_of_the_three_cutoffs():
    # the first-year exception comes from the plan's text: 2025 due 31/12/2025, then 25/9
    assert yearly_schedule(plan("pg-kh-ubnd"), date(2026, 12, 4)) == [
        (2025, None, date(2025, 12, 31)),
        (2026, date(2026, 1, 1), date(2026, 9, 25)),
        (2027, date(2026, 9, 26), date(2027, 9, 25)),
    ]
    assert yearly_schedule(plan("dn-kh-ubnd"), date(2026, 12, 4)) == [
        (2026, None, date(2026, 12, 15)),
    ]


def test_reporting_periods_command_creates_the_seeded_periods():
    call_command("reporting_periods", "--date", "2026-12-04", stdout=StringIO())
    cutoffs = {
        (p.plan.seed_key, p.year): p.cutoff
        for p in ReportingPeriod.objects.filter(kind="yearly").select_related("plan")
    }
    assert cutoffs[("pg-kh-ubnd", 2025)] == date(2025, 12, 31)
    assert cutoffs[("pg-kh-ubnd", 2026)] == date(2026, 9, 25)
    assert cutoffs[("dn-kh-ubnd", 2026)] == date(2026, 12, 15)
    assert ("dn-kh-ubnd", 2025) not in cutoffs  # not in force in 2025
    pg_2026 = ReportingPeriod.objects.get(plan__seed_key="pg-kh-ubnd", year=2026)
    assert pg_2026.lines.filter(unit__key="w21370-cong-an").exists()


def _dry_run(day: str) -> str:
    out = StringIO()
    call_command("reminders", "--date", day, "--dry-run", stdout=out)
    return out.getvalue()


def test_reminders_dry_run_lists_phuoc_giang_seven_days_before_25_9():
    text = _dry_run("2026-09-18")
    assert "Kế hoạch UBND xã Phước Giang (chưa rõ số) — Báo cáo năm 2026, hạn 25/09/2026" in text
    assert "Công an xã Phước Giang: nhắc (còn 7 ngày)" in text
    assert "Trung tâm Cung ứng dịch vụ công xã Phước Giang: nhắc (còn 7 ngày)" in text
    assert "Đồng Nai" not in text


def test_reminders_dry_run_lists_dong_nai_seven_days_before_15_12():
    text = _dry_run("2026-12-08")
    assert "Kế hoạch UBND thành phố Đồng Nai (chưa rõ số) — Báo cáo năm 2026, hạn 15/12/2026" in (
        text
    )
    assert "Công an thành phố Đồng Nai: nhắc (còn 7 ngày)" in text
    assert "Phước Giang" not in text


def test_reminders_dry_run_uses_the_first_year_exception():
    text = _dry_run("2025-12-24")
    assert "Phước Giang (chưa rõ số) — Báo cáo năm 2025, hạn 31/12/2025" in text


# --- the commune rule of the provincial plan -------------------------------------------------


def test_derived_commune_plan_inherits_the_provincial_rule_for_communes():
    provincial = plan("qn-17-kh-ubnd")
    assert provincial.cutoff_day is None  # the province's own rule is not in the seeds
    assert (provincial.commune_cutoff_day, provincial.commune_cutoff_month) == (25, 9)
    thien_tin = Task.objects.filter(plan=provincial).values_list("assignments__unit", flat=True)
    commune = (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNE, pk__in=thien_tin)
        .exclude(admin_code="21370")
        .first()
    ) or OrgUnit.objects.get(admin_code="21370")
    derived = derive_commune_plan(provincial, commune).plan
    assert (derived.cutoff_day, derived.cutoff_month) == (25, 9)
    assert derived.reporting_rule_summary == "trước 25/09 hằng năm"


def test_derived_plan_without_a_commune_rule_keeps_the_source_rule():
    provincial = plan("qn-17-kh-ubnd")
    Plan.objects.filter(pk=provincial.pk).update(
        commune_cutoff_day=None, commune_cutoff_month=None, cutoff_day=1, cutoff_month=10
    )
    provincial.refresh_from_db()
    derived = derive_commune_plan(provincial, OrgUnit.objects.get(admin_code="21370")).plan
    assert (derived.cutoff_day, derived.cutoff_month) == (1, 10)


def test_issuing_a_plan_without_a_rule_warns_what_that_means(client):
    qn = OrgUnit.objects.get(key="qn")
    officer = make_user("cb-qn", qn)
    draft = Plan.objects.create(title="Kế hoạch thử", issuer=qn)
    client.force_login(officer)
    url = reverse("tasks:issue", args=[draft.pk])
    body = client.get(url).content.decode()
    assert "không có kỳ báo cáo định kỳ, không có nhắc hạn" in body
    Plan.objects.filter(pk=draft.pk).update(cutoff_day=25, cutoff_month=9)
    body = client.get(url).content.decode()
    assert NO_RULE_WARNING.split(":")[0] not in body and "trước 25/09 hằng năm" in body


# --- ad-hoc periods from the plan page --------------------------------------------------------


def test_reviewer_creates_an_adhoc_period_from_the_plan_page(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pg = plan("pg-kh-ubnd")
    ensure_periods(timezone.localdate(), plans=[pg])
    reviewer = make_user("td-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    officer = make_user("cb-ca", unit("w21370-cong-an"))
    client.force_login(reviewer)
    page = client.get(pg.get_absolute_url()).content.decode()
    link = reverse("reports:period_list", args=[pg.pk])
    assert f'href="{link}"' in page and "Kỳ báo cáo" in page
    due = timezone.localdate() + timedelta(days=15)
    data = {"title": "Sơ kết 6 tháng", "cutoff": due.strftime("%d/%m/%Y"), "note": "Số liệu."}
    response = client.post(link, data, follow=True)
    assert "Đã tạo Báo cáo đột xuất: Sơ kết 6 tháng" in response.content.decode()
    period = pg.reporting_periods.get(kind="adhoc")
    assert period.lines.filter(unit__key="w21370-cong-an").exists()
    assert Notification.objects.filter(user=officer, text__contains="Sơ kết 6 tháng").exists()
    sent = [m for m in mail.outbox if officer.email in m.to]
    assert len(sent) == 1
    assert "Sơ kết 6 tháng" in sent[0].subject and due.strftime("%d/%m/%Y") in sent[0].subject
    assert "Số liệu." in sent[0].body and "/bao-cao/" in sent[0].body
    assert all(reviewer.email not in m.to for m in mail.outbox)  # units concerned only


def test_officer_of_another_province_cannot_create_an_adhoc_period(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pg = plan("pg-kh-ubnd")
    link = reverse("reports:period_list", args=[pg.pk])
    due = (timezone.localdate() + timedelta(days=15)).strftime("%d/%m/%Y")
    for user in (
        make_user("cb-na", unit("na-nhcsxh")),
        make_user("td-na", unit("na-nhcsxh"), Profile.Role.REVIEWER),
    ):
        client.force_login(user)
        assert client.get(pg.get_absolute_url()).status_code == 404
        assert client.post(link, {"title": "X", "cutoff": due}).status_code == 404
    officer = make_user("cb-pg", unit("w21370-cong-an"))  # sees the plan, may not create
    client.force_login(officer)
    assert client.post(link, {"title": "X", "cutoff": due}).status_code == 403
    assert not pg.reporting_periods.filter(kind="adhoc").exists() and not mail.outbox


# --- inferred values ---------------------------------------------------------------------------


def test_seeds_mark_what_they_infer():
    marks = {(m.plan.seed_key, m.field) for m in Inference.objects.filter(task__isnull=True)}
    assert {
        ("qn-17-kh-ubnd", "replaces"),
        ("kt-kh-ubnd", "follow_up_unit"),
        ("qn-89-kh-ubnd", "report_to_unit"),
        ("pg-27-kh-du", "parent"),
        ("qn-89-kh-ubnd", "commune_rule"),
    } <= marks
    pg = Inference.objects.filter(plan__seed_key="pg-kh-ubnd", task__isnull=False)
    assert pg.filter(field="lead").count() == 22
    pointing = pg.filter(field="source_task")
    assert pointing.exists()
    assert all(m.task.source_task.plan.seed_key == "qn-17-kh-ubnd" for m in pointing)
    assert "Kế hoạch 89/KH-UBND" in pointing.first().reason
    # tasks implementing a plan that their plan implements are not marked
    assert not Inference.objects.filter(
        field="source_task", plan__seed_key__in=["qn-17-kh-ubnd", "na-686-kh-ubnd"]
    ).exists()


def test_inferred_marks_show_on_the_plan_pages(client, django_assert_max_num_queries):
    client.force_login(get_user_model().objects.create_superuser("su", "su@example.vn", "x"))
    with django_assert_max_num_queries(30):
        body = client.get(plan("pg-kh-ubnd").get_absolute_url()).content.decode()
    assert body.count('class="badge text-bg-warning inferred"') >= 22 + 1
    assert "Đơn vị suy ra từ nội dung văn bản" in body
    body = client.get(plan("qn-89-kh-ubnd").get_absolute_url()).content.decode()
    assert "Suy luận: Nội dung 89/KH-UBND không có trong tài liệu gốc" in body
    assert "nơi nhận báo cáo suy ra" in body
    assert "Hạn báo cáo của cấp xã" in body and "trước 25/09 hằng năm" in body
    body = client.get(plan("kt-kh-ubnd").get_absolute_url()).content.decode()
    assert "Suy luận: Phụ lục không nêu đơn vị theo dõi" in body
    task = Task.objects.get(plan__seed_key="pg-kh-ubnd", full_code="1.b")
    body = client.get(reverse("tasks:task", args=[task.pk])).content.decode()
    assert "Suy luận: Đơn vị suy ra từ nội dung văn bản" in body
    assert "Kế hoạch 17/KH-UBND, mục I.2" in body and "phụ lục của văn bản đó không có" in body


def test_inferred_marks_in_the_appendix_export(client):
    client.force_login(get_user_model().objects.create_superuser("su", "su@example.vn", "x"))
    pg = plan("pg-kh-ubnd")
    data = client.get(reverse("tasks:export_appendix", args=[pg.pk])).content
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Phụ lục", "Suy luận"]
    listed = [r for r in wb["Suy luận"].iter_rows(min_row=2, values_only=True)]
    assert sum(1 for r in listed if r[1] == "đơn vị chủ trì") == 22
    commented = [c for row in wb["Phụ lục"].iter_rows() for c in row if c.comment]
    assert any("Suy luận (đơn vị chủ trì)" in c.comment.text for c in commented)
    assert "(chưa rõ số)" in wb["Phụ lục"]["A3"].value
    # a plan with nothing inferred exports one sheet, as before
    na = plan("na-686-kh-ubnd")
    data = client.get(reverse("tasks:export_appendix", args=[na.pk])).content
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Phụ lục"]


def test_admin_confirms_a_mark_and_it_stays_confirmed(client):
    admin = get_user_model().objects.create_superuser("su", "su@example.vn", "x")
    client.force_login(admin)
    mark = Inference.objects.get(plan__seed_key="qn-89-kh-ubnd", field="report_to_unit")
    response = client.post(
        reverse("admin:plans_inference_changelist"),
        {"action": "confirm", "_selected_action": [mark.pk]},
        follow=True,
    )
    assert "Đã xác nhận 1 nội dung suy luận." in response.content.decode()
    mark.refresh_from_db()
    assert mark.confirmed_by == admin and mark.confirmed_at is not None
    body = client.get(plan("qn-89-kh-ubnd").get_absolute_url()).content.decode()
    assert "nơi nhận báo cáo suy ra" not in body
    assert "hạn 25/9 hằng năm của cấp xã lấy theo" in body  # the other mark is still open
    call_command("load_seeds", verbosity=0, stdout=StringIO())
    mark.refresh_from_db()
    assert mark.confirmed_by == admin  # reloading the seeds does not bring the mark back


def test_changing_an_inferred_value_in_the_admin_confirms_it(client):
    admin = get_user_model().objects.create_superuser("su", "su@example.vn", "x")
    client.force_login(admin)
    kt = plan("kt-kh-ubnd")
    url = reverse("admin:plans_plan_change", args=[kt.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "follow_up_unit": OrgUnit.objects.get(key="qn-nhcsxh").pk,
            "also_implements": [p.pk for p in kt.also_implements.all()],
            "replaces": [],
            "parent": kt.parent_id,
            "issuer": kt.issuer_id,
            "inferences-TOTAL_FORMS": 1,
            "inferences-INITIAL_FORMS": 1,
            "inferences-MIN_NUM_FORMS": 0,
            "inferences-MAX_NUM_FORMS": 1000,
            "inferences-0-id": Inference.objects.get(plan=kt, field="follow_up_unit").pk,
            "inferences-0-plan": kt.pk,
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, (date,))}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    mark = Inference.objects.get(plan=kt, field="follow_up_unit")
    assert mark.confirmed_by == admin
