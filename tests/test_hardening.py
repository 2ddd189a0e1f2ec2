"""Issue 15 (hardening): pages and files survive deleted accounts, hostile text and
oversized input; each test fails without its fix."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from orgunits.models import Profile
from reports.models import ExtensionRequest, ProgressReport, ReportTransition
from tests.exports import download_export
from tests.factories import issue_phuoc_giang, make_user, unit


def _draft_of(seed_key: str):
    """The seed plans are issued: their appendix is edited through a draft revision."""
    from plans.models import Plan
    from tasks.workflow import create_revision

    return create_revision(Plan.objects.get(seed_key=seed_key)).plan


pytestmark = pytest.mark.django_db

S = ProgressReport.State


@pytest.fixture
def period():
    plan = issue_phuoc_giang(today=timezone.localdate())
    return plan.reporting_periods.order_by("-cutoff").first()


@pytest.fixture
def reviewer():
    return make_user("thamdinh-pgd", unit("qn-pgd-532"), Profile.Role.REVIEWER)


# --- 5. deleted accounts and system transitions -------------------------------------------


def test_report_page_names_the_system_and_deleted_accounts(client, period, reviewer):
    report = ProgressReport.objects.filter(period=period).first()
    gone = make_user("da-nghi-viec", report.unit)
    ReportTransition.objects.create(report=report, from_state="", to_state=S.SUBMITTED)
    ReportTransition.objects.create(report=report, from_state=S.SUBMITTED, to_state=S.RETURNED,
                                    user=gone, comment="Bổ sung")  # fmt: skip
    ExtensionRequest.objects.create(report=report, requested_deadline=date(2026, 12, 31),
                                    reason="Chờ số liệu", requested_by=gone)  # fmt: skip
    gone.delete()
    client.force_login(reviewer)
    response = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "hệ thống" in body and "tài khoản đã xóa" in body


def test_accounts_are_deactivated_never_deleted_in_the_admin(client):
    admin_user = get_user_model().objects.create_superuser("sieu", "s@example.vn", "x-123456")
    victim = make_user("can-bo-cu", unit("w21370-cong-an"))
    client.force_login(admin_user)
    delete = reverse("admin:auth_user_delete", args=[victim.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:auth_user_changelist")
    page = client.get(changelist).content.decode()
    assert "delete_selected" not in page and "Vô hiệu hóa" in page
    response = client.post(changelist, {"action": "deactivate", "_selected_action": [victim.pk,
                                        admin_user.pk]}, follow=True)  # fmt: skip
    assert response.status_code == 200
    victim.refresh_from_db()
    admin_user.refresh_from_db()
    assert not victim.is_active and admin_user.is_active  # never locks oneself out


# --- 3 + 4. formulas and control characters in every export -------------------------------

EVIL = '=HYPERLINK("http://ke-gian.example","bấm")'


def _poison(fx):
    """User text starting with "=" and holding XML-illegal characters, everywhere a user can
    type it: task, plan, unit names, narratives, reasons, the ad-hoc period's title."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from orgunits.models import OrgUnit
    from plans.models import Plan
    from tasks.models import Task

    bad = EVIL + "\x01\x0b\x1f "
    Task.objects.filter(plan=fx.plan).update(
        content=Concat(Value(bad), "content"), product=bad, timeframe_text="+" + bad
    )
    Plan.objects.filter(pk=fx.plan.pk).update(title=bad)
    OrgUnit.objects.filter(pk__in=[fx.province.pk, fx.x1.pk, fx.dept.pk]).update(
        name=bad, short_name=bad
    )
    ProgressReport.objects.filter(period__plan=fx.plan).update(
        narrative=bad, reason="@" + bad, product_ref="-" + bad
    )
    fx.adhoc.__class__.objects.filter(pk=fx.adhoc.pk).update(title=bad)


