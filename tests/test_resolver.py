"""The unit-name resolver: pure matching, and every real cell of the seeds."""

from pathlib import Path

import pytest
from django.conf import settings

from orgunits.models import OrgUnit
from orgunits.resolver import Target, Vocabulary, resolve_cell, vocabulary_for
from plans.models import Plan
from tasks.seed import read_rows

SO_TC = Target("unit", 1, "Sở Tài chính")
XA = Target("group", 2, "Ủy ban nhân dân các xã, phường, đặc khu")
BAO = Target("unit", 3, "Báo và Phát thanh, Truyền hình Quảng Ngãi")
BRANCH = Target("unit", 4, "Chi nhánh NHCSXH tỉnh")


@pytest.fixture
def vocab():
    v = Vocabulary()
    v.add("Sở Tài chính", SO_TC)
    v.add("Ủy ban nhân dân các xã, phường, đặc khu", XA)
    v.add("UBND các xã, phường", XA)
    v.add("Báo và Phát thanh, Truyền hình Quảng Ngãi", BAO)
    v.add("Chi nhánh Ngân hàng Chính sách xã hội tỉnh", BRANCH)
    return v


def targets(parts):
    return [p.target for p in parts]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sở Tài chính, Ủy ban nhân dân các xã, phường, đặc khu", [SO_TC, XA]),
        ("Sở Tài chính; Ủy ban\nnhân dân các xã,\nphường, đặc khu", [SO_TC, XA]),  # PDF breaks
        ("SỞ TÀI CHÍNH; uỷ ban nhan dan cac xa, phuong, dac khu", [SO_TC, XA]),  # case, accents
        ("Sở Tài chính; UBND các xã, phường", [SO_TC, XA]),  # abbreviation alias
        ("Báo và Phát thanh, Truyền hình Quảng Ngãi", [BAO]),  # comma inside the name
        ("NHCSXH Chi nhánh tỉnh", []),  # word order differs: not guessed
        ("Chi nhánh NHCSXH tỉnh", [BRANCH]),  # NHCSXH expanded
        ("Chi nhánh Ngân hàng CSXH tỉnh", [BRANCH]),  # CSXH expanded
        ("- Sở Tài chính;\n- Chi nhánh Ngân hàng Chính sách xã hội tỉnh", [SO_TC, BRANCH]),
        ("Sở Tài chính và Sở Tài chính", [SO_TC]),  # repeated name counted once
        ("", []),
    ],
)
def test_resolve_cell(vocab, cell, expected):
    parts = resolve_cell(cell, vocab)
    assert [p.target for p in parts if p.resolved] == expected


def test_unknown_names_are_reported_with_suggestions(vocab):
    # "Tài chánh" is a spelling of "Tài chính" (it resolves); "Tài chinhh" is a typo
    parts = resolve_cell("Sở Tài chinhh; Hội Người cao tuổi tỉnh", vocab)
    assert [p.text for p in parts] == ["Sở Tài chinhh", "Hội Người cao tuổi tỉnh"]
    assert not any(p.resolved for p in parts)
    assert parts[0].candidates[0] == SO_TC  # closest known name offered, not chosen


def test_ambiguous_names_are_not_guessed():
    v = Vocabulary()
    v.add("Công an xã", Target("unit", 1, "Công an xã A"))
    v.add("Công an xã", Target("unit", 2, "Công an xã B"))
    (part,) = resolve_cell("Công an xã", v)
    assert part.ambiguous and not part.resolved and len(part.candidates) == 2


def test_closer_scope_wins():
    v = Vocabulary()
    v.add("Ủy ban Mặt trận Tổ quốc", Target("unit", 1, "UBMTTQ tỉnh"), priority=1)
    v.add("Ủy ban Mặt trận Tổ quốc", Target("unit", 2, "UBMTTQ xã"), priority=0)
    (part,) = resolve_cell("Ủy ban Mặt trận Tổ quốc", v)
    assert part.target.pk == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fixture", ["qn-17-kh-ubnd", "na-686-kh-ubnd", "kt-kh-ubnd", "dn-kh-ubnd", "pg-kh-ubnd"]
)
def test_every_seed_cell_resolves(fixture):
    plan_key, rows = read_rows(settings.BASE_DIR / "fixtures" / "appendices" / f"{fixture}.yaml")
    vocabulary = vocabulary_for(Plan.objects.get(seed_key=plan_key).issuer)
    unresolved = [
        (row.stt, part.text)
        for row in rows
        for cell in (row.lead, row.coordinating)
        for part in resolve_cell(cell, vocabulary)
        if not part.resolved
    ]
    assert unresolved == []


