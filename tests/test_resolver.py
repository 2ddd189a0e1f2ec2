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
