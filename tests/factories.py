"""Test data: users with a unit and role, seeded units, the Phước Giang plan with its
reporting periods."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model

from orgunits.models import OrgUnit, Profile
from plans.models import Plan

PASSWORD = "mat-khau-dai-123"


def make_user(username: str, unit: OrgUnit, role: str = Profile.Role.OFFICER, *, head=False):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.vn", password=PASSWORD
    )
    Profile.objects.create(user=user, unit=unit, role=role, is_unit_head=head)
    return user


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page in a browser test (Playwright `page`)."""
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def unit(key: str) -> OrgUnit:
    return OrgUnit.objects.get(key=key)


def phuoc_giang() -> OrgUnit:
    return OrgUnit.objects.get(admin_code="21370")


def issue_phuoc_giang(issued_on: date = date(2025, 12, 1), today: date | None = None) -> Plan:
    """The Phước Giang commune plan with its periods: issued in the seeds (chưa rõ số);
    issued here as 12/KH-UBND only if a test made it a draft again."""
    from reports.periods import ensure_periods
    from tasks.workflow import issue_plan

    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    if plan.status == Plan.Status.DRAFT:
        issue_plan(plan, "12/KH-UBND", issued_on)
        plan.refresh_from_db()
    ensure_periods(today=today, plans=Plan.objects.filter(pk=plan.pk))
    return plan


# --- a unit's report form ------------------------------------------------------------------

#: The smallest file the upload check reads as a PDF.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def unit_lines(period, unit: OrgUnit) -> list:
    """The unit's report lines of the period, in the page's order."""
    from reports.models import ProgressReport

    return list(
        ProgressReport.objects.filter(period=period, unit=unit).order_by("task__position", "pk")
    )


def report_form(lines, action="save", token="t1", **overrides) -> dict:
    """The POST of a unit's report page with every line "Đang thực hiện" and a narrative."""
    data = {"action": action, "token": token, "line": [str(r.pk) for r in lines]}
    for r in lines:
        p = f"r{r.pk}-"
        data |= {p + "version": str(r.version), p + "status": "in_progress",
                 p + "narrative": "Đã tuyên truyền tại 5 thôn.", p + "product_ref": "",
                 p + "completed_on": "", p + "reason": ""}  # fmt: skip
    return data | overrides
