"""Tests of tasks/stt.py: STT cells and the outline of the seed appendices."""

from __future__ import annotations

import pytest

from tasks.stt import Outline, OutlineInput, Stt, build_outline, parse_stt

PARSE_CASES = [
    # roman
    ("I", Stt("roman", "I")),
    ("I.", Stt("roman", "I")),
    ("II", Stt("roman", "II")),
    (" IV ", Stt("roman", "IV")),
    ("VI.", Stt("roman", "VI")),
    ("IX)", Stt("roman", "IX")),
    ("XIV", Stt("roman", "XIV")),
    ("XX", Stt("roman", "XX")),
    ("(III)", Stt("roman", "III")),
    # a sub-section of a Roman section (Phụ lục 2 of Chương trình 104-CTr/TU, Lào Cai, 2026)
    ("IV.1", Stt("subsection", "IV.1", (1,))),
    ("II.1", Stt("subsection", "II.1", (1,))),
    ("II.7.", Stt("subsection", "II.7", (7,))),
    ("IIII.1", Stt("invalid", "IIII.1")),
    # number
    ("1", Stt("number", "1", (1,))),
    (" 3. ", Stt("number", "3", (3,))),
    ("12", Stt("number", "12", (12,))),
    ("2)", Stt("number", "2", (2,))),
    ("05", Stt("number", "5", (5,))),
    (7, Stt("number", "7", (7,))),
    (7.0, Stt("number", "7", (7,))),
    # dotted
    ("1.1", Stt("dotted", "1.1", (1, 1))),
    ("1.1.", Stt("dotted", "1.1", (1, 1))),
    ("5.8", Stt("dotted", "5.8", (5, 8))),
    ("2.10", Stt("dotted", "2.10", (2, 10))),
    ("1.2.3", Stt("dotted", "1.2.3", (1, 2, 3))),
    ("1. 2", Stt("dotted", "1.2", (1, 2))),
    # letters (Vietnamese alphabet)
    ("a", Stt("letter", "a")),
    ("a)", Stt("letter", "a")),
    ("(b)", Stt("letter", "b")),
    ("c.", Stt("letter", "c")),
    ("đ)", Stt("letter", "đ")),
    ("đ", Stt("letter", "đ")),
    ("Đ)", Stt("letter", "đ")),
    ("A)", Stt("letter", "a")),
    ("g)", Stt("letter", "g")),
    ("i)", Stt("letter", "i")),
    ("i", Stt("letter", "i")),
    ("x", Stt("letter", "x")),
    ("ư", Stt("letter", "ư")),
    ("a\u0306)", Stt("letter", "ă")),  # decomposed ă
    # empty
    ("", Stt("empty", "")),
    ("   ", Stt("empty", "")),
    (None, Stt("empty", "")),
    # invalid: the raw text is kept
    ("f", Stt("invalid", "f")),
    ("w)", Stt("invalid", "w)")),
    ("ab", Stt("invalid", "ab")),
    ("IIII", Stt("invalid", "IIII")),
    ("IL", Stt("invalid", "IL")),
    ("1a", Stt("invalid", "1a")),
    ("1..2", Stt("invalid", "1..2")),
    ("-", Stt("invalid", "-")),
    ("•", Stt("invalid", "•")),
    ("Mục 1", Stt("invalid", "Mục 1")),
]


@pytest.mark.parametrize(("raw", "expected"), PARSE_CASES)
def test_parse_stt(raw: str | None, expected: Stt) -> None:
    assert parse_stt(raw) == expected


@pytest.mark.parametrize(
    ("raw", "ordinal"),
    [("I", 1), ("IV", 4), ("XIX", 19), ("3", 3), ("5.8", 8), ("a", 1), ("đ", 5), ("g", 7)],
)
def test_ordinal(raw: str, ordinal: int) -> None:
    assert parse_stt(raw).ordinal == ordinal


def _rows(spec: list[tuple[str, bool]]) -> list[OutlineInput]:
    return [OutlineInput(stt, has_units) for stt, has_units in spec]


def _numbers(count: int) -> list[tuple[str, bool]]:
    return [(str(n), True) for n in range(1, count + 1)]


def _letters(letters: str, has_units: bool = True) -> list[tuple[str, bool]]:
    return [(letter, has_units) for letter in letters]


