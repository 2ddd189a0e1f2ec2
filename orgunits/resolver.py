"""Read a lead/coordinating cell ("Sở Tài chính, Ủy ban nhân dân các xã, phường, đặc khu")
into the units and groups it names.

The matching itself (`resolve_cell`) is a pure function over a `Vocabulary`: the cell is
cut into words, abbreviations are expanded (UBND, NHCSXH, CSXH, MTTQ, HĐND, PGD …),
diacritics, case, punctuation and line breaks are ignored, and the longest known name is
taken at each point. Commas inside names ("Báo và Phát thanh, Truyền hình Quảng Ngãi",
"Ủy ban nhân dân các xã, phường, đặc khu") are therefore no problem, nor are a missing
comma or "và" ("Sở Văn hoá Thể thao du lịch"), old tone-mark placement (uỷ/ủy) or "chánh"
for "chính" ("Ngân hàng Chánh sách", "Sở Tài chánh").

Collective phrases ("Sở, ban, ngành có liên quan", "UBND xã, phường, đặc khu", "Các bộ,
ngành Trung ương") are read by their grammar (`orgunits.collective`) when that reading is
longer than any known name, and stand for the group of the plan's territory chain that
means the same (same kinds, depth and "có liên quan"). Where no group means it, the part
stays unresolved and carries its meaning (`Part.meaning`), so that a group can be made.
Words it cannot match are reported as unresolved parts with the closest known names;
nothing is invented.

`vocabulary_for(unit)` builds the vocabulary a plan of that unit sees: the names of its
own territory first (a commune's "Công an xã"), then the province's, then central bodies.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import collective
from .collective import Collective
from .text import clean_cell, fold

#: Abbreviations as officers write them → the words they stand for (folded).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "ubnd": ("uy", "ban", "nhan", "dan"),
    "hdnd": ("hoi", "dong", "nhan", "dan"),
    "nhcsxh": ("ngan", "hang", "chinh", "sach", "xa", "hoi"),
    "csxh": ("chinh", "sach", "xa", "hoi"),
    "ubmttq": ("uy", "ban", "mat", "tran", "to", "quoc"),
    "mttq": ("mat", "tran", "to", "quoc"),
    "pgd": ("phong", "giao", "dich"),
    "hdqt": ("hoi", "dong", "quan", "tri"),
    "nhnn": ("ngan", "hang", "nha", "nuoc"),
    "lhpn": ("lien", "hiep", "phu", "nu"),
    "ccb": ("cuu", "chien", "binh"),
    "ptth": ("phat", "thanh", "truyen", "hinh"),
    "pt": ("phat", "thanh"),
    "th": ("truyen", "hinh"),
    "vh": ("van", "hoa"),
    "xh": ("xa", "hoi"),
    "tw": ("trung", "uong"),
    "vn": ("viet", "nam"),
}

#: Words that join names without naming anything ("…; và các đơn vị", "Đề nghị HĐND …").
FILLERS: tuple[tuple[str, ...], ...] = (("va",), ("de", "nghi"), ("cung",), ("voi",))
#: The filler that makes the names after it, up to the next hard separator, a request.
REQUEST: tuple[str, ...] = ("de", "nghi")

#: "Các sở: Tài chính, Xây dựng, …" — an enumeration marker, followed by bare names.
_ENUM_MARKER_RE = re.compile(
    r"\b(?:các|cac)\s+(?:sở|so)(?:\s*,\s*(?:ban\s*,?\s*)?(?:ngành|nganh))?\s*:", re.IGNORECASE
)
_WORD_RE = re.compile(r"\w+")
_SEPARATOR_RE = re.compile(r"[;,.\n/]|\s-\s")
#: Separators no name runs across (commas may sit inside a name, "; " never does).
_HARD_SEPARATOR_RE = re.compile(r"[;\n]|\.\s")


@dataclass(frozen=True)
class Target:
    """A unit or a group a name can stand for."""

    kind: str  # "unit" or "group"
    pk: int
    name: str


@dataclass
class Part:
    """One name found in a cell."""

    text: str  # as written in the cell
    target: Target | None = None
    candidates: list[Target] = field(default_factory=list)  # closest known, when unresolved
    ambiguous: bool = False
    #: When the text is a collective phrase no known group stands for: what it means, so
    #: that a later step can create the group ("Các bộ, ngành Trung ương", "Doanh nghiệp").
    meaning: Collective | None = None
    #: Named after "Đề nghị …" (up to the next ";"): a request to a body outside the
    #: issuer's authority (HĐND, Mặt trận Tổ quốc, the Party), not an instruction.
    request: bool = False
    #: The appendix editor: a unit the issuing office picked for a related group ("Các sở,
    #: ban, ngành có liên quan"), by the group's pk; the cell keeps the group's wording.
    picked_for: int | None = None

    @property
    def resolved(self) -> bool:
        return self.target is not None


@dataclass(frozen=True)
class _Token:
    word: str  # folded, possibly one word of an expanded abbreviation
    start: int
    end: int


#: "chánh" is an old or southern spelling of "chính" in these words ("Ngân hàng Chánh
#: sách", "Sở Tài chánh"); elsewhere it stays ("Chánh Văn phòng" is a title, "Bình Chánh"
#: a place).
_CHANH_BEFORE = frozenset({"sach", "tri"})
_CHANH_AFTER = frozenset({"tai", "hanh"})


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    matches = list(_WORD_RE.finditer(text))
    folded_words = [fold(m.group()) for m in matches]
    for k, match in enumerate(matches):
        folded = folded_words[k]
        if folded == "chanh" and (
            (k + 1 < len(matches) and folded_words[k + 1] in _CHANH_BEFORE)
            or (k > 0 and folded_words[k - 1] in _CHANH_AFTER)
        ):
            folded = "chinh"
        for word in ABBREVIATIONS.get(folded, (folded,)):
            tokens.append(_Token(word, match.start(), match.end()))
    return tokens


def name_key(name: str) -> tuple[str, ...]:
    """The word sequence a name is matched by (abbreviations expanded)."""
    return tuple(t.word for t in _tokens(name))


class Vocabulary:
    """Known names → what they stand for, with a priority (lower wins) per name.

    Groups also carry their meaning (`Collective`): the reading of their name and aliases
    when these are collective phrases, and their rule (kinds and depth), so that a phrase
    written differently ("Các sở, ngành" for "Các sở, ban, ngành") finds the same group.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], dict[Target, float]] = {}
        self._meanings: dict[tuple, dict[Target, float]] = {}
        self._group_related: dict[Target, bool] = {}
        #: A commune's vocabulary: a phrase that names no level ("Các phòng, ban chuyên
        #: môn") means the commune's own bodies, never a group of the whole province.
        self.commune = False
        self.max_len = 1
        for filler in FILLERS:
            self.max_len = max(self.max_len, len(filler))

    def _put(self, key: tuple[str, ...], target: Target, priority: float) -> None:
        slot = self._entries.setdefault(key, {})
        slot[target] = min(priority, slot.get(target, priority))
        self.max_len = max(self.max_len, len(key))

    def add(self, name: str, target: Target, priority: float = 0) -> None:
        words, gaps = words_and_gaps(name)
        key = tuple(words)
        if not key:
            return
        self._put(key, target, priority)
        if "va" in key[1:-1]:
            # "Sở Văn hóa, Thể thao và Du lịch" is also written without "và"; an exact
            # name wins over this variant.
            self._put(tuple(w for w in key if w != "va"), target, priority + 0.5)
        if target.kind == "group":
            meaning = collective.parse(words, gaps)
            if meaning is not None:
                self._add_meaning(meaning, target, priority)
                self._group_related.setdefault(target, meaning.related)

    def targets(self) -> list[Target]:
        """Every unit and group this vocabulary knows, groups first, each by its folded name:
        what a name may be mapped to (an alias recorded from a preview or the names page)."""
        seen: dict[Target, None] = {}
        for key in self._entries:
            for target in self.get(key):
                seen.setdefault(target, None)
        return sorted(seen, key=lambda t: (t.kind != "group", fold(t.name)))

    def add_group_rule(
        self, target: Target, kinds: Iterable[str], depth: str, priority: float = 0
    ) -> None:
        """A rule group (all units of some kinds) also stands for its rule's meaning, if
        its name is a collective phrase (a group named "Trang thông tin điện tử …" is not
        what "Các sở, ngành và UBND cấp xã" means, whatever its rule)."""
        kinds = frozenset(kinds)
        if not kinds or target not in self._group_related:
            return
        meaning = Collective(
            kinds,
            depth=None if kinds <= collective.TERRITORIAL else depth,
            related=self._group_related[target],
        )
        self._add_meaning(meaning, target, priority)

    def _add_meaning(self, meaning: Collective, target: Target, priority: float) -> None:
        slot = self._meanings.setdefault(meaning.key, {})
        slot[target] = min(priority, slot.get(target, priority))

    def groups_meaning(self, meaning: Collective) -> list[Target]:
        """The closest groups that mean what a collective phrase means."""
        slot = self._meanings.get(meaning.key)
        if slot and self.commune and not meaning.levelled and meaning.kinds & _COMMUNE_BODIES:
            slot = {t: p for t, p in slot.items() if p == 0}
        return _best(slot)

    def get(self, key: tuple[str, ...]) -> list[Target]:
        """The best targets for a name: one, or several when it is ambiguous."""
        return _best(self._entries.get(key))

    def closest(self, text: str, limit: int = 5) -> list[Target]:
        wanted = " ".join(name_key(text))
        names = {" ".join(k): k for k in self._entries}
        found: list[Target] = []
        for match in difflib.get_close_matches(wanted, names, n=limit * 2, cutoff=0.5):
            for target in self.get(names[match]):
                if target not in found:
                    found.append(target)
        return found[:limit]

    def __len__(self) -> int:
        return len(self._entries)


