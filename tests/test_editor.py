"""The appendix editor: load and save round trip, edits that keep task ids, every bad input
refused with a Vietnamese message and nothing saved, version check, double submit, queries."""

import importlib.util
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import OrgUnit, Profile, UnitGroup
from orgunits.resolver import vocabulary_for
from plans.models import Plan
from tasks.appendix import AppendixRow, prepare_appendix
from tasks.appendix_write import create_tasks
from tasks.editor import load_rows
from tasks.importer import preview_import
from tasks.models import Task
from tasks.workflow import create_revision, derive_commune_plan
from tasks.xlsx_writer import write_appendix

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
_spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench/import_appendix.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def officer(username, unit, role=Profile.Role.OFFICER):
    user = User.objects.create_user(username)
    if isinstance(unit, str):
        unit = OrgUnit.objects.get(key=unit)
    Profile.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def phuoc_giang():
    return OrgUnit.objects.get(admin_code="21370")


@pytest.fixture
def pg_officer(client, phuoc_giang):
    user = officer("pg", phuoc_giang)
    client.force_login(user)
    return user


def pg_draft() -> Plan:
    """A draft of Phước Giang's plan: the seed plan is issued (chưa rõ số), so its appendix
    is edited through a revision, which copies every row as written."""
    return create_revision(Plan.objects.get(seed_key="pg-kh-ubnd")).plan


@pytest.fixture
def derived(phuoc_giang):
    """The draft commune plan of Phước Giang derived from Kế hoạch 17/KH-UBND."""
    source = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    return derive_commune_plan(source, phuoc_giang).plan


def as_dicts(rows):
    return [
        {
            "key": r.key,
            "id": r.task_id,
            "level": r.level,
            "stt": r.stt,
            "content": r.content,
            "product": r.product,
            "timeframe": r.timeframe,
            "lead": [c.value for c in r.lead],
            "coordinating": [c.value for c in r.coordinating],
        }
        for r in rows
    ]


def save(client, plan, rows, version=None):
    data = {"rows": json.dumps(rows), "version": plan.version if version is None else version}
    return client.post(reverse("tasks:editor", args=[plan.pk]), data)


def snapshot(plan):
    return [
        (t.pk, t.code, t.full_code, t.level, t.content, t.lead_text, t.coordinating_text)
        for t in plan.tasks.order_by("position")
    ]


def unit_value(key=None, **lookup):
    unit = OrgUnit.objects.get(key=key) if key else OrgUnit.objects.get(**lookup)
    return f"unit:{unit.pk}"


# --- the page ---------------------------------------------------------------------------------


def test_editor_shows_rows_chips_and_pickers(client, pg_officer):
    plan = pg_draft()
    page = client.get(plan.get_absolute_url()).content.decode()
    assert reverse("tasks:editor", args=[plan.pk]) in page  # "Soạn thảo phụ lục" button
    body = client.get(reverse("tasks:editor", args=[plan.pk])).content.decode()
    assert body.count('class="editor-row') == plan.tasks.count() + 1  # + the blank template
    assert "Trung tâm Cung ứng dịch vụ công xã" in body  # a unit chip
    assert "Các Phòng, ban, cơ quan, đơn vị liên quan" in body  # a group, as written
    assert f'hx-vals=\'{{"don_vi": "{plan.issuer_id}"}}\'' in body  # pickers scoped to the plan
    assert reverse("tasks:timeframe") in body and "js/plan_editor.js" in body
    assert "cdn" not in body.lower()


def test_timeframe_is_read_live(client, pg_officer):
    url = reverse("tasks:timeframe")
    body = client.get(url, {"timeframe": "Hằng năm, trước ngày 01/10"}).content.decode()
    assert "→ hằng năm, hạn 01/10" in body
    assert "chưa đọc được thời hạn" in client.get(url, {"timeframe": "lúc nào đó"}).content.decode()
    ongoing = client.get(url, {"timeframe": "Thường xuyên, hằng năm"}).content.decode()
    assert "→ thường xuyên, báo cáo hằng năm (không có hạn, không tính quá hạn)" in ongoing
    quarter = client.get(url, {"timeframe": "Quý I, II/2026"}).content.decode()
    assert "→ hạn 30/06/2026" in quarter and "không có hạn" not in quarter
    assert client.get(url, {"timeframe": "  "}).content.decode().strip() == ""
    client.logout()
    assert client.get(url, {"timeframe": "Hằng năm"}).status_code == 302


