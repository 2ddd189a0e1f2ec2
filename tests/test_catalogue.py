"""The national unit catalogue (load_catalogue): provinces, communes, central and retired bodies."""

from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from vietnam_provinces import Province, Ward

from orgunits import adminunits
from orgunits.catalogue import load_catalogue
from orgunits.models import OrgUnit, UnitAlias, UnitGroup
from orgunits.text import fold
from orgunits.trees import check_model

pytestmark = pytest.mark.django_db

FIXTURES = settings.BASE_DIR / "fixtures"
COMMUNE_BODIES = {"hdnd", "cong-an", "mttq", "hoi-nong-dan", "hoi-phu-nu", "hoi-ccb", "doan-tn",
                  "bddhdqt"}  # fmt: skip


@pytest.fixture
def two_provinces(seeded):
    """Hà Nội (1) and Thành phố Hồ Chí Minh (79), beside the seeds."""
    return load_catalogue(FIXTURES, ["1", "79"])


def unit(key):
    return OrgUnit.objects.get(key=key)


def test_non_seed_province_has_its_apparatus_and_extra_departments(two_provinces):
    hanoi, hcm = unit("p1"), unit("p79")
    assert (hanoi.name, hanoi.kind, hanoi.admin_code) == (
        "Ủy ban nhân dân thành phố Hà Nội",
        OrgUnit.Kind.PROVINCE,
        "1",
    )
    assert hanoi.parent_id is None and hanoi.territory_id == hanoi.pk
    departments = set(
        OrgUnit.objects.filter(tree_id=hanoi.tree_id, kind=OrgUnit.Kind.DEPARTMENT, level=1)
        .filter(active_until__isnull=True)
        .values_list("short_name", flat=True)
    )
    assert {"Sở Tài chính", "Sở Nội vụ", "Sở Văn hóa và Thể thao", "Sở Du lịch",
            "Sở Quy hoạch - Kiến trúc", "Văn phòng UBND thành phố",
            "Thanh tra thành phố"} <= departments  # fmt: skip
    assert "Sở Văn hóa, Thể thao và Du lịch" not in departments
    assert unit("p79-attp").name == "Sở An toàn thực phẩm Thành phố Hồ Chí Minh"
    assert not OrgUnit.objects.filter(key__in=["p79-van-hoa", "p79-qhkt"]).exists()
    for slug in ("hdnd", "cong-an", "bchqs", "mttq", "hoi-nong-dan", "doan-tn", "nhcsxh"):
        u = unit(f"p79-{slug}")
        assert u.tree_id == hcm.tree_id and u.territory_id == hcm.pk
    assert unit("p1-doan-tn").short_name == "Thành đoàn"
    assert unit("p79-bddhdqt").parent == unit("p79-nhcsxh")
    assert UnitAlias.objects.filter(unit=hanoi, key=fold("UBND thành phố")).exists()
    assert hanoi.history.filter(history_type="+").exists()  # history rows were written


def test_every_commune_of_the_province_has_its_bodies(two_provinces):
    hanoi = unit("p1")
    codes = [c.code for c in adminunits.communes_of("1")]
    communes = OrgUnit.objects.filter(tree_id=hanoi.tree_id, kind=OrgUnit.Kind.COMMUNE)
    assert sorted(communes.values_list("admin_code", flat=True)) == sorted(codes)
    assert len(codes) == 126
    first = unit(f"w{codes[0]}")  # Phường Hoàn Kiếm
    assert first.name == "Ủy ban nhân dân phường Hoàn Kiếm"
    bodies = OrgUnit.objects.filter(parent=first) | OrgUnit.objects.filter(parent__parent=first)
    assert {b.key.split("-", 1)[1] for b in bodies} == COMMUNE_BODIES
    assert all(b.territory_id == first.pk for b in bodies)
    assert first.parent == hanoi and first.territory_id == first.pk
    assert UnitAlias.objects.filter(unit=first, key=fold("Phường Hoàn Kiếm")).exists()
    per_commune = OrgUnit.objects.filter(tree_id=hanoi.tree_id, territory__kind="commune")
    assert per_commune.exclude(kind=OrgUnit.Kind.COMMUNE).count() == 126 * len(COMMUNE_BODIES)


