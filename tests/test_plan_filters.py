"""Plan list search and filters (issuer, level, status, year): plain GET parsing that never
500s, server-side visibility kept, bounded queries."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.filters import parse_plan_filters
from plans.models import Plan

URL = "/ke-hoach/"


@pytest.mark.parametrize(
    "params,expected,notes",
    [
        ({}, {}, 0),
        ({"q": "  17/KH-UBND  "}, {"q": "17/KH-UBND"}, 0),
        ({"nam": "2025"}, {"year": 2025}, 0),
        ({"nam": "2025abc"}, {"year": None}, 1),
        ({"nam": "٢٠٢٥"}, {"year": None}, 1),  # Arabic-Indic digits: isdigit() but not ours
        ({"nam": "99999999999999999999"}, {"year": None}, 1),
        ({"nam": "0"}, {"year": None}, 1),
        ({"co_quan": "12"}, {"issuer": 12}, 0),
        ({"co_quan": "-1"}, {"issuer": None}, 1),
        ({"co_quan": "1 OR 1=1"}, {"issuer": None}, 1),
        ({"cap": "tinh"}, {"level": "tinh"}, 0),
        ({"cap": "tỉnh"}, {"level": ""}, 1),
        ({"trang_thai": "draft"}, {"status": "draft"}, 0),
        ({"trang_thai": "Dự thảo"}, {"status": ""}, 1),
    ],
)
def test_parse_plan_filters(params, expected, notes):
    f = parse_plan_filters(params)
    for name, value in expected.items():
        assert getattr(f, name) == value
    assert len(f.notes) == notes


@pytest.fixture
def qn_admin(client, db):
    user = User.objects.create_user("qt-qn")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="qn"), role="province_admin")
    client.force_login(user)
    return client


def labels(response):
    return {p.label for p in response.context["page"]}


@pytest.mark.django_db
def test_filters_narrow_the_list(qn_admin):
    everything = labels(qn_admin.get(URL))
    assert "Kế hoạch 17/KH-UBND" in everything and len(everything) > 3
    assert labels(qn_admin.get(URL, {"q": "17/kh"})) == {"Kế hoạch 17/KH-UBND"}
    from tasks.workflow import derive_commune_plan  # a draft (the seed plans are issued)

    derive_commune_plan(
        Plan.objects.get(seed_key="qn-17-kh-ubnd"), OrgUnit.objects.get(admin_code="21370")
    )
    drafts = qn_admin.get(URL, {"trang_thai": "draft"})
    assert drafts.context["page"].paginator.count >= 1
    assert all(p.status == "draft" for p in drafts.context["page"])
    year = qn_admin.get(URL, {"nam": "2025"})
    assert all(p.issued_on.year == 2025 for p in year.context["page"])
    assert "Kế hoạch 17/KH-UBND" in labels(year)
    province = OrgUnit.objects.get(key="qn")
    by_issuer = qn_admin.get(URL, {"co_quan": str(province.pk)})
    assert by_issuer.context["page"] and all(
        p.issuer_id == province.pk for p in by_issuer.context["page"]
    )
    communes = qn_admin.get(URL, {"cap": "xa"})
    assert communes.context["page"]
    assert all(p.issuer.territory.kind == "commune" for p in communes.context["page"])
    central = labels(qn_admin.get(URL, {"cap": "trung-uong"}))
    assert {"Chỉ thị 39-CT/TW", "Quyết định 1560/QĐ-TTg"} <= central
    assert "Kế hoạch 17/KH-UBND" not in central
    body = qn_admin.get(URL, {"trang_thai": "draft"}).content.decode()
    assert 'value="draft" selected' in body and "Bỏ lọc" in body


@pytest.mark.django_db
def test_bad_values_are_explained_not_500(qn_admin):
    for params in ({"nam": "abc"}, {"co_quan": "x'"}, {"cap": "?"}, {"trang_thai": "zz"}):
        response = qn_admin.get(URL, params)
        assert response.status_code == 200
        assert "không hợp lệ" in response.content.decode()
        assert (
            response.context["page"].paginator.count
            == qn_admin.get(URL).context["page"].paginator.count
        )


@pytest.mark.django_db
def test_filtering_by_an_invisible_issuer_shows_nothing(client):
    user = User.objects.create_user("cb-na")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="na"), role="officer")
    client.force_login(user)
    qn = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    response = client.get(URL, {"co_quan": str(qn.issuer_id)})
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    assert qn.issuer.display_name not in [u.display_name for u in response.context["issuers"]]


@pytest.mark.django_db
def test_query_count_is_bounded(qn_admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = qn_admin.get(
            URL, {"q": "kế hoạch", "cap": "tinh", "trang_thai": "issued", "nam": "2025"}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        qn_admin.get(URL)


def test_url():
    assert reverse("plans:list") == URL
