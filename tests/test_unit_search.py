"""Unit pickers search by name, short name or alias, with or without diacritics."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit, Profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def qn_client(client):
    user = User.objects.create_user("stc")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="qn-tai-chinh"))
    client.force_login(user)
    return client


def search(client, q, **params):
    return client.get(reverse("orgunits:search"), {"q": q, **params}).content.decode()


def test_without_diacritics_and_in_own_province_only(qn_client):
    body = search(qn_client, "so tai chinh")
    assert "Sở Tài chính tỉnh Quảng Ngãi" in body
    assert "Nghệ An" not in body


def test_by_alias_and_groups(qn_client):
    body = search(qn_client, "ngân hàng chính sách xã hội chi nhánh tỉnh")
    assert "Chi nhánh NHCSXH tỉnh" in body  # an alias of the branch
    body = search(qn_client, "uy ban nhan dan cac xa")
    assert 'data-value="group:' in body and "Ủy ban nhân dân các xã, phường, đặc khu" in body
    assert "Phước Giang" in search(qn_client, "phuoc giang")


def test_too_short_or_unknown(qn_client):
    assert "list-group" not in search(qn_client, "s")
    assert "Không tìm thấy đơn vị nào khớp" in search(qn_client, "xyz không có")


def test_another_provinces_scope_is_refused(qn_client):
    nghe_an = OrgUnit.objects.get(key="na")
    response = qn_client.get(reverse("orgunits:search"), {"q": "so", "don_vi": nghe_an.pk})
    assert response.status_code == 404


def test_commune_scope_offers_its_own_bodies(qn_client):
    commune = OrgUnit.objects.get(admin_code="21370")
    body = search(qn_client, "cong an xa", don_vi=commune.pk)
    assert "Công an xã Phước Giang" in body


def test_login_required(client):
    assert client.get(reverse("orgunits:search"), {"q": "so"}).status_code == 302


def options(body):
    import re

    return re.findall(r'data-name="([^"]*)"', body)  # units' full names, in order


def test_commune_plan_ranks_the_communes_own_bodies_first(qn_client):
    """On a commune plan, typing "công an" offers the commune's police before the province's;
    on a provincial plan, the province's first."""
    commune = OrgUnit.objects.get(admin_code="21370")
    found = options(search(qn_client, "cong an", don_vi=commune.pk))
    own = [i for i, label in enumerate(found) if "Phước Giang" in label]
    province = [i for i, label in enumerate(found) if "tỉnh" in label]
    assert own and province and max(own) < min(province), found


def test_non_digit_scope_is_a_404_not_a_500(qn_client):
    response = qn_client.get(reverse("orgunits:search"), {"q": "so", "don_vi": "abc"})
    assert response.status_code == 404