def test_commune_groups_of_a_non_seed_province_expand_to_every_commune(two_provinces):
    hcm = unit("p79")
    communes = set(
        OrgUnit.objects.filter(tree_id=hcm.tree_id, kind="commune").values_list("pk", flat=True)
    )
    assert len(communes) == 168
    ubnd_xa = UnitGroup.objects.get(key="p79-ubnd-xa")
    assert ubnd_xa.name == "Ủy ban nhân dân các xã, phường, đặc khu"
    assert UnitAlias.objects.filter(group=ubnd_xa, key=fold("UBND các xã, phường")).exists()
    assert set(ubnd_xa.members(on=date(2026, 1, 1)).values_list("pk", flat=True)) == communes
    police = UnitGroup.objects.get(key="p79-cong-an-xa").members()
    assert police.count() == 168
    assert {p.territory_id for p in police} == communes
    assert UnitGroup.objects.get(key="p79-hdnd-xa").members().count() == 168
    assert UnitGroup.objects.get(key="p79-ctxh-xa").members().count() == 168 * 4
    assert UnitGroup.objects.get(key="p79-bddhdqt-xa").members().count() == 168
    # "các cấp": the province level and every commune
    assert UnitGroup.objects.get(key="p79-mttq-cac-cap").members().count() == 1 + 168
    ubnd_cac_cap = UnitGroup.objects.get(key="p79-ubnd-cac-cap").members()
    assert set(ubnd_cac_cap.values_list("pk", flat=True)) == communes | {hcm.pk}


def test_transaction_offices_serve_communes_of_their_former_district(two_provinces):
    hcm = unit("p79")
    pgds = OrgUnit.objects.filter(tree_id=hcm.tree_id, kind=OrgUnit.Kind.NHCSXH_PGD)
    # former districts of Hồ Chí Minh, Bình Dương and Bà Rịa - Vũng Tàu, without the two
    # former provincial capitals the branch head office serves
    expected = sum(len(adminunits.legacy_districts(c)) for c in ("79", "74", "77")) - 2
    assert pgds.count() == expected
    assert not pgds.filter(name__endswith="Thủ Dầu Một").exists()
    for pgd in pgds:
        served = list(pgd.serves.all())
        assert served and all(c.tree_id == hcm.tree_id and c.kind == "commune" for c in served)
    assert pgds.first().parent == unit("p79-nhcsxh")


def test_retired_bodies_end_and_point_to_their_successors(two_provinces):
    cases = [
        ("p1-khdt", "p1-tai-chinh", date(2025, 2, 28)),
        ("p1-ldtbxh", "p1-noi-vu", date(2025, 2, 28)),
        ("p79-ban-dan-toc", "p79-dan-toc", date(2025, 2, 28)),
        ("tw-bo-khdt", "tw-bo-tai-chinh", date(2025, 2, 28)),
        ("tw-ubdt", "tw-bo-dttg", date(2025, 2, 28)),
        ("tw-ban-kinh-te", "tw-ban-chinh-sach", date(2025, 1, 31)),
    ]
    for key, successor, until in cases:
        u = unit(key)
        assert (u.successor.key, u.active_until) == (successor, until), key
        assert not u.is_active_on(date(2025, 7, 1)) and u.is_active_on(date(2024, 12, 31))
    ministries = OrgUnit.objects.filter(kind=OrgUnit.Kind.MINISTRY, active_until__isnull=True)
    assert ministries.count() == 17  # 14 ministries + 3 ministerial agencies
    assert unit("tw-nhcsxh").kind == OrgUnit.Kind.NHCSXH_HEAD


def test_seed_units_keep_their_names_and_trees_stay_valid(two_provinces):
    # the seeds' own Phước Giang bodies are not renamed; the catalogue adds what is missing
    assert unit("w21370-hdnd").short_name == "HĐND xã"
    assert unit("w21370-cong-an").short_name == "Công an xã"
    assert check_model(OrgUnit).errors == []


