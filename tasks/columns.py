"""What a column of an appendix table holds, from its header text; who leads in a cell that
names both roles.

Pure functions, no Django. Real appendices name their columns many ways ("Tên nhiệm vụ",
"Nhiệm vụ và giải pháp", "Cơ quan chủ trì", "Kết quả dự kiến", "Thời gian dự kiến hoàn
thành", "Tiến độ" …), so a header is classified by the words it contains, each word
group scoring for a role (role — vai trò của cột), not by a list of known names. The
header is folded first (no diacritics, lower case), which absorbs most OCR typos
("CHỦ TRỊ", "PHÓI HỢP"); a word group still misspelt is matched approximately.

Roles:

- ``stt``: the outline number (Số thứ tự);
- ``content``: the task text (Nội dung nhiệm vụ);
- ``lead`` / ``coordinating``: the lead (Chủ trì) and coordinating (Phối hợp) units;
- ``both``: one column naming both ("Cơ quan thực hiện": "X chủ trì, phối hợp với Y"),
  split per cell by `split_performers`;
- ``product``: the expected product or result (Sản phẩm, Kết quả);
- ``timeframe``: when (Thời gian, Thời hạn, Tiến độ, Giai đoạn thực hiện);
- ``note``: remarks (Ghi chú);
- ``extra``: any other column with a header ("Nguồn kinh phí", "Dự toán"), kept as text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

ROLES = ("stt", "content", "lead", "coordinating", "both", "product", "timeframe", "note")

#: Role → (folded word group, weight). A header scores the weights of the groups it contains.
KEYWORDS: dict[str, tuple[tuple[str, int], ...]] = {
    "content": (
        ("noi dung", 4),
        ("nhiem vu", 3),
        ("giai phap", 3),
        ("chi tieu", 4),  # a list of targets (Phụ lục I of NQ 03/NQ-CP): one row per target
        ("cong viec", 3),
        ("hoat dong", 2),
        ("hanh dong", 3),  # "Hành động cụ thể" (QĐ 707/QĐ-TTg, 2026): one action per row
        ("de an", 2),
        ("chuong trinh", 1),
        ("ten", 1),
    ),
    "lead": (("chu tri", 6),),
    "coordinating": (("phoi hop", 6),),
    "both": (
        ("thuc hien", 2),
        ("trien khai", 1),
        ("co quan", 2),
        ("don vi", 2),
        ("to chuc", 1),
        ("trach nhiem", 2),
        ("phan cong", 2),
    ),
    "product": (
        ("san pham", 6),
        ("ket qua", 5),
        ("dau ra", 3),
        ("hinh thuc", 2),
    ),
    "timeframe": (
        ("thoi gian", 6),
        ("thoi han", 6),
        ("tien do", 5),
        ("lo trinh", 4),
        # "Giai đoạn thực hiện" (Phụ lục II of Quyết định 382/QĐ-TTg, 2025): a period; the
        # whole phrase, so "Nhiệm vụ giai đoạn 2026-2030" stays a content header
        ("giai doan thuc hien", 6),
        ("hoan thanh", 3),
        ("moc", 2),
        # "Giai đoạn thực hiện" (Phụ lục I of QĐ 222/QĐ-TTg, 2025): "2025 - 2035". Weighs
        # no more than "nhiem vu", so "Nhiệm vụ giai đoạn 2026 - 2030" stays the task column.
        ("giai doan", 3),
    ),
    "note": (("ghi chu", 8),),
}
#: Folded (spaces removed) headers of the outline number column.
STT_NAMES = frozenset({"stt", "tt", "sott", "sothutu", "thutu", "so", "sttt"})
#: Below this a header is not one of the roles (it is an extra column).
MIN_SCORE = 3
#: A misspelt word group still counts when this close (after folding).
FUZZY_RATIO = 0.8
MAX_HEADER_LENGTH = 80  # longer cells are data, not headers

_NON_ALNUM_RE = re.compile(r"[\W_]+")


def fold_text(text: str) -> str:
    """Lower case, no diacritics (đ → d), runs of anything else one space."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM_RE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def classify_header(text: str | None) -> str | None:
    """The role of a column from its header text; "extra" for another titled column,
    None for a cell that is not a header (empty, a number, a long text)."""
    if not isinstance(text, str) or len(text) > MAX_HEADER_LENGTH:
        return None
    return _classify(fold_text(text))