@pytest.mark.django_db
def test_names_resolve_to_the_plans_own_province():
    qn = vocabulary_for(OrgUnit.objects.get(key="qn"))
    na = vocabulary_for(OrgUnit.objects.get(key="na"))
    (in_qn,) = resolve_cell("Sở Tài chính", qn)
    (in_na,) = resolve_cell("Sở Tài chính", na)
    assert OrgUnit.objects.get(pk=in_qn.target.pk).key == "qn-tai-chinh"
    assert OrgUnit.objects.get(pk=in_na.target.pk).key == "na-tai-chinh"


@pytest.mark.django_db
def test_commune_plan_sees_its_own_bodies_first():
    phuoc_giang = OrgUnit.objects.get(admin_code="21370")
    vocab = vocabulary_for(phuoc_giang)
    police, front, branch = resolve_cell(
        "Công an xã; Ủy ban Mặt trận Tổ quốc; Chi nhánh NHCSXH tỉnh", vocab
    )
    assert OrgUnit.objects.get(pk=police.target.pk).key == "w21370-cong-an"
    assert OrgUnit.objects.get(pk=front.target.pk).key == "w21370-mttq"
    assert OrgUnit.objects.get(pk=branch.target.pk).key == "qn-nhcsxh"
    # another commune's generic names are not visible from the province
    (part,) = resolve_cell("Công an xã", vocabulary_for(OrgUnit.objects.get(key="qn")))
    assert not part.resolved


@pytest.mark.parametrize(
    ("cell", "texts"),
    [
        # Quyết định 382/QĐ-TTg (2025), Phụ lục II: a ministry the catalogue does not hold
        (
            "Bộ Văn hóa, Thể thao và Du lịch; các bộ, ngành, địa phương",
            ["Bộ Văn hóa, Thể thao và Du lịch", "các bộ, ngành, địa phương"],
        ),
        (
            "Bộ Văn hóa, Thể thao và Du lịch, các bộ, ngành",
            ["Bộ Văn hóa, Thể thao và Du lịch", "các bộ, ngành"],
        ),
        ("Bộ Lao động - Thương binh và Xã hội", ["Bộ Lao động - Thương binh và Xã hội"]),
        (
            "Sở Văn hóa, Thể thao và Du lịch, UBND các xã",
            ["Sở Văn hóa, Thể thao và Du lịch", "UBND các xã"],
        ),
        # a comma before another body's name still ends the name
        ("Bộ Tài chính, Bộ Xây dựng", ["Bộ Tài chính", "Bộ Xây dựng"]),
        (
            "Bộ Kế hoạch và Đầu tư, Ngân hàng Nhà nước",
            ["Bộ Kế hoạch và Đầu tư", "Ngân hàng Nhà nước"],
        ),
        ("Sở Tài chinhh, Hội Người cao tuổi tỉnh", ["Sở Tài chinhh", "Hội Người cao tuổi tỉnh"]),
    ],
)
def test_an_unknown_name_keeps_the_comma_inside_it(cell, texts):
    """Unresolved, "Bộ Văn hóa, Thể thao và Du lịch" is one name, not "Bộ Văn hóa" and
    "Thể thao và Du lịch"."""
    parts = resolve_cell(cell, Vocabulary())
    assert [p.text for p in parts] == texts


def test_fixture_files_exist():
    assert len(list(Path(settings.BASE_DIR / "fixtures" / "appendices").glob("*.yaml"))) == 5


def test_names_never_span_a_semicolon():
    v = Vocabulary()
    v.add("Tỉnh ủy", Target("unit", 9, "Ban Thường vụ Tỉnh ủy"))
    v.add("Ủy ban nhân dân các xã, phường, đặc khu", XA)
    parts = resolve_cell("Sở Tài chánh tỉnh; Ủy ban nhân dân các xã, phường, đặc khu", v)
    assert [p.text for p in parts] == [
        "Sở Tài chánh tỉnh",
        "Ủy ban nhân dân các xã, phường, đặc khu",
    ]
    assert parts[1].target == XA and not parts[0].resolved


# --- collective phrases (issue 11) --------------------------------------------------------

SO_NGANH = Target("group", 10, "Các sở, ban, ngành có liên quan")
WEB = Target("group", 12, "Trang thông tin điện tử của các sở, ban, ngành và UBND cấp xã")


