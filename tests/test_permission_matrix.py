"""Permission matrix: every role × every view or action of plans, tasks, progress reports and
the unit pickers and admin forms, with an allowed
and a refused case each (404 for an object the user cannot see, 403 for an action they may
not take on an object they can see; signed-out users are sent to the login page).

Roles: a commune officer (xã Phước Giang), a provincial officer (Sở Tài chính Quảng Ngãi),
two reviewers (Chi nhánh NHCSXH tỉnh, PGD NHCSXH Nghĩa Hành), a provincial admin, a leader,
a superuser, an officer of another province (UBND tỉnh Nghệ An), a user without a profile,
a reviewer of NHCSXH Việt Nam (the national unit) and a reviewer of a unit of the same kind
planted inside Quảng Ngãi.

The escalation chain (issue 15): a provincial admin creates a unit of kind "NHCSXH Việt Nam"
in their province (`admin_head_unit`), attaches an account to it (`admin_account`), and that
account reads every province (`national_dashboard`, the plans of Nghệ An). Every link is
refused: only the national unit of the central bodies' tree grants national rights, and only
a superuser attaches accounts to it.

Each view is paired with its rule in an access module (`RULES`): the rule, asked directly,
agrees with what the view answered.
"""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from dashboards.access import sees_every_province
from orgunits.access import (
    actor_for,
    can_search_units_of,
    grants_national_rights,
    is_central_unit,
    managed_province,
)
from orgunits.models import OrgUnit, Profile
from plans.access import (
    can_create_plans,
    can_derive_for,
    can_edit_plan,
    can_revise,
    can_use_editor,
    can_view_plan,
)
from plans.models import Plan
from reports.access import (
    can_download_consolidated,
    can_fill,
    can_fill_line,
    can_manage_periods,
    can_read_unit_reports,
    is_reviewer_of,
)
from reports.models import ProgressReport
from tasks.access import name_scope
from tasks.editor import load_rows
from tasks.models import Assignment, Task
from tasks.workflow import create_revision
from tasks.xlsx_writer import write_rows
from tests.exports import download_export
from tests.factories import issue_phuoc_giang, make_user, unit_lines

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ROLES = {
    # role: (unit lookup, Profile role); None: no profile
    "commune_officer": ({"admin_code": "21370"}, Profile.Role.OFFICER),
    "provincial_officer": ({"key": "qn-tai-chinh"}, Profile.Role.OFFICER),
    "reviewer_branch": ({"key": "qn-nhcsxh"}, Profile.Role.REVIEWER),
    "reviewer_pgd": ({"key": "qn-pgd-532"}, Profile.Role.REVIEWER),
    "province_admin": ({"key": "qn"}, Profile.Role.PROVINCE_ADMIN),
    "leader": ({"key": "qn"}, Profile.Role.LEADER),
    "superuser": None,
    "other_province": ({"key": "na"}, Profile.Role.OFFICER),
    "no_profile": None,
    "national": ({"key": "tw-nhcsxh"}, Profile.Role.REVIEWER),
    "planted_head": ({"key": "qn-nhcsxh-vn-gia"}, Profile.Role.REVIEWER),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _draft(issuer_key, parent, follow_up=None, issued=False, number=""):
    issuer = OrgUnit.objects.get(**issuer_key)
    plan = Plan.objects.create(
        title=f"Kế hoạch thử của {issuer.display_name}",
        issuer=issuer,
        parent=parent,
        follow_up_unit=follow_up,
        status=Plan.Status.ISSUED if issued else Plan.Status.DRAFT,
        number=number,
    )
    tree_id = (Task.objects.aggregate(m=Max("tree_id"))["m"] or 0) + 1
    task = Task.objects.create(
        plan=plan, kind=Task.Kind.TASK, code="1", full_code="1", position=0,
        content="Tuyên truyền Chỉ thị 39", lead_text=issuer.display_name,
        tree_id=tree_id, lft=1, rght=2, level=0,
    )  # fmt: skip
    Assignment.objects.create(
        task=task, role=Assignment.Role.LEAD, unit=issuer, source_text=issuer.display_name
    )
    return plan


@pytest.fixture
def world():
    # A unit of kind NHCSXH Việt Nam written straight into Quảng Ngãi's tree (what the
    # escalation would leave behind): it must grant nothing national. Planted first: it
    # shifts the tree's numbering, which the units loaded below then read as it is.
    qn = OrgUnit.objects.get(key="qn")
    planted = OrgUnit(key="qn-nhcsxh-vn-gia", name="Ngân hàng Chính sách xã hội Việt Nam",
                      kind=OrgUnit.Kind.NHCSXH_HEAD, parent=qn)  # fmt: skip
    planted.save()
    qn17 = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    na686 = Plan.objects.get(seed_key="na-686-kh-ubnd")
    branch = OrgUnit.objects.get(key="qn-nhcsxh")
    objects = {
        "qn17": qn17,
        "na686": na686,
        "ct39": Plan.objects.get(seed_key="ct-39"),
        "kt": Plan.objects.get(seed_key="kt-kh-ubnd"),  # superseded
        # Phước Giang's plan is issued (chưa rõ số): its draft is a revision of it
        "pg_draft": create_revision(Plan.objects.get(seed_key="pg-kh-ubnd")).plan,
        "stc_draft": _draft({"key": "qn-tai-chinh"}, qn17, follow_up=branch),
        "stc_issued": _draft({"key": "qn-tai-chinh"}, qn17, issued=True, number="9/KH-STC"),
        "pg_issued": _draft({"admin_code": "21370"}, qn17, issued=True, number="9/KH-UBND"),
        "na_draft": _draft({"key": "na"}, na686),
        "qn_task": Task.objects.get(plan=qn17, full_code="I.2"),
        "na_task": Task.objects.get(plan=na686, full_code="1.1"),
        "u_qn": OrgUnit.objects.get(key="qn"),
        "u_pg": OrgUnit.objects.get(admin_code="21370"),
        "u_na": OrgUnit.objects.get(key="na"),
        "u_planted": planted,
    }
    objects["u_tw_nhcsxh"] = OrgUnit.objects.get(key="tw-nhcsxh")
    objects["na_draft_task"] = objects["na_draft"].tasks.first()
    objects["missing"] = Plan(pk=99_999_999, title="?", issuer=objects["u_qn"])
    objects["missing_task"] = Task(pk=99_999_999)
    objects["u_missing"] = OrgUnit(pk=99_999_999)
    return objects


@pytest.fixture
def reports_world(world):
    """`world` and the open period of Phước Giang's plan (issuer: UBND xã Phước Giang;
    reviewed by PGD Nghĩa Hành, its follow-up unit, and Chi nhánh NHCSXH tỉnh, where it
    reports): a draft line of the commune's police (Công an xã) and a submitted one. The
    commune's People's Committee has no line of its own: it reads, does not fill."""
    period = issue_phuoc_giang(today=timezone.localdate()).reporting_periods.order_by("-cutoff")[0]
    police = unit_lines(period, OrgUnit.objects.get(key="w21370-cong-an"))
    submitted = police[1]
    ProgressReport.objects.filter(pk=submitted.pk).update(state=ProgressReport.State.SUBMITTED)
    submitted.refresh_from_db()
    return world | {
        "pg_period": period,
        "police_line": police[0],
        "police_submitted": submitted,
    }


def sign_in(client, role):
    if role == "anonymous":
        return None
    if role == "superuser":
        user = User.objects.create_superuser("sieu")
    else:
        user = User.objects.create_user(role, is_staff=role == "province_admin")
        if ROLES[role] is not None:
            lookup, profile_role = ROLES[role]
            Profile.objects.create(user=user, unit=OrgUnit.objects.get(**lookup), role=profile_role)
    client.force_login(user)
    return user


# --- actions: (client, object) → response ------------------------------------------------------


def _upload(client, plan):
    data = write_rows([(False, "1", "Nhiệm vụ nhập thử", "Sở Tài chính", "", "", "2026")])
    url = reverse("tasks:import_upload", args=[plan.pk])
    return client.post(url, {"file": SimpleUploadedFile("a.xlsx", data, content_type=XLSX)})


def _token(response):
    found = re.search(r"/nhap-phu-luc/([0-9a-f]{32})/", response.get("Location", ""))
    return found.group(1) if found else None


def import_preview(client, plan):
    response = _upload(client, plan)
    return client.get(response["Location"]) if _token(response) else response


def import_confirm(client, plan):
    token = _token(_upload(client, plan)) or "0" * 32  # refused upload: try a token anyway
    url = reverse("tasks:import_confirm", args=[plan.pk, token])
    return client.post(url, {"version": plan.version})


def editor_save(client, plan):
    rows = [
        {"key": r.key, "id": r.task_id, "level": r.level, "stt": r.stt, "content": r.content,
         "product": r.product, "timeframe": r.timeframe, "lead": [c.value for c in r.lead],
         "coordinating": [c.value for c in r.coordinating]}
        for r in load_rows(plan)
    ]  # fmt: skip
    url = reverse("tasks:editor", args=[plan.pk])
    return client.post(url, {"rows": json.dumps(rows), "version": plan.version})


def admin_head_unit(client, parent):
    """The admin's unit form: a unit of kind NHCSXH Việt Nam under `parent`."""
    data = {
        "key": "gia-nhcsxh-vn", "name": "NHCSXH Việt Nam (giả)", "short_name": "",
        "kind": OrgUnit.Kind.NHCSXH_HEAD, "admin_code": "", "parent": parent.pk,
        "successor": "", "note": "", "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:orgunits_orgunit_add"), data)
    response.saved = OrgUnit.objects.filter(key="gia-nhcsxh-vn").exists()
    return response


