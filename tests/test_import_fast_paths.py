"""The import's shortcuts give what the slow paths they replace give: instances built
without Model.__init__, rows inserted without Django's per-value preparation, inline strings
read without openpyxl's rich-text objects, and the one check set for every source."""

from datetime import date

import pytest
from openpyxl.cell.text import Text
from openpyxl.worksheet._reader import INLINE_STRING
from openpyxl.xml.functions import fromstring

from config.history import insert_rows
from orgunits.models import OrgUnit
from plans.models import Plan
from tasks.appendix import MAX_CELL_TEXT, AppendixRow, prepare_appendix
from tasks.appendix_write import _loaded, _new
from tasks.models import Assignment, Task
from tasks.xlsx_reader import _inline_text

FIELDS = {"kind": Task.Kind.SUBITEM, "code": "a", "content": "Nội dung", "position": 3,
          "due_date": date(2026, 12, 31),
          "extra_columns": {"Nguồn kinh phí": "Ngân sách"}}  # fmt: skip


def values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_new_instances_are_what_the_constructor_builds():
    plan = Plan(pk=7, title="x")
    built, made = _new(Task, FIELDS.items(), plan=plan), Task(plan=plan, **FIELDS)
    assert values(built) == values(made)
    assert built.plan is plan and built._mptt_cached_fields == made._mptt_cached_fields
    assert built._state.adding and built._state.db is None
    assert _new(Task).extra_columns is not _new(Task).extra_columns  # a dict each
    spec = {"role": "lead", "position": 2, "source_text": "Sở Tài chính", "unit_id": 5}
    assert values(_new(Assignment, spec.items(), task_id=9)) == values(
        Assignment(task_id=9, **spec)
    )


@pytest.mark.django_db
def test_inserted_rows_are_what_bulk_create_writes():
    plan = Plan.objects.create(title="Chèn thử", issuer=OrgUnit.objects.get(key="qn"))
    rows = [Task(plan=plan, tree_id=10**8 + i, lft=1, rght=2, level=0, **FIELDS) for i in (0, 1)]
    (fast,) = insert_rows(Task, [rows[0]])
    (slow,) = Task.objects.bulk_create([rows[1]])
    assert fast.pk and not fast._state.adding
    ignore = {"id", "tree_id"}
    read = {t.pk: values(t) for t in Task.objects.filter(pk__in=[fast.pk, slow.pk])}
    assert {k: v for k, v in read[fast.pk].items() if k not in ignore} == {
        k: v for k, v in read[slow.pk].items() if k not in ignore
    }
    assert read[fast.pk]["extra_columns"] == FIELDS["extra_columns"]
    queryset = Task.objects.filter(plan=plan).order_by("pk")
    for loaded, fetched in zip(_loaded(queryset), queryset, strict=True):
        assert values(loaded) == values(fetched)
        assert loaded._mptt_cached_fields == fetched._mptt_cached_fields
        assert (loaded._state.adding, loaded._state.db) == (False, fetched._state.db)


@pytest.mark.parametrize(
    "xml",
    [
        "<t>Văn bản</t>",
        "<t/>",
        "<r><t>Đậm</t></r><r><rPr><b/></rPr><t xml:space='preserve'> và thường </t></r>",
        "<t>trước</t><r><t>sau</t></r><rPh sb='0' eb='1'><t>phiên âm</t></rPh>",
        "<r><rPr><i/></rPr></r><t>a</t><t>b</t>",
    ],
)
def test_inline_strings_read_as_openpyxl_reads_them(xml):
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cell = fromstring(f"<c xmlns='{ns}' t='inlineStr'><is>{xml}</is></c>")
    child = cell.find(INLINE_STRING)
    assert _inline_text(child) == Text.from_tree(child).content


def test_every_source_gets_the_same_checks():
    long = "x" * (MAX_CELL_TEXT + 1)
    rows = [AppendixRow(stt="1.2.3.4.5.6.7.8.9.10.11", content="Nội dung", lead="Sở Tài chính"),
            AppendixRow(stt="2", content=long, lead="Sở Tài chính")]  # fmt: skip
    prepared = prepare_appendix(rows, parts=[([], []), ([], [])])
    first, second = prepared.rows
    assert any("quá dài" in p for p in first.problems)
    assert any("quá giới hạn" in p for p in second.problems)
    assert any("chưa có đơn vị chủ trì" in w for w in second.warnings)