# Seed 001 (Kế hoạch 17/KH-UBND Quảng Ngãi): sections I–VI, sub-items a–c under IV.1.
SEED_001 = (
    [("I", False), *_numbers(2), ("II", False), *_numbers(3), ("III", False), *_numbers(2)]
    + [("IV", False), ("1", False), *_letters("abc"), ("V", False), *_numbers(9)]
    + [("VI", False), *_numbers(4)]
)
# Seed 004 (Kon Tum): same layout, only a–b under IV.1.
SEED_004 = (
    [("I", False), *_numbers(2), ("II", False), *_numbers(3), ("III", False), *_numbers(2)]
    + [("IV", False), ("1", False), *_letters("ab"), ("V", False), *_numbers(9)]
    + [("VI", False), *_numbers(4)]
)
# Seed 002 (Kế hoạch 686/KH-UBND Nghệ An): 1, 1.1 …; two rows without STT after 5.8; row 6
# "Chế độ báo cáo" has units.
SEED_002 = (
    [("1", False), ("1.1", True), ("1.2", True), ("2", False)]
    + [("2.1", True), ("2.2", True), ("2.3", True), ("3", False)]
    + [(f"3.{n}", True) for n in range(1, 5)]
    + [("4", False)]
    + [(f"4.{n}", True) for n in range(1, 5)]
    + [("5", False)]
    + [(f"5.{n}", True) for n in range(1, 9)]
    + [("", True), ("", True), ("6", True)]
)
# Seed 003 (Đồng Nai, prose): 1, a–c, 2, a–đ, 3, a–g, 4, a–i.
SEED_003 = [("1", False), *_letters("abc"), ("2", False), *_letters("abcdđ")] + [
    ("3", False),
    *_letters("abcdđeg"),
    ("4", False),
    *_letters("abcdđeghi"),
]
# Seed 000 (xã Phước Giang, prose): II.1–II.6 with items; II.2 runs a–e without "đ",
# II.6 runs a–đ–e: both are accepted.
SEED_000 = (
    [("1", False), *_letters("ab"), ("2", False), *_letters("abcde"), ("3", False)]
    + [*_letters("abc"), ("4", False), *_letters("ab"), ("5", False), *_letters("abcd")]
    + [("6", False), *_letters("abcdđe")]
)


def _index(outline: Outline, full_code: str) -> int:
    matches = [row.index for row in outline if row.full_code == full_code]
    assert len(matches) == 1, full_code
    return matches[0]


@pytest.mark.parametrize(
    ("spec", "sections", "tasks", "subitems"),
    [
        (SEED_001, 6, 21, 3),
        (SEED_004, 6, 21, 2),
        (SEED_002, 5, 24, 0),
        (SEED_003, 4, 24, 0),
        (SEED_000, 6, 22, 0),
    ],
    ids=["001", "004", "002", "003", "000"],
)
def test_seed_outline_counts(
    spec: list[tuple[str, bool]], sections: int, tasks: int, subitems: int
) -> None:
    outline = build_outline(_rows(spec))
    assert outline.problems == []
    assert outline.ok
    assert len(outline) == len(spec)
    assert outline.count("section") == sections
    assert outline.count("task") == tasks
    assert outline.count("subitem") == subitems


def test_seed_001_outline() -> None:
    outline = build_outline(_rows(SEED_001))
    assert [row.full_code for row in outline][:8] == [
        "I", "I.1", "I.2", "II", "II.1", "II.2", "II.3", "III",
    ]  # fmt: skip
    section_iv = _index(outline, "IV")
    task_iv_1 = _index(outline, "IV.1")
    assert outline[section_iv].kind == "section"
    assert outline[section_iv].level == 0
    assert outline[task_iv_1].parent == section_iv
    assert outline[task_iv_1].kind == "task"  # no units, but level 1
    for code in ("IV.1.a", "IV.1.b", "IV.1.c"):
        row = outline[_index(outline, code)]
        assert (row.parent, row.level, row.kind) == (task_iv_1, 2, "subitem")
    assert outline[_index(outline, "IV.1.c")].code == "c"
    assert outline.children(task_iv_1) == [task_iv_1 + 1, task_iv_1 + 2, task_iv_1 + 3]
    v9 = outline[_index(outline, "V.9")]
    assert (v9.parent, v9.level, v9.kind, v9.code) == (_index(outline, "V"), 1, "task", "9")
    assert outline[_index(outline, "VI.4")].parent == _index(outline, "VI")
    sections = ["I", "II", "III", "IV", "V", "VI"]
    assert outline.children(None) == [_index(outline, code) for code in sections]


