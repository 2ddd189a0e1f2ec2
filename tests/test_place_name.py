"""The địa danh written before "ngày … tháng … năm …" in a unit's documents (Nghị định
30/2020): the province or commune the unit sits in, without the level word."""

import pytest

from orgunits.models import OrgUnit
from orgunits.territory import place_name


@pytest.mark.parametrize(
    "name, kind, expected",
    [
        ("Ủy ban nhân dân tỉnh Nghệ An", OrgUnit.Kind.PROVINCE, "Nghệ An"),
        ("Ủy ban nhân dân thành phố Hà Nội", OrgUnit.Kind.PROVINCE, "Hà Nội"),
        ("Uỷ ban nhân dân xã Phước Giang", OrgUnit.Kind.COMMUNE, "Phước Giang"),
        ("UBND phường Vinh Hưng", OrgUnit.Kind.COMMUNE, "Vinh Hưng"),
        ("Ủy ban nhân dân đặc khu Phú Quốc", OrgUnit.Kind.COMMUNE, "Phú Quốc"),
        ("Ngân hàng Chính sách xã hội Việt Nam", OrgUnit.Kind.CENTRAL, ""),
    ],
)
def test_place_of_a_territory(name, kind, expected):
    assert place_name(OrgUnit(name=name, kind=kind)) == expected


@pytest.mark.django_db
def test_a_department_writes_its_provinces_place(seeded):
    department = OrgUnit.objects.get(key="qn-tai-chinh")
    assert place_name(department) == "Quảng Ngãi"
