"""National rights (quyền theo dõi toàn quốc) come only from THE national unit — NHCSXH Việt
Nam in the central bodies' tree — and only a superuser can attach an account to it.

The escalation this guards against (issue 15): a provincial admin creates, in the admin, a unit
of kind "NHCSXH Việt Nam" under their province, then a reviewer account on it, and that account
reads every province's plans, reports and dashboards."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from orgunits.access import actor_for, is_national_unit, national_units
from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from reports.models import ProgressReport

pytestmark = pytest.mark.django_db

CENTRAL_ONLY = ["nhcsxh_head", "ministry", "central", "province", "district"]


def unit(key):
    return OrgUnit.objects.get(key=key)


@pytest.fixture
def qn_admin(client):
    user = User.objects.create_user("quantri.qn", is_staff=True)
    Profile.objects.create(user=user, unit=unit("qn"), role=Profile.Role.PROVINCE_ADMIN)
    client.force_login(user)
    return user


def unit_form(**values):
    data = {
        "key": "", "name": "", "short_name": "", "kind": "other", "admin_code": "",
        "parent": "", "successor": "", "note": "",
        "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0", "aliases-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(values)
    return data


def account_form(username, unit_pk, role="reviewer"):
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


def planted_head(parent_key="qn", key="qn-nhcsxh-vn-gia"):
    """A unit of kind NHCSXH Việt Nam written straight into a province's tree (bypassing every
    form and clean), as an old escalation or a bad import would leave it."""
    head = OrgUnit(key=key, name="Ngân hàng Chính sách xã hội Việt Nam", kind="nhcsxh_head",
                   parent=unit(parent_key))  # fmt: skip
    head.save()
    return head


def reviewer_on(unit_obj, username="gia.toanquoc"):
    user = User.objects.create_user(username)
    Profile.objects.create(user=user, unit=unit_obj, role=Profile.Role.REVIEWER)
    return user


# --- the admin refuses every step of the chain ------------------------------------------------


@pytest.mark.parametrize("kind", CENTRAL_ONLY)
def test_province_admin_cannot_create_a_central_kind_in_the_province(client, qn_admin, kind):
    url = reverse("admin:orgunits_orgunit_add")
    page = client.get(url).content.decode()
    assert f'value="{kind}"' not in page  # not offered
    assert 'value="nhcsxh_branch"' in page and 'value="commune_office"' in page
    for parent in (unit("qn"), OrgUnit.objects.get(admin_code="21370")):
        response = client.post(url, unit_form(key=f"gia-{kind}", name="Đơn vị giả", kind=kind,
                                              parent=parent.pk))  # fmt: skip
        assert response.status_code == 200
        assert not OrgUnit.objects.filter(key=f"gia-{kind}").exists()


def test_province_admin_cannot_create_under_the_central_tree(client, qn_admin):
    url = reverse("admin:orgunits_orgunit_add")
    for kind in ("nhcsxh_head", "other"):
        client.post(url, unit_form(key=f"tw-gia-{kind}", name="Giả", kind=kind,
                                   parent=unit("tw").pk))  # fmt: skip
        assert not OrgUnit.objects.filter(key=f"tw-gia-{kind}").exists()


def test_province_admin_cannot_turn_a_unit_into_nhcsxh_head(client, qn_admin):
    stc = unit("qn-tai-chinh")
    url = reverse("admin:orgunits_orgunit_change", args=[stc.pk])
    response = client.post(url, unit_form(key=stc.key, name=stc.name, kind="nhcsxh_head",
                                          parent=stc.parent_id))  # fmt: skip
    assert response.status_code == 200
    assert unit("qn-tai-chinh").kind == "department"


def test_province_admin_keeps_editing_a_district_of_the_province(client):
    """Kinds outside the province list that a unit already has (a former district of Kon Tum)
    stay editable: only the central kinds are refused."""
    district = OrgUnit.objects.filter(kind="district").first()
    admin = User.objects.create_user("quantri.kt", is_staff=True)
    Profile.objects.create(user=admin, unit=district.province(), role="province_admin")
    client.force_login(admin)
    url = reverse("admin:orgunits_orgunit_change", args=[district.pk])
    response = client.post(url, unit_form(key=district.key, name=district.name, kind="district",
                                          short_name="Đổi tên ngắn",
                                          parent=district.parent_id))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert unit(district.key).short_name == "Đổi tên ngắn"
    response = client.post(
        url,
        unit_form(
            key=district.key, name=district.name, kind="nhcsxh_head", parent=district.parent_id
        ),
    )
    assert response.status_code == 200 and unit(district.key).kind == "district"


def test_province_admin_cannot_attach_an_account_to_the_national_unit(client, qn_admin):
    add = reverse("admin:auth_user_add")
    refused = client.post(add, account_form("gia.tw", unit("tw-nhcsxh").pk))
    assert refused.status_code == 200
    assert not User.objects.filter(username="gia.tw").exists()
    # nor move an account of the province there
    user = reviewer_on(unit("qn-nhcsxh"), "cb.qn")
    profile = user.profile
    change = reverse("admin:auth_user_change", args=[user.pk])
    data = {
        "username": "cb.qn", "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "1", "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": profile.pk, "profile-0-user": user.pk,
        "profile-0-unit": unit("tw-nhcsxh").pk, "profile-0-role": "reviewer",
    }  # fmt: skip
    assert client.post(change, data).status_code == 200
    assert Profile.objects.get(pk=profile.pk).unit == unit("qn-nhcsxh")


def test_province_admin_cannot_attach_an_account_to_a_planted_head(client, qn_admin):
    head = planted_head()
    add = reverse("admin:auth_user_add")
    response = client.post(add, account_form("gia.qn", head.pk))
    assert response.status_code == 200
    assert "NHCSXH Việt Nam" in response.content.decode()
    assert not User.objects.filter(username="gia.qn").exists()


def test_superuser_attaches_an_account_to_the_national_unit(client):
    client.force_login(User.objects.create_superuser("sieu"))
    response = client.post(reverse("admin:auth_user_add"),
                           account_form("nhcsxh.vn", unit("tw-nhcsxh").pk))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert actor_for(User.objects.get(username="nhcsxh.vn")).is_national


def test_staff_without_superuser_cannot_attach_to_the_national_unit(client):
    """A staff account given Django's user permissions is still not a superuser."""
    from django.contrib.auth.models import Permission

    staff = User.objects.create_user("nhanvien", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=[
        "add_user", "change_user", "view_user", "add_profile", "change_profile",
        "view_profile", "view_orgunit",
    ]))  # fmt: skip
    client.force_login(staff)
    response = client.post(reverse("admin:auth_user_add"),
                           account_form("gia.staff", unit("tw-nhcsxh").pk))  # fmt: skip
    assert response.status_code in (200, 403)
    assert not User.objects.filter(username="gia.staff").exists()


