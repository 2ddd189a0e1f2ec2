"""Collective assignees that mean what they say: "có liên quan" is picked per plan, a unit is
tracked once per task, commune-level bodies, "Đề nghị …" requests and "Đơn vị thực hiện"."""

import json
import time
from collections import Counter
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits import adminunits
from orgunits.catalogue import load_catalogue
from orgunits.models import OrgUnit, Profile, UnitGroup
from orgunits.resolver import resolve_cell, vocabulary_for
from plans.models import Plan
from tasks.editor import load_rows
from tasks.expansion import empty_groups, expand_plan, expand_tasks, tracked_assignments
from tasks.importer import preview_import
from tasks.models import Assignment, Task
from tasks.workflow import create_revision, issue_plan
from tasks.xlsx_writer import export_filename, write_appendix

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
FIXTURES = settings.BASE_DIR / "fixtures"


def plan(key):
    return Plan.objects.get(seed_key=key)


def unit(key):
    return OrgUnit.objects.get(key=key)


def group(key):
    return UnitGroup.objects.get(key=key)


def double_trackings(p) -> int:
    """Units tracked more than once on one task of the plan (lead + coordinating member …)."""
    counts = Counter(tracked_assignments().filter(task__plan=p).values_list("task_id", "unit_id"))
    return sum(1 for n in counts.values() if n > 1)


# --- a unit is tracked once per task --------------------------------------------------------------


@pytest.mark.parametrize("key", ["qn-17-kh-ubnd", "na-686-kh-ubnd"])
def test_seed_plans_track_no_unit_twice_on_a_task(key):
    assert double_trackings(plan(key)) == 0


def test_lead_inside_a_coordinating_group_is_tracked_once_as_lead():
    # Even with every department in the coordinating group (the rule of main before), the
    # lead department of IV.1.a (Sở Tài chính) is tracked once, as lead.
    departments = group("qn-so-nganh")
    departments.rule_kinds = ["department"]
    departments.save()
    p = plan("qn-17-kh-ubnd")
    expand_plan(p, today=TODAY)
    assert tracked_assignments().filter(task__plan=p, unit__kind="department").exists()
    assert double_trackings(p) == 0
    iv1a = Task.objects.get(plan=p, full_code="IV.1.a")
    rows = tracked_assignments().filter(task=iv1a, unit=unit("qn-tai-chinh"))
    assert [(a.role, a.via_id) for a in rows] == [("lead", None)]
    # the other departments of the group are still tracked as coordinating
    assert tracked_assignments().filter(task=iv1a, unit=unit("qn-y-te"), role="coordinating")
    # and a second run changes nothing
    again = expand_plan(p, today=TODAY)
    assert (again.added, again.retired) == (0, 0)


def test_a_member_leaving_the_lead_role_is_tracked_by_the_group_again():
    departments = group("na-so-ban-nganh")
    p = plan("na-686-kh-ubnd")
    t41 = Task.objects.get(plan=p, full_code="4.1")  # lead Sở Tài chính, coordinating the group
    assert departments.members().filter(key="na-tai-chinh").exists()
    lead = t41.assignments.get(via=None, unit=unit("na-tai-chinh"), role="lead")
    lead.unit = unit("na-y-te")  # the lead is now another department
    lead.save()
    expand_tasks([t41.pk], today=TODAY)
    roles = set(tracked_assignments().filter(task=t41, unit__key="na-tai-chinh").values_list(
        "role", flat=True))  # fmt: skip
    assert roles == {"coordinating"}
    assert double_trackings(p) == 0


# --- "Các sở, ban, ngành có liên quan" ------------------------------------------------------------


def credit_tasks_led_by_related_departments():
    return Task.objects.filter(
        plan__seed_key="qn-17-kh-ubnd",
        assignments__via=None,
        assignments__role="lead",
        assignments__group__key="qn-so-nganh",
    ).distinct()


def test_related_departments_are_not_every_department():
    tasks = credit_tasks_led_by_related_departments()
    assert tasks.count() == 5
    assert not tracked_assignments().filter(task__in=tasks, unit=unit("qn-y-te")).exists()
    assert not group("qn-so-nganh").members().exists()
    # "Các sở, ban, ngành" without "có liên quan" still means every department
    na = vocabulary_for(unit("na"))
    (part,) = resolve_cell("Các sở, ban, ngành, đơn vị cấp tỉnh", na)
    assert part.target.pk == group("na-so-ban-nganh").pk
    assert group("na-so-ban-nganh").members().filter(key="na-y-te").exists()


