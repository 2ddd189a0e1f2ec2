"""In a real browser (Playwright + Debian's chromium): a commune officer of Phước Giang derives
the commune plan from Kế hoạch 17/KH-UBND, edits a task in the appendix editor (wording, a
local unit picked by typing, a timeframe read live), saves and issues it; another commune's
officer is refused. Screenshots of the key pages go to test-artifacts/plans/ (git-ignored)."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks.models import Assignment
from tests.factories import sign_in

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "plans"
PASSWORD = "mat-khau-dai-123"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def officer(username, commune_code):
    user = User.objects.create_user(username, password=PASSWORD)
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(admin_code=commune_code))
    return user


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_commune_officer_derives_edits_and_issues(seeded, live_server, browser):
    base = live_server.url
    officer("cb-phuocgiang", "21370")
    officer("cb-thientin", "21388")
    page = browser.new_page(viewport=DESKTOP)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_in(page, base, "cb-phuocgiang")
    assert page.url.endswith("/nhiem-vu/cua-don-vi/")  # an officer with tasks lands there
    page.goto(f"{base}/ke-hoach/")
    page.click("text=Kế hoạch 17/KH-UBND")
    page.wait_for_load_state()
    shot(page, "01-ke-hoach-tinh")
    page.click("button:has-text('Lập kế hoạch cấp xã')")
    page.wait_for_load_state()
    assert "Đã lập dự thảo kế hoạch của UBND xã Phước Giang" in page.content()
    derived = Plan.objects.get(parent__seed_key="qn-17-kh-ubnd", issuer__admin_code="21370")
    shot(page, "02-du-thao-xa")

    page.click("text=Soạn thảo phụ lục")
    page.wait_for_selector("#editor-table")
    row = (
        page.locator("tr.editor-row")
        .filter(has=page.locator(".unit-picker[data-role=lead] .chip"))
        .first
    )
    task_id = int(row.get_attribute("data-id"))
    wording = "Trung tâm Cung ứng dịch vụ công xã phổ biến Chỉ thị 39-CT/TW đến các thôn"
    row.locator("[data-field=content]").fill(wording)
    row.locator(".unit-picker[data-role=lead] .picker-input").fill("cung ung dich vu")
    option = row.locator("[role=option]", has_text="Trung tâm Cung ứng dịch vụ công xã")
    option.first.wait_for()
    shot(page, "03-chon-don-vi")
    option.first.click()
    assert (
        "Trung tâm Cung ứng dịch vụ công xã"
        in row.locator(".unit-picker[data-role=lead] .chips").inner_text()
    )
    row.locator("[data-field=timeframe]").fill("Hằng năm, trước ngày 01/10")
    row.locator(".tf-summary", has_text="→ hằng năm, hạn 01/10").wait_for()
    shot(page, "04-soan-thao")
    page.set_viewport_size(PHONE)
    shot(page, "04-soan-thao-dien-thoai")
    page.set_viewport_size(DESKTOP)
    page.click("#editor-submit")
    page.wait_for_load_state()
    assert "Đã lưu phụ lục" in page.content()
    assert wording in page.content()
    shot(page, "05-da-luu")

    page.click("a:has-text('Ban hành')")
    page.wait_for_load_state()
    page.fill("#id_number", "15/KH-UBND")
    page.fill("#id_issued_on", timezone.localdate().strftime("%d/%m/%Y"))
    page.click("button[type=submit]:has-text('Ban hành')")
    page.wait_for_load_state()
    assert "Đã ban hành kế hoạch số 15/KH-UBND" in page.content()
    assert page.locator("button:has-text('Lập kế hoạch cấp xã')").count() == 0  # its own plan
    shot(page, "06-da-ban-hanh")
    page.set_viewport_size(PHONE)
    shot(page, "06-da-ban-hanh-dien-thoai")
    page.set_viewport_size(DESKTOP)
    page.click("#nav-more > a")  # the less used links sit in the "Khác" menu
    page.click("#nav-more >> text=Nhiệm vụ của đơn vị")
    page.wait_for_load_state()
    assert "Kế hoạch 15/KH-UBND" in page.content()
    shot(page, "07-nhiem-vu-cua-don-vi")

    derived.refresh_from_db()
    assert derived.status == Plan.Status.ISSUED and derived.number == "15/KH-UBND"
    task = derived.tasks.get(pk=task_id)
    assert task.content == wording and task.source_task_id is not None
    assert "Trung tâm Cung ứng dịch vụ công xã" in task.lead_text
    assert (task.schedule_kind, task.yearly_day, task.yearly_month) == ("yearly", 1, 10)
    centre = OrgUnit.objects.get(key="w21370-ttdvc")
    assert Assignment.objects.filter(task=task, unit=centre, retired_on__isnull=True).exists()

    page.click("text=Đăng xuất")
    page.wait_for_load_state()
    sign_in(page, base, "cb-thientin")
    response = page.goto(f"{base}{derived.get_absolute_url()}")
    assert response.status == 404
    shot(page, "08-xa-khac-bi-tu-choi")
    response = page.goto(f"{base}/ke-hoach/{derived.pk}/soan-thao/")
    assert response.status == 404
    assert errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_picking_the_related_departments_of_a_task(seeded, live_server, browser):
    """A revision of 17/KH-UBND: on a task led by "Các sở, ban, ngành có liên quan" the
    office picks Sở Y tế in place of the whole group; the cell keeps its wording."""
    from tasks.models import Task
    from tasks.workflow import create_revision

    base = live_server.url
    User.objects.create_superuser("quantri", password=PASSWORD)
    revision = create_revision(Plan.objects.get(seed_key="qn-17-kh-ubnd")).plan
    task = Task.objects.filter(
        plan=revision, assignments__group__key="qn-so-nganh", assignments__role="lead"
    ).first()
    lead_text = task.lead_text
    page = browser.new_page(viewport=DESKTOP)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "quantri")
    page.goto(f"{base}/ke-hoach/{revision.pk}/soan-thao/")
    picker = page.locator(f"tr.editor-row[data-id='{task.pk}'] .unit-picker[data-role=lead]")
    picker.locator(".chip-pick").click()
    picker.locator(".picker-input").fill("Sở Y tế")
    option = picker.locator("[role=option]", has_text="Sở Y tế")
    option.first.wait_for()
    option.first.click()
    chips = picker.locator(".chips").inner_text()
    assert "Sở Y tế" in chips and "Các sở, ban, ngành có liên quan" in chips  # "thuộc …"
    assert picker.locator(".chip-group[data-related]").count() == 0  # the group chip replaced
    shot(page, "09-chon-so-nganh-lien-quan")
    page.click("#editor-submit")
    page.wait_for_load_state()
    assert "Đã lưu phụ lục" in page.content()
    task.refresh_from_db()
    assert task.lead_text == lead_text
    picked = task.assignments.get(role="lead", picked_for__key="qn-so-nganh")
    assert picked.unit.key == "qn-y-te"
    assert errors == []