@pytest.fixture
def group_vocab(vocab):
    vocab.add(SO_NGANH.name, SO_NGANH)
    vocab.add_group_rule(SO_NGANH, ["department"], "own")
    vocab.add_group_rule(XA, ["commune"], "own")  # XA's name was added by `vocab`
    vocab.add(WEB.name, WEB)
    vocab.add_group_rule(WEB, ["department", "commune"], "own")
    return vocab


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sở, ban, ngành có liên quan", [SO_NGANH]),
        ("Các sở ban ngành có liên quan", [SO_NGANH]),
        ("UBND xã, phường, đặc khu", [XA]),
        ("Ủy ban nhân dân các xã, phường", [XA]),
        ("Sở Tài chính, các sở, ngành có liên quan; UBND các xã", [SO_TC, SO_NGANH, XA]),
        # the website group's rule is not what this means: its name is no collective phrase
        ("Các sở, ban, ngành có liên quan và UBND các xã, phường", [SO_NGANH, XA]),
    ],
)
def test_collective_phrases_find_their_group_by_meaning(group_vocab, cell, expected):
    parts = resolve_cell(cell, group_vocab)
    assert [p.target for p in parts] == expected


def test_a_group_rule_counts_only_when_its_name_reads_as_a_phrase():
    v = Vocabulary()
    police = Target("group", 20, "Lực lượng công an cơ sở")  # not a collective phrase
    v.add(police.name, police)
    v.add_group_rule(police, ["police"], "communes")
    (part,) = resolve_cell("Công an các xã, phường", v)
    assert not part.resolved and part.meaning.kinds == {"police"}


def test_two_groups_meaning_the_same_are_not_guessed():
    v = Vocabulary()
    a, b = Target("group", 1, "Các sở, ngành"), Target("group", 2, "Các sở, ban, ngành")
    v.add(a.name, a)
    v.add(b.name, b)
    (part,) = resolve_cell("Sở, ban, ngành", v)
    assert part.ambiguous and part.candidates == [a, b]


def test_collective_phrases_without_a_group_keep_their_meaning(group_vocab):
    """No group means "Các bộ, ngành Trung ương" here: one unresolved part (never the
    pieces "bộ", "ngành Trung ương") that says what it means, so a group can be made."""
    for cell, kinds, others in [
        ("Các bộ, ngành Trung ương", {"ministry"}, set()),
        ("các Viện, Trường", set(), {"institute", "school"}),
        ("Doanh nghiệp", set(), {"enterprise"}),
    ]:
        (part,) = resolve_cell(cell, group_vocab)
        assert part.text == cell and not part.resolved
        assert (part.meaning.kinds, part.meaning.others) == (kinds, others)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sở Văn hoá Thể thao du lịch", ["{p}-van-hoa"]),  # no comma, no "và", hoá
        ("Sở Văn hóa, Thể thao và Du lịch", ["{p}-van-hoa"]),
        ("Sở Tài chánh", ["{p}-tai-chinh"]),  # chánh for chính
        ("Chi nhánh Ngân hàng Chánh sách xã hội tỉnh", ["{p}-nhcsxh"]),
        ("Uỷ ban nhân dân tỉnh", ["{p}"]),  # old tone-mark placement
        ("Các sở, ngành", ["{p}-so-ban-nganh"]),  # every department
        ("Sở, ban, ngành có liên quan", ["{p}-so-nganh"]),
        ("UBND xã, phường, đặc khu", ["{p}-ubnd-xa"]),
        ("Ủy ban nhân dân các cấp", ["{p}-ubnd-cac-cap"]),
        ("Các cơ quan, tổ chức, đơn vị có liên quan", ["{p}-don-vi-lien-quan"]),
        ("Công an các xã, phường, đặc khu", ["{p}-cong-an-xa"]),
        ("Các phòng, ban chuyên môn cấp xã", ["{p}-phong-ban-xa"]),
        ("Mặt trận Tổ quốc, các tổ chức chính trị - xã hội các cấp", ["{p}-mttq-ctxh-cac-cap"]),
        ("Các tổ chức chính trị - xã hội tỉnh", ["{p}-ctxh"]),
        ("Các chi nhánh, phòng giao dịch NHCSXH", ["{p}-nhcsxh-cac-cap"]),
        ("Chi nhánh NHCSXH tỉnh, các PGD NHCSXH trực thuộc", ["{p}-nhcsxh", "{p}-pgd"]),
        (
            "Sở Văn hoá Thể thao du lịch, các sở, ban, ngành và UBND các xã, phường",
            ["{p}-van-hoa", "{p}-so-ban-nganh", "{p}-ubnd-xa"],
        ),
    ],
)
@pytest.mark.parametrize("province", ["qn", "na"])
@pytest.mark.django_db
def test_collective_phrases_and_spellings_in_a_seeded_province(province, cell, expected):
    from orgunits.models import UnitGroup

    vocabulary = vocabulary_for(OrgUnit.objects.get(key=province))
    parts = resolve_cell(cell, vocabulary)
    assert all(p.resolved for p in parts), [p.text for p in parts if not p.resolved]
    model = {"unit": OrgUnit, "group": UnitGroup}
    found = [model[p.target.kind].objects.get(pk=p.target.pk).key for p in parts]
    assert found == [key.format(p=province) for key in expected]


