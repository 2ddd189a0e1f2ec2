"""Read a lead/coordinating cell ("Sở Tài chính, Ủy ban nhân dân các xã, phường, đặc khu")
into the units and groups it names.

The matching itself (`resolve_cell`) is a pure function over a `Vocabulary`: the cell is
cut into words, abbreviations are expanded (UBND, NHCSXH, CSXH, MTTQ, HĐND, PGD …),
diacritics, case, punctuation and line breaks are ignored, and the longest known name is
taken at each point. Commas inside names ("Báo và Phát thanh, Truyền hình Quảng Ngãi",
"Ủy ban nhân dân các xã, phường, đặc khu") are therefore no problem. Words it cannot
match are reported as unresolved parts with the closest known names; nothing is invented.

`vocabulary_for(unit)` builds the vocabulary a plan of that unit sees: the names of its
own territory first (a commune's "Công an xã"), then the province's, then central bodies.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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

    @property
    def resolved(self) -> bool:
        return self.target is not None


@dataclass(frozen=True)
class _Token:
    word: str  # folded, possibly one word of an expanded abbreviation
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _WORD_RE.finditer(text):
        folded = fold(match.group())
        for word in ABBREVIATIONS.get(folded, (folded,)):
            tokens.append(_Token(word, match.start(), match.end()))
    return tokens


def name_key(name: str) -> tuple[str, ...]:
    """The word sequence a name is matched by (abbreviations expanded)."""
    return tuple(t.word for t in _tokens(name))


class Vocabulary:
    """Known names → what they stand for, with a priority (lower wins) per name."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], dict[Target, int]] = {}
        self.max_len = 1
        for filler in FILLERS:
            self.max_len = max(self.max_len, len(filler))

    def add(self, name: str, target: Target, priority: int = 0) -> None:
        key = name_key(name)
        if not key:
            return
        slot = self._entries.setdefault(key, {})
        slot[target] = min(priority, slot.get(target, priority))
        self.max_len = max(self.max_len, len(key))

    def get(self, key: tuple[str, ...]) -> list[Target]:
        """The best targets for a name: one, or several when it is ambiguous."""
        slot = self._entries.get(key)
        if not slot:
            return []
        best = min(slot.values())
        return sorted((t for t, p in slot.items() if p == best), key=lambda t: (t.kind, t.pk))

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


def resolve_cell(text: str | None, vocabulary: Vocabulary) -> list[Part]:
    """Split a lead/coordinating cell into the units and groups it names, in order."""
    cleaned = _ENUM_MARKER_RE.sub(" ", clean_cell(text))
    tokens = _tokens(cleaned)
    parts: list[Part] = []
    pending: list[_Token] = []

    def flush() -> None:
        if pending:
            snippet = cleaned[pending[0].start : pending[-1].end].strip(" -–:;,.")
            if snippet:
                parts.append(Part(text=snippet, candidates=vocabulary.closest(snippet)))
            pending.clear()

    # Where a hard separator lies between token k-1 and k, a name cannot span k-1 → k.
    breaks = [False] + [
        bool(_HARD_SEPARATOR_RE.search(cleaned[a.end : b.start]))
        for a, b in zip(tokens, tokens[1:], strict=False)
    ]
    i = 0
    while i < len(tokens):
        longest = 1
        while (
            i + longest < len(tokens) and longest < vocabulary.max_len and not breaks[i + longest]
        ):
            longest += 1
        for length in range(longest, 0, -1):
            key = tuple(t.word for t in tokens[i : i + length])
            if key in FILLERS and not pending:
                i += length
                break
            targets = vocabulary.get(key)
            if targets:
                flush()
                snippet = cleaned[tokens[i].start : tokens[i + length - 1].end]
                if len(targets) == 1:
                    parts.append(Part(text=snippet, target=targets[0]))
                else:
                    parts.append(Part(text=snippet, candidates=targets, ambiguous=True))
                i += length
                break
        else:
            # No known name starts here: the word belongs to an unresolved stretch, which a
            # separator (";", ",", "." …) between words ends.
            if pending and _SEPARATOR_RE.search(cleaned[pending[-1].end : tokens[i].start]):
                flush()
            pending.append(tokens[i])
            i += 1
    flush()
    return _drop_repeats(parts)


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


def _bare_department_name(short_name: str) -> str | None:
    for prefix in ("Sở ", "sở "):
        if short_name.startswith(prefix):
            return short_name[len(prefix) :]
    return None


def vocabulary_for(unit) -> Vocabulary:
    """The names a plan issued by `unit` may use, closest territory first (4 queries)."""
    from .models import OrgUnit, UnitAlias, UnitGroup

    territory = unit if unit.territory_id in (None, unit.pk) else unit.territory
    chain = [territory.pk]
    node = territory
    while node.parent_id is not None:
        node = node.parent.territory if node.parent.territory_id else node.parent
        if node.pk not in chain:
            chain.append(node.pk)
    distance = {pk: d for d, pk in enumerate(chain)}
    central_roots = list(
        OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.CENTRAL).values_list(
            "tree_id", flat=True
        )
    )
    units = list(
        OrgUnit.objects.filter(tree_id__in=[territory.tree_id, *central_roots]).only(
            "pk", "name", "short_name", "kind", "territory_id", "tree_id"
        )
    )
    by_pk = {u.pk: u for u in units}
    vocab = Vocabulary()
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
    groups = list(UnitGroup.objects.filter(scope_id__in=chain).only("pk", "name", "scope_id"))
    for g in groups:
        vocab.add(g.name, Target("group", g.pk, g.name), distance[g.scope_id])
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
            vocab.add(alias.name, Target("group", g.pk, g.name), distance[g.scope_id])
    return vocab