@lru_cache(maxsize=4096)
def _classify(key: str) -> str | None:
    if not key or not any(ch.isalpha() for ch in key):
        return None
    if key.replace(" ", "") in STT_NAMES:
        return "stt"
    words = key.split()
    scores = {role: _score(words, groups) for role, groups in KEYWORDS.items()}
    if scores["lead"] and scores["coordinating"]:
        return "both"  # "Cơ quan chủ trì, phối hợp", "Chủ trì/Phối hợp"
    if scores["lead"] or scores["coordinating"]:
        # "Đơn vị chủ trì thực hiện": the role word decides, whatever else is said.
        return "lead" if scores["lead"] else "coordinating"
    if scores["both"] and not _has_unit_word(words):
        scores["both"] = 0  # "thực hiện" alone is a verb ("Nội dung thực hiện"), not units
    role, score = max(scores.items(), key=lambda item: item[1])
    if score < MIN_SCORE:
        return "extra"
    return role


def _has_unit_word(words: list[str]) -> bool:
    text = f" {' '.join(words)} "
    return any(f" {w} " in text for w in ("co quan", "don vi", "to chuc", "trach nhiem"))


def _score(words: list[str], groups: tuple[tuple[str, int], ...]) -> int:
    text = f" {' '.join(words)} "
    total = 0
    for group, weight in groups:
        if f" {group} " in text or _fuzzy_contains(words, group):
            total += weight
    return total


def _fuzzy_contains(words: list[str], group: str) -> bool:
    """A misspelt word group ("noi dumg", "phoi hpo"): only for groups of 6+ letters."""
    if len(group) < 6:
        return False
    size = group.count(" ") + 1
    for start in range(len(words) - size + 1):
        candidate = " ".join(words[start : start + size])
        if abs(len(candidate) - len(group)) > 2 or candidate[0] != group[0]:
            continue
        if difflib.SequenceMatcher(None, candidate, group).ratio() >= FUZZY_RATIO:
            return True
    return False


# --- one cell naming the lead and the coordinating units ---------------------------------------


def _fold_keep_length(text: str) -> str:
    """Like fold_text but one character for each character, so positions carry over."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0].lower()[:1] or " "
        out.append(base)
    return "".join(out)


_SEP = r"[\s,;:.\-–()]*"
#: "Chủ trì: X; Phối hợp: Y" (labels first).
_LABELLED_RE = re.compile(
    r"^\s*(?:don vi |co quan )?chu tri\s*[:\-–]\s*(?P<lead>.*?)"
    r"(?:[\s,;.]*\n?\s*(?:don vi |co quan |cac don vi )?phoi hop\s*[:\-–]\s*(?P<coord>.*))?$",
    re.S,
)
#: "X chủ trì, phối hợp với Y" / "X chủ trì phối hợp Y" / "X (chủ trì), phối hợp với Y".
_LEAD_THEN_WITH_RE = re.compile(
    r"^(?P<lead>.*?)" + _SEP + r"\(?\s*chu tri\s*\)?" + _SEP + r"(?:va\s+)?phoi hop\s*(?:voi|cung)?"
    r"\s*[:\-–]?\s*(?P<coord>.*)$",
    re.S,
)
#: "X chủ trì; Y phối hợp" / "X (chủ trì), Y (phối hợp)" / "X (chủ trì), Y".
_LEAD_MARKED_RE = re.compile(
    r"^(?P<lead>.*?)" + r"[\s,]*\(?\s*chu tri\s*\)?" + r"[\s,;.]*(?P<rest>.*)$", re.S
)
_COORD_SUFFIX_RE = re.compile(r"[\s,;]*\(?\s*(?:cung\s+)?phoi hop(?:\s+thuc hien)?\s*\)?[\s.;,]*$")


def split_performers(text: str | None) -> tuple[str, str]:
    """(lead, coordinating) named in one cell of a "Cơ quan thực hiện" column.

    >>> split_performers("Sở Nội vụ chủ trì, phối hợp với Sở Tư pháp và UBND các xã")
    ('Sở Nội vụ', 'Sở Tư pháp và UBND các xã')

    A cell naming no role is all lead (one unit carries the task)."""
    if not text or not text.strip():
        return "", ""
    folded = _fold_keep_length(text)

    def part(match: re.Match, name: str) -> str:
        start, end = match.span(name)
        return _tidy(text[start:end]) if start >= 0 else ""

    match = _LABELLED_RE.match(folded)
    if match:
        return part(match, "lead"), part(match, "coord")
    match = _LEAD_THEN_WITH_RE.match(folded)
    if match and match.group("lead").strip():
        return part(match, "lead"), part(match, "coord")
    match = _LEAD_MARKED_RE.match(folded)
    if match and match.group("lead").strip():
        lead = part(match, "lead")
        start, end = match.span("rest")
        rest = text[start:end]
        suffix = _COORD_SUFFIX_RE.search(folded, start)
        if suffix and suffix.end() == len(folded):
            rest = text[start : suffix.start()]
        return lead, _tidy(rest)
    return _tidy(text), ""


def _tidy(text: str) -> str:
    return text.strip(" \t\r\n,;:.-–").strip()