@pytest.mark.django_db
def test_a_selection_is_not_all_of_them():
    """ "UBND các xã có liên quan" is a choice of communes the seeded groups do not hold:
    not the group of every commune, but one part saying what it means."""
    vocabulary = vocabulary_for(OrgUnit.objects.get(key="qn"))
    (part,) = resolve_cell("UBND các xã, phường có liên quan", vocabulary)
    assert not part.resolved
    assert part.meaning.kinds == {"commune"} and part.meaning.related


@pytest.mark.django_db
def test_former_districts_are_read_as_a_phrase_in_kon_tum():
    vocabulary = vocabulary_for(OrgUnit.objects.get(key="kt"))
    (part,) = resolve_cell("Các huyện, thành phố", vocabulary)
    assert part.resolved and part.target.name == "Ủy ban nhân dân các huyện, thành phố"


@pytest.mark.django_db
def test_central_groups_are_seen_from_a_province(django_assert_max_num_queries):
    from orgunits.models import UnitGroup

    qn = OrgUnit.objects.get(key="qn")
    (part,) = resolve_cell("Các bộ, ngành Trung ương", vocabulary_for(qn))
    assert not part.resolved and part.meaning.kinds == {"ministry"}
    group = UnitGroup.objects.create(
        key="tw-bo-nganh",
        name="Bộ, ngành Trung ương",
        scope=OrgUnit.objects.get(key="tw"),
        rule_kinds=["ministry"],
    )
    with django_assert_max_num_queries(4):
        vocabulary = vocabulary_for(qn)
    (part,) = resolve_cell("Các bộ, ngành Trung ương", vocabulary)
    assert part.target == Target("group", group.pk, group.name)


def test_a_level_word_after_a_known_name_belongs_to_it(vocab):
    (part,) = resolve_cell("Sở Tài chánh tỉnh", vocab)  # "chánh", and the trailing "tỉnh"
    assert part.target == SO_TC and part.text == "Sở Tài chánh tỉnh"
    # another place: the known name is a piece of a longer one, which stays unresolved whole
    (part,) = resolve_cell("Sở Tài chính tỉnh Quảng Nam", vocab)
    assert not part.resolved and part.text == "Sở Tài chính tỉnh Quảng Nam"


@pytest.mark.django_db
def test_a_commune_plan_reads_phrases_without_a_level_as_its_own_bodies():
    from orgunits.models import UnitGroup

    vocabulary = vocabulary_for(OrgUnit.objects.get(admin_code="21370"))

    def keys(cell):
        return [
            (OrgUnit if p.target.kind == "unit" else UnitGroup).objects.get(pk=p.target.pk).key
            if p.resolved
            else None
            for p in resolve_cell(cell, vocabulary)
        ]

    assert keys("Các phòng, ban có liên quan") == ["w21370-phong-ban"]
    assert keys("Các hội, đoàn thể") == ["w21370-ctxh"]
    # the commune has no group of all its offices: not every commune's offices instead
    assert keys("Các phòng, ban chuyên môn, Công an xã") == [None, "w21370-cong-an"]
    # a level written out reaches the province's group
    assert keys("Các phòng, ban chuyên môn cấp xã") == ["qn-phong-ban-xa"]


# --- no piece of a longer name is resolved (issue 11 audit) --------------------------------

TU = Target("unit", 30, "Ban Thường vụ Tỉnh ủy")
UBND = Target("unit", 31, "UBND tỉnh")
TGDV_TW = Target("unit", 32, "Ban Tuyên giáo và Dân vận Trung ương")
BCA = Target("unit", 33, "Bộ Công an")
BTTTT = Target("unit", 34, "Bộ Thông tin và Truyền thông")
BKHCN = Target("unit", 35, "Bộ Khoa học và Công nghệ")
BQP = Target("unit", 36, "Bộ Quốc phòng")