def _formula_cells(body: bytes) -> list:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body))
    found, texts = [], 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith("=")
                    and not cell.quotePrefix
                ):  # fmt: skip
                    found.append(cell.coordinate)
                if isinstance(cell.value, str) and "ke-gian" in cell.value:
                    texts += 1
    assert texts, "the hostile text should be in the file, as text"
    return found


def test_every_export_writes_user_text_as_text_and_survives_control_characters(client):
    import io

    from docx import Document

    from tests.dashboard_data import TODAY, build_fixture

    fx = build_fixture()
    _poison(fx)
    branch = make_user("cn-tt", fx.branch, Profile.Role.REVIEWER)
    national = make_user("tw-nv", unit("tw-nhcsxh"), Profile.Role.REVIEWER)
    leader = make_user("ld-tt", fx.province, Profile.Role.LEADER)
    urls = [
        (branch, reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, t]) + query)
        for t, query in [("phan-cong", ""), ("qua-han", ""), ("don-vi", ""), ("ky", ""),
                         ("bang", f"?nam={TODAY.year}&ke_hoach={fx.plan.pk}")]
    ]  # fmt: skip
    urls += [
        (branch, reverse("dashboards:dashboard_task_xlsx", args=[fx.province.pk, fx.tasks[0].pk])),
        (national, reverse("dashboards:dashboard_national_xlsx")),
        (leader, reverse("reports:consolidated", args=[fx.lines["L1"].period_id, "xlsx"])),
        (leader, reverse("reports:consolidated", args=[fx.adhoc.pk, "xlsx"])),
        (leader, reverse("tasks:export_appendix", args=[fx.plan.pk])),
    ]
    for user, url in urls:
        client.force_login(user)
        response = download_export(client, url)
        assert response.status_code == 200, url
        assert _formula_cells(response.content) == [], url
    client.force_login(leader)
    response = download_export(
        client, reverse("reports:consolidated", args=[fx.lines["L1"].period_id, "docx"])
    )
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert EVIL in text


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Đã tuyên truyền\x00 tại 5 thôn", "Đã tuyên truyền tại 5 thôn"),
        ("Dòng 1\nDòng 2\tcột", "Dòng 1\nDòng 2\tcột"),  # tab and newline are kept
        ("\x01\x08\x0b\x0c\x0e\x1fKết quả\ufffe", "Kết quả"),
        ("=SUM(A1:A3)", "=SUM(A1:A3)"),  # text stays as typed; exports quote it
    ],
)
def test_xml_safe_strips_only_what_xml_refuses(raw, clean):
    from orgunits.text import xml_safe

    assert xml_safe(raw) == clean


def test_narrative_with_control_characters_is_saved_without_them(client, period):
    police = unit("w21370-cong-an")
    officer = make_user("canbo-congan", police)
    client.force_login(officer)
    lines = list(ProgressReport.objects.filter(period=period, unit=police).order_by("pk")[:1])
    r = lines[0]
    p = f"r{r.pk}-"
    data = {"action": "save", "token": "t1", "line": [str(r.pk)], p + "version": str(r.version),
            p + "status": "in_progress", p + "narrative": "Đã họp\x00 dân\x07 thôn 1",
            p + "reason": "\x1f", p + "product_ref": "", p + "completed_on": ""}  # fmt: skip
    url = reverse("reports:unit_report", args=[period.pk, police.pk])
    assert client.post(url, data).status_code == 302
    r.refresh_from_db()
    assert r.narrative == "Đã họp dân thôn 1" and r.reason == ""


def _editor_rows(plan):
    from tasks.editor import load_rows

    return [
        {"key": r.key, "id": r.task_id, "level": r.level, "stt": r.stt, "content": r.content,
         "product": r.product, "timeframe": r.timeframe, "lead": [c.value for c in r.lead],
         "coordinating": [c.value for c in r.coordinating]}
        for r in load_rows(plan)
    ]  # fmt: skip


