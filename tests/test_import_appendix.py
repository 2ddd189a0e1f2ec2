"""Applying an appendix import: create, update in place, all or nothing, concurrency, queries."""

import importlib.util
import io
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from orgunits.models import OrgUnit, UnitAlias
from orgunits.trees import check_model
from plans.models import Plan
from tasks.importer import (
    ImportRefused,
    add_alias,
    apply_import,
    parse_target,
    preview_import,
)
from tasks.models import Assignment, Task
from tasks.xlsx_reader import AppendixFileError
from tasks.xlsx_writer import write_appendix, write_rows

ROOT = Path(settings.BASE_DIR)


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_seed_xlsx = _load("make_seed_xlsx", "fixtures/make_seed_xlsx.py")
bench = _load("bench_import_appendix", "bench/import_appendix.py")


@pytest.fixture
def user(db):
    return User.objects.create_superuser("nhap", password="mat-khau-dai-123")


@pytest.fixture
def empty_plan(db):
    issuer = OrgUnit.objects.get(key="qn")
    return Plan.objects.create(title="Kế hoạch thử nhập phụ lục", issuer=issuer)


def edit(data: bytes, change) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb.active)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_of(plan):
    return list(plan.tasks.order_by("position").values_list("full_code", "kind", "content"))


# --- into an empty plan -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "counts"),
    [("001", (6, 21, 3)), ("002", (5, 24, 0)), ("004", (6, 21, 2))],
)
def test_seed_files_import_into_an_empty_plan(empty_plan, user, seed, counts):
    issuer_key = {"001": "qn", "002": "na", "004": "kt"}[seed]
    empty_plan.issuer = OrgUnit.objects.get(key=issuer_key)
    empty_plan.save()
    data = make_seed_xlsx.build(seed)
    preview = preview_import(empty_plan, data, f"seed-{seed}.xlsx")
    assert preview.summary["unresolved"] == 0 and preview.can_confirm
    result = apply_import(empty_plan, data, f"seed-{seed}.xlsx", user=user)
    assert result.changed and result.counts["added"] == preview.summary["rows"]
    tasks = Task.objects.filter(plan=empty_plan)
    kinds = [tasks.filter(kind=k).count() for k in ("section", "task", "subitem")]
    assert tuple(kinds) == counts
    assert check_model(Task).errors == []
    empty_plan.refresh_from_db()
    assert empty_plan.version == 2
    history = Task.history.filter(plan_id=empty_plan.pk)
    assert history.count() == tasks.count()
    assert set(history.values_list("history_user", flat=True)) == {user.pk}
    # importing the same file again changes nothing
    again = apply_import(empty_plan, data, f"seed-{seed}.xlsx", user=user)
    assert not again.changed
    empty_plan.refresh_from_db()
    assert empty_plan.version == 2


# --- re-import in place -------------------------------------------------------------------


def test_reimport_updates_in_place_and_keeps_primary_keys(user):
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    before = {t.full_code: t.pk for t in plan.tasks.all()}
    written_before = {
        (a.task_id, a.role, a.unit_id, a.group_id): a.pk
        for a in Assignment.objects.filter(task__plan=plan, via__isnull=True)
    }
    original = write_appendix(plan)

    def change(ws):
        # rows: 1–3 titles, 5 header; 6 = "1", 7 = "1.1", 8 = "1.2", 9 = "2", 10 = "2.1" …
        assert ws["A7"].value == "1.1" and ws["A8"].value == "1.2"
        ws["B7"] = ws["B7"].value + " Bổ sung một câu."
        ws["D8"] = "Sở Tư pháp"  # a coordinating unit added
        ws.delete_rows(11)  # 2.2 removed; 2.3 becomes 2.2
        ws["A11"] = "2.2"
        ws.insert_rows(12)
        ws["A12"], ws["B12"], ws["C12"], ws["F12"] = "2.3", "Nhiệm vụ mới", "Sở Tư pháp", "2026"

    data = edit(original, change)
    preview = preview_import(plan, data, "686-sua.xlsx")
    assert preview.errors == []
    assert preview.diff.counts == {"added": 1, "changed": 3, "unchanged": 25, "removed": 1}
    by_code = {d.row.full_code: d for d in preview.diff.rows}
    assert [c.label for c in by_code["1.1"].changes] == ["Nội dung nhiệm vụ"]
    assert {c.label for c in by_code["1.2"].changes} == {"Đơn vị phối hợp", "Phân công"}
    assert by_code["2.2"].matched_by == "content"  # the old 2.3, renumbered
    assert [t.full_code for t in preview.diff.removed] == ["2.2"]

    apply_import(plan, data, "686-sua.xlsx", user=user, expected_version=preview.plan_version)
    after = {t.full_code: t for t in plan.tasks.all()}
    assert after["1.1"].pk == before["1.1"] and after["1.1"].content.endswith("Bổ sung một câu.")
    assert after["2.2"].pk == before["2.3"]  # followed its content, not its old number
    assert before["2.2"] not in {t.pk for t in after.values()}
    assert after["2.3"].content == "Nhiệm vụ mới"
    # written assignments of matched rows keep their keys; only the differences change
    t12 = after["1.2"]
    lead_before = {pk for (task_id, *_), pk in written_before.items() if task_id == t12.pk}
    assert lead_before and lead_before <= set(t12.assignments.values_list("pk", flat=True))
    coordinating = t12.assignments.filter(role="coordinating", via__isnull=True)
    assert [a.unit.short_name for a in coordinating] == ["Sở Tư pháp"]
    assert check_model(Task).errors == []
    plan.refresh_from_db()
    assert plan.version == 2
    # the file as now saved re-imports with no change
    assert not preview_import(plan, data, "686-sua.xlsx").diff.has_changes
    assert not preview_import(plan, write_appendix(plan), "x.xlsx").diff.has_changes