@pytest.mark.parametrize(
    "seed_key", ["pg-kh-ubnd", "dn-kh-ubnd", "qn-17-kh-ubnd", "na-686-kh-ubnd"]
)
def test_saving_the_page_unchanged_changes_nothing(client, seed_key):
    """Every seed appendix goes through the editor and back without a single change."""
    admin = User.objects.create_superuser("qt")
    client.force_login(admin)
    plan = Plan.objects.get(seed_key=seed_key)
    if plan.status != Plan.Status.DRAFT:
        plan = create_revision(plan).plan  # issued plans are edited through a revision
    before, version = snapshot(plan), plan.version
    response = save(client, plan, as_dicts(load_rows(plan)))
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert plan.version == version and snapshot(plan) == before


# --- editing -------------------------------------------------------------------------------------


def test_commune_officer_edits_the_derived_plan(client, pg_officer, derived):
    rows = as_dicts(load_rows(derived))
    first_task = next(r for r in rows if r["lead"])
    task = Task.objects.get(pk=first_task["id"])
    source_task = task.source_task
    commune_lead = list(first_task["lead"])
    first_task["content"] = "Trung tâm Cung ứng dịch vụ công xã phổ biến Chỉ thị 39 tới các thôn."
    centre = unit_value("w21370-ttdvc")
    first_task["lead"].append(centre)
    first_task["coordinating"] = [unit_value("w21370-cong-an")]
    first_task["timeframe"] = "Hằng năm, trước ngày 01/10"
    response = save(client, derived, rows)
    assert response.status_code == 302 and response["Location"] == derived.get_absolute_url()
    task.refresh_from_db()
    assert task.content.startswith("Trung tâm Cung ứng dịch vụ công xã phổ biến")
    assert task.source_task == source_task  # same task, still linked to the provincial one
    assert task.lead_text == "UBND xã Phước Giang; Trung tâm Cung ứng dịch vụ công xã"
    assert task.coordinating_text == "Công an xã"
    assert (task.schedule_kind, task.yearly_day, task.yearly_month) == ("yearly", 1, 10)
    leads = [a.unit_id for a in task.assignments.filter(role="lead").order_by("position")]
    assert [f"unit:{pk}" for pk in leads] == [*commune_lead, centre]
    assert task.history.first().history_user == pg_officer  # who/when/what recorded
    derived.refresh_from_db()
    assert derived.version == 2
    page = client.get(derived.get_absolute_url()).content.decode()
    assert "Trung tâm Cung ứng dịch vụ công xã phổ biến Chỉ thị 39" in page
    # The exported table reads back to exactly the same plan.
    preview = preview_import(derived, write_appendix(derived), "xuat.xlsx")
    assert not preview.errors and not preview.diff.has_changes


def test_add_delete_move_keep_ids(client, pg_officer):
    plan = pg_draft()
    r = as_dicts(load_rows(plan))
    assert [x["stt"] for x in r[:10]] == ["1", "a", "b", "2", "a", "b", "c", "d", "e", "3"]
    new = {
        "key": "n1",
        "id": None,
        "level": 1,
        "stt": "c",
        "content": "Nhiệm vụ mới: rà soát hộ nghèo vay vốn ở các thôn",
        "product": "Danh sách",
        "timeframe": "Quý IV/2026",
        "lead": [unit_value("w21370-phong-vhxh")],
        "coordinating": [],
    }
    # delete 1.b; move 2.a up into section 1 (as 1.b); add 1.c; renumber section 2
    rows = [r[0], r[1], r[4], new, r[3], r[5], r[6], r[7], r[8], *r[9:]]
    for row, stt in zip([r[4], r[5], r[6], r[7], r[8]], "babcd", strict=True):
        row["stt"] = stt
    response = save(client, plan, rows)
    assert response.status_code == 302, re.findall(r"⚠ [^<]*", response.content.decode())
    tasks = {t.pk: t for t in plan.tasks.all()}
    assert r[2]["id"] not in tasks
    assert {x["id"] for x in r} - {r[2]["id"]} <= set(tasks)  # the others kept their ids
    assert tasks[r[4]["id"]].full_code == "1.b" and tasks[r[5]["id"]].full_code == "2.a"
    assert tasks[r[4]["id"]].parent_id == r[0]["id"]
    added = plan.tasks.get(content__startswith="Nhiệm vụ mới")
    assert (added.full_code, added.lead_text, added.due_date.isoformat()) == (
        "1.c",
        "Phòng Văn hóa - Xã hội",
        "2026-12-31",
    )
    from orgunits.trees import check_model

    assert check_model(Task).errors == []