def test_editor_drops_control_characters(client):
    import json

    from tasks.models import Task

    client.force_login(get_user_model().objects.create_superuser("qt-editor"))
    plan = _draft_of("pg-kh-ubnd")
    rows = _editor_rows(plan)
    row = next(r for r in rows if r["lead"])
    row["content"] = "Tuyên truyền\u0000 Chỉ thị\u0007 39"
    row["product"] = "\u001fBáo cáo"
    data = {"rows": json.dumps(rows), "version": plan.version}
    response = client.post(reverse("tasks:editor", args=[plan.pk]), data)
    assert response.status_code == 302, response.content.decode()[:1000]
    task = Task.objects.get(pk=row["id"])
    assert (task.content, task.product) == ("Tuyên truyền Chỉ thị 39", "Báo cáo")


# --- 9. a shorter appendix over tasks units reported on -------------------------------------


def test_reimport_refuses_to_delete_rows_with_reports_and_says_which(period):
    from tasks.importer import ImportRefused, apply_import, preview_import
    from tasks.models import Task
    from tasks.xlsx_writer import write_appendix

    plan = period.plan
    tasks = list(plan.tasks.order_by("position"))
    reported = [t for t in tasks[-3:] if t.progress_reports.exists()]
    assert reported, "the last rows of the issued plan have report lines"
    data = write_appendix(plan, tasks[:-3])
    preview = preview_import(plan, data, "ngan-hon.xlsx")
    assert preview.summary["removed"] == 3
    assert not preview.can_confirm
    for task in reported:
        assert any(
            f"Dòng {task.full_code}" in e and "đã có báo cáo, không thể xóa" in e
            for e in preview.errors
        ), preview.errors
    count = Task.objects.filter(plan=plan).count()
    with pytest.raises(ImportRefused, match="đã có báo cáo"):
        apply_import(plan, data, "ngan-hon.xlsx", expected_version=preview.plan_version)
    assert Task.objects.filter(plan=plan).count() == count


# --- 10. the editor's upload limit and long cells --------------------------------------------


def test_editor_reads_a_5000_row_table_and_refuses_an_oversized_one_with_a_message(client):
    import json
    from urllib.parse import urlencode

    from django.conf import settings

    from tasks.editor import BAD_PAYLOAD

    client.force_login(get_user_model().objects.create_superuser("qt-big"))
    plan = _draft_of("dn-kh-ubnd")
    url = reverse("tasks:editor", args=[plan.pk])
    seed = _editor_rows(plan)
    rows = []
    for n in range(settings.IMPORT_MAX_ROWS):
        row = dict(seed[n % len(seed)], id=None, key=f"k{n}")
        rows.append(row)
    rows[-1]["level"] = "x"  # unreadable at the very end: the whole table had to be read
    body = urlencode({"rows": json.dumps(rows, ensure_ascii=False), "version": plan.version})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert BAD_PAYLOAD[:40] in response.content.decode()

    huge = "x" * (settings.EDITOR_MAX_UPLOAD + 1)
    response = client.post(url, {"rows": huge, "version": plan.version})
    assert response.status_code == 413
    assert "Dữ liệu gửi lên quá lớn" in response.content.decode()


def test_editor_refuses_a_cell_over_20000_characters_and_saves_nothing(client):
    import json

    from tasks.models import Task

    client.force_login(get_user_model().objects.create_superuser("qt-long"))
    plan = _draft_of("pg-kh-ubnd")
    rows = _editor_rows(plan)
    row = next(r for r in rows if r["lead"])
    before = Task.objects.get(pk=row["id"]).content
    row["content"] = "Tuyên truyền " * 1600  # 20,800 characters
    data = {"rows": json.dumps(rows), "version": plan.version}
    response = client.post(reverse("tasks:editor", args=[plan.pk]), data)
    assert response.status_code == 200
    assert "quá giới hạn 20.000 ký tự" in response.content.decode()
    assert Task.objects.get(pk=row["id"]).content == before