def test_problems_block_the_import_and_nothing_is_saved(user):
    plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    snapshot = rows_of(plan)

    def change(ws):
        ws["B7"] = None  # empty content
        ws["C8"] = "Sở Không Có Thật"  # unknown unit
        ws["A10"] = "2.9"  # numbering breaks the tree

    data = edit(write_appendix(plan), change)
    preview = preview_import(plan, data, "loi.xlsx")
    assert not preview.can_confirm
    assert any("thiếu nội dung nhiệm vụ" in e for e in preview.errors)
    # An unknown name is never an error: it is a warning, saved as unresolved.
    assert not any("Sở Không Có Thật" in e for e in preview.errors)
    assert any("chưa xác định được đơn vị “Sở Không Có Thật”" in w for w in preview.warnings)
    assert any("2.9" in e for e in preview.errors)
    with pytest.raises(ImportRefused):
        apply_import(plan, data, "loi.xlsx", user=user)
    assert rows_of(plan) == snapshot
    plan.refresh_from_db()
    assert plan.version == 1


def test_unparsed_timeframe_is_a_warning_only(empty_plan, user):
    data = write_rows([(False, "1", "Nhiệm vụ", "Sở Tài chính", "", "", "Khi có yêu cầu bất chợt")])
    preview = preview_import(empty_plan, data, "a.xlsx")
    assert preview.errors == [] and preview.can_confirm
    assert any("chưa đọc được thời gian thực hiện" in w for w in preview.warnings)
    assert preview.summary["unparsed_timeframes"] == 1
    apply_import(empty_plan, data, "a.xlsx", user=user)
    assert empty_plan.tasks.get().schedule_kind == Task.ScheduleKind.UNPARSED


def test_unreadable_file_saves_nothing(empty_plan, user):
    with pytest.raises(AppendixFileError):
        apply_import(empty_plan, b"not a workbook", "a.xlsx", user=user)
    assert not empty_plan.tasks.exists()


def test_a_plan_changed_since_the_preview_is_refused(empty_plan, user):
    data = write_rows([(False, "1", "Nhiệm vụ", "Sở Tài chính", "", "", "2026")])
    preview = preview_import(empty_plan, data, "a.xlsx")
    Plan.objects.filter(pk=empty_plan.pk).update(version=5)  # someone saved meanwhile
    with pytest.raises(ImportRefused, match="xem trước lại"):
        apply_import(empty_plan, data, "a.xlsx", user=user, expected_version=preview.plan_version)
    assert not empty_plan.tasks.exists()


def test_plan_number_in_the_title_rows_is_checked(user):
    plan = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    preview = preview_import(plan, make_seed_xlsx.build("002"), "686.xlsx")
    assert any("686/KH-UBND" in note and "Kế hoạch 17/KH-UBND" in note for note in preview.notes)


# --- unit aliases from the preview ------------------------------------------------------------


def test_mapping_an_unknown_name_creates_an_alias_and_the_preview_resolves_it(empty_plan, user):
    data = write_rows([(False, "1", "Nhiệm vụ", "Sở Tài chíng tỉnh", "", "", "2026")])
    preview = preview_import(empty_plan, data, "a.xlsx")
    [unknown] = preview.unknown_names
    assert unknown.text == "Sở Tài chíng tỉnh"
    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    assert finance.pk in [t.pk for t in unknown.candidates]  # closest known units
    add_alias(empty_plan, unknown.text, parse_target(f"unit:{finance.pk}"), user=user)
    assert UnitAlias.objects.filter(unit=finance, name="Sở Tài chíng tỉnh").exists()
    again = preview_import(empty_plan, data, "a.xlsx")
    assert again.summary["unresolved"] == 0 and again.can_confirm


def test_alias_target_must_be_within_the_plans_vocabulary(empty_plan):
    other = OrgUnit.objects.get(key="na-tai-chinh")  # Nghệ An: not in Quảng Ngãi's names
    with pytest.raises(ImportRefused):
        add_alias(empty_plan, "Sở TC", parse_target(f"unit:{other.pk}"))