def test_second_run_writes_nothing(two_provinces, django_assert_max_num_queries):
    assert two_provinces.created > 0
    count = OrgUnit.objects.count()
    with django_assert_max_num_queries(30):
        again = load_catalogue(FIXTURES, ["1", "79"])
    assert again.changed == 0 and again.communes == 126 + 168
    assert OrgUnit.objects.count() == count


def test_seed_province_is_completed_without_moving_its_units(seeded):
    before = dict(OrgUnit.objects.filter(key__startswith="qn-").values_list("key", "pk"))
    stats = load_catalogue(FIXTURES, ["51"])
    assert stats.created > 0 and stats.renumbered > 0
    assert dict(OrgUnit.objects.filter(key__in=before).values_list("key", "pk")) == before
    qn = unit("qn")
    police = UnitGroup.objects.get(key="qn-cong-an-xa").members()
    assert police.count() == len(adminunits.communes_of("51"))
    assert unit("w21370-bddhdqt").parent == unit("w21370")  # added to the seed's commune
    assert unit("qn-khdt").successor == unit("qn-tai-chinh")
    assert OrgUnit.objects.filter(tree_id=qn.tree_id, kind="nhcsxh_pgd").count() == (
        OrgUnit.objects.filter(key__startswith="qn-pgd-").count()
    )
    assert check_model(OrgUnit).errors == []


def test_whole_catalogue_loads_34_provinces_and_3321_communes(seeded):
    out = StringIO()
    call_command("load_catalogue", "--no-expand", stdout=out)
    assert "34 tỉnh, thành phố; 3321 xã, phường, đặc khu" in out.getvalue()
    roots = OrgUnit.objects.filter(parent=None, kind="province", active_until__isnull=True)
    assert sorted(int(c) for c in roots.values_list("admin_code", flat=True)) == sorted(
        int(p.code) for p in Province.iter_all()
    )
    communes = OrgUnit.objects.filter(kind="commune").values_list("admin_code", flat=True)
    assert sorted(map(int, communes)) == sorted(int(w.code) for w in Ward.iter_all())
    assert len(communes) == 3321
    assert OrgUnit.objects.filter(kind="police", territory__kind="commune").count() == 3321
    assert check_model(OrgUnit).errors == []
    out = StringIO()
    call_command("load_catalogue", stdout=out)
    assert "0 đơn vị tạo mới, 0 đánh số lại, 0 tên gọi khác, 0 nhóm" in out.getvalue()


@pytest.mark.parametrize(
    ("issuer", "cell", "expected"),
    [
        (
            "p1",
            "Sở Tài chính; UBND các xã, phường; Công an cấp xã; Bộ Chỉ huy Quân sự thành phố",
            ["p1-tai-chinh", "group:p1-ubnd-xa", "group:p1-cong-an-xa", "p1-bchqs"],
        ),
        ("p1", "Sở Kế hoạch và Đầu tư", ["p1-khdt"]),  # an old name in an old plan
        ("p1", "Bộ Tài chính; Ngân hàng Chính sách xã hội Việt Nam", ["tw-bo-tai-chinh",
                                                                       "tw-nhcsxh"]),
        ("w70", "Công an phường Hoàn Kiếm; Hội Nông dân phường Hoàn Kiếm",
         ["w70-cong-an", "w70-hoi-nong-dan"]),
    ],
)  # fmt: skip
def test_names_in_a_non_seed_plan_resolve(two_provinces, issuer, cell, expected):
    from orgunits.resolver import resolve_cell, vocabulary_for

    parts = resolve_cell(cell, vocabulary_for(unit(issuer)))
    got = []
    for part in parts:
        assert part.resolved, part.text
        if part.target.kind == "group":
            got.append("group:" + UnitGroup.objects.get(pk=part.target.pk).key)
        else:
            got.append(OrgUnit.objects.get(pk=part.target.pk).key)
    assert got == expected