def admin_account(client, unit):
    """The admin's account form: a new reviewer account attached to `unit`."""
    data = {
        "username": "tai-khoan-moi", "usable_password": "true",
        "password1": "mat-khau-rat-dai-2025", "password2": "mat-khau-rat-dai-2025",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0", "profile-MAX_NUM_FORMS": "1",
        "profile-0-unit": unit.pk, "profile-0-role": Profile.Role.REVIEWER,
    }  # fmt: skip
    response = client.post(reverse("admin:auth_user_add"), data)
    response.saved = Profile.objects.filter(
        user__username="tai-khoan-moi", unit_id=unit.pk
    ).exists()
    return response


def _province(obj):
    return {"tinh": obj.pk} if obj else {}


def names_page(client, obj):
    """The unresolved names page: the user's own province, or `obj` (?tinh=)."""
    return client.get(reverse("tasks:unresolved_names"), _province(obj))


def map_name(client, obj):
    """Mapping a name on that page (no target chosen: past the permission check, the page
    answers with a message and a redirect)."""
    data = {"name": "Phòng Không Có", "target": "", **_province(obj)}
    return client.post(reverse("tasks:unresolved_names"), data)


def page(name, method="get"):
    def action(client, obj):
        return getattr(client, method)(reverse(name, args=[obj.pk]))

    return action