def test_seed_002_outline() -> None:
    outline = build_outline(_rows(SEED_002))
    section_1 = _index(outline, "1")
    assert outline[section_1].kind == "section"
    row_1_1 = outline[_index(outline, "1.1")]
    assert (row_1_1.parent, row_1_1.level, row_1_1.kind) == (section_1, 1, "task")
    assert outline[_index(outline, "3.4")].parent == _index(outline, "3")
    # the two rows without STT after 5.8 are tasks under section 5
    section_5 = _index(outline, "5")
    last_dotted = _index(outline, "5.8")
    for index in (last_dotted + 1, last_dotted + 2):
        row = outline[index]
        assert (row.parent, row.level, row.kind, row.code, row.full_code) == (
            section_5, 1, "task", "", ""
        )  # fmt: skip
    assert len(outline.children(section_5)) == 10
    # row 6 "Chế độ báo cáo" has units: a top-level task, not a section
    row_6 = outline[_index(outline, "6")]
    assert (row_6.parent, row_6.level, row_6.kind) == (None, 0, "task")


@pytest.mark.parametrize(
    ("spec", "full_code", "parent_code"),
    [
        (SEED_003, "3.g", "3"),
        (SEED_003, "4.i", "4"),
        (SEED_003, "2.đ", "2"),
        (SEED_000, "6.đ", "6"),
        (SEED_000, "6.e", "6"),
        (SEED_000, "2.e", "2"),
        (SEED_004, "IV.1.b", "IV.1"),
        (SEED_004, "V.8", "V"),
    ],
)
def test_prose_and_004_parents(
    spec: list[tuple[str, bool]], full_code: str, parent_code: str
) -> None:
    outline = build_outline(_rows(spec))
    row = outline[_index(outline, full_code)]
    assert row.parent == _index(outline, parent_code)
    assert row.kind == ("subitem" if full_code.count(".") == 2 else "task")


def test_printed_forms_give_the_same_outline() -> None:
    printed = [("1.", False), ("a)", True), ("b)", True), ("2.", False), ("a)", True)]
    plain = [("1", False), ("a", True), ("b", True), ("2", False), ("a", True)]
    assert [
        (row.parent, row.level, row.kind, row.full_code) for row in build_outline(_rows(printed))
    ] == [(row.parent, row.level, row.kind, row.full_code) for row in build_outline(_rows(plain))]


def test_prose_plan_without_units_still_has_sections() -> None:
    outline = build_outline(_rows([(stt, False) for stt, _ in SEED_000]))
    assert outline.count("section") == 6
    assert outline.count("task") == 22


def test_dotted_codes_nest_by_depth() -> None:
    outline = build_outline(_rows([("1", False), ("1.1", False), ("1.1.1", True), ("1.1.2", True)]))
    assert outline.problems == []
    assert [row.parent for row in outline] == [None, 0, 1, 1]
    assert [row.level for row in outline] == [0, 1, 2, 2]
    assert [row.kind for row in outline] == ["section", "task", "subitem", "subitem"]
    assert [row.full_code for row in outline] == ["1", "1.1", "1.1.1", "1.1.2"]


def test_letters_under_dotted_rows() -> None:
    outline = build_outline(_rows([("1", False), ("1.1", False), ("a", True), ("b", True)]))
    assert outline.problems == []
    assert [row.full_code for row in outline] == ["1", "1.1", "1.1.a", "1.1.b"]
    assert outline[3].parent == 1


