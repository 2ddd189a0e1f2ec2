"""Collective phrases (tên gọi tập thể) read by their grammar, from the seeds and issue 11."""

import pytest

from orgunits.collective import Collective, read

DEPT = frozenset({"department"})

# phrase → (kinds, others, depth, related); depth None: territories (depth does not apply)
PHRASES = [
    # issue 11: the variants that used to be cut at the commas
    ("Các sở, ban, ngành có liên quan", ({"department"}, set(), "own", True)),
    ("Các sở, ngành", ({"department"}, set(), "own", False)),
    ("Sở, ban, ngành có liên quan", ({"department"}, set(), "own", True)),
    ("Các sở, ban ngành có liên quan", ({"department"}, set(), "own", True)),
    ("UBND xã, phường, đặc khu", ({"commune"}, set(), None, False)),
    ("Ủy ban nhân dân các cấp", ({"province", "commune"}, set(), None, False)),
    ("Các bộ, ngành Trung ương", ({"ministry"}, set(), "own", False)),
    ("Các cơ quan, tổ chức, đơn vị có liên quan", (set(), set(), "own", True)),
    ("các Viện, Trường", (set(), {"institute", "school"}, "own", False)),
    ("Doanh nghiệp", (set(), {"enterprise"}, "own", False)),
    ("Các cơ quan Trung ương", ({"central"}, set(), "own", False)),
    ("Các doanh nghiệp trên địa bàn tỉnh", (set(), {"enterprise"}, "own", False)),
    # the seeds (fixtures/appendices), as printed
    ("Ủy ban nhân dân các xã, phường, đặc khu", ({"commune"}, set(), None, False)),
    ("Uỷ ban nhân dân các xã, phường, đặc khu", ({"commune"}, set(), None, False)),
    ("UBND cấp xã", ({"commune"}, set(), None, False)),
    ("Ủy ban nhân dân các huyện, thành phố", ({"district"}, set(), None, False)),
    # Quyết định 382/QĐ-TTg (2025), Phụ lục II: cities under the centre are provinces
    ("UBND các tỉnh, thành phố trực thuộc TW", ({"province"}, set(), None, False)),
    ("UBND các tỉnh thành phố trực thuộc TW", ({"province"}, set(), None, False)),
    (
        "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
        ({"province"}, set(), None, False),
    ),
    ("UBND các huyện, thành phố trực thuộc tỉnh", ({"district"}, set(), None, False)),
    ("HĐND các cấp", ({"council"}, set(), "all", False)),
    ("Các sở, ban, ngành, đơn vị cấp tỉnh", ({"department"}, set(), "own", False)),
    ("Sở, ngành, đơn vị cấp tỉnh", ({"department"}, set(), "own", False)),
    ("các phòng, ban, ngành chức năng cấp xã", ({"commune_office"}, set(), "communes", False)),
    ("Các Phòng, ban, cơ quan, đơn vị có liên quan", ({"commune_office"}, set(), "communes", True)),
    ("Công an cấp xã", ({"police"}, set(), "communes", False)),
    ("Công an các xã, phường", ({"police"}, set(), "communes", False)),
    ("Công an xã, phường", ({"police"}, set(), "communes", False)),
    ("Các tổ chức chính trị - xã hội", ({"socio_political"}, set(), "own", False)),
    ("Các tổ chức chính trị - xã hội xã", ({"socio_political"}, set(), "communes", False)),
    ("các tổ chức chính trị - xã hội cấp tỉnh", ({"socio_political"}, set(), "own", False)),
    (
        "Các tổ chức chính trị - xã hội nhận ủy thác các cấp",
        ({"socio_political"}, set(), "all", False),
    ),
    (
        "các tổ chức chính trị - xã hội nhận ủy thác thành phố, cấp xã",
        ({"socio_political"}, set(), "all", False),
    ),
    (
        "Ủy ban Mặt trận Tổ quốc, các tổ chức chính trị - xã hội các cấp",
        ({"front", "socio_political"}, set(), "all", False),
    ),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam các cấp", ({"front"}, set(), "all", False)),
    ("các cơ quan báo chí đóng trên địa bàn thành phố", ({"press"}, set(), "own", False)),
    (
        "Phòng giao dịch Ngân hàng Chính sách xã hội trực thuộc",
        ({"nhcsxh_pgd"}, set(), "all", False),
    ),
    ("Các đơn vị liên quan", (set(), set(), "own", True)),
    (
        "Chi nhánh/Phòng giao dịch Ngân hàng CSXH",
        ({"nhcsxh_branch", "nhcsxh_pgd"}, set(), "all", False),
    ),
    ("Ngân hàng Chính sách xã hội các cấp", ({"nhcsxh_branch", "nhcsxh_pgd"}, set(), "all", False)),
    ("Các hội, đoàn thể", ({"socio_political"}, set(), "own", False)),
    (
        "Các ngân hàng thương mại, tổ chức tín dụng",
        (set(), {"bank", "credit_institution"}, "own", False),
    ),
    ("các Trưởng thôn", ({"village"}, set(), "own", False)),
    # the corpus (fixtures/corpus): real cells that used to be cut into pieces
    ("Các bộ, ngành, địa phương", ({"ministry"}, {"locality"}, "own", False)),
    ("các bộ, ngành và địa phương", ({"ministry"}, {"locality"}, "own", False)),
    ("Các bộ, ngành liên quan theo chức năng", ({"ministry"}, set(), "own", True)),
    ("Các cấp ủy, tổ chức đảng", ({"party"}, set(), "own", False)),
    ("Hội Nông dân các cấp", ({"socio_political"}, set(), "all", False)),
]


