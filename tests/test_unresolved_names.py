"""Unknown names never block an import (issue 11): saved as unresolved (chưa xác định),
listed per province, and one alias resolves every plan waiting on them."""

import io
import json
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from orgunits.models import OrgUnit, Profile, UnitAlias
from orgunits.resolver import Target, vocabulary_for
from plans.models import Plan
from tasks.access import name_scope
from tasks.appendix import AppendixRow, prepare_appendix
from tasks.appendix_write import create_tasks
from tasks.editor import load_rows, save_rows
from tasks.expansion import tracked_assignments
from tasks.importer import apply_import, preview_import
from tasks.models import Assignment
from tasks.unresolved import NameRefused, resolve_name, waiting_names
from tasks.workflow import issue_plan
from tasks.xlsx_writer import write_appendix, write_rows

UNKNOWN = [f"Tổ công tác đặc biệt số {n}" for n in range(1, 21)]


@pytest.fixture
def qn(db):
    return OrgUnit.objects.get(key="qn")


@pytest.fixture
def admin_user(qn):
    user = User.objects.create_user("qtt", password="mat-khau-dai-123")
    Profile.objects.create(user=user, unit=qn, role=Profile.Role.PROVINCE_ADMIN)
    return user


def make_user(username, unit_key, role):
    user = User.objects.create_user(username, password="mat-khau-dai-123")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key=unit_key), role=role)
    return user


def twenty_unknown_rows():
    """A plan naming 20 bodies not in the tree, two per row (lead and coordinating), among
    known ones."""
    rows = [(True, "I", "NHIỆM VỤ CHUNG", "", "", "", "")]
    for i in range(10):
        rows.append(
            (
                False,
                str(i + 1),
                f"Nhiệm vụ thử số {i + 1}",
                f"{UNKNOWN[2 * i]}; Sở Tài chính",
                UNKNOWN[2 * i + 1],
                "Báo cáo",
                "Hằng năm",
            )
        )
    return write_rows(rows)


def plan_of(qn, title="Kế hoạch có tên lạ"):
    return Plan.objects.create(title=title, issuer=qn)


def test_twenty_unknown_bodies_import_with_zero_errors(qn, admin_user):
    plan = plan_of(qn)
    data = twenty_unknown_rows()
    preview = preview_import(plan, data, "la.xlsx")
    assert preview.errors == []
    assert preview.can_confirm
    assert sorted(u.text for u in preview.unknown_names) == sorted(UNKNOWN)
    assert sum(1 for w in preview.warnings if "chưa xác định được đơn vị" in w) == 20
    apply_import(plan, data, "la.xlsx", user=admin_user)

    assert plan.tasks.count() == 11
    unresolved = Assignment.objects.filter(task__plan=plan, unit=None, group=None)
    assert sorted(unresolved.values_list("source_text", flat=True)) == sorted(UNKNOWN)
    assert all(a.assignee_name.startswith("chưa xác định: ") for a in unresolved)
    # The known name on the same row is resolved as before.
    assert Assignment.objects.filter(task__plan=plan, unit__key="qn-tai-chinh").count() == 10
    listed = list(waiting_names(name_scope(admin_user)))
    assert sorted(r["name"] for r in listed) == sorted(UNKNOWN)
    assert all(r["plans"] == 1 and r["tasks"] == 1 for r in listed)

    # Re-importing the same file changes nothing (unresolved names match themselves).
    again = preview_import(plan, data, "la.xlsx")
    assert not again.diff.has_changes