@pytest.mark.parametrize(
    ("spec", "parents", "levels", "kinds"),
    [
        # first row without STT: top level
        ([("", True), ("", True)], [None, None], [0, 0], ["task", "task"]),
        # after a section title: its child
        ([("I", False), ("", True)], [None, 0], [0, 1], ["section", "task"]),
        # after a top-level task with units: a sibling
        ([("1", True), ("", True)], [None, None], [0, 0], ["task", "task"]),
        # after a sub-item: a sibling sub-item
        (
            [("I", False), ("1", False), ("a", True), ("", True)],
            [None, 0, 1, 1],
            [0, 1, 2, 2],
            ["section", "task", "subitem", "subitem"],
        ),
        # a numbered row after empty ones pops back up
        (
            [("1", False), ("1.1", True), ("", True), ("2", True)],
            [None, 0, 0, None],
            [0, 1, 1, 0],
            ["section", "task", "task", "task"],
        ),
    ],
)
def test_empty_stt_rows(
    spec: list[tuple[str, bool]], parents: list[int | None], levels: list[int], kinds: list[str]
) -> None:
    outline = build_outline(_rows(spec))
    assert outline.problems == []
    assert [row.parent for row in outline] == parents
    assert [row.level for row in outline] == levels
    assert [row.kind for row in outline] == kinds
    assert all(row.full_code == "" for row in outline if row.code == "")


def test_top_level_row_without_children_is_a_task() -> None:
    outline = build_outline(_rows([("1", False), ("2", False), ("a", True)]))
    assert [row.kind for row in outline] == ["task", "section", "task"]


PROBLEM_CASES = [
    (
        "dotted code outside its number",
        [("1", False), ("2.1", True)],
        ["Dòng 2: STT “2.1” không thuộc mục “1” đứng trước."],
        [None, 0],
    ),
    (
        "dotted code without a number",
        [("I", False), ("1.1", True)],
        ["Dòng 2: STT “1.1” không có mục “1” đứng trước."],
        [None, 0],
    ),
    (
        "letter before any number in a section",
        [("I", False), ("a", True)],
        [
            "Dòng 2: mục “a” đứng trước mọi nhiệm vụ có STT số; chữ cái chỉ dùng cho mục con "
            "của một nhiệm vụ (1, 2… hoặc 1.1, 1.2…). Hãy thêm dòng nhiệm vụ hoặc sửa STT."
        ],
        [None, 0],
    ),
    (
        "letter on the first row",
        [("a", True), ("1", True)],
        [
            "Dòng 1: mục “a” đứng trước mọi nhiệm vụ có STT số; chữ cái chỉ dùng cho mục con "
            "của một nhiệm vụ (1, 2… hoặc 1.1, 1.2…). Hãy thêm dòng nhiệm vụ hoặc sửa STT."
        ],
        [None, None],
    ),
    (
        "repeated number",
        [("1", True), ("2", True), ("2", True), ("3", True)],
        ["Dòng 3: STT “2” bị lặp lại (đã có ở dòng 2); hãy sửa số thứ tự."],
        [None, None, None, None],
    ),
    (
        "skipped number",
        [("1", True), ("3", True)],
        ["Dòng 2: STT “3” không đúng thứ tự: sau “1” phải là “2”."],
        [None, None],
    ),
    (
        "first number is not 1",
        [("I", False), ("2", True)],
        ["Dòng 2: STT “2” không đúng thứ tự: mục đầu tiên phải là “1”."],
        [None, 0],
    ),
    (
        "numbers restart in each section",
        [("I", False), ("1", True), ("II", False), ("1", True), ("1", True)],
        ["Dòng 5: STT “1” bị lặp lại (đã có ở dòng 4); hãy sửa số thứ tự."],
        [None, 0, None, 2, 2],
    ),
    (
        "skipped letter",
        [("1", False), ("a", True), ("c", True)],
        ["Dòng 3: STT “c” không đúng thứ tự: sau “a” phải là “b”."],
        [None, 0, 0],
    ),
    (
        "letter after d is đ or e",
        [("1", False), ("a", True), ("b", True), ("c", True), ("d", True), ("g", True)],
        ["Dòng 6: STT “g” không đúng thứ tự: sau “d” phải là “đ” hoặc “e”."],
        [None, 0, 0, 0, 0, 0],
    ),
    (
        "letter after đ is e",
        [("1", False), ("a", True), ("b", True), ("c", True), ("d", True), ("đ", True)]
        + [("g", True)],
        ["Dòng 7: STT “g” không đúng thứ tự: sau “đ” phải là “e”."],
        [None, 0, 0, 0, 0, 0, 0],
    ),
    (
        "letter going back",
        [("1", False), ("a", True), ("b", True), ("a", True)],
        ["Dòng 4: STT “a” bị lặp lại (đã có ở dòng 2); hãy sửa số thứ tự."],
        [None, 0, 0, 0],
    ),
    (
        "skipped roman",
        [("I", False), ("1", True), ("III", False), ("1", True)],
        ["Dòng 3: STT “III” không đúng thứ tự: sau “I” phải là “II”."],
        [None, 0, None, 2],
    ),
    (
        "skipped dotted",
        [("1", False), ("1.1", True), ("1.3", True)],
        ["Dòng 3: STT “1.3” không đúng thứ tự: sau “1.1” phải là “1.2”."],
        [None, 0, 0],
    ),
    (
        "invalid STT is kept in the outline",
        [("1", False), ("1.1", True), ("x?", True), ("1.2", True)],
        [
            "Dòng 3: STT “x?” không hợp lệ. Hãy dùng số La Mã (I, II…), số (1, 2…), số có dấu "
            "chấm (1.1, 1.2…) hoặc chữ cái (a, b…), hoặc để trống."
        ],
        [None, 0, 0, 0],
    ),
]