@pytest.fixture
def superuser_client(client):
    user = User.objects.create_superuser("root", password="x")
    client.force_login(user)
    return client


def editor_payload(rows):
    return [
        {
            "key": r.key, "id": r.task_id, "level": r.level, "stt": r.stt,
            "content": r.content, "product": r.product, "timeframe": r.timeframe,
            "lead": [c.value for c in r.lead], "coordinating": [c.value for c in r.coordinating],
        }
        for r in rows
    ]  # fmt: skip


def post_editor(client, p, rows):
    p.refresh_from_db()
    data = {"rows": json.dumps(rows), "version": p.version}
    return client.post(reverse("tasks:editor", args=[p.pk]), data)


def test_picking_departments_in_the_editor_tracks_them_on_issue(superuser_client):
    revision = create_revision(plan("qn-17-kh-ubnd")).plan
    related = group("qn-so-nganh")
    task = Task.objects.filter(
        plan=revision, assignments__group=related, assignments__role="lead"
    ).first()
    lead_text = task.lead_text
    written = task.assignments.get(group=related, role="lead").source_text
    rows = editor_payload(load_rows(revision))
    row = next(r for r in rows if r["id"] == task.pk)
    assert f"group:{related.pk}" in row["lead"]
    page = superuser_client.get(reverse("tasks:editor", args=[revision.pk])).content.decode()
    assert "chọn đơn vị" in page  # the related group's chip offers the picker

    y_te, tai_chinh = unit("qn-y-te"), unit("qn-tai-chinh")
    at = row["lead"].index(f"group:{related.pk}")  # the picks take the group chip's place
    row["lead"][at : at + 1] = [f"unit:{y_te.pk}@{related.pk}", f"unit:{tai_chinh.pk}@{related.pk}"]
    assert post_editor(superuser_client, revision, rows).status_code == 302
    task.refresh_from_db()
    assert task.lead_text == lead_text  # the cell as written: still "có liên quan"
    picked = task.assignments.filter(picked_for=related, role="lead").order_by("position")
    assert [(a.unit.key, a.source_text) for a in picked] == [
        ("qn-y-te", written),
        ("qn-tai-chinh", written),
    ]
    assert not task.assignments.filter(group=related, role="lead").exists()
    # the editor shows the picks again, and saving unchanged changes nothing
    again = editor_payload(load_rows(revision))
    assert f"unit:{y_te.pk}@{related.pk}" in next(r for r in again if r["id"] == task.pk)["lead"]
    before = list(task.assignments.values_list("pk", "unit_id", "picked_for_id"))
    assert post_editor(superuser_client, revision, again).status_code == 302
    assert list(task.assignments.values_list("pk", "unit_id", "picked_for_id")) == before

    issue_plan(revision, "17b/KH-UBND", date(2026, 11, 1))
    lead = tracked_assignments().filter(task=task, role="lead", unit__kind="department")
    assert set(lead.values_list("unit__key", flat=True)) == {"qn-y-te", "qn-tai-chinh"}
    # only the picked ones: no other department leads this task
    assert not tracked_assignments().filter(task=task, unit=unit("qn-xay-dung")).exists()
    page = superuser_client.get(revision.get_absolute_url()).content.decode()
    assert "chọn cho: " + written in page


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (("qn-y-te", "qn-ubnd-xa"), "không phải nhóm “có liên quan”"),  # not a related group
        (("w21370-cong-an", "qn-so-nganh"), "không thuộc nhóm"),  # not a department
        (("na-y-te", "qn-so-nganh"), "không thuộc nhóm"),  # another province's
    ],
)
def test_a_wrong_pick_is_refused_and_nothing_saved(superuser_client, pick, message):
    revision = create_revision(plan("qn-17-kh-ubnd")).plan
    unit_key, group_key = pick
    rows = editor_payload(load_rows(revision))
    row = next(r for r in rows if r["lead"])
    row["lead"].append(f"unit:{unit(unit_key).pk}@{group(group_key).pk}")
    before = list(Assignment.objects.filter(task__plan=revision).values_list("pk", flat=True))
    response = post_editor(superuser_client, revision, rows)
    assert response.status_code == 200
    assert message in response.content.decode()
    after = list(Assignment.objects.filter(task__plan=revision).values_list("pk", flat=True))
    assert after == before