@pytest.mark.parametrize(("phrase", "expected"), PHRASES)
def test_collective_phrases(phrase, expected):
    kinds, others, depth, related = expected
    meaning = read(phrase)
    assert meaning is not None
    assert (meaning.kinds, meaning.others, meaning.depth, meaning.related) == (
        frozenset(kinds),
        frozenset(others),
        depth,
        related,
    )


#: Plural phrases narrowed by words of their own (corpus: lc-kh-ubnd-ct11, cp-03-nq-cp):
#: one phrase, never cut at the comma, and not the group of all such bodies.
DESCRIBED = [
    ("Các tổ chức, cá nhân hoạt động khoáng sản", (set(), {"person"})),
    ("Tập đoàn, doanh nghiệp công nghệ số", (set(), {"enterprise"})),
    ("các tổ chức hoạt động khai thác khoáng sản", (set(), set())),
    ("các viện nghiên cứu", (set(), {"institute"})),
]


@pytest.mark.parametrize(("phrase", "expected"), DESCRIBED)
def test_described_plurals_are_one_phrase(phrase, expected):
    kinds, others = expected
    meaning = read(phrase)
    assert meaning is not None and meaning.described
    assert (meaning.kinds, meaning.others) == (frozenset(kinds), frozenset(others))
    undescribed = Collective(meaning.kinds, meaning.others, meaning.depth, meaning.related)
    assert meaning.key != undescribed.key


def test_one_organisation_at_every_level_is_not_every_organisation():
    farmers = read("Hội Nông dân các cấp")
    assert farmers.bodies == {"hoi-nong-dan"} and farmers.depth == "all"
    assert farmers.key != read("Các tổ chức chính trị - xã hội các cấp").key
    assert read("Hội Nông dân tỉnh") is None  # one body, not a collective


@pytest.mark.parametrize(
    "text",
    [
        "Sở Tài chính",  # one named unit
        "Chi nhánh NHCSXH tỉnh",
        "Ngân hàng Chính sách xã hội tỉnh",
        "Hội Nông dân tỉnh",
        "Trường Chính trị tỉnh",
        "Sở Văn hoá Thể thao du lịch",  # a name without its commas, not "sở" + words
        "Ban Thường vụ Tỉnh ủy",
        "UBND tỉnh",  # one territory, singular
        "Công an xã",  # the commune's own police, singular
        "Sở",  # a bare noun is no collective
        "Trang thông tin điện tử của các sở, ban, ngành và UBND cấp xã",
        "Báo và Phát thanh, Truyền hình Quảng Ngãi",
        "có liên quan",  # a qualifier alone
        # the corpus: one name, not a list of juxtaposed nouns
        "Đảng ủy Ủy ban nhân dân tỉnh",
        "Bộ Lao động - Thương binh và Xã hội",
        "Xã hội",
    ],
)
def test_names_are_not_collective_phrases(text):
    assert read(text) is None


def test_related_means_a_selection():
    """ "có liên quan": the office still picks the members — not the same as all of them."""
    assert read("Các sở, ban, ngành").key != read("Các sở, ban, ngành có liên quan").key
    assert read("Các sở, ban, ngành").key == read("Các sở, ngành").key


def test_a_stated_level_is_shared_a_level_inside_a_name_is_not():
    """ "MTTQ, các tổ chức CT-XH các cấp": both at every level; in "Các phòng, ban, Công an
    xã" the "xã" belongs to "Công an xã" only."""
    assert read("Mặt trận Tổ quốc, các tổ chức chính trị - xã hội các cấp").depth == "all"
    assert read("Các phòng, ban chuyên môn").levelled is False
    assert read("Các phòng, ban chuyên môn cấp xã").levelled is True


def test_generic_bodies_are_flagged():
    assert read("Các cơ quan, đơn vị có liên quan").generic
    assert not read("Các sở, ban, ngành, đơn vị cấp tỉnh").generic


def test_tone_mark_placement_and_abbreviations_do_not_matter():
    assert read("Ủy ban nhân dân các xã, phường") == read("Uỷ ban nhân dân các xã, phường")
    assert read("UBND các cấp") == read("Ủy ban nhân dân các cấp")
    assert read("Ủy ban MTTQ Việt Nam các cấp") == read("Ủy ban Mặt trận Tổ quốc các cấp")


def test_meaning_key():
    meaning = Collective(DEPT, related=True)
    assert meaning.key == (DEPT, frozenset(), "own", True)