def test_one_alias_fixes_every_plan_that_waits(qn, admin_user):
    rows = [(False, "1", "Thẩm định nguồn vốn", "Sở Tài chíng tỉnh", "", "", "Hằng năm")]
    draft, issued = plan_of(qn, "Dự thảo"), plan_of(qn, "Đã ban hành")
    for plan in (draft, issued):
        apply_import(plan, write_rows(rows), "a.xlsx", user=admin_user)
    issue_plan(issued, "99/KH-UBND", date(2026, 1, 5), user=admin_user)
    # An unresolved lead is tracked by no one.
    assert not tracked_assignments().filter(task__plan=issued).exists()
    waiting = list(waiting_names(name_scope(admin_user)))
    assert [(r["name"], r["plans"]) for r in waiting] == [("Sở Tài chíng tỉnh", 2)]

    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    versions = {p.pk: Plan.objects.get(pk=p.pk).version for p in (draft, issued)}
    result = resolve_name(
        qn, "sở tài CHÍNG tỉnh", Target("unit", finance.pk, ""), vocabulary_for(qn), admin_user
    )
    assert (result.resolved, result.plans, result.tracked) == (2, 2, 1)
    assert UnitAlias.objects.filter(unit=finance, key="so tai ching tinh").exists()
    assert not Assignment.objects.filter(unit=None, group=None, task__plan__issuer=qn).exists()
    assert list(tracked_assignments().filter(task__plan=issued).values_list("unit", flat=True)) == [
        finance.pk
    ]
    assert not tracked_assignments().filter(task__plan=draft, via__isnull=False).exists()
    for plan in (draft, issued):
        assert Plan.objects.get(pk=plan.pk).version == versions[plan.pk] + 1
    assert list(waiting_names(name_scope(admin_user))) == []
    # A new plan naming it now resolves it directly (the alias).
    later = plan_of(qn, "Sau")
    apply_import(later, write_rows(rows), "a.xlsx", user=admin_user)
    assert later.tasks.get().assignments.get().unit == finance


def test_a_target_outside_the_province_is_refused(qn, admin_user):
    plan = plan_of(qn)
    apply_import(plan, twenty_unknown_rows(), "la.xlsx", user=admin_user)
    other = OrgUnit.objects.get(key="na-tai-chinh")
    with pytest.raises(NameRefused):
        resolve_name(qn, UNKNOWN[0], Target("unit", other.pk, ""), vocabulary_for(qn))
    assert Assignment.objects.filter(task__plan=plan, unit=None, group=None).count() == 20
    assert not UnitAlias.objects.filter(key__startswith="to cong tac").exists()


# --- the page -----------------------------------------------------------------------------------


def test_page_lists_names_and_maps_one(client, qn, admin_user, django_assert_max_num_queries):
    plan = plan_of(qn)
    apply_import(plan, twenty_unknown_rows(), "la.xlsx", user=admin_user)
    client.force_login(admin_user)
    url = reverse("tasks:unresolved_names")
    with django_assert_max_num_queries(20):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert all(name in body for name in UNKNOWN)
    assert "1 kế hoạch · 1 nhiệm vụ" in body and "Ghi nhận" in body
    # Closest known units for a near-miss name.
    apply_import(
        plan_of(qn, "B"),
        write_rows([(False, "1", "Nhiệm vụ", "Sở Tài chíng tỉnh", "", "", "2026")]),
        "b.xlsx",
        user=admin_user,
    )
    body = client.get(url, {"ten": "Sở Tài chíng tỉnh"}).content.decode()
    assert "Sở Tài chính" in body and UNKNOWN[0] not in body
    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    done = client.post(
        url, {"name": "Sở Tài chíng tỉnh", "target": f"unit:{finance.pk}"}, follow=True
    )
    assert "1 phân công trong 1 kế hoạch đã được xác định" in done.content.decode()
    assert not Assignment.objects.filter(source_text="Sở Tài chíng tỉnh", unit=None).exists()


def test_page_is_paginated_with_bounded_queries(
    client, qn, admin_user, django_assert_max_num_queries
):
    for n in range(3):
        apply_import(plan_of(qn, f"P{n}"), twenty_unknown_rows(), "la.xlsx", user=admin_user)
    client.force_login(admin_user)
    url = reverse("tasks:unresolved_names")
    with django_assert_max_num_queries(20):
        body = client.get(url).content.decode()
    assert "3 kế hoạch · 3 nhiệm vụ" in body
    assert "Trang 1/1 · 20 mục" not in body  # 20 names fit one page of 25: no pager
    with django_assert_max_num_queries(20):
        assert client.get(url, {"trang": 2}).status_code == 200


