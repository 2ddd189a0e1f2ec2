"""A provincial admin manages the units, groups, aliases and accounts of their own province in
the Django admin — and nothing of another province (tested with the admin of another one)."""

import pytest
import tablib
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.admin import UnitAliasResource
from orgunits.models import OrgUnit, Profile, UnitAlias, UnitGroup
from orgunits.trees import check_model

pytestmark = pytest.mark.django_db


def province_admin(username, unit_key):
    user = User.objects.create_user(username, is_staff=True)
    Profile.objects.create(
        user=user, unit=OrgUnit.objects.get(key=unit_key), role=Profile.Role.PROVINCE_ADMIN
    )
    return user


@pytest.fixture
def qn_admin(client):
    user = province_admin("qt-qn", "qn")
    client.force_login(user)
    return user


def unit(key):
    return OrgUnit.objects.get(key=key)


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def unit_form(**values):
    data = {
        "key": "",
        "name": "",
        "short_name": "",
        "kind": "commune_office",
        "admin_code": "",
        "parent": "",
        "successor": "",
        "note": "",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    data.update(values)
    return data


def test_admin_index_lists_only_the_province_models(client, qn_admin):
    body = client.get(reverse("admin:index")).content.decode()
    for url in ("orgunits_orgunit", "orgunits_unitgroup", "orgunits_unitalias", "auth_user"):
        assert reverse(f"admin:{url}_changelist") in body
    assert reverse("admin:plans_plan_changelist") not in body
    assert reverse("admin:tasks_task_changelist") not in body


def test_units_of_the_province_only(client, qn_admin):
    listing = client.get(reverse("admin:orgunits_orgunit_changelist"), {"q": "Sở Tài chính"})
    body = listing.content.decode()
    assert "Sở Tài chính tỉnh Quảng Ngãi" in body and "Nghệ An" not in body
    assert client.get(change_url(unit("qn-tai-chinh"))).status_code == 200
    foreign = unit("na-tai-chinh")
    response = client.get(change_url(foreign))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    client.post(change_url(foreign), unit_form(key=foreign.key, name="Đổi tên", kind="department"))
    assert unit("na-tai-chinh").name == foreign.name


def test_adds_a_unit_in_the_province_and_never_elsewhere(client, qn_admin):
    commune = OrgUnit.objects.get(admin_code="21370")
    url = reverse("admin:orgunits_orgunit_add")
    ok = client.post(
        url,
        unit_form(
            key="w21370-thon-1",
            name="Thôn 1 xã Phước Giang",
            short_name="Thôn 1",
            kind="village",
            parent=commune.pk,
        ),
    )
    assert ok.status_code == 302, ok.content.decode()[:3000]
    village = unit("w21370-thon-1")
    assert village.parent == commune and village.territory == commune
    assert check_model(OrgUnit).errors == []
    foreign = client.post(
        url, unit_form(key="na-thon-x", name="Thôn X", kind="village", parent=unit("na").pk)
    )
    assert foreign.status_code == 200 and not OrgUnit.objects.filter(key="na-thon-x").exists()
    root = client.post(url, unit_form(key="goc-moi", name="Tỉnh mới", kind="province"))
    assert "quản trị cấp tỉnh không tạo được đơn vị gốc" in root.content.decode()
    assert not OrgUnit.objects.filter(key="goc-moi").exists()


def test_the_province_itself_is_read_only(client, qn_admin):
    province = unit("qn")
    response = client.post(change_url(province), unit_form(key="qn", name="Đổi", kind="province"))
    assert response.status_code == 403
    assert unit("qn").name == province.name


def test_groups_and_their_members_stay_in_the_province(client, qn_admin):
    body = client.get(reverse("admin:orgunits_unitgroup_changelist")).content.decode()
    assert "Các sở, ban, ngành có liên quan" in body
    assert client.get(change_url(UnitGroup.objects.get(key="na-so-nganh"))).status_code == 302
    data = {
        "key": "qn-thu",
        "name": "Nhóm thử",
        "scope": unit("qn").pk,
        "rule_kinds": "[]",
        "rule_depth": "own",
        "explicit_members": [unit("qn-tai-chinh").pk, unit("na-tai-chinh").pk],
        "note": "",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    refused = client.post(reverse("admin:orgunits_unitgroup_add"), data)
    assert refused.status_code == 200 and not UnitGroup.objects.filter(key="qn-thu").exists()
    data["explicit_members"] = [unit("qn-tai-chinh").pk]
    assert client.post(reverse("admin:orgunits_unitgroup_add"), data).status_code == 302
    assert list(UnitGroup.objects.get(key="qn-thu").explicit_members.all()) == [
        unit("qn-tai-chinh")
    ]


def test_aliases_of_the_province_only(client, qn_admin):
    url = reverse("admin:orgunits_unitalias_add")
    ok = client.post(url, {"name": "STC Quảng Ngãi", "unit": unit("qn-tai-chinh").pk, "group": ""})
    assert ok.status_code == 302 and UnitAlias.objects.filter(name="STC Quảng Ngãi").exists()
    client.post(url, {"name": "STC Nghệ An", "unit": unit("na-tai-chinh").pk, "group": ""})
    assert not UnitAlias.objects.filter(name="STC Nghệ An").exists()
    listing = client.get(reverse("admin:orgunits_unitalias_changelist"), {"q": "Tài chính"})
    assert "Nghệ An" not in listing.content.decode()


def test_alias_import_is_limited_to_the_province():
    data = tablib.Dataset(headers=["id", "name", "unit", "group"])
    data.append(["", "Tài chính QN", "qn-tai-chinh", ""])
    data.append(["", "Tài chính NA", "na-tai-chinh", ""])
    # (the admin previews first and offers no confirmation while a row is invalid)
    result = UnitAliasResource(province=unit("qn")).import_data(
        data, dry_run=False, rollback_on_validation_errors=True
    )
    assert [row.number for row in result.invalid_rows] == [2]
    assert not UnitAlias.objects.filter(name__in=["Tài chính QN", "Tài chính NA"]).exists()
    result = UnitAliasResource(province=None).import_data(data, dry_run=False)  # superuser
    assert not result.has_errors() and not result.has_validation_errors()


def account_form(username, unit_pk, role="officer"):
    return {
        "username": username,
        "usable_password": "true",
        "password1": "mat-khau-rat-dai-2025",
        "password2": "mat-khau-rat-dai-2025",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "1",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-unit": unit_pk,
        "profile-0-role": role,
    }


def test_accounts_of_the_province(client, qn_admin):
    na_user = User.objects.create_user("cb-na")
    Profile.objects.create(user=na_user, unit=unit("na-tai-chinh"))
    qn_user = User.objects.create_user("cb-qn")
    Profile.objects.create(user=qn_user, unit=unit("qn-tai-chinh"))
    User.objects.create_superuser("sieu-quan-tri")
    body = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "cb-qn" in body and "cb-na" not in body and "sieu-quan-tri" not in body
    assert client.get(change_url(na_user)).status_code == 302
    page = client.get(change_url(qn_user)).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page

    add = reverse("admin:auth_user_add")
    commune = OrgUnit.objects.get(admin_code="21370")
    response = client.post(add, account_form("cb-phuocgiang", commune.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="cb-phuocgiang")
    assert created.profile.unit == commune and not created.is_staff
    client.post(add, account_form("qt-moi", unit("qn").pk, "province_admin"))
    assert User.objects.get(username="qt-moi").is_staff  # may use this admin
    refused = client.post(add, account_form("cb-nghean", unit("na-tai-chinh").pk))
    assert refused.status_code == 200 and not User.objects.filter(username="cb-nghean").exists()
    without_unit = account_form("cb-khong-don-vi", "")
    assert client.post(add, without_unit).status_code == 200
    assert not User.objects.filter(username="cb-khong-don-vi").exists()
    delete = reverse("admin:auth_user_delete", args=[qn_user.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403  # deactivate instead


def test_admin_of_another_province_is_refused(client):
    client.force_login(province_admin("qt-na", "na"))
    qn_unit = unit("qn-tai-chinh")
    assert client.get(change_url(qn_unit)).status_code == 302
    client.post(change_url(qn_unit), unit_form(key=qn_unit.key, name="Bị đổi", kind="department"))
    assert unit("qn-tai-chinh").name == qn_unit.name
    body = client.get(reverse("admin:orgunits_orgunit_changelist"), {"q": "Tài chính"})
    assert "Quảng Ngãi" not in body.content.decode()
    group = UnitGroup.objects.get(key="qn-ubnd-xa")
    assert client.get(change_url(group)).status_code == 302
    alias = UnitAlias.objects.filter(unit__tree_id=qn_unit.tree_id).first()
    assert client.get(change_url(alias)).status_code == 302
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"term": "Tài chính", "app_label": "orgunits", "model_name": "profile",
         "field_name": "unit"},
    )  # fmt: skip
    assert (
        autocomplete.status_code == 200
        and "Quảng Ngãi" not in autocomplete.json()["results"][0]["text"]
    )


def test_officers_and_reviewers_have_no_admin(client):
    user = User.objects.create_user("cb", is_staff=False)
    Profile.objects.create(user=user, unit=unit("qn-tai-chinh"))
    client.force_login(user)
    response = client.get(reverse("admin:orgunits_orgunit_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
