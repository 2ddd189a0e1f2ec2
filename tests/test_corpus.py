"""Corpus of real appendices (fixtures/corpus/): each imports row for row, as .xlsx and as .docx.

For each fixture and each format, the generator (fixtures/corpus/render.py) renders the
transcribed table the way offices send it (title lines, repeated header with the column
number row, merged section rows, lead cells merged down, line breaks in cells; for .docx
body paragraphs before the table and the table split into two Word tables), and the file is
imported into a fresh draft plan of the fixture's issuer through the import entry point
(`tasks.importer.preview_import` / `apply_import`, and `manage.py import_appendix`):

- as many tasks as the fixture has rows, in order, with the codes and contents printed;
- zero errors; a unit name the catalogue does not know is allowed only as an unresolved
  ("chưa xác định") name — kept as text on the task, never an error, never a guess.

Every case is strict: a fixture that stops importing row for row fails the suite.
"""

from __future__ import annotations

import importlib.util
import re
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command

from orgunits.locks import tree_lock
from orgunits.models import OrgUnit
from orgunits.text import clean_cell, fold
from plans.models import Plan
from tasks.importer import apply_import, preview_import

ROOT = Path(settings.BASE_DIR)
CORPUS = ROOT / "fixtures" / "corpus"


def _load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_module("corpus_render", CORPUS / "render.py")
FIXTURES = {path.stem: render.load(path) for path in render.fixture_paths()}
#: format → (file extension, renderer). "xlsx-numbers-once" prints the "(1) (2) …" row under
#: the first header only; "xlsx" repeats it under every page's header, as most offices do.
FORMATS = {
    "xlsx": ("xlsx", lambda fixture: render.render_xlsx(fixture)),
    "xlsx-numbers-once": (
        "xlsx",
        lambda fixture: render.render_xlsx(fixture, repeat_numbers=False),
    ),
    "docx": ("docx", lambda fixture: render.render_docx(fixture)),
    # the same rows under other header names, order and extra columns (header by meaning)
    **{
        f"xlsx-layout-{layout}": (
            "xlsx",
            lambda fixture, layout=layout: render.render_xlsx(
                render.relayout(fixture, layout), repeat_numbers=False
            ),
        )
        for layout in render.LAYOUTS
    },
}


def _case(slug: str, fmt: str):
    return pytest.param(slug, fmt, id=f"{slug}-{fmt}")


CASES = [_case(slug, fmt) for slug in FIXTURES for fmt in FORMATS]


#: Task field → the fixture column it comes from.
TASK_FIELDS = {
    "content": "content",
    "lead_text": "lead",
    "coordinating_text": "coordinating",
    "product": "product",
    "timeframe_text": "timeframe",
}


def render_file(fixture: dict, fmt: str) -> tuple[bytes, str]:
    """The rendered bytes and the file extension."""
    extension, renderer = FORMATS[fmt]
    return renderer(fixture), extension


def column(fixture: dict, row: list[str], key: str) -> str:
    cols = fixture["columns"]
    return row[cols.index(key)] if key in cols else ""


def expected_code(stt: str) -> str:
    """The code a printed STT stands for: "a)" → "a", "1." → "1", "II" → "II"."""
    return re.sub(r"[.)\s]+$", "", (stt or "").strip())


def same_text(a: str, b: str) -> str:
    return " ".join(fold(clean_cell(a)).split()) == " ".join(fold(clean_cell(b)).split())


@pytest.fixture
def user(db):
    return User.objects.create_superuser("kho-mau", password="mat-khau-dai-123")


def issuing_unit(fixture: dict) -> OrgUnit:
    """The seed province named by `issuer_key`; for a province not in the seeds (no key, or
    a key the catalogue lacks), a minimal province unit made here under the tree lock."""
    key = fixture.get("issuer_key") or ""
    unit = OrgUnit.objects.filter(key=key).first() if key else None
    if unit is not None:
        return unit
    province = fixture["province"]
    with tree_lock(OrgUnit):
        return OrgUnit.objects.create(
            key=key or f"kho-mau-{province['code']}",
            name=fixture["issuer"],
            kind="province",
            admin_code=str(province["code"]),
        )


