"""One spelling of the tone marks in what users read: the new official placement ("hóa",
"khóa", "xóa", "ủy", "thủy", "hòa"), never the old one ("hoá", "khoá", "xoá", "uỷ") beside it.

Scanned: every template, the app's JavaScript, and the string literals of the apps' Python
(views, forms, models, messages, exports). Not scanned: migrations (history as written),
tests and fixtures (what officers type, documents as transcribed). The name matcher
accepts both placements on input and says so: those few strings are allowed below.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["config", "orgunits", "plans", "tasks", "reports", "dashboards"]

#: A syllable with the tone on the "o" of oa/oe or the "u" of uy and nothing after it: the
#: old placement ("hoá" for "hóa"). "qu" is a consonant: "quý" is right in both.
OLD_PLACEMENT = re.compile(r"\w*(?<![qQ])(?:[oO][áàảãạéèẻẽẹ]|[uU][ýỳỷỹỵ])(?!\w)")

#: Deliberate old forms: the input matcher documents that it accepts them.
ALLOWED = {
    ("orgunits/resolver.py", "hoá"),
    ("orgunits/resolver.py", "uỷ"),
    ("orgunits/text.py", "uỷ"),
    ("orgunits/territory.py", "uỷ"),  # place_name reads both spellings of a unit's name
}


def old_forms(text: str) -> list[str]:
    return OLD_PLACEMENT.findall(text)


@pytest.mark.parametrize(
    "text,found",
    [("Văn hoá, khoá, xoá", ["hoá", "khoá", "xoá"]), ("Uỷ ban, Thuỷ lợi", ["Uỷ", "Thuỷ"]),
     ("Hoà Bình, sức khoẻ", ["Hoà", "khoẻ"]), ("Văn hóa, khóa, xóa, Ủy ban, Hòa Bình", []),
     ("quý, Quý, kế hoạch, hoàn thành, toàn quốc, khoản, loại, đoạn", [])],
)  # fmt: skip
def test_the_pattern_finds_the_old_placement_only(text, found):
    assert old_forms(text) == found


def _python_strings(path: Path):
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type == tokenize.STRING:
                yield token.start[0], token.string


def _found() -> list[str]:
    found = []
    for folder in ("templates", "static/js"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_dir() or "vendor" in path.parts:
                continue
            if path.suffix not in (".html", ".txt", ".js"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for word in old_forms(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {word}")
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = str(path.relative_to(ROOT))
            for number, literal in _python_strings(path):
                for word in old_forms(literal):
                    if (name, word) not in ALLOWED:
                        found.append(f"{name}:{number}: {word}")
    return found


def test_user_facing_text_uses_the_new_tone_mark_placement():
    assert _found() == []


def test_the_scan_reads_python_strings_not_comments():
    source = '# hoá in a comment\nLABEL = "Đã xoá"\n'
    tokens = tokenize.tokenize(io.BytesIO(source.encode()).readline)
    strings = [t.string for t in tokens if t.type == tokenize.STRING]
    assert [w for s in strings for w in old_forms(s)] == ["xoá"]


def test_the_unresolved_name_field_reads_khoa_and_chuan_hoa():
    from tasks.models import Assignment

    field = Assignment._meta.get_field("name_key")
    assert field.verbose_name == "khóa tên chưa xác định"
    assert "chuẩn hóa" in field.help_text