# --- queries do not grow with rows ------------------------------------------------------------


def test_query_count_does_not_grow_with_rows(empty_plan, user, django_assert_max_num_queries):
    counts = {}
    for n in (50, 200):
        plan = Plan.objects.create(title=f"Thử {n}", issuer=empty_plan.issuer)
        data = bench.generate_xlsx(n)
        with CaptureQueriesContext(connection) as preview_q:
            preview = preview_import(plan, data, "a.xlsx")
        with CaptureQueriesContext(connection) as apply_q:
            apply_import(plan, data, "a.xlsx", user=user, expected_version=preview.plan_version)
        reworded = edit(data, lambda ws: ws.cell(row=8, column=2, value="Nội dung đã sửa lại"))
        with CaptureQueriesContext(connection) as reimport_q:
            apply_import(plan, reworded, "b.xlsx", user=user)
        counts[n] = (len(preview_q), len(apply_q), len(reimport_q))
        assert plan.tasks.count() == preview.summary["rows"]
    assert counts[50] == counts[200], counts
    data = bench.generate_xlsx(200)
    plan = Plan.objects.create(title="Thử giới hạn", issuer=empty_plan.issuer)
    with django_assert_max_num_queries(10):
        preview = preview_import(plan, data, "a.xlsx")
    with django_assert_max_num_queries(30):
        apply_import(plan, data, "a.xlsx", user=user, expected_version=preview.plan_version)


def test_docx_query_count_does_not_grow_with_rows(empty_plan, user, django_assert_max_num_queries):
    """The .docx twin of the test above: the same preview and confirmation query counts for a
    small and a larger Word appendix (bench.generate_docx: body text, sections merged across,
    header rows marked to repeat, a funding column kept as an extra column)."""
    counts = {}
    for n in (50, 200):
        plan = Plan.objects.create(title=f"Thử Word {n}", issuer=empty_plan.issuer)
        data = bench.generate_docx(n)
        with CaptureQueriesContext(connection) as preview_q:
            preview = preview_import(plan, data, f"a{n}.docx")
        assert preview.errors == []
        with CaptureQueriesContext(connection) as apply_q:
            apply_import(plan, data, f"a{n}.docx", user=user,
                         expected_version=preview.plan_version)  # fmt: skip
        counts[n] = (len(preview_q), len(apply_q))
        assert plan.tasks.count() == preview.summary["rows"] == len(bench.generate_rows(n))
    assert counts[50] == counts[200], counts
    plan = Plan.objects.create(title="Thử Word giới hạn", issuer=empty_plan.issuer)
    data = bench.generate_docx(200)
    with django_assert_max_num_queries(10):
        preview = preview_import(plan, data, "b.docx")
    with django_assert_max_num_queries(30):
        apply_import(plan, data, "b.docx", user=user, expected_version=preview.plan_version)


# --- two confirmations at the same time -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirms_do_not_duplicate_rows(seeded):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    issuer = OrgUnit.objects.get(key="qn")
    plan = Plan.objects.create(title="Hai người cùng xác nhận", issuer=issuer)
    data = bench.generate_xlsx(120)
    expected_rows = len(bench.generate_rows(120))
    version = plan.version
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(expected):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            result = apply_import(plan, data, "a.xlsx", expected_version=expected)
            outcomes.append("changed" if result.changed else "unchanged")
        except ImportRefused:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    for expected in (version, None):  # with the preview's version, then without (command)
        Task.objects.filter(plan=plan).delete()
        Plan.objects.filter(pk=plan.pk).update(version=version)
        outcomes.clear()
        threads = [threading.Thread(target=confirm, args=(expected,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == (
            ["changed", "refused"] if expected is not None else ["changed", "unchanged"]
        )
        assert Task.objects.filter(plan=plan).count() == expected_rows
        assert check_model(Task).errors == []
    Task.objects.filter(plan=plan).delete()
    plan.delete()


def test_the_confirmation_reuses_the_read_of_the_preview(empty_plan, user, monkeypatch):
    import uuid

    import tasks.importer as importer

    reads = []
    real = importer.read_appendix

    def counting(data, filename):
        reads.append(filename)
        return real(data, filename)

    monkeypatch.setattr(importer, "read_appendix", counting)
    data = bench.generate_xlsx(60)
    name = f"{uuid.uuid4().hex}.xlsx"  # the cache outlives the test database
    preview = preview_import(empty_plan, data, name)
    result = apply_import(empty_plan, data, name, user=user, expected_version=preview.plan_version)
    assert result.counts["added"] == preview.summary["rows"] > 0
    assert reads == [name]

    # Another file (other bytes) under the same name is read, not taken from the cache.
    def reword(ws):
        ws.cell(row=7, column=2).value = f"{ws.cell(row=7, column=2).value} (đã sửa)"

    changed = edit(data, reword)
    preview = preview_import(empty_plan, changed, name)
    assert reads == [name, name]
    assert preview.summary["changed"] == 1