def unit_reports(client, line):
    """The report page of the line's unit in its period."""
    return client.get(reverse("reports:unit_report", args=[line.period_id, line.unit_id]))


def fill(client, line):
    """Saving the line as a draft on that page."""
    url = reverse("reports:unit_report", args=[line.period_id, line.unit_id])
    p = f"r{line.pk}-"
    data = {"action": "save", "token": "t1", "line": [str(line.pk)],
            p + "version": line.version, p + "status": "in_progress",
            p + "narrative": "Đã tuyên truyền tại 5 thôn."}  # fmt: skip
    return client.post(url, data)


def review(client, line):
    return client.post(reverse("reports:review", args=[line.pk]), {"decision": "accept"})


def consolidated(client, period):
    """The consolidated report (.xlsx), through its export job when one is started."""
    return download_export(client, reverse("reports:consolidated", args=[period.pk, "xlsx"]))


#: The actions on progress reports: their objects are in `reports_world`; an anonymous
#: user is tried on this one.
REPORT_ACTIONS = {
    "unit_reports": "police_line",
    "fill": "police_line",
    "review": "police_submitted",
    "close_period": "pg_period",
    "consolidated": "pg_period",
}

ACTIONS = {
    "plan_list": lambda client, obj: client.get(reverse("plans:list")),
    "plan_page": lambda client, obj: client.get(reverse("tasks:plan_detail", args=[obj.pk])),
    "create": lambda client, obj: client.get(reverse("plans:create")),
    "edit_header": page("plans:edit"),
    "editor_load": page("tasks:editor"),
    "editor_save": editor_save,
    "issue": page("tasks:issue"),
    "derive": page("tasks:derive", "post"),
    "revise": page("tasks:revise", "post"),
    "history": page("tasks:plan_history"),
    "task_page": page("tasks:task"),
    "task_history": page("tasks:task_history"),
    "import_preview": import_preview,
    "import_confirm": import_confirm,
    "export": page("tasks:export_appendix"),
    "unit_search": lambda client, obj: client.get(
        reverse("orgunits:search"), {"q": "tai chinh", **({"don_vi": obj.pk} if obj else {})}
    ),
    "my_tasks": lambda client, obj: client.get(
        reverse("tasks:my_tasks"), {"ke_hoach": obj.pk} if obj else {}
    ),
    "timeframe": lambda client, obj: client.get(reverse("tasks:timeframe"), {"timeframe": "2026"}),
    "national_dashboard": lambda client, obj: client.get(reverse("dashboards:dashboard_national")),
    "admin_head_unit": admin_head_unit,
    "admin_account": admin_account,
    "names_page": names_page,
    "map_name": map_name,
    "unit_reports": unit_reports,
    "fill": fill,
    "review": review,
    "close_period": page("reports:period_close", "post"),
    "consolidated": consolidated,
}