def test_plan_page_asks_for_the_related_departments(superuser_client):
    page = superuser_client.get(plan("qn-17-kh-ubnd").get_absolute_url()).content.decode()
    assert "Nhóm “Các sở, ban, ngành có liên quan”" in page
    assert "chưa chọn đơn vị cụ thể" in page


# --- commune-level bodies ------------------------------------------------------------------------


def keys(parts):
    model = {"unit": OrgUnit, "group": UnitGroup}
    return [model[p.target.kind].objects.get(pk=p.target.pk).key if p.target else None
            for p in parts]  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Ban Đại diện Hội đồng quản trị Ngân hàng CSXH thành phố, cấp xã",
         ["dn-bddhdqt", "dn-bddhdqt-xa"]),
        ("Ban Đại diện Hội đồng quản trị Ngân hàng CSXH thành phố và cấp xã",
         ["dn-bddhdqt", "dn-bddhdqt-xa"]),
        ("các thành viên Ban Đại diện Hội đồng quản trị Ngân hàng CSXH cấp thành phố/cấp xã",
         ["dn-bddhdqt", "dn-bddhdqt-xa"]),
        ("Ban Đại diện Hội đồng quản trị cấp xã", ["dn-bddhdqt-xa"]),
        ("Ban Đại diện HĐQT NHCSXH cấp xã", ["dn-bddhdqt-xa"]),
        ("Ban Đại diện Hội đồng quản trị Ngân hàng CSXH thành phố", ["dn-bddhdqt"]),
        ("Công an thành phố, cấp xã", ["dn-cong-an", "dn-cong-an-xa"]),
        ("UBND cấp xã, Công an cấp xã", ["dn-ubnd-xa", "dn-cong-an-xa"]),
        ("Các tổ chức chính trị - xã hội cấp xã", ["dn-ctxh-xa"]),
    ],
)  # fmt: skip
def test_commune_level_bodies_resolve_to_the_commune_groups(cell, expected):
    assert keys(resolve_cell(cell, vocabulary_for(unit("dn")))) == expected


def test_the_dong_nai_plan_names_the_commune_boards_not_the_city_board_alone():
    p = plan("dn-kh-ubnd")
    boards = group("dn-bddhdqt-xa")
    tasks = Task.objects.filter(plan=p, assignments__group=boards, assignments__via=None)
    assert tasks.distinct().count() >= 5
    assert boards.rule_depth == UnitGroup.Depth.COMMUNES


def test_commune_groups_expand_to_every_commune_of_a_catalogued_province():
    p = plan("dn-kh-ubnd")
    task = Task.objects.get(plan=p, assignments__group__key="dn-cong-an-xa", assignments__via=None)
    assert not group("dn-cong-an-xa").members().exists()  # the seeds have no commune police
    assert any(e.group.key == "dn-cong-an-xa" for e in empty_groups(
        p.tasks.prefetch_related("assignments__group__scope")))  # fmt: skip
    started = time.monotonic()
    load_catalogue(FIXTURES, ["75"])
    assert time.monotonic() - started < 20
    communes = len(adminunits.communes_of("75"))
    expand_tasks([task.pk], today=TODAY)
    police = tracked_assignments().filter(task=task, unit__kind="police")
    assert police.count() == communes
    assert police.filter(unit__territory__kind="commune").count() == communes
    assert group("dn-bddhdqt-xa").members().count() == communes
    # the city board is not in the commune boards' group
    assert not group("dn-bddhdqt-xa").members().filter(key="dn-bddhdqt").exists()


def test_plan_page_warns_of_groups_with_no_known_member(superuser_client):
    page = superuser_client.get(plan("dn-kh-ubnd").get_absolute_url()).content.decode()
    assert (
        "Chưa có đơn vị nào thuộc nhóm “Ban Đại diện Hội đồng quản trị Ngân hàng Chính sách xã "
        "hội cấp xã” trong danh mục" in page
    )
    assert "Chưa có đơn vị nào thuộc nhóm “Công an cấp xã” trong danh mục" in page
    # groups that do have members are not listed
    assert "thuộc nhóm “Ủy ban nhân dân các xã, phường, đặc khu”" not in page