# --- the model refuses central kinds in a province --------------------------------------------


@pytest.mark.parametrize("kind", ["nhcsxh_head", "ministry", "central"])
def test_model_clean_refuses_central_kinds_in_a_province(kind):
    bad = OrgUnit(key="gia", name="Giả", kind=kind, parent=unit("qn-nhcsxh"))
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "kind" in caught.value.message_dict


def test_model_clean_allows_one_national_unit_only():
    unit("tw-nhcsxh").full_clean()  # the seeded one is valid
    second = OrgUnit(key="tw-nhcsxh-2", name="NHCSXH Việt Nam 2", kind="nhcsxh_head",
                     parent=unit("tw"))  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "kind" in caught.value.message_dict
    root = OrgUnit(key="nhcsxh-goc", name="NHCSXH gốc", kind="nhcsxh_head")
    with pytest.raises(ValidationError):
        root.full_clean()


# --- a planted head grants nothing national ---------------------------------------------------


def test_the_one_definition():
    assert is_national_unit(unit("tw-nhcsxh"))
    assert list(national_units()) == [unit("tw-nhcsxh")]
    head = planted_head()
    assert not is_national_unit(head)
    root = OrgUnit(key="nhcsxh-goc", name="NHCSXH gốc", kind="nhcsxh_head")
    root.save()  # a tree of its own: outside the central bodies' tree
    assert not is_national_unit(root)
    assert not is_national_unit(unit("tw"))
    assert list(national_units()) == [unit("tw-nhcsxh")]


def test_a_head_planted_in_a_province_reads_nothing_of_the_others(client):
    call_command("reporting_periods", stdout=StringIO())
    user = reviewer_on(planted_head())
    assert not actor_for(user).is_national
    client.force_login(user)
    na686 = Plan.objects.get(seed_key="na-686-kh-ubnd")
    qn17 = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    listing = client.get(reverse("plans:list")).content.decode()
    assert na686.get_absolute_url() not in listing and qn17.get_absolute_url() in listing
    assert client.get(na686.get_absolute_url()).status_code == 404
    assert client.get(reverse("tasks:export_appendix", args=[na686.pk])).status_code == 404
    assert client.get(reverse("dashboards:dashboard_national")).status_code == 404
    assert client.get(reverse("dashboards:dashboard_national_xlsx")).status_code == 404
    home = client.get(reverse("dashboards:dashboard_home"))
    assert home.status_code == 302
    assert home["Location"] != reverse("dashboards:dashboard_national")
    na_unit = unit("na")
    assert client.get(reverse("dashboards:dashboard", args=[na_unit.pk])).status_code in (403, 404)
    na_report = ProgressReport.objects.filter(period__plan=na686).first()
    assert client.get(reverse("reports:report_detail", args=[na_report.pk])).status_code == 404


def test_the_national_unit_still_reads_every_province(client):
    user = reviewer_on(unit("tw-nhcsxh"), "nhcsxh.vn")
    assert actor_for(user).is_national
    client.force_login(user)
    na686 = Plan.objects.get(seed_key="na-686-kh-ubnd")
    assert client.get(na686.get_absolute_url()).status_code == 200
    assert client.get(reverse("dashboards:dashboard_national")).status_code == 200