# role → action → (allowed case, refused case); a case is (object name, expected) where
# expected is a status code, "shows"/"hides" (the plan's label on the plan list) or
# "saved"/"unsaved" (whether an admin form saved its object).
MATRIX = {
    "commune_officer": {
        "plan_list": (("qn17", "shows"), ("na686", "hides")),
        "plan_page": (("qn17", 200), ("na686", 404)),
        "create": ((None, 200), None),
        "edit_header": (("pg_draft", 200), ("qn17", 403)),
        "editor_load": (("pg_draft", 200), ("qn17", 403)),
        "editor_save": (("pg_draft", 302), ("stc_draft", 404)),
        "issue": (("pg_draft", 200), ("qn17", 403)),
        "derive": (("qn17", 302), ("pg_issued", 403)),  # never from its own plan
        "revise": (("pg_issued", 302), ("qn17", 403)),
        "history": (("pg_draft", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (("pg_draft", 200), ("qn17", 403)),
        "import_confirm": (("pg_draft", 302), ("na_draft", 404)),
        "export": (("qn17", 200), ("na686", 404)),
        "unit_search": (("u_pg", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_pg", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": ((None, 200), ("u_na", 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (("police_line", 200), None),  # the issuer reads every unit
        "fill": (None, ("police_line", 403)),  # its unit's lines only (test below)
        "review": (None, ("police_submitted", 403)),
        "close_period": (None, ("pg_period", 403)),
        "consolidated": (None, ("pg_period", 403)),
    },
    "provincial_officer": {
        "plan_list": (("qn17", "shows"), ("na686", "hides")),
        "plan_page": (("qn17", 200), ("na686", 404)),
        "create": ((None, 200), None),
        "edit_header": (("stc_draft", 200), ("qn17", 403)),
        "editor_load": (("stc_draft", 200), ("pg_draft", 404)),
        "editor_save": (("stc_draft", 302), ("qn17", 403)),
        "issue": (("stc_draft", 200), ("qn17", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (("stc_issued", 302), ("qn17", 403)),
        "history": (("qn17", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (("stc_draft", 200), ("qn17", 403)),
        "import_confirm": (("stc_draft", 302), ("na_draft", 404)),
        "export": (("qn17", 200), ("na686", 404)),
        "unit_search": (("u_qn", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_qn", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": ((None, 200), ("u_na", 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (None, ("police_line", 404)),
        "fill": (None, ("police_line", 404)),
        "review": (None, ("police_submitted", 404)),
        "close_period": (None, ("pg_period", 403)),
        "consolidated": (None, ("pg_period", 403)),
    },
    "reviewer_branch": {
        "plan_list": (("qn17", "shows"), ("na686", "hides")),
        "plan_page": (("stc_draft", 200), ("na686", 404)),  # follows the draft
        "create": (None, (None, 403)),
        "edit_header": (None, ("stc_draft", 403)),
        "editor_load": (None, ("stc_draft", 403)),
        "editor_save": (None, ("stc_draft", 403)),
        "issue": (None, ("stc_draft", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (None, ("qn17", 403)),
        "history": (("qn17", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (None, ("stc_draft", 403)),
        "import_confirm": (None, ("stc_draft", 403)),
        "export": (("qn17", 200), ("na686", 404)),
        "unit_search": (("u_qn", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_qn", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": (None, (None, 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (("police_line", 200), None),
        "fill": (None, ("police_line", 403)),
        "review": (("police_submitted", 302), None),  # the unit the plan reports to
        "close_period": (("pg_period", 302), None),
        "consolidated": (("pg_period", 200), None),
    },
    "reviewer_pgd": {
        "plan_list": (("pg_draft", "shows"), ("na686", "hides")),
        "plan_page": (("pg_draft", 200), ("na_draft", 404)),  # follows Phước Giang's plan
        "create": (None, (None, 403)),
        "edit_header": (None, ("pg_draft", 403)),
        "editor_load": (None, ("pg_draft", 403)),
        "editor_save": (None, ("pg_draft", 403)),
        "issue": (None, ("pg_draft", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (None, ("qn17", 403)),
        "history": (("pg_draft", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (None, ("pg_draft", 403)),
        "import_confirm": (None, ("pg_draft", 403)),
        "export": (("pg_draft", 200), ("na686", 404)),
        "unit_search": (("u_pg", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_pg", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": (None, (None, 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (("police_line", 200), None),
        "fill": (None, ("police_line", 403)),
        "review": (("police_submitted", 302), None),  # the plan's follow-up unit
        "close_period": (("pg_period", 302), None),
        "consolidated": (("pg_period", 200), None),
    },
    "province_admin": {
        "plan_list": (("stc_draft", "shows"), ("na_draft", "hides")),
        "plan_page": (("pg_draft", 200), ("na686", 404)),
        "create": ((None, 200), None),
        "edit_header": (("pg_draft", 200), ("qn17", 403)),
        "editor_load": (("stc_draft", 200), ("na_draft", 404)),
        "editor_save": (("pg_draft", 302), ("qn17", 403)),
        "issue": (("stc_draft", 200), ("qn17", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (("qn17", 302), ("na686", 404)),
        "history": (("stc_draft", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (("pg_draft", 200), ("na_draft", 404)),
        "import_confirm": (("stc_draft", 302), ("qn17", 403)),
        "export": (("qn17", 200), ("na686", 404)),
        "unit_search": (("u_pg", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_qn", "unsaved")),  # the first link of the chain
        "admin_account": (("u_qn", "saved"), ("u_planted", "unsaved")),  # the second
        "names_page": ((None, 200), ("u_na", 403)),
        "map_name": ((None, 302), ("u_na", 403)),
        "unit_reports": (("police_line", 200), None),
        "fill": (None, ("police_line", 403)),
        "review": (None, ("police_submitted", 403)),  # reads, does not review
        "close_period": (None, ("pg_period", 403)),
        "consolidated": (("pg_period", 200), None),
    },
    "leader": {
        "plan_list": (("qn17", "shows"), ("na686", "hides")),
        "plan_page": (("qn17", 200), ("na686", 404)),
        "create": (None, (None, 403)),
        "edit_header": (None, ("qn17", 403)),
        "editor_load": (None, ("qn17", 403)),
        "editor_save": (None, ("qn17", 403)),
        "issue": (None, ("qn17", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (None, ("qn17", 403)),
        "history": (("qn17", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (None, ("qn17", 403)),
        "import_confirm": (None, ("qn17", 403)),
        "export": (("qn17", 200), ("na686", 404)),
        "unit_search": (("u_qn", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_qn", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": (None, (None, 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (("police_line", 200), None),
        "fill": (None, ("police_line", 403)),
        "review": (None, ("police_submitted", 403)),
        "close_period": (None, ("pg_period", 403)),
        "consolidated": (("pg_period", 200), None),
    },
    "superuser": {
        "plan_list": (("na_draft", "shows"), None),
        "plan_page": (("na686", 200), ("missing", 404)),
        "create": ((None, 200), None),
        "edit_header": (("na_draft", 200), ("kt", 403)),  # superseded: never edited
        "editor_load": (("na_draft", 200), ("qn17", 403)),  # issued: read-only, revise it
        "editor_save": (("pg_draft", 302), ("na686", 403)),
        "issue": (("na_draft", 200), ("kt", 403)),
        "derive": (None, ("qn17", 403)),  # only a commune derives its plan
        "revise": (("na686", 302), ("pg_draft", 403)),
        "history": (("na686", 200), ("missing", 404)),
        "task_page": (("na_task", 200), ("missing_task", 404)),
        "task_history": (("na_task", 200), ("missing_task", 404)),
        "import_preview": (("na_draft", 200), ("kt", 403)),
        "import_confirm": (("na_draft", 302), ("missing", 404)),
        "export": (("na686", 200), ("missing", 404)),
        "unit_search": (("u_na", 200), ("u_missing", 404)),
        "my_tasks": (None, (None, 403)),  # no unit of their own
        "timeframe": ((None, 200), None),
        "national_dashboard": ((None, 200), None),
        "admin_head_unit": (None, ("u_qn", "unsaved")),  # never inside a province (clean)
        "admin_account": (("u_tw_nhcsxh", "saved"), None),
        "names_page": (("u_na", 200), None),
        "map_name": (("u_na", 302), None),
        "unit_reports": (("police_line", 200), None),
        "fill": (("police_line", 302), None),
        "review": (("police_submitted", 302), None),
        "close_period": (("pg_period", 302), None),
        "consolidated": (("pg_period", 200), None),
    },
    "other_province": {
        "plan_list": (("na686", "shows"), ("qn17", "hides")),
        "plan_page": (("na686", 200), ("qn17", 404)),
        "create": ((None, 200), None),
        "edit_header": (("na_draft", 200), ("qn17", 404)),
        "editor_load": (("na_draft", 200), ("stc_draft", 404)),
        "editor_save": (("na_draft", 302), ("pg_draft", 404)),
        "issue": (("na_draft", 200), ("na686", 403)),
        "derive": (None, ("qn17", 404)),
        "revise": (("na686", 302), ("qn17", 404)),
        "history": (("na686", 200), ("qn17", 404)),
        "task_page": (("na_task", 200), ("qn_task", 404)),
        "task_history": (("na_task", 200), ("qn_task", 404)),
        "import_preview": (("na_draft", 200), ("stc_draft", 404)),
        "import_confirm": (("na_draft", 302), ("pg_draft", 404)),
        "export": (("na686", 200), ("qn17", 404)),
        "unit_search": (("u_na", 200), ("u_qn", 404)),
        "my_tasks": (("na686", 200), ("qn17", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_na", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": ((None, 200), ("u_qn", 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (None, ("police_line", 404)),
        "fill": (None, ("police_line", 404)),
        "review": (None, ("police_submitted", 404)),
        "close_period": (None, ("pg_period", 404)),
        "consolidated": (None, ("pg_period", 404)),
    },
    "no_profile": {
        "plan_list": (None, ("ct39", "hides")),
        "plan_page": (None, ("ct39", 404)),
        "create": (None, (None, 403)),
        "edit_header": (None, ("pg_draft", 404)),
        "editor_load": (None, ("pg_draft", 404)),
        "editor_save": (None, ("pg_draft", 404)),
        "issue": (None, ("pg_draft", 404)),
        "derive": (None, ("qn17", 404)),
        "revise": (None, ("qn17", 404)),
        "history": (None, ("qn17", 404)),
        "task_page": (None, ("qn_task", 404)),
        "task_history": (None, ("qn_task", 404)),
        "import_preview": (None, ("pg_draft", 404)),
        "import_confirm": (None, ("pg_draft", 404)),
        "export": (None, ("qn17", 404)),
        "unit_search": ((None, 200), ("u_qn", 404)),
        "my_tasks": (None, (None, 403)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_qn", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": (None, (None, 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (None, ("police_line", 404)),
        "fill": (None, ("police_line", 404)),
        "review": (None, ("police_submitted", 404)),
        "close_period": (None, ("pg_period", 404)),
        "consolidated": (None, ("pg_period", 404)),
    },
    "national": {
        "plan_list": (("na686", "shows"), ("na_draft", "hides")),
        "plan_page": (("na686", 200), ("na_draft", 404)),  # issued plans only, read only
        "create": (None, (None, 403)),
        "edit_header": (None, ("na686", 403)),
        "editor_load": (None, ("na686", 403)),
        "editor_save": (None, ("na686", 403)),
        "issue": (None, ("na686", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (None, ("na686", 403)),
        "history": (("qn17", 200), ("pg_draft", 404)),
        "task_page": (("na_task", 200), ("na_draft_task", 404)),
        "task_history": (("qn_task", 200), ("na_draft_task", 404)),
        "import_preview": (None, ("na_draft", 404)),
        "import_confirm": (None, ("na_draft", 404)),
        "export": (("na686", 200), ("stc_draft", 404)),
        "unit_search": ((None, 200), ("u_na", 404)),  # pickers serve editors: none here
        "my_tasks": ((None, 200), None),
        "timeframe": ((None, 200), None),
        "national_dashboard": ((None, 200), None),
        "admin_head_unit": (None, ("u_qn", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": (None, (None, 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (("police_line", 200), None),  # follows every province, read only
        "fill": (None, ("police_line", 403)),
        "review": (None, ("police_submitted", 403)),
        "close_period": (None, ("pg_period", 403)),
        "consolidated": (None, ("pg_period", 403)),
    },
    "planted_head": {  # the end of the chain: a reviewer of Quảng Ngãi, nothing national
        "plan_list": (("qn17", "shows"), ("na686", "hides")),
        "plan_page": (("qn17", 200), ("na686", 404)),
        "create": (None, (None, 403)),
        "edit_header": (None, ("qn17", 403)),
        "editor_load": (None, ("qn17", 403)),
        "editor_save": (None, ("qn17", 403)),
        "issue": (None, ("qn17", 403)),
        "derive": (None, ("qn17", 403)),
        "revise": (None, ("qn17", 403)),
        "history": (("qn17", 200), ("na686", 404)),
        "task_page": (("qn_task", 200), ("na_task", 404)),
        "task_history": (("qn_task", 200), ("na_task", 404)),
        "import_preview": (None, ("qn17", 403)),
        "import_confirm": (None, ("qn17", 403)),
        "export": (("qn17", 200), ("na686", 404)),
        "unit_search": (("u_qn", 200), ("u_na", 404)),
        "my_tasks": (("qn17", 200), ("na686", 404)),
        "timeframe": ((None, 200), None),
        "national_dashboard": (None, (None, 404)),
        "admin_head_unit": (None, ("u_qn", "unsaved")),
        "admin_account": (None, ("u_tw_nhcsxh", "unsaved")),
        "names_page": (None, (None, 403)),
        "map_name": (None, (None, 403)),
        "unit_reports": (("police_line", 200), None),
        "fill": (None, ("police_line", 403)),
        "review": (None, ("police_submitted", 403)),
        "close_period": (None, ("pg_period", 403)),
        "consolidated": (None, ("pg_period", 403)),
    },
}

CASES = [
    pytest.param(role, action, case[0], case[1], id=f"{role}-{action}-{kind}-{case[0]}")
    for role, actions in MATRIX.items()
    for action, pair in actions.items()
    for kind, case in zip(("allowed", "refused"), pair, strict=True)
    if case is not None
] + [
    pytest.param(
        "anonymous", action, REPORT_ACTIONS.get(action, "qn17"), "login", id=f"anonymous-{action}"
    )
    for action in ACTIONS
]


def objects_for(request, action):
    """The objects of the world the action needs (the reports' only when it needs them)."""
    return request.getfixturevalue("reports_world" if action in REPORT_ACTIONS else "world")


def test_every_role_and_action_is_in_the_matrix():
    for role in ROLES:
        assert set(MATRIX[role]) == set(ACTIONS), role
        for action, (allowed, refused) in MATRIX[role].items():
            assert allowed or refused, (role, action)


@pytest.mark.parametrize(("role", "action", "target", "expected"), CASES)
def test_permission(client, request, role, action, target, expected):
    objects = objects_for(request, action)  # before signing in: the planted unit
    sign_in(client, role)
    obj = objects[target] if target else None
    if action == "my_tasks" and target and not isinstance(obj, Plan):
        obj = None
    response = ACTIONS[action](client, obj)
    if expected == "login":  # the site's login page, or the admin's for the admin forms
        assert response.status_code == 302
        assert "/dang-nhap/" in response["Location"] or "/admin/login/" in response["Location"]
        assert not getattr(response, "saved", False)
    elif expected in ("saved", "unsaved"):
        assert response.saved == (expected == "saved"), response.content.decode()[:3000]
    elif expected in ("shows", "hides"):
        assert response.status_code == 200
        shown = obj.get_absolute_url() in response.content.decode()
        assert shown == (expected == "shows"), (role, obj.label)
    else:
        assert response.status_code == expected, response.content.decode()[:500]
        if expected == 302:
            assert "/dang-nhap/" not in response["Location"]


# The rules behind the views, asked directly from the access modules (one home each): they
# agree with what the views answered above. (object or None) → allowed?
def _editable(user, plan):
    """The views that change a plan answer 404 for a plan the user cannot see, then ask
    `can_edit_plan`."""
    return can_view_plan(user, plan) and can_edit_plan(user, plan)


def _unit_search(user, unit):
    """No unit named: the user's own province; a unit that does not exist: 404."""
    if unit is None:
        return True
    exists = OrgUnit.objects.filter(pk=unit.pk).exists()
    return exists and can_search_units_of(actor_for(user), unit)


def _attaches_account(user, unit):
    """Accounts of the national unit or a central kind: national rights (superusers only);
    of a province's unit: its provincial admin, and superusers."""
    actor = actor_for(user)
    if is_central_unit(unit):
        return grants_national_rights(actor)
    return actor.is_superuser or (managed_province(actor) is not None and actor.in_province(unit))


RULES = {
    "plan_page": lambda user, obj: can_view_plan(user, obj),
    "create": lambda user, obj: can_create_plans(user),
    "edit_header": lambda user, obj: can_edit_plan(user, obj),
    "editor_load": lambda user, obj: can_view_plan(user, obj) and can_use_editor(user, obj),
    "editor_save": lambda user, obj: can_view_plan(user, obj) and can_use_editor(user, obj),
    "issue": _editable,
    "import_preview": _editable,
    "import_confirm": _editable,
    "derive": lambda user, obj: can_derive_for(user, obj) is not None,
    "revise": lambda user, obj: can_revise(user, obj),
    "unit_search": _unit_search,
    "national_dashboard": lambda user, obj: sees_every_province(actor_for(user)),
    "admin_account": _attaches_account,
    "names_page": lambda user, obj: name_scope(user, obj) is not None,
    "map_name": lambda user, obj: bool((scope := name_scope(user, obj)) and scope.can_map),
    "unit_reports": lambda user, obj: can_read_unit_reports(user, obj.period.plan, obj.unit),
    "fill": lambda user, obj: can_fill_line(user, obj),
    "review": lambda user, obj: is_reviewer_of(user, obj.period.plan),
    "close_period": lambda user, obj: can_manage_periods(user, obj.plan),
    "consolidated": lambda user, obj: can_download_consolidated(user, obj.plan),
}
RULE_CASES = [
    pytest.param(role, action, case[0], kind == "allowed", id=f"{role}-{action}-{kind}")
    for role, actions in MATRIX.items()
    for action, pair in actions.items()
    if action in RULES
    for kind, case in zip(("allowed", "refused"), pair, strict=True)
    if case is not None
]


@pytest.mark.parametrize(("role", "action", "target", "allowed"), RULE_CASES)
def test_access_rules_agree_with_the_views(client, request, role, action, target, allowed):
    objects = objects_for(request, action)
    user = sign_in(client, role)
    obj = objects[target] if target else None
    assert bool(RULES[action](user, obj)) == allowed


def test_a_closed_period_keeps_the_unit_but_not_its_lines(client, reports_world):
    """An officer of the police fills its lines (`can_fill_line`, the page saves them), not
    the commune's People's Committee above it. Closing the period leaves `can_fill` (the
    unit's officers) but ends `can_fill_line` and the page's form; the page refuses the post."""
    line, period = reports_world["police_line"], reports_world["pg_period"]
    officer = make_user("cong-an", line.unit)
    commune = sign_in(client, "commune_officer")
    assert not can_fill(commune, line.unit) and not can_fill_line(commune, line)
    client.force_login(officer)
    assert can_fill(officer, line.unit) and can_fill_line(officer, line)
    assert fill(client, line).status_code == 302
    period.closed_at = timezone.now()
    period.save(update_fields=["closed_at"])
    line.refresh_from_db()
    line.period = period
    assert can_fill(officer, line.unit) and not can_fill_line(officer, line)
    assert 'name="line"' not in unit_reports(client, line).content.decode()
    assert fill(client, line).status_code == 409
