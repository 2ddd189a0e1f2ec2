"""Read a collective phrase (tên gọi tập thể) of a lead/coordinating cell into its meaning.

"Các sở, ban, ngành có liên quan", "UBND xã, phường, đặc khu", "Ủy ban nhân dân các cấp",
"Các bộ, ngành Trung ương", "Các cơ quan, tổ chức, đơn vị có liên quan", "các Viện, Trường"
are read by a small grammar, not looked up as exact strings:

    phrase    := ["các" | "những"] segment ((","|"và"|"/") segment)* qualifier*
    segment   := noun ((","|"và"|"/") noun)* qualifier*
    qualifier := "có liên quan" | "cấp tỉnh" | "cấp xã" | "các cấp" | "tỉnh" | "xã" |
                 "Trung ương" | "trên địa bàn …" | "thuộc …" | "chức năng" | "nhận ủy thác" …

Nouns name kinds of units (sở/ban/ngành → departments, bộ → ministries, UBND + xã/phường
→ communes, tổ chức chính trị - xã hội, công an, phòng giao dịch …) or bodies the unit tree
does not model (viện, trường, doanh nghiệp). The result (`Collective`) is compared with the
meaning of the groups (`UnitGroup`) a plan sees; nothing here touches the database.

The parser works on folded words (`orgunits.text.fold`, abbreviations expanded by the
resolver) and on the kind of gap between consecutive words: a space, a soft separator
(",", "/", " - ") or a hard one (";", a line break, ". ").
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Gap kinds between consecutive words.
SPACE, SOFT, HARD = "space", "soft", "hard"

TERRITORIAL = frozenset({"province", "commune", "district"})

# --- lexicon (folded words) -----------------------------------------------------------------

_DETERMINERS = {("cac",), ("nhung",), ("tat", "ca", "cac"), ("moi",)}
_CONJUNCTIONS = {("va",), ("hoac",)}

#: noun → family. Families decide the unit kinds once the level is known.
_NOUNS: dict[tuple[str, ...], str] = {
    ("so",): "dept",
    ("ban",): "dept",
    ("nganh",): "dept",
    ("bo",): "ministry",
    ("phong",): "office",
    ("uy", "ban", "nhan", "dan"): "ubnd",
    ("hoi", "dong", "nhan", "dan"): "hdnd",
    ("uy", "ban", "mat", "tran", "to", "quoc"): "front",
    ("mat", "tran", "to", "quoc"): "front",
    ("to", "chuc", "chinh", "tri", "xa", "hoi"): "ctxh",
    ("hoi", "doan", "the"): "ctxh",
    ("doan", "the"): "ctxh",
    ("to", "chuc", "doan", "the"): "ctxh",
    ("cong", "an"): "police",
    ("co", "quan", "bao", "chi"): "press",
    ("bao", "chi"): "press",
    ("co", "quan", "thong", "tin", "truyen", "thong"): "press",
    ("phong", "giao", "dich"): "pgd",
    ("chi", "nhanh"): "branch",
    ("ngan", "hang", "chinh", "sach", "xa", "hoi"): "nhcsxh",
    ("thon",): "village",
    ("truong", "thon"): "village",
    ("to", "dan", "pho"): "village",
    ("co", "quan"): "generic",
    ("to", "chuc"): "generic",
    ("don", "vi"): "generic",
    ("dia", "phuong"): "locality",
    ("vien",): "institute",
    ("truong",): "school",
    ("truong", "dai", "hoc"): "school",
    ("doanh", "nghiep"): "enterprise",
    ("hop", "tac", "xa"): "cooperative",
    ("to", "chuc", "tin", "dung"): "credit_institution",
    ("ngan", "hang"): "bank",
    ("ngan", "hang", "thuong", "mai"): "bank",
    ("hoi",): "association",
    ("trung", "tam"): "centre",
    ("don", "vi", "su", "nghiep"): "public_service_unit",
    ("tap", "doan"): "enterprise",
    ("ca", "nhan"): "person",
    ("hiep", "hoi"): "association",
    ("cap", "uy"): "party",
    ("to", "chuc", "dang"): "party",
    ("to", "chuc", "co", "so", "dang"): "party",
    ("co", "quan", "dang"): "party",
    # one organisation ("Hội Nông dân các cấp"): the same body at several levels
    ("hoi", "nong", "dan"): "org:hoi-nong-dan",
    ("hoi", "lien", "hiep", "phu", "nu"): "org:hoi-phu-nu",
    ("hoi", "cuu", "chien", "binh"): "org:hoi-ccb",
    ("doan", "thanh", "nien"): "org:doan-tn",
    ("doan", "thanh", "nien", "cong", "san", "ho", "chi", "minh"): "org:doan-tn",
}

#: Families of bodies the unit tree has no kind for: kept by name in `Collective.others`.
OTHER_FAMILIES = frozenset(
    {
        "institute",
        "school",
        "enterprise",
        "cooperative",
        "credit_institution",
        "bank",
        "association",
        "centre",
        "public_service_unit",
        "person",
        "locality",
    }
)

#: Territorial nouns: under UBND/HĐND (or alone after "các") they name the territories;
#: after any other noun they give its level ("Công an các xã").
_TERRITORIES: dict[tuple[str, ...], str] = {
    ("xa",): "commune",
    ("phuong",): "commune",
    ("dac", "khu"): "commune",
    ("thi", "tran"): "commune",
    ("huyen",): "district",
    ("quan",): "district",
    ("thi", "xa"): "district",
    ("thanh", "pho"): "district",
    ("tinh",): "province",
}
#: The level a territorial noun gives a non-territorial noun: "các tổ chức chính trị - xã
#: hội thành phố" is the city-province's ("thành phố Đồng Nai"), not a district's.
_LEVEL_WORDS = {("thanh", "pho"): "province"}

#: Level qualifiers (an explicit "cấp …" marks a collective by itself).
_LEVELS: dict[tuple[str, ...], frozenset[str]] = {
    ("cap", "tinh"): frozenset({"province"}),
    ("cap", "thanh", "pho"): frozenset({"province"}),
    ("cap", "xa"): frozenset({"commune"}),
    ("cap", "huyen"): frozenset({"district"}),
    ("cac", "cap"): frozenset({"all"}),
    ("trung", "uong"): frozenset({"central"}),
    ("cap", "trung", "uong"): frozenset({"central"}),
}

_RELATED = {("co", "lien", "quan"), ("lien", "quan")}
_LOCAL = {("tren", "dia", "ban"), ("dong", "tren", "dia", "ban"), ("o", "dia", "phuong")}
_SUBORDINATE = {("thuoc",), ("truc", "thuoc")}
#: What a territory "trực thuộc" / "thuộc" may be under to be province-level ("TW" expanded).
_CENTRE = ("trung", "uong")
#: Words that only describe the nouns before them.
_MODIFIERS = {
    ("chuc", "nang"),
    ("chuyen", "mon"),
    ("nhan", "uy", "thac"),
    ("viet", "nam"),
    ("chinh", "sach", "xa", "hoi"),
    ("cong", "lap"),
    ("theo", "chuc", "nang"),
    ("theo", "chuc", "nang", "nhiem", "vu"),
    ("theo", "chuc", "nang", "nhiem", "vu", "duoc", "giao"),
}

_ENTRIES: dict[tuple[str, ...], tuple[str, object]] = {}
for _k in _DETERMINERS:
    _ENTRIES[_k] = ("det", None)
for _k in _CONJUNCTIONS:
    _ENTRIES[_k] = ("conj", None)
for _k, _v in _TERRITORIES.items():
    _ENTRIES[_k] = ("terr", _v)
for _k, _v in _NOUNS.items():
    _ENTRIES[_k] = ("noun", _v)
for _k, _v in _LEVELS.items():
    _ENTRIES[_k] = ("level", _v)
for _k in _RELATED:
    _ENTRIES[_k] = ("related", None)
for _k in _LOCAL:
    _ENTRIES[_k] = ("local", None)
for _k in _SUBORDINATE:
    _ENTRIES[_k] = ("sub", None)
for _k in _MODIFIERS:
    _ENTRIES[_k] = ("mod", None)
_MAX_ENTRY = max(len(k) for k in _ENTRIES)


# --- the meaning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Collective:
    """What a collective phrase stands for.

    kinds: OrgUnit.Kind values; others: bodies the unit tree does not model ("school",
    "enterprise" …); depth: UnitGroup.Depth value ("own", "all", "communes"), None for
    territories (a commune is a child of its province, so depth does not apply), or
    "mixed" for a phrase whose parts differ (no one group means it);
    related: "có liên quan" — a selection the office still has to make, not all of them;
    local: "trên địa bàn"; generic: it names only "cơ quan, tổ chức, đơn vị";
    levelled: it names its level ("cấp xã", "tỉnh", "các cấp", "UBND các xã");
    bodies: named organisations the kinds stand for ("Hội Nông dân các cấp": the farmers'
    associations only, not every socio-political organisation);
    described: a description narrows it ("doanh nghiệp công nghệ số", "các tổ chức, cá nhân
    hoạt động khoáng sản"): a part of the kinds no group of the kinds alone stands for.
    """

    kinds: frozenset[str]
    others: frozenset[str] = frozenset()
    depth: str | None = "own"
    related: bool = False
    local: bool = False
    generic: bool = False
    levelled: bool = False
    bodies: frozenset[str] = frozenset()
    described: bool = False

    @property
    def key(self) -> tuple:
        """What two phrases must share to name the same group."""
        if self.bodies or self.described:
            return (self.kinds, self.others, self.depth, self.related, self.bodies,
                    self.described)  # fmt: skip
        return (self.kinds, self.others, self.depth, self.related)


@dataclass
class Segment:
    """One run of nouns of one family and its qualifiers, with its word span [start, end)."""

    start: int
    end: int = 0
    families: list[str] = field(default_factory=list)
    territories: set[str] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)
    related: bool = False
    local: bool = False
    #: levels written as such ("cấp xã", "các cấp"), which the segments before share
    stated: set[str] = field(default_factory=set)
    #: words after the nouns narrow them ("doanh nghiệp công nghệ số")
    described: bool = False

    @property
    def head(self) -> str:
        specific = [f for f in self.families if f not in ("generic", "locality")]
        if not specific and "locality" in self.families:
            return "locality"
        return specific[0] if specific else "generic"

    def meaning(self) -> Collective:
        head = self.head
        families = set(self.families)
        levels = set(self.levels)
        if head in ("ubnd", "hdnd") or head == "terr":
            territories = set(self.territories)
            if "all" in levels:
                territories |= {"province", "commune"}
            territories |= levels & TERRITORIAL
            if head == "hdnd":
                return Collective(
                    frozenset({"council"}),
                    depth=_depth(levels | territories),
                    related=self.related,
                    local=self.local,
                    levelled=bool(levels | territories),
                    described=self.described,
                )
            return Collective(
                frozenset(territories),
                depth=None,
                related=self.related,
                local=self.local,
                levelled=True,
                described=self.described,
            )
        others = frozenset(families & OTHER_FAMILIES)
        bodies = frozenset(f.removeprefix("org:") for f in families if f.startswith("org:"))
        kinds: set[str] = {"socio_political"} if bodies else set()
        if families == {"generic"} and "central" in levels:
            kinds.add("central")  # "Các cơ quan Trung ương"
        if families & {"dept", "ministry", "office"}:
            if "ministry" in families or "central" in levels:
                kinds.add("ministry")
            elif "office" in families or levels == {"commune"}:
                kinds.add("commune_office")
                levels = levels or {"commune"}
            else:
                kinds.add("department")
        simple = {
            "front": "front",
            "ctxh": "socio_political",
            "police": "police",
            "press": "press",
            "pgd": "nhcsxh_pgd",
            "village": "village",
            "party": "party",
        }
        kinds |= {simple[f] for f in families if f in simple}
        if "branch" in families:
            kinds.add("nhcsxh_branch")
        elif "nhcsxh" in families and "pgd" not in families:
            kinds |= {"nhcsxh_branch", "nhcsxh_pgd"}  # "Ngân hàng Chính sách xã hội các cấp"
        depth = _depth(levels)
        if families & {"pgd", "branch", "nhcsxh"} and not levels:
            depth = "all"
        return Collective(
            frozenset(kinds),
            others,
            depth,
            self.related,
            self.local,
            generic=not kinds and not others,
            levelled=bool(self.levels),
            bodies=bodies,
            described=self.described,
        )


def _depth(levels: set[str]) -> str:
    if "all" in levels or {"province", "commune"} <= levels:
        return "all"
    if levels and levels <= {"commune", "district"}:
        return "communes"
    return "own"


def combine(segments: list[Segment]) -> Collective:
    """The meaning of a whole phrase of several segments ("UBMTTQ, các tổ chức CT-XH")."""
    meanings = [s.meaning() for s in segments]
    if len(meanings) == 1:
        return meanings[0]
    depths = {m.depth for m in meanings if m.kinds - TERRITORIAL or m.others}
    if len(depths) > 1:
        depth = "mixed"  # "Chi nhánh tỉnh, các PGD trực thuộc": no one group's depth
    elif depths:
        depth = depths.pop()
    else:
        depth = None
    kinds = frozenset().union(*(m.kinds for m in meanings))
    others = frozenset().union(*(m.others for m in meanings))
    return Collective(
        kinds,
        others,
        depth,
        any(m.related for m in meanings),
        any(m.local for m in meanings),
        generic=not kinds and not others,
        levelled=all(m.levelled for m in meanings),
        bodies=frozenset().union(*(m.bodies for m in meanings)),
        described=any(m.described for m in meanings),
    )


# --- the parser ------------------------------------------------------------------------------


@dataclass
class Parse:
    length: int  # words consumed
    segments: list[Segment]

    @property
    def meaning(self) -> Collective:
        return combine(self.segments)


def _lookup(words: list[str], gaps: list[str], i: int) -> tuple[str, object, int] | None:
    """The longest lexicon entry at word i (no hard gap inside it)."""
    for n in range(min(_MAX_ENTRY, len(words) - i), 0, -1):
        if any(gaps[j] == HARD for j in range(i + 1, i + n)):
            continue
        entry = _ENTRIES.get(tuple(words[i : i + n]))
        if entry:
            return entry[0], entry[1], n
    return None


def parse_at(words: list[str], gaps: list[str], start: int = 0) -> Parse | None:
    """Read the longest collective phrase beginning at word `start`, or None.

    `gaps[k]` is the gap before word k (gaps[0] is ignored). A phrase must read as plural
    ("các …", a list, "cấp …", "có liên quan", or only generic nouns such as "Doanh
    nghiệp"), and must not run straight into a word it does not know ("Sở Văn hóa" is a
    name, not a phrase).
    """
    i = start
    plural = False
    segments: list[Segment] = []
    current: Segment | None = None
    last_good: tuple[int, list[Segment], bool] | None = None
    opens = False
    territory_words = 0
    nouns = 0
    last_family = ""
    while i < len(words):
        if i > start and gaps[i] == HARD:
            break
        found = _lookup(words, gaps, i)
        if found is None:
            if i > start and gaps[i] == SPACE and words[i - 1] not in ("va", "hoac"):
                if (
                    current is None
                    or not (plural or nouns > 1 or len(segments) > 1)
                    or last_family not in _DESCRIBED
                ):
                    return None  # a name continues ("Sở Văn hóa …", "…, Ban Đại diện …")
                # a plural phrase narrowed by words of its own, up to the next separator
                # or "và" ("Tập đoàn, doanh nghiệp công nghệ số", "Các tổ chức, cá nhân
                # hoạt động khoáng sản")
                while i < len(words) and gaps[i] == SPACE and words[i] not in ("va", "hoac"):
                    i += 1
                current.described = True
                current.end = i
                last_good = (i, _copy(segments), True)
            break
        category, value, n = found
        if category == "level" and current is None and words[i] in ("cac", "nhung"):
            # a level cannot open a phrase: "Các cấp ủy" is "các" + "cấp ủy"
            category, value, n = "det", None, 1
        if category == "det":
            plural = True
            opens = current is not None  # "…, các tổ chức …": a new segment begins
        elif category == "conj":
            if current is None:
                return None
        elif category == "noun":
            family = str(value)
            if (
                family == "nhcsxh"
                and current is not None
                and {"pgd", "branch"} & set(current.families)
                and not opens
            ):
                i += n  # "Phòng giao dịch Ngân hàng Chính sách xã hội": whose offices
                current.end = i
                last_good = (i, _copy(segments), plural)
                continue
            if current is None or opens or not _joins(current, family):
                if (
                    current is not None
                    and not opens
                    and gaps[i] == SPACE
                    and (words[i - 1] not in ("va", "hoac"))
                ):
                    break  # "Đảng ủy UBND tỉnh", "Xã hội": one name, not a list
                current = Segment(start=i)
                segments.append(current)
            opens = False
            last_family = family
            current.families.append(family)
            nouns += 1
        elif category == "terr":
            if current is None:
                current = Segment(start=i, families=["terr"])
                segments.append(current)
            territory_words += 1
            if territory_words > 1:  # "UBND xã, phường", "Công an xã, phường"; not "UBND tỉnh"
                plural = True
            if current.head in ("ubnd", "hdnd", "terr"):
                current.territories.add(str(value))
            else:
                current.levels.add(_LEVEL_WORDS.get(tuple(words[i : i + n]), str(value)))
        elif current is None:
            return None  # a qualifier cannot open a phrase
        elif category == "level":
            current.levels |= set(value)  # type: ignore[arg-type]
            current.stated |= set(value)  # type: ignore[arg-type]
            plural = True
        elif category == "related":
            current.related = True
            plural = True
        elif category == "local":
            current.local = True
            plural = True
            i += n
            place = _lookup(words, gaps, i) if i < len(words) and gaps[i] == SPACE else None
            if place is not None and place[0] == "terr":  # "trên địa bàn tỉnh"
                i += place[2]
            current.end = i
            last_good = (i, _copy(segments), plural)
            continue
        elif category == "sub":
            # "thuộc UBND tỉnh", "trực thuộc": the rest up to a separator qualifies it
            plural = True
            i += n
            qualifier = i
            while i < len(words) and gaps[i] == SPACE:
                i += 1
            if tuple(words[qualifier:i]) == _CENTRE and current.head in ("ubnd", "hdnd", "terr"):
                # "UBND các tỉnh, thành phố trực thuộc Trung ương (TW)": a city under the
                # centre is a province, not a district-level "thành phố"
                current.territories = {"province"}
            current.end = i
            last_good = (i, _copy(segments), plural)
            break
        i += n
        if current is not None and category not in ("det", "conj"):
            current.end = i
        if category not in ("det", "conj"):
            last_good = (i, _copy(segments), plural)
    if last_good is None:
        return None
    end, segments, plural = last_good
    segments = [s for s in segments if s.families]
    if not segments:
        return None
    if nouns > 1 or len(segments) > 1:
        plural = True
    if all(s.head == "generic" or s.head in OTHER_FAMILIES for s in segments):
        plural = True
    if not plural:
        return None
    _share_trailing_qualifiers(segments)
    segments[0].start = start  # the determiner belongs to the first segment
    return Parse(end - start, segments)


#: Nouns that words of their own may narrow ("doanh nghiệp công nghệ số", "các tổ chức
#: hoạt động khoáng sản"); not "sở", "ban", "bộ" …, which begin a body's name.
_DESCRIBED = OTHER_FAMILIES | {"generic", "party"}


def _joins(current: Segment, family: str) -> bool:
    """Whether a noun continues the current segment rather than opening a new one."""
    if current.head in ("ubnd", "hdnd", "terr"):
        return False
    if family in ("generic", "locality") or current.head in ("generic", "locality"):
        return True
    return _family_group(family) == _family_group(current.head)


def _family_group(family: str) -> str:
    """Nouns that list together in one segment ("sở, ban, ngành", "viện, trường")."""
    if family in ("dept", "ministry", "office"):
        return "dept"
    if family in OTHER_FAMILIES:
        return "other"
    if family in ("pgd", "branch", "nhcsxh"):
        return "nhcsxh"
    if family.startswith("org:") or family == "ctxh":
        return "ctxh"
    return family


def _copy(segments: list[Segment]) -> list[Segment]:
    return [
        Segment(
            s.start,
            s.end,
            list(s.families),
            set(s.territories),
            set(s.levels),
            s.related,
            s.local,
            set(s.stated),
            s.described,
        )
        for s in segments
    ]


def _share_trailing_qualifiers(segments: list[Segment]) -> None:
    """The last segment's level applies to the segments before it that have none
    ("UBMTTQ, các tổ chức CT-XH các cấp"); "có liên quan" stays with its own segment."""
    last = segments[-1]
    if last.head in ("ubnd", "hdnd", "terr", "generic"):
        return
    for s in segments[:-1]:
        if not s.levels and s.head not in ("ubnd", "hdnd", "terr", "generic"):
            s.levels = set(last.stated)


def is_level(words: list[str] | tuple[str, ...]) -> bool:
    """Whether the words are a level and nothing else ("Trung ương", "TW", "cấp tỉnh")."""
    return tuple(words) in _LEVELS


def parse(words: list[str], gaps: list[str]) -> Collective | None:
    """The meaning of a whole text that is one collective phrase, else None."""
    found = parse_at(words, gaps)
    if found is None or found.length != len(words):
        return None
    return found.meaning


def read(text: str) -> Collective | None:
    """The meaning of a text that is wholly one collective phrase, else None."""
    from .resolver import words_and_gaps  # the abbreviations (UBND, MTTQ …) live there

    return parse(*words_and_gaps(text))