@pytest.fixture
def party_vocab():
    v = Vocabulary()
    v.add("Tỉnh ủy", TU)
    v.add("Ủy ban nhân dân tỉnh", UBND)
    v.add("Ban Tuyên giáo và Dân vận", TGDV_TW)
    for target in (BCA, BTTTT, BKHCN, BQP):
        v.add(target.name, target)
    return v


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # a body of the Tỉnh ủy / of the UBND the vocabulary lacks: one unresolved name
        ("Văn phòng Tỉnh ủy", [("Văn phòng Tỉnh ủy", None)]),
        ("Ban Tổ chức Tỉnh ủy", [("Ban Tổ chức Tỉnh ủy", None)]),
        ("Ủy ban Kiểm tra Tỉnh ủy", [("Ủy ban Kiểm tra Tỉnh ủy", None)]),
        ("Ban Tuyên giáo và Dân vận Tỉnh ủy", [("Ban Tuyên giáo và Dân vận Tỉnh ủy", None)]),
        ("Đảng ủy Ủy ban nhân dân tỉnh", [("Đảng ủy Ủy ban nhân dân tỉnh", None)]),
        ("Đảng ủy HĐND tỉnh; Đảng uỷ UBND tỉnh",
         [("Đảng ủy HĐND tỉnh", None), ("Đảng uỷ UBND tỉnh", None)]),
        # real separators still split
        ("Tỉnh ủy, Ủy ban nhân dân tỉnh", [("Tỉnh ủy", TU), ("Ủy ban nhân dân tỉnh", UBND)]),
        ("Tỉnh ủy và UBND tỉnh", [("Tỉnh ủy", TU), ("UBND tỉnh", UBND)]),
        # two whole names of one head that lost their separator (cp-03-nq-cp)
        ("Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ",
         [("Bộ Thông tin và Truyền thông", BTTTT), ("Bộ Khoa học và Công nghệ", BKHCN)]),
        # "và" before another body's name ends an unknown name; inside one it does not
        ("Vụ Pháp chế và các đơn vị có liên quan",
         [("Vụ Pháp chế", None), ("các đơn vị có liên quan", None)]),
        ("Cục Lâm nghiệp và Cục Kiểm lâm", [("Cục Lâm nghiệp", None), ("Cục Kiểm lâm", None)]),
        ("Cục Lâm nghiệp và Kiểm lâm", [("Cục Lâm nghiệp và Kiểm lâm", None)]),
        ("Bộ Quốc phòng, Viện Hàn lâm Khoa học và Công nghệ và các bộ, ngành, địa phương",
         [("Bộ Quốc phòng", BQP), ("Viện Hàn lâm Khoa học và Công nghệ", None),
          ("các bộ, ngành, địa phương", None)]),
        # parenthesised notes stay on the name before them (ttg-707-qd-ttg)
        ("Bộ Công an (chủ trì nội dung liên quan đến RT)",
         [("Bộ Công an (chủ trì nội dung liên quan đến RT)", BCA)]),
        ("Bộ Công an;\nBộ Quốc phòng\n(theo chức năng, nhiệm vụ được giao)",
         [("Bộ Công an", BCA), ("Bộ Quốc phòng (theo chức năng, nhiệm vụ được giao)", BQP)]),
        ("Bộ Công an (chủ trì) Bộ Quốc phòng", [("Bộ Công an (chủ trì)", BCA),
                                                ("Bộ Quốc phòng", BQP)]),
        # described plurals, lists of kinds: one phrase each (lc-kh-ubnd-ct11, lc-104-ctr-tu)
        ("Các tổ chức, cá nhân hoạt động khoáng sản",
         [("Các tổ chức, cá nhân hoạt động khoáng sản", None)]),
        ("Các cấp ủy, tổ chức đảng", [("Các cấp ủy, tổ chức đảng", None)]),
        ("Tập đoàn, doanh nghiệp công nghệ số", [("Tập đoàn, doanh nghiệp công nghệ số", None)]),
        ("Hội Nông dân các cấp", [("Hội Nông dân các cấp", None)]),
    ],
)  # fmt: skip
def test_no_piece_of_a_longer_name_is_resolved(party_vocab, cell, expected):
    parts = resolve_cell(cell, party_vocab)
    assert [(p.text, p.target) for p in parts] == expected


def test_a_level_in_parentheses_belongs_to_the_phrase(group_vocab):
    (part,) = resolve_cell("Các bộ, ngành (Trung ương)", group_vocab)
    assert part.text == "Các bộ, ngành (Trung ương)" and part.meaning.kinds == {"ministry"}