def draft_plan(fixture: dict, number: str = "") -> Plan:
    """A fresh draft plan of the fixture's issuer (a seed province, see the README)."""
    issuer = issuing_unit(fixture)
    return Plan.objects.create(title=f"Kho mẫu — {fixture['title']}", issuer=issuer,
                               number=number)  # fmt: skip


# --- the generator itself (these must pass on every branch) -------------------------------


@pytest.mark.parametrize("slug", list(FIXTURES))
def test_fixture_is_well_formed(slug):
    fixture = FIXTURES[slug]
    assert fixture["rows"], "a corpus fixture has rows"
    assert {"stt", "content"} <= set(fixture["columns"])
    for header_row in fixture["header"]:
        assert len(header_row) == len(fixture["columns"])
    assert fixture["issuer_key"] and fixture["source"]


@pytest.mark.parametrize("slug", list(FIXTURES))
def test_rendered_xlsx_has_office_quirks(slug):
    import io

    from openpyxl import load_workbook

    fixture = FIXTURES[slug]
    wb = load_workbook(io.BytesIO(render.render_xlsx(fixture)))
    ws = wb.active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    numbers = render.number_row(fixture)
    pages = -(-len(fixture["rows"]) // render.PAGE_ROWS)
    assert sum(1 for v in values if v[: len(numbers)] == numbers) == pages
    assert values[0][0] == fixture["title_lines"][0]
    sections = sum(1 for r in fixture["rows"] if render.is_section(fixture, r))
    merged = [str(m) for m in ws.merged_cells.ranges]
    assert len(merged) >= len(fixture["title_lines"]) + sections
    printed = [
        *fixture["title_lines"],
        *(c for r in fixture["header"] + fixture["rows"] for c in r),
    ]
    has_breaks = any("\n" in cell for cell in printed)  # line breaks kept where printed
    assert has_breaks == any("\n" in v for row in values for v in row if isinstance(v, str))
    lead = fixture["columns"].index("lead") + 1
    vertical = [m for m in ws.merged_cells.ranges
                if m.min_col == m.max_col == lead and m.max_row > m.min_row]  # fmt: skip
    same_page = [(a, b) for a, b in render.lead_runs(fixture)
                 if a // render.PAGE_ROWS == b // render.PAGE_ROWS]  # fmt: skip
    assert len(vertical) == len(same_page)
    content = fixture["columns"].index("content") + 1
    tasks_down = [m for m in ws.merged_cells.ranges
                  if m.min_col == m.max_col == content and m.max_row > m.min_row]  # fmt: skip
    same_page = [(a, b) for a, b in render.task_runs(fixture)
                 if a // render.PAGE_ROWS == b // render.PAGE_ROWS]  # fmt: skip
    assert len(tasks_down) == len(same_page)


@pytest.mark.parametrize("slug", list(FIXTURES))
def test_rendered_docx_has_office_quirks(slug):
    import io

    from docx import Document
    from docx.oxml.ns import qn

    fixture = FIXTURES[slug]
    document = Document(io.BytesIO(render.render_docx(fixture)))
    assert len(document.tables) == 2
    assert document.paragraphs[0].text  # body text before the table
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
    header_rows = len(fixture["header"]) + 1
    assert sum(len(t.rows) - header_rows for t in document.tables) == len(fixture["rows"])
    merged_down = [tc for t in document.tables for tc in t._tbl.iter(qn("w:vMerge"))]
    assert bool(merged_down) == bool(render.lead_runs(fixture) or render.task_runs(fixture))
    spans = [tc for t in document.tables for tc in t._tbl.iter(qn("w:gridSpan"))]
    assert len(spans) == sum(1 for r in fixture["rows"] if render.is_section(fixture, r))


# --- importing the corpus (intended behaviour; see KNOWN_GAPS) ----------------------------


@pytest.mark.parametrize(("slug", "fmt"), CASES)
def test_corpus_imports_row_for_row(seeded, user, slug, fmt):
    fixture = FIXTURES[slug]
    plan = draft_plan(fixture)
    data, extension = render_file(fixture, fmt)
    filename = f"{slug}.{extension}"

    preview = preview_import(plan, data, filename)

    assert preview.errors == []
    rows = preview.prepared.rows
    assert len(rows) == len(fixture["rows"])
    for prepared, printed in zip(rows, fixture["rows"], strict=True):
        assert prepared.code == expected_code(column(fixture, printed, "stt")), printed[:2]
        assert same_text(prepared.content, column(fixture, printed, "content")), printed[:2]
        for part in prepared.unresolved:  # allowed only as an unresolved name, kept as text
            assert part.text.strip()
    assert preview.can_confirm

    result = apply_import(plan, data, filename, user=user,
                          expected_version=preview.plan_version)  # fmt: skip
    tasks = list(plan.tasks.order_by("position"))
    assert result.counts["added"] == len(fixture["rows"])
    assert [t.code for t in tasks] == [expected_code(column(fixture, r, "stt"))
                                       for r in fixture["rows"]]  # fmt: skip
    for task, printed in zip(tasks, fixture["rows"], strict=True):
        for field, key in TASK_FIELDS.items():  # every cell in its own field, as printed
            assert same_text(getattr(task, field), column(fixture, printed, key)), (
                field,
                printed[:1],
            )


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_task_cells_merged_down_as_printed_import_with_zero_errors(seeded, user, fmt):
    """222/QĐ-TTg prints five tasks with TT and task cells merged down over two rows, each
    row with its own lead and period (render.task_runs): the merged layout imports like the
    transcription, each row a task, the second with the task text and no code."""
    fixture = FIXTURES["ttg-222-qd-ttg"]
    runs = render.task_runs(fixture)
    assert [fixture["rows"][first][0] for first, _ in runs] == [
        "2.2.1", "2.2.2", "3.1.1", "3.2.2", "5.2.1"
    ]  # fmt: skip
    data, extension = render_file(fixture, fmt)
    plan = draft_plan(fixture)

    preview = preview_import(plan, data, f"222.{extension}")

    assert preview.errors == []
    (note,) = [n for n in preview.warnings if n.startswith("Ô nội dung nhiệm vụ được gộp")]
    merged = note.count("gộp từ dòng")
    assert merged == (5 if fmt == "docx" else 4)  # .xlsx: one run crosses a page header
    rows = preview.prepared.rows
    for first, last in runs:
        assert rows[first].code and rows[last].code == ""
        assert rows[last].content == rows[first].content
        assert rows[last].lead_text != rows[first].lead_text
    apply_import(plan, data, f"222.{extension}", user=user)
    assert plan.tasks.count() == len(fixture["rows"])


@pytest.mark.parametrize(("slug", "fmt"), CASES)
def test_corpus_imports_through_the_command(seeded, user, tmp_path, slug, fmt):
    fixture = FIXTURES[slug]
    plan = draft_plan(fixture)
    data, extension = render_file(fixture, fmt)
    path = tmp_path / f"{slug}.{extension}"
    path.write_bytes(data)
    out = StringIO()

    call_command("import_appendix", str(path), "--plan", str(plan.pk), stdout=out)

    assert plan.tasks.count() == len(fixture["rows"])


@pytest.mark.parametrize("slug", list(FIXTURES))
def test_names_unknown_to_the_issuer_are_unresolved_not_errors(seeded, user, slug):
    """Issued by a bare province (no units of its own), every name the catalogue does not
    know stays an unresolved ("chưa xác định") name on its row: zero errors, every row kept."""
    fixture = {**FIXTURES[slug], "issuer_key": "", "issuer": "Ủy ban nhân dân tỉnh Kho Mẫu",
               "province": {"code": 99}}  # fmt: skip
    plan = draft_plan(fixture)
    data, extension = render_file(fixture, "xlsx-numbers-once")

    preview = preview_import(plan, data, f"{slug}.{extension}")

    assert preview.errors == []
    assert len(preview.prepared.rows) == len(fixture["rows"])
    assert preview.unknown_names, "a bare province knows none of the appendix's own units"
    apply_import(plan, data, f"{slug}.{extension}", user=user)
    assert plan.tasks.count() == len(fixture["rows"])


# --- the corpus against the national catalogue ---------------------------------------------

#: Issuers the catalogue holds for the fixtures whose issuer the seeds lack (see README).
CATALOGUE_ISSUERS = {"lc": "p15", "lc-tu": "p15-tinh-uy", "bnnmt": "tw-bo-nnmt"}
#: Provinces the corpus names (Lào Cai, Nghệ An, Quảng Ngãi with Kon Tum); central bodies
#: are always loaded.
CORPUS_PROVINCES = ["15", "40", "51"]
_BOUNDARY_BEFORE = re.compile(r"(^|[,;\n.:/()\-–]|\b(và|hoặc|nghị|cùng|với))\s*$", re.IGNORECASE)
_BOUNDARY_AFTER = re.compile(r"^\s*($|[,;\n.:/()\-–]|(và|hoặc|đề nghị)\s)", re.IGNORECASE)
_NOTE = re.compile(r"\s*\([^()]*\)?\s*$")


def _known_names(target) -> set[tuple[str, ...]]:
    """The word keys of a target's names and aliases (and of a department's bare name)."""
    from orgunits.models import UnitAlias, UnitGroup
    from orgunits.resolver import name_key

    if target.kind == "unit":
        unit = OrgUnit.objects.get(pk=target.pk)
        names = [unit.name, unit.short_name, unit.short_name.removeprefix("Sở ")]
        names += UnitAlias.objects.filter(unit=unit).values_list("name", flat=True)
    else:
        group = UnitGroup.objects.get(pk=target.pk)
        names = [group.name, *UnitAlias.objects.filter(group=group).values_list("name", flat=True)]
    keys = {name_key(n) for n in names if n}
    return keys | {tuple(w for w in k if w != "va") for k in keys}


def _is_whole_item(cell: str, text: str, names: list[str]) -> bool:
    """Whether `text` stands in the cell between separators (never inside a longer name),
    or beside another resolved name of the same head word (a list that lost its separator:
    "Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ")."""
    cleaned = clean_cell(cell)
    head = text.split()[0]
    siblings = [n for n in names if n.split()[0] == head]
    start = cleaned.find(text)
    while start >= 0:
        end = start + len(text)
        before, after = cleaned[:start].rstrip(), cleaned[end:].lstrip()
        if (_BOUNDARY_BEFORE.search(cleaned[:start]) or any(map(before.endswith, siblings))) and (
            _BOUNDARY_AFTER.match(cleaned[end:]) or any(map(after.startswith, siblings))
        ):
            return True
        start = cleaned.find(text, start + 1)
    return False


def _resolution_problems(fixture: dict, rows) -> list[str]:
    from orgunits import collective
    from orgunits.resolver import _LEVEL_WORDS, name_key

    problems = []
    for prepared in rows:
        source = prepared.source
        for cell, parts in ((source.lead, prepared.lead_parts),
                            (source.coordinating, prepared.coordinating_parts)):  # fmt: skip
            names = [_NOTE.sub("", p.text) for p in parts if p.resolved]
            for part in parts:
                if not part.resolved:
                    continue
                text = _NOTE.sub("", part.text)
                if part.target.kind == "group" and part.target.name == part.text:
                    continue  # "…, cấp xã": the commune-level sibling, named by the group
                if not _is_whole_item(cell or "", text, names):
                    problems.append(f"{prepared.row_label}: «{text}» is a piece of «{cell}»")
                key = name_key(text)
                known = _known_names(part.target)
                levels = [key[: -len(lv)] for lv in _LEVEL_WORDS if key[-len(lv) :] == lv]
                same = key in known or any(k in known for k in levels)
                by_meaning = part.target.kind == "group" and collective.read(text) is not None
                if not (same or by_meaning):
                    problems.append(
                        f"{prepared.row_label}: «{text}» resolved to «{part.target.name}»"
                    )
    return problems


@pytest.fixture
def catalogue(seeded):
    from orgunits.catalogue import load_catalogue

    return load_catalogue(ROOT / "fixtures", CORPUS_PROVINCES)


def test_corpus_resolves_only_whole_names_with_the_national_catalogue(catalogue, user):
    """With the catalogue of the corpus's provinces and the central bodies loaded, every table
    imports with zero errors, and every name that resolves is a whole item of its cell (never
    a piece of a longer name: "Tỉnh ủy" in "Văn phòng Tỉnh ủy") resolved to a unit or group
    whose name or alias it is (or, for a group, a collective phrase meaning it)."""
    problems = []
    resolved = 0
    for slug, fixture in FIXTURES.items():
        key = fixture["issuer_key"]
        fixture = {**fixture, "issuer_key": CATALOGUE_ISSUERS.get(key, key)}
        assert OrgUnit.objects.filter(key=fixture["issuer_key"]).exists(), slug
        plan = draft_plan(fixture)
        data, extension = render_file(fixture, "xlsx")
        preview = preview_import(plan, data, f"{slug}.{extension}")
        assert preview.errors == [], slug
        assert len(preview.prepared.rows) == len(fixture["rows"]), slug
        problems += [f"{slug} {p}" for p in _resolution_problems(fixture, preview.prepared.rows)]
        resolved += preview.summary["assignments"] - preview.summary["unresolved"]
    assert problems == [], "\n".join(problems)
    assert resolved > 500  # the catalogue is really used


#: Lào Cai cells (lc-104-ctr-tu, lc-kh-ubnd-ct11) → what they must resolve to (None:
#: unresolved, as written).
LAO_CAI = [
    ("Đảng ủy UBND tỉnh", ["p15-dang-uy-ubnd"]),
    ("Đảng ủy Ủy ban nhân dân tỉnh", ["p15-dang-uy-ubnd"]),
    ("Đảng ủy HĐND tỉnh; Đảng uỷ UBND tỉnh", [None, "p15-dang-uy-ubnd"]),
    ("Văn phòng Tỉnh ủy", ["p15-tu-van-phong"]),
    ("Ban Tổ chức Tỉnh ủy", ["p15-tu-ban-to-chuc"]),
    ("Ban Tuyên giáo và Dân vận Tỉnh ủy", ["p15-tu-ban-tgdv"]),
    ("Ủy ban Kiểm tra Tỉnh ủy", ["p15-tu-ubkt"]),
    ("Đảng ủy các cơ quan Đảng tỉnh", ["p15-dang-uy-cqd"]),
    ("Thuế tỉnh", ["p15-thue"]),
    ("Sở Ngoại vụ", [None]),  # which provinces keep it after 2025 is not established
    ("Các cấp ủy, tổ chức đảng", [None]),
    ("Các tổ chức, cá nhân hoạt động khoáng sản", [None]),
    ("Hội Nông dân các cấp", [None]),
    ("Các bộ, ngành Trung ương", ["group:tw-bo-nganh"]),
    ("Các bộ, ngành, địa phương", [None]),  # a province's "địa phương" are not all 34
]

#: Central cells (cp-03-nq-cp, ttg-382-qd-ttg, ttg-707-qd-ttg) seen by the Prime Minister.
CENTRAL = [
    ("Các bộ, ngành (Trung ương)", ["group:tw-bo-nganh"]),
    ("UBND các tỉnh, thành phố trực thuộc TW", ["group:tw-ubnd-tinh"]),
    ("Bộ Quốc phòng, Viện Hàn lâm Khoa học và Công nghệ và các bộ, ngành, địa phương",
     ["tw-bo-quoc-phong", "tw-vast", "group:tw-bo-nganh-dia-phuong"]),
    ("VTV, VOV, TTXVN, các địa phương", ["tw-vtv", "tw-vov", "tw-ttxvn", "group:tw-ubnd-tinh"]),
    ("Bộ Công an (chủ trì nội dung liên quan đến RT)", ["tw-bo-cong-an"]),
    ("Đề nghị Tòa án nhân dân tối cao; Viện kiểm sát nhân dân tối cao",
     ["tw-tandtc", "tw-vksndtc"]),
    ("Bảo hiểm Xã hội Việt Nam", ["tw-bhxh"]),
    ("Tập đoàn, doanh nghiệp công nghệ số", [None]),
]  # fmt: skip


@pytest.mark.parametrize(("issuer", "cases"), [("p15", LAO_CAI), ("tw-ttg", CENTRAL)])
def test_expected_resolutions_with_the_catalogue(catalogue, issuer, cases):
    from orgunits.models import UnitGroup
    from orgunits.resolver import resolve_cell, vocabulary_for

    vocabulary = vocabulary_for(OrgUnit.objects.get(key=issuer))
    got = {}
    for cell, _ in cases:
        keys = []
        for part in resolve_cell(cell, vocabulary):
            if not part.resolved:
                keys.append(None)
            elif part.target.kind == "group":
                keys.append("group:" + UnitGroup.objects.get(pk=part.target.pk).key)
            else:
                keys.append(OrgUnit.objects.get(pk=part.target.pk).key)
        got[cell] = keys
    assert got == dict(cases)


def test_central_groups_hold_the_ministries_and_the_provinces(catalogue):
    from orgunits.catalogue import load_catalogue
    from orgunits.models import UnitGroup

    ministries = UnitGroup.objects.get(key="tw-bo-nganh").members(on=date(2026, 1, 1))
    assert ministries.count() == 17  # 14 ministries and 3 ministerial agencies
    provinces = UnitGroup.objects.get(key="tw-ubnd-tinh").members()
    roots = OrgUnit.objects.filter(kind="province", parent=None, active_until__isnull=True)
    assert set(provinces) == set(roots) and provinces.filter(key="p15").exists()
    both = UnitGroup.objects.get(key="tw-bo-nganh-dia-phuong").members(on=date(2026, 1, 1))
    assert both.count() == 17 + roots.count()
    again = load_catalogue(ROOT / "fixtures", CORPUS_PROVINCES)
    assert again.changed == 0  # idempotent, members included


@pytest.mark.parametrize(("slug", "headers"), [
    ("ducp-402-cv-vpdu", ["TIẾN ĐỘ", "KẾT QUẢ HIỆN NAY"]),
    ("lc-104-ctr-tu", ["Cá nhân phụ trách"]),
])  # fmt: skip
def test_extra_columns_are_kept_on_the_tasks(seeded, user, slug, headers):
    fixture = FIXTURES[slug]
    plan = draft_plan(fixture)
    data, extension = render_file(fixture, "xlsx")
    apply_import(plan, data, f"{slug}.{extension}", user=user)
    tasks = list(plan.tasks.order_by("position"))
    extras = [i for i, c in enumerate(fixture["columns"]) if c == "extra"]
    kept = 0
    for task, printed in zip(tasks, fixture["rows"], strict=True):
        for i in extras:
            if not printed[i].strip() or render.is_section(fixture, printed):
                continue
            assert any(same_text(v, printed[i]) for v in task.extra_columns.values()), (
                printed[0],
                printed[i][:40],
            )
            kept += 1
    assert kept
    labels = " ".join(fold(k) for t in tasks for k in t.extra_columns)
    for header in headers:
        assert fold(header) in labels