@pytest.mark.parametrize(
    ("unit_key", "role"),
    [("na", Profile.Role.PROVINCE_ADMIN), ("w21370-cong-an", Profile.Role.OFFICER)],
)
def test_refused_users_cannot_map_names(client, qn, admin_user, unit_key, role):
    plan = plan_of(qn)
    apply_import(plan, twenty_unknown_rows(), "la.xlsx", user=admin_user)
    client.force_login(make_user("khac", unit_key, role))
    url = reverse("tasks:unresolved_names")
    body = client.get(url).content.decode()
    assert UNKNOWN[0] not in body  # another province's, or another unit's plans
    asked = client.get(url, {"tinh": qn.pk})  # Quảng Ngãi's list, asked for by name
    if role == Profile.Role.PROVINCE_ADMIN:
        assert asked.status_code == 403
    else:
        assert asked.status_code == 200 and UNKNOWN[0] not in asked.content.decode()
    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    posted = client.post(url, {"name": UNKNOWN[0], "target": f"unit:{finance.pk}"})
    if role == Profile.Role.OFFICER:
        assert posted.status_code == 403
    assert Assignment.objects.filter(task__plan=plan, unit=None, group=None).count() == 20
    assert not UnitAlias.objects.filter(name=UNKNOWN[0]).exists()


def test_reviewer_is_refused_and_officer_of_the_issuer_reads_only(client, qn, admin_user):
    plan = plan_of(qn)
    apply_import(plan, twenty_unknown_rows(), "la.xlsx", user=admin_user)
    url = reverse("tasks:unresolved_names")
    client.force_login(make_user("ld", "qn", Profile.Role.LEADER))
    assert client.get(url).status_code == 403
    client.force_login(make_user("cb", "qn", Profile.Role.OFFICER))
    body = client.get(url).content.decode()
    assert UNKNOWN[0] in body and "name-form" not in body
    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    assert client.post(url, {"name": UNKNOWN[0], "target": f"unit:{finance.pk}"}).status_code == 403


def test_plan_and_task_pages_show_the_badge_and_link(client, qn, admin_user):
    plan = plan_of(qn)
    apply_import(plan, twenty_unknown_rows(), "la.xlsx", user=admin_user)
    client.force_login(admin_user)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert body.count(">chưa xác định</a>") == 20
    assert "20 tên đơn vị trong phụ lục" in body
    task = plan.tasks.get(full_code="I.1")
    body = client.get(reverse("tasks:task", args=[task.pk])).content.decode()
    assert UNKNOWN[0] in body and reverse("tasks:unresolved_names") in body
    # An officer of another unit sees the badge without the link.
    client.force_login(make_user("cb2", "qn-tai-chinh", Profile.Role.OFFICER))
    issue_plan(plan, "98/KH-UBND", date(2026, 1, 5), user=admin_user)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "chưa xác định</span>" in body and reverse("tasks:unresolved_names") not in body


# --- the editor keeps unresolved names -----------------------------------------------------------


def test_editor_round_trip_keeps_unresolved_names(qn, admin_user):
    plan = plan_of(qn)
    apply_import(plan, twenty_unknown_rows(), "la.xlsx", user=admin_user)
    rows = load_rows(plan)
    assert [c.kind for c in rows[1].lead] == ["name", "unit"]
    payload = [
        {
            "key": r.key,
            "id": r.task_id,
            "level": r.level,
            "stt": r.stt,
            "content": r.content + (" (sửa)" if i == 1 else ""),
            "product": r.product,
            "timeframe": r.timeframe,
            "lead": [c.value for c in r.lead],
            "coordinating": [c.value for c in r.coordinating],
        }
        for i, r in enumerate(rows)
    ]
    plan.refresh_from_db()
    outcome = save_rows(plan, json.dumps(payload), plan.version, user=admin_user)
    assert outcome.saved and outcome.changed, outcome.errors
    assert Assignment.objects.filter(task__plan=plan, unit=None, group=None).count() == 20


# --- extra columns ------------------------------------------------------------------------------


def test_extra_columns_are_stored_shown_and_exported(client, qn, admin_user):
    plan = plan_of(qn)
    row = AppendixRow(stt="1", content="Nhiệm vụ có cột khác", lead="Sở Tài chính")
    row.extra = {"Kinh phí": "200 triệu đồng", "Ghi chú riêng": ""}
    create_tasks(plan, prepare_appendix([row], vocabulary_for(qn)))
    task = plan.tasks.get()
    assert task.extra_columns == {"Kinh phí": "200 triệu đồng"}
    client.force_login(admin_user)
    assert "200 triệu đồng" in client.get(plan.get_absolute_url()).content.decode()
    assert "Kinh phí" in client.get(reverse("tasks:task", args=[task.pk])).content.decode()
    ws = load_workbook(io.BytesIO(write_appendix(plan))).active
    values = [c.value for r in ws.iter_rows() for c in r]
    assert "Kinh phí" in values and "200 triệu đồng" in values