def test_a_group_keeps_its_name_as_written(client, pg_officer):
    plan = pg_draft()
    rows = as_dicts(load_rows(plan))
    row = next(r for r in rows if any(v.startswith("group:") for v in r["lead"]))
    task = Task.objects.get(pk=row["id"])
    lead_text = task.lead_text
    group_assignment = task.assignments.get(role="lead", group__isnull=False)
    extra = next(
        u for u in OrgUnit.objects.filter(key__in=["w21370-cong-an", "w21370-hdnd"])
        if f"unit:{u.pk}" not in row["coordinating"]
    )  # fmt: skip
    written_coordinating = [
        a.source_text for a in task.assignments.filter(role="coordinating").order_by("position")
    ]
    row["coordinating"].append(f"unit:{extra.pk}")
    assert save(client, plan, rows).status_code == 302
    task.refresh_from_db()
    assert task.lead_text == lead_text  # same units: the printed text is kept
    kept = task.assignments.get(role="lead", group__isnull=False)
    assert kept.pk == group_assignment.pk and kept.source_text == group_assignment.source_text
    names = [*written_coordinating, extra.short_name]
    assert task.coordinating_text == "; ".join(names)  # changed: the chosen names
    # a group picked anew is written with its own name
    group = UnitGroup.objects.filter(scope__admin_code="21370").first()
    row["coordinating"] = [f"group:{group.pk}"]
    plan.refresh_from_db()
    assert save(client, plan, rows).status_code == 302
    task.refresh_from_db()
    assert task.coordinating_text == group.name


# --- bad input -----------------------------------------------------------------------------------


def bad_case(rows, name):
    if name == "empty content":
        rows[1]["content"] = "   "
        return "Dòng 2: thiếu nội dung nhiệm vụ."
    if name == "stt out of order":
        rows[2]["stt"] = "d"
        return "Dòng 3: STT “d” không đúng thứ tự: sau “a” phải là “b”."
    if name == "stt breaks the tree":
        rows[1]["stt"] = "2.1"
        return "Dòng 2: STT “2.1” không thuộc mục “1” đứng trước."
    if name == "indentation does not match the stt":
        rows[1]["level"] = 0
        return (
            "Dòng 2: STT “a” xếp dòng này ở cấp nhiệm vụ, nhưng dòng đang thụt lề ở cấp mục: "
            "hãy sửa STT hoặc chỉnh thụt lề cho khớp."
        )
    if name == "unit of another province":
        rows[1]["lead"].append(unit_value("na-tai-chinh"))
        return "không thuộc địa bàn tỉnh Quảng Ngãi hoặc các cơ quan Trung ương"
    if name == "group of another province":
        group = UnitGroup.objects.get(key="na-ubnd-xa")
        rows[1]["coordinating"].append(f"group:{group.pk}")
        return f"nhóm “{group.name}” thuộc địa bàn khác"
    if name == "unknown unit":
        rows[1]["lead"].append("unit:99999999")
        return "một đơn vị đã chọn không còn trong danh mục"
    if name == "unit no longer active":
        old = OrgUnit.objects.get(key="w21370-hdnd")
        OrgUnit.objects.filter(pk=old.pk).update(active_until="2025-06-30")
        rows[1]["lead"].append(f"unit:{old.pk}")
        return f"“{old.name}” đã ngừng hoạt động: hãy chọn đơn vị hiện nay."
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name",
    [
        "empty content",
        "stt out of order",
        "stt breaks the tree",
        "indentation does not match the stt",
        "unit of another province",
        "group of another province",
        "unknown unit",
        "unit no longer active",
    ],
)
def test_bad_input_is_refused_and_nothing_saved(client, pg_officer, name):
    plan = pg_draft()
    before, version = snapshot(plan), plan.version
    rows = as_dicts(load_rows(plan))
    rows[0]["content"] += " (sửa ở dòng khác: cũng không được lưu)"
    message = bad_case(rows, name)
    response = save(client, plan, rows)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Chưa lưu: bảng còn" in body and message in body, re.findall(r"⚠ [^<]*", body)
    assert "(sửa ở dòng khác: cũng không được lưu)" in body  # the user's edits are kept on screen
    plan.refresh_from_db()
    assert plan.version == version and snapshot(plan) == before


@pytest.mark.parametrize("payload", ["không phải JSON", "{}", '[{"key": "a", "level": "x"}]'])
def test_an_unreadable_table_is_refused(client, pg_officer, payload):
    plan = pg_draft()
    before = snapshot(plan)
    url = reverse("tasks:editor", args=[plan.pk])
    response = client.post(url, {"rows": payload, "version": plan.version})
    assert response.status_code == 200 and "Không đọc được bảng đã gửi" in response.content.decode()
    assert snapshot(plan) == before