# --- "Đề nghị …" and "Đơn vị thực hiện" ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "requests"),
    [
        ("Đề nghị HĐND các cấp, Ủy ban Mặt trận Tổ quốc Việt Nam thành phố, cấp xã và các tổ "
         "chức chính trị - xã hội thành phố, cấp xã; Ngân hàng Nhà nước Chi nhánh Khu vực 2 và "
         "các sở, ban, ngành", [True, True, False, False]),
        ("Sở Tài chính; đề nghị Thành ủy", [False, True]),
        ("Sở Tài chính, UBND cấp xã", [False, False]),
    ],
)  # fmt: skip
def test_a_request_is_read_up_to_the_next_semicolon(cell, requests):
    parts = resolve_cell(cell, vocabulary_for(unit("dn")))
    assert all(p.resolved for p in parts)
    assert [p.request for p in parts] == requests


def test_requests_are_tracked_and_labelled(superuser_client):
    p = plan("dn-kh-ubnd")
    task = Task.objects.get(plan=p, lead_text__startswith="Đề nghị HĐND các cấp")
    flags = {(a.assignee_name, a.is_request) for a in task.assignments.filter(via=None)}
    assert ("Hội đồng nhân dân các cấp", True) in flags
    assert ("NHNN Khu vực 2", False) in flags
    expand_tasks([task.pk], today=TODAY)
    council = tracked_assignments().filter(task=task, unit__kind="council")
    assert council.exists() and all(a.is_request for a in council)  # tracked, still a request
    page = superuser_client.get(p.get_absolute_url()).content.decode()
    assert "request-badge" in page and ">Đề nghị</span>" in page
    task_page = superuser_client.get(reverse("tasks:task", args=[task.pk])).content.decode()
    assert ">Đề nghị</span>" in task_page


def test_my_tasks_labels_a_request(client):
    p = plan("dn-kh-ubnd")
    Plan.objects.filter(pk=p.pk).update(status=Plan.Status.ISSUED)  # the seed is a draft
    task = Task.objects.get(plan=p, lead_text__startswith="Đề nghị HĐND các cấp")
    expand_tasks([task.pk], today=TODAY)
    council = unit("dn-hdnd")
    user = User.objects.create_user("hdnd")
    Profile.objects.create(user=user, unit=council)
    client.force_login(user)
    page = client.get(reverse("tasks:my_tasks")).content.decode()
    assert ">Đề nghị</span>" in page


def test_dong_nai_keeps_performing_units_apart_from_lead_units(superuser_client):
    p = plan("dn-kh-ubnd")
    performing = p.tasks.filter(lead_heading=Task.LeadHeading.PERFORMING)
    assert performing.count() == 14
    assert p.tasks.exclude(lead_text="").filter(lead_heading="lead").count() == 10
    a = performing.first().assignments.filter(role="lead").first()
    assert a.role_label == "Thực hiện"
    lead = p.tasks.exclude(lead_text="").filter(lead_heading="lead").first()
    assert lead.assignments.filter(role="lead").first().role_label == "Chủ trì"
    page = superuser_client.get(p.get_absolute_url()).content.decode()
    assert page.count('class="small text-muted lead-heading"') == 14
    # the export prints the heading and reads back the same
    data = write_appendix(p)
    assert not preview_import(p, data, export_filename(p)).diff.has_changes


def test_reloading_the_seeds_drops_the_aliases_that_now_mislead():
    """A database loaded before this change: "Các sở, ban, ngành" on the related group and
    "… thành phố, cấp xã" on the city board are removed when the seeds are loaded again."""
    from orgunits.models import UnitAlias
    from orgunits.seed import load_units

    stale = [
        UnitAlias.objects.create(group=group("dn-so-nganh"), name="Các sở, ban, ngành"),
        UnitAlias.objects.create(
            unit=unit("dn-bddhdqt"),
            name="Ban Đại diện Hội đồng quản trị Ngân hàng CSXH thành phố, cấp xã",
        ),
    ]
    load_units(FIXTURES / "units.yaml")
    assert not UnitAlias.objects.filter(pk__in=[a.pk for a in stale]).exists()
    dn = vocabulary_for(unit("dn"))
    assert keys(resolve_cell("Các sở, ban, ngành", dn)) == ["dn-so-ban-nganh"]
    assert keys(
        resolve_cell("Ban Đại diện Hội đồng quản trị Ngân hàng CSXH thành phố, cấp xã", dn)
    ) == ["dn-bddhdqt", "dn-bddhdqt-xa"]