@pytest.mark.parametrize(
    ("spec", "messages", "parents"),
    [case[1:] for case in PROBLEM_CASES],
    ids=[case[0] for case in PROBLEM_CASES],
)
def test_problems(
    spec: list[tuple[str, bool]], messages: list[str], parents: list[int | None]
) -> None:
    outline = build_outline(_rows(spec))
    assert [problem.message for problem in outline.problems] == messages
    assert not outline.ok
    assert [row.parent for row in outline] == parents  # the outline is still built


def test_problem_rows_and_line_offset() -> None:
    outline = build_outline(_rows([("1", False), ("2.1", True), ("a", True)]), first_row_number=5)
    assert [problem.row for problem in outline.problems] == [1]
    assert outline.problems[0].message.startswith("Dòng 6: ")


def test_invalid_row_full_code_and_code() -> None:
    outline = build_outline(_rows([("I", False), ("1", True), ("x?", True)]))
    row = outline[2]
    assert (row.code, row.full_code, row.stt.kind) == ("x?", "", "invalid")


def test_empty_input() -> None:
    outline = build_outline([])
    assert len(outline) == 0
    assert outline.ok


def test_numbers_continue_across_sections() -> None:
    """Nghị quyết 03/NQ-CP's appendix numbers tasks on across sections (I: 1–2, II: 3…)."""
    outline = build_outline(
        _rows([("I", False), ("1", True), ("2", True), ("II", False), ("3", True), ("4", True)])
    )
    assert outline.ok, [p.message for p in outline.problems]
    assert [row.parent for row in outline] == [None, 0, 0, None, 3, 3]
    assert [row.full_code for row in outline][4:] == ["II.3", "II.4"]


def test_continued_numbering_must_follow_on() -> None:
    outline = build_outline(_rows([("I", False), ("1", True), ("II", False), ("5", True)]))
    assert [p.message for p in outline.problems] == [
        "Dòng 4: STT “5” không đúng thứ tự: mục đầu tiên phải là “1”."
    ]


def test_roman_sub_sections_hold_tasks_numbered_on() -> None:
    """Chương trình 104-CTr/TU (Tỉnh ủy Lào Cai, 2026), Phụ lục 2: "I" with tasks 1–2, then
    "II" with sub-sections "II.1" (tasks restart at 1) and "II.2" (tasks number on: 3…)."""
    outline = build_outline(
        _rows(
            [
                ("I", False),
                ("1", True),
                ("2", True),
                ("II", False),
                ("II.1", False),
                ("1", True),
                ("2", True),
                ("II.2", False),
                ("3", True),
            ]
        )
    )
    assert outline.ok, [p.message for p in outline.problems]
    assert [row.parent for row in outline] == [None, 0, 0, None, 3, 4, 4, 3, 7]
    assert [row.full_code for row in outline][4:] == ["II.1", "II.1.1", "II.1.2", "II.2", "II.2.3"]


def test_sub_section_must_follow_its_section() -> None:
    outline = build_outline(_rows([("I", False), ("II.1", False), ("1", True)]))
    assert [p.message for p in outline.problems] == [
        "Dòng 2: STT “II.1” không thuộc mục “I” đứng trước."
    ]
    outline = build_outline(_rows([("II.1", False), ("1", True)]))
    assert [p.message for p in outline.problems] == [
        "Dòng 1: STT “II.1” không có mục “II” đứng trước."
    ]