def test_second_save_from_a_stale_page_is_refused(client, pg_officer):
    plan = pg_draft()
    version = plan.version
    mine, theirs = as_dicts(load_rows(plan)), as_dicts(load_rows(plan))
    theirs[1]["content"] = "Bản của người lưu trước"
    assert save(client, plan, theirs, version).status_code == 302
    mine[1]["content"] = "Bản của người lưu sau, từ trang cũ"
    response = save(client, plan, mine, version)
    body = response.content.decode()
    assert response.status_code == 200
    assert "vừa được người khác lưu (nay là phiên bản" in body
    assert "Tải lại bản mới nhất" in body
    assert Task.objects.get(pk=theirs[1]["id"]).content == "Bản của người lưu trước"


def test_double_submitted_form_saves_once(client, pg_officer):
    plan = pg_draft()
    count, version = plan.tasks.count(), plan.version
    rows = as_dicts(load_rows(plan))
    rows.append(
        {
            "key": "n1",
            "id": None,
            "level": 0,
            "stt": "7",
            "content": "Tổng kết, đánh giá việc thực hiện kế hoạch",
            "product": "Báo cáo",
            "timeframe": "Năm 2030",
            "lead": [unit_value(admin_code="21370")],
            "coordinating": [],
        }
    )
    rows[1]["content"] += " (sửa)"
    first = save(client, plan, rows, version)
    second = save(client, plan, rows, version)  # the same form, posted again
    assert first.status_code == second.status_code == 302
    assert plan.tasks.count() == count + 1
    assert plan.tasks.filter(content__endswith="(sửa)").count() == 1
    plan.refresh_from_db()
    assert plan.version == version + 1
    followed = client.get(second["Location"]).content.decode()
    assert "Phụ lục không có gì thay đổi" in followed


# --- permissions ---------------------------------------------------------------------------------


def test_issued_plans_are_read_only_even_for_superusers(client):
    client.force_login(User.objects.create_superuser("qt"))
    issued = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    url = reverse("tasks:editor", args=[issued.pk])
    assert client.get(url).status_code == 403
    rows = as_dicts(load_rows(issued))
    assert save(client, issued, rows).status_code == 403
    page = client.get(issued.get_absolute_url()).content.decode()
    assert url not in page and "Lập bản sửa đổi" in page


def test_other_users_are_refused(client, phuoc_giang):
    plan = pg_draft()
    url = reverse("tasks:editor", args=[plan.pk])
    other = OrgUnit.objects.filter(kind="commune", tree_id=phuoc_giang.tree_id).exclude(
        pk=phuoc_giang.pk
    )[0]
    client.force_login(officer("khac", other))
    assert client.get(url).status_code == 404  # another commune's draft is invisible
    client.force_login(officer("pgd", "qn-pgd-532", Profile.Role.REVIEWER))
    assert client.get(url).status_code == 403  # visible to the reviewer, not editable
    assert save(client, plan, as_dicts(load_rows(plan))).status_code == 403


# --- queries -------------------------------------------------------------------------------------


def plan_with(n):
    issuer = OrgUnit.objects.get(key="qn")
    plan = Plan.objects.create(title=f"Kế hoạch thử {n} dòng", issuer=issuer)
    rows = [
        AppendixRow(stt=stt, content=content, lead=lead, coordinating=coordinating,
                    product=product, timeframe=timeframe)
        for _section, stt, content, lead, coordinating, product, timeframe
        in bench.generate_rows(n)
    ]  # fmt: skip
    prepared = prepare_appendix(rows, vocabulary_for(issuer))
    assert not prepared.errors
    create_tasks(plan, prepared)
    return plan


def test_editor_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    client.force_login(officer("qtt", "qn", Profile.Role.PROVINCE_ADMIN))
    counts = {}
    for n in (20, 200):
        plan = plan_with(n)
        url = reverse("tasks:editor", args=[plan.pk])
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        rows = as_dicts(load_rows(plan))
        for row in rows[1::7]:
            row["content"] += " (đã sửa)"
        with CaptureQueriesContext(connection) as saving:
            assert save(client, plan, rows).status_code == 302
        counts[n] = (len(page), len(saving))
    assert counts[20][0] == counts[200][0], counts
    assert counts[200][1] <= counts[20][1] + 2, counts  # bulk writes: batches of 500 rows
    with django_assert_max_num_queries(15):
        client.get(url)


def test_plans_never_import_tasks():
    """Imports go downhill (reports → tasks → plans → orgunits)."""
    for path in (ROOT / "plans").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) (tasks|reports)\b", text, re.M), path