#: Kinds a commune has bodies of.
_COMMUNE_BODIES = frozenset(
    {"commune_office", "police", "socio_political", "front", "village", "council"}
)


def _best(slot: dict[Target, float] | None) -> list[Target]:
    if not slot:
        return []
    best = min(slot.values())
    return sorted((t for t, p in slot.items() if p == best), key=lambda t: (t.kind, t.pk))


def _gaps(text: str, tokens: list[_Token]) -> list[str]:
    """The kind of gap before each token (see `collective`)."""
    gaps = [collective.HARD]
    for a, b in zip(tokens, tokens[1:], strict=False):
        between = text[a.end : b.start]
        if _HARD_SEPARATOR_RE.search(between):
            gaps.append(collective.HARD)
        elif _SEPARATOR_RE.search(between):
            gaps.append(collective.SOFT)
        else:
            gaps.append(collective.SPACE)
    return gaps


def words_and_gaps(text: str) -> tuple[list[str], list[str]]:
    """The folded words of a text (abbreviations expanded) and the gaps before them."""
    words, gaps = _words_and_gaps(text)
    return list(words), list(gaps)


@functools.lru_cache(maxsize=8192)
def _words_and_gaps(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Remembered per name: every vocabulary (each preview, each confirmation) reads the
    same few hundred unit, group and alias names."""
    tokens = _tokens(text)
    return tuple(t.word for t in tokens), tuple(_gaps(text, tokens))


def resolve_cell(text: str | None, vocabulary: Vocabulary) -> list[Part]:
    """Split a lead/coordinating cell into the units and groups it names, in order.

    A cell is a list: its items are separated by ";", line breaks, commas and "và" (the
    comma or "và" inside a known name or a collective phrase excepted). A known name that is
    only a piece of an item ("Tỉnh ủy" in "Văn phòng Tỉnh ủy", "UBND tỉnh" in "Đảng ủy UBND
    tỉnh") never resolves it: the whole item stays one unresolved name, as written.
    Parenthesised notes ("(chủ trì nội dung liên quan đến RT)", "(theo chức năng, nhiệm vụ
    được giao)") stay on the name before them and are never read as names.
    """
    original = _ENUM_MARKER_RE.sub(" ", clean_cell(text))
    cleaned, notes = _set_notes_apart(original)
    tokens = _tokens(cleaned)
    parts: list[Part] = []
    spans: list[tuple[int, int]] = []  # first and last token of each part
    pending: list[int] = []  # token indices of an unresolved stretch
    request = {"on": False, "pending": False}  # inside "Đề nghị …" (up to the next ";")

    def flush() -> None:
        if pending:
            snippet = _written(original, tokens[pending[0]].start, tokens[pending[-1]].end)
            if snippet:
                parts.append(
                    Part(
                        text=snippet,
                        candidates=vocabulary.closest(snippet),
                        request=request["pending"],
                    )
                )
                spans.append((pending[0], pending[-1]))
            pending.clear()

    words = [t.word for t in tokens]
    gaps = _gaps(cleaned, tokens)

    def add_part(first: int, last: int, targets: list[Target], meaning=None) -> None:
        snippet = _written(original, tokens[first].start, tokens[last].end)
        if len(targets) == 1:
            part = Part(text=snippet, target=targets[0])
        elif targets:
            part = Part(text=snippet, candidates=targets, ambiguous=True)
        else:
            part = Part(text=snippet, candidates=vocabulary.closest(snippet), meaning=meaning)
        part.request = request["on"]
        parts.append(part)
        spans.append((first, last))

    def read_collective(
        found: collective.Parse, first: int, matched: int, known: list[Target]
    ) -> int:
        """A collective phrase: the group that means all of it; else, unless a known name
        starts here, its first segment alone. Returns the words consumed (0: none)."""
        segments = found.segments
        if len(segments) == 1 or all(s.head != "generic" for s in segments):
            targets = vocabulary.groups_meaning(found.meaning)
            if targets:
                add_part(first, first + found.length - 1, targets)
                return found.length
        # No group means all of it. A known name that ends at a separator is taken first
        # ("Chi nhánh NHCSXH tỉnh, Phòng giao dịch … trực thuộc"); one that a qualifier
        # continues is not ("UBND các xã, phường có liên quan" is not every commune).
        # A known collective name that the phrase goes on past ("Các bộ, ngành" in "Các
        # bộ, ngành, địa phương") is not taken for all of it.
        if matched and (
            matched >= segments[0].end - first
            if len(segments) > 1
            else gaps[first + matched] != collective.SPACE and any(t.kind == "unit" for t in known)
        ):
            return 0
        if len(segments) == 1:
            add_part(first, first + found.length - 1, [], found.meaning)
            return found.length
        meaning = segments[0].meaning()
        add_part(first, segments[0].end - 1, vocabulary.groups_meaning(meaning), meaning)
        return segments[0].end - first

    def known_at(i: int) -> tuple[int, list[Target], bool]:
        """The longest known name (or filler) at word i: (words, targets, is a filler)."""
        # Where a hard separator lies between token k-1 and k, a name cannot span k-1 → k.
        longest = 1
        while (
            i + longest < len(tokens)
            and longest < vocabulary.max_len
            and gaps[i + longest] != collective.HARD
        ):
            longest += 1
        for length in range(longest, 0, -1):
            key = tuple(words[i : i + length])
            if key in FILLERS and not pending:
                return length, [], True
            targets = vocabulary.get(key)
            if targets:
                return length, targets, False
        return 0, [], False

    i = 0
    while i < len(tokens):
        if gaps[i] == collective.HARD:
            request["on"] = False
        if pending and words[i] in _LIST_JOINS and _starts_item(words, gaps, i + 1):
            # "Vụ Pháp chế và các đơn vị có liên quan", "Cục Lâm nghiệp và Cục Kiểm lâm": the
            # "và" ends the unknown name (not in "Cục Lâm nghiệp và Kiểm lâm")
            flush()
            i += 1
            continue
        matched, targets, filler = known_at(i)
        # A collective phrase ("Sở, ban, ngành có liên quan") longer than any known name
        # is read by its grammar; it starts a cell or follows a separator, never inside
        # an unknown name ("Trung tâm Y tế các xã").
        if not pending or gaps[i] != collective.SPACE:
            found = collective.parse_at(words, gaps, i)
            if found is not None and found.length > matched:
                flush()
                consumed = read_collective(found, i, matched, targets)
                if consumed:
                    i += consumed
                    continue
        if filler:
            if tuple(words[i : i + matched]) == REQUEST:
                request["on"] = True
            i += matched
        elif matched:
            flush()
            matched += _trailing_level(words, gaps, i + matched, vocabulary)
            add_part(i, i + matched - 1, targets)
            sibling = _commune_sibling(words, gaps, i, i + matched, vocabulary)
            i += matched
            if sibling:
                # "Ban Đại diện HĐQT NHCSXH thành phố, cấp xã": the same body at commune
                # level too, i.e. the group of the communes' ones.
                length, commune_targets = sibling
                add_part(i + length - 2, i + length - 1, commune_targets)
                parts[-1].text = commune_targets[0].name  # the cell only says "cấp xã"
                i += length
        else:
            # No known name starts here: the word belongs to an unresolved stretch, which a
            # separator (";", ",", "." …) between words ends, except the comma or dash inside
            # an unknown ministry's or department's name ("Bộ Văn hóa, Thể thao và Du lịch").
            if (
                pending
                and gaps[i] != collective.SPACE
                and not _name_goes_on([tokens[k] for k in pending], words[i], gaps[i])
            ):
                flush()
            if not pending:
                request["pending"] = request["on"]
            pending.append(i)
            i += 1
    flush()
    parts = _join_pieces(parts, spans, original, tokens, words, gaps, vocabulary)
    _keep_notes(parts, tokens, notes)
    return _drop_repeats(p for p, _ in parts)


def _written(text: str, start: int, end: int) -> str:
    """A name as written in the cell, with the ")" of a parenthesised level it ends in
    ("Các bộ, ngành (Trung ương)")."""
    snippet = text[start:end]
    if snippet.count("(") > snippet.count(")") and text[end:].lstrip().startswith(")"):
        snippet = text[start : text.index(")", end) + 1]
    return snippet.strip(" -–:;,.")


#: Words joining two items of a list ("Vụ Pháp chế và các đơn vị có liên quan").
_LIST_JOINS = frozenset({"va", "hoac"})
#: Words that surely begin another body's name after "và" (not "Công nghệ", "Du lịch",
#: "Dân vận", "Kiểm lâm" that go on a name: "Khoa học và Công nghệ").
_ITEM_HEADS: tuple[tuple[str, ...], ...] = (
    ("bo",), ("so",), ("cuc",), ("vu",), ("vien",), ("ban",), ("tong", "cuc"), ("uy", "ban"),
    ("hoi", "dong"), ("ngan", "hang"), ("trung", "tam"), ("chi", "nhanh"), ("cong", "an"),
    ("thanh", "tra"), ("van", "phong"), ("dang", "uy"), ("toa", "an"), ("kho", "bac"),
)  # fmt: skip


def _starts_item(words: list[str], gaps: list[str], j: int) -> bool:
    """Whether another list item begins at word j (after "và")."""
    if j >= len(words) or gaps[j] == collective.HARD:
        return False
    if any(tuple(words[j : j + len(head)]) == head for head in _ITEM_HEADS):
        return True
    return collective.parse_at(words, gaps, j) is not None


#: "(chủ trì nội dung …)", "(theo chức năng, nhiệm vụ được giao)", an unclosed "(…" at the end.
_NOTE_RE = re.compile(r"\(([^()]*)(?:\)|$)")


def _set_notes_apart(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with its parenthesised notes blanked out (so that no name is read in them,
    and each ends the name before it like a ";"), and where they were. A parenthesis
    holding a level ("(Trung ương)", "(TW)", "(cấp tỉnh)") is part of the name."""
    notes: list[tuple[int, str]] = []
    chars = list(text)
    for match in _NOTE_RE.finditer(text):
        start, end = match.span()
        if collective.is_level(words_and_gaps(match.group(1))[0]):
            chars[start] = " "
            if text[end - 1] == ")":
                chars[end - 1] = " "
            continue
        notes.append((start, " ".join(match.group().split())))
        chars[start:end] = ";" + " " * (end - start - 1)
    return "".join(chars), notes


def _keep_notes(
    parts: list[tuple[Part, tuple[int, int]]], tokens: list[_Token], notes: list[tuple[int, str]]
) -> None:
    """Each note stays on the name before it, as written: "Bộ Công an (chủ trì …)"."""
    for start, note in notes:
        before = [p for p, (_, last) in parts if tokens[last].end <= start]
        if before:
            before[-1].text = f"{before[-1].text} {note}"


def _join_pieces(
    parts: list[Part],
    spans: list[tuple[int, int]],
    text: str,
    tokens: list[_Token],
    words: list[str],
    gaps: list[str],
    vocabulary: Vocabulary,
) -> list[tuple[Part, tuple[int, int]]]:
    """Parts that follow each other with no separator between them are pieces of one
    longer name ("Văn phòng" + "Tỉnh ủy", "Ban Tuyên giáo và Dân vận" + "Tỉnh ủy", "Đảng
    ủy" + "UBND tỉnh", "Sở Tài chính" + "tỉnh Quảng Nam"): one unresolved name, as written.
    Two whole names of the same head are a list that lost its separator ("Bộ Thông tin và
    Truyền thông Bộ Khoa học và Công nghệ"), as is a known name then "các …" ("Sở Tài chính
    các sở, ngành có liên quan")."""
    result: list[tuple[Part, tuple[int, int]]] = []
    for part, (first, last) in zip(parts, spans, strict=True):
        if result:
            prev, (prev_first, prev_last) = result[-1]
            if (
                first == prev_last + 1
                and gaps[first] == collective.SPACE
                and not _listed(prev, part, words[prev_first], words[first])
            ):
                snippet = _written(text, tokens[prev_first].start, tokens[last].end)
                joined = Part(
                    text=snippet, candidates=vocabulary.closest(snippet), request=prev.request
                )
                result[-1] = (joined, (prev_first, last))
                continue
        result.append((part, (first, last)))
    return result


def _listed(prev: Part, part: Part, prev_head: str, head: str) -> bool:
    if not (prev.resolved or prev.ambiguous):
        return False
    if head in ("cac", "nhung", "tat"):
        return True
    return (part.resolved or part.ambiguous) and head == prev_head


#: Names of ministries and departments that a comma or a dash may run through ("Bộ Văn
#: hóa, Thể thao và Du lịch", "Bộ Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao …").
_COMMA_NAMES = frozenset({"bo", "so"})
#: First words of another body's name: after a comma they start a new name, not a part of one.
_NAME_HEADS = frozenset(
    {
        "bo", "so", "cuc", "vu", "ban", "uy", "hoi", "phong", "trung", "chi", "cong", "vien",
        "truong", "dai", "bao", "van", "tong", "ngan", "kho", "thanh", "mat", "doan", "lien",
        "quy", "tap", "toa", "cac", "nhung", "ubnd", "hdnd", "tinh", "xa", "phuong", "huyen",
    }
)  # fmt: skip


def _name_goes_on(pending: list[_Token], word: str, gap: str) -> bool:
    """Whether an unresolved "Bộ …"/"Sở …" name continues past a comma or dash (a soft
    gap) into ``word``: it does unless ``word`` starts another body's name."""
    return gap == collective.SOFT and pending[0].word in _COMMA_NAMES and word not in _NAME_HEADS


#: "Sở Tài chính tỉnh", "Công an thành phố": the level word after a known name is part of it.
_LEVEL_WORDS: tuple[tuple[str, ...], ...] = (("tinh",), ("thanh", "pho"), ("cap", "tinh"))


def _trailing_level(words: list[str], gaps: list[str], at: int, vocabulary: Vocabulary) -> int:
    """How many words of a level ("tỉnh") end the name just matched before `at`."""
    for level in _LEVEL_WORDS:
        end = at + len(level)
        if (
            tuple(words[at:end]) == level
            and gaps[at] == collective.SPACE
            and (end == len(words) or gaps[end] != collective.SPACE)
            and not vocabulary.get(level)
        ):
            return len(level)
    return 0


#: Level words a unit's name ends with, when the cell goes on with "…, cấp xã".
_UNIT_LEVELS: tuple[tuple[str, ...], ...] = (
    ("cap", "thanh", "pho"),
    ("cap", "tinh"),
    ("thanh", "pho"),
    ("tinh",),
)
_COMMUNE_LEVEL = ("cap", "xa")


def _commune_sibling(
    words: list[str], gaps: list[str], first: int, end: int, vocabulary: Vocabulary
) -> tuple[int, list[Target]] | None:
    """After a provincial body written with its level ("Ban Đại diện HĐQT NHCSXH thành
    phố"), ", cấp xã" / "và cấp xã" / "/cấp xã" names the same body of every commune: the
    words consumed and the group "<body> cấp xã", if the vocabulary knows one."""
    name = tuple(words[first:end])
    base = next((name[: -len(lv)] for lv in _UNIT_LEVELS if name[-len(lv) :] == lv), None)
    if not base:
        return None
    at = end
    if at < len(words) and words[at] == "va" and gaps[at] != collective.HARD:
        at += 1
    elif at >= len(words) or gaps[at] != collective.SOFT:
        return None
    stop = at + len(_COMMUNE_LEVEL)
    if tuple(words[at:stop]) != _COMMUNE_LEVEL or gaps[at + 1] != collective.SPACE:
        return None
    if stop < len(words) and gaps[stop] == collective.SPACE:
        return None  # "…, cấp xã Phước Giang": not the level alone
    targets = [t for t in vocabulary.get(base + _COMMUNE_LEVEL) if t.kind == "group"]
    return (stop - end, targets) if len(targets) == 1 else None


def _drop_repeats(parts: Iterable[Part]) -> list[Part]:
    """A cell may name the same unit twice (an abbreviation, then the full name)."""
    seen: set[Target] = set()
    result = []
    for part in parts:
        if part.target is not None:
            if part.target in seen:
                continue
            seen.add(part.target)
        result.append(part)
    return result


# --- vocabularies from the database ------------------------------------------------------


def _of_provinces(name: str) -> bool:
    """Whether a group's name stands for provinces or localities (the territories)."""
    meaning = collective.read(name)
    return meaning is not None and bool(
        meaning.kinds & collective.TERRITORIAL or "locality" in meaning.others
    )


def _bare_department_name(short_name: str) -> str | None:
    for prefix in ("Sở ", "sở "):
        if short_name.startswith(prefix):
            return short_name[len(prefix) :]
    return None


def vocabulary_for(unit) -> Vocabulary:
    """The names a plan issued by `unit` may use (its `naming_scope`), closest territory
    first (4 queries, 5 below a province)."""
    from django.db.models import Q

    from .models import OrgUnit, UnitAlias, UnitGroup
    from .territory import naming_scope

    scope = naming_scope(unit)
    territory = scope.territory
    chain = list(reversed(scope.chain))  # the closest territory first
    distance = {pk: d for d, pk in enumerate(chain)}
    units = list(
        OrgUnit.objects.filter(tree_id__in=scope.trees).only(
            "pk", "name", "short_name", "kind", "territory_id", "tree_id"
        )
    )
    by_pk = {u.pk: u for u in units}
    vocab = Vocabulary()
    vocab.commune = territory.kind == OrgUnit.Kind.COMMUNE
    for u in units:
        target = Target("unit", u.pk, u.display_name)
        if u.tree_id != territory.tree_id:
            priority, local = 10, True  # central bodies
        elif u.territory_id in distance:
            priority, local = distance[u.territory_id], True
        else:
            priority, local = 5, u.kind in OrgUnit.TERRITORIAL_KINDS  # another commune
        vocab.add(u.name, target, priority)
        if local and u.short_name:
            vocab.add(u.short_name, target, priority)
        if local and u.kind == OrgUnit.Kind.DEPARTMENT:
            bare = _bare_department_name(u.short_name)
            if bare:
                vocab.add(bare, target, priority + 20)
    # Groups of the territory chain, closest first, then those of the central bodies
    # ("Các bộ, ngành Trung ương").
    central_units = {u.pk for u in units if u.tree_id != territory.tree_id}
    groups = list(
        UnitGroup.objects.filter(Q(scope_id__in=chain) | Q(scope_id__in=central_units)).only(
            "pk", "name", "scope_id", "rule_kinds", "rule_depth"
        )
    )
    if territory.kind in OrgUnit.TERRITORIAL_KINDS:
        # Central groups of provinces ("UBND các tỉnh, thành phố trực thuộc TW", "Các bộ,
        # ngành, địa phương") are for central plans: in a province's plan "địa phương" or
        # "UBND cấp tỉnh" means its own, never all 34.
        groups = [g for g in groups if g.scope_id in distance or not _of_provinces(g.name)]
    group_priority = {g.pk: distance.get(g.scope_id, 10) for g in groups}
    for g in groups:
        target = Target("group", g.pk, g.name)
        vocab.add(g.name, target, group_priority[g.pk])
        vocab.add_group_rule(target, g.rule_kinds or (), g.rule_depth, group_priority[g.pk])
    group_by_pk = {g.pk: g for g in groups}
    aliases = UnitAlias.objects.filter(unit_id__in=by_pk.keys()) | UnitAlias.objects.filter(
        group_id__in=group_by_pk.keys()
    )
    for alias in aliases.only("name", "unit_id", "group_id"):
        if alias.unit_id:
            u = by_pk[alias.unit_id]
            if u.tree_id != territory.tree_id:
                priority = 10
            elif u.territory_id in distance:
                priority = distance[u.territory_id]
            elif u.kind in OrgUnit.TERRITORIAL_KINDS:
                priority = 5
            else:
                continue  # a generic alias of another commune's body ("Công an xã")
            vocab.add(alias.name, Target("unit", u.pk, u.display_name), priority)
        else:
            g = group_by_pk[alias.group_id]
            vocab.add(alias.name, Target("group", g.pk, g.name), group_priority[g.pk])
    return vocab
