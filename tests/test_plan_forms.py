"""Creating and editing a plan's header through web forms, with every bad input refused."""

import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan

pytestmark = pytest.mark.django_db


def make_user(username, unit_key, role="officer"):
    user = User.objects.create_user(username)
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key=unit_key), role=role)
    return user


@pytest.fixture
def officer(client):
    user = make_user("stc", "qn-tai-chinh")
    client.force_login(user)
    return user


def valid_data(**overrides):
    data = {
        "submission_token": str(uuid.uuid4()),
        "kind": "plan",
        "number": "101/KH-STC",
        "title": "Kế hoạch triển khai Kế hoạch 17/KH-UBND trong ngành tài chính",
        "issuer": OrgUnit.objects.get(key="qn-tai-chinh").pk,
        "issued_on": "",
        "parent": Plan.objects.get(seed_key="qn-17-kh-ubnd").pk,
        "follow_up_unit": OrgUnit.objects.get(key="qn-nhcsxh").pk,
        "report_to_unit": OrgUnit.objects.get(key="qn-nhcsxh").pk,
        "cutoff_day": "25",
        "cutoff_month": "9",
        "first_year_cutoff": "31/12/2025",
    }
    data.update(overrides)
    return data


def post(client, data):
    return client.post(reverse("plans:create"), data)


def test_officer_creates_a_draft(client, officer):
    page = client.get(reverse("plans:create"))
    assert "Lập kế hoạch mới" in page.content.decode()
    response = post(client, valid_data())
    plan = Plan.objects.get(number="101/KH-STC")
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.status == Plan.Status.DRAFT and plan.parent.seed_key == "qn-17-kh-ubnd"
    assert plan.cutoff_for_year(2025).isoformat() == "2025-12-31"
    assert plan.history.first().history_user == officer  # who/when/what recorded


def test_double_submit_creates_one_plan(client, officer):
    data = valid_data()
    first = post(client, data)
    second = post(client, data)
    assert first["Location"] == second["Location"]
    assert Plan.objects.filter(title=data["title"]).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issued_on": "01/01/2099"}, "Ngày ban hành không được ở tương lai."),
        ({"cutoff_day": "31", "cutoff_month": "2"}, "tháng 2 chỉ có 28 ngày"),
        ({"cutoff_day": "10", "cutoff_month": "13"}, "Tháng 13 không hợp lệ"),
        ({"cutoff_day": "", "cutoff_month": ""}, "Nhập hạn báo cáo hằng năm trước khi đặt hạn"),
        ({"issued_on": "31/02/2025"}, "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy"),
        ({"parent": ""}, "Chọn văn bản cấp trên mà kế hoạch này triển khai thực hiện."),
        ({"title": ""}, "Trường này là bắt buộc."),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(client, officer, overrides, message):
    response = post(client, valid_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Plan.objects.filter(number="101/KH-STC").exists()


def test_duplicate_number_for_the_same_issuer(client, officer):
    post(client, valid_data())
    response = post(client, valid_data(title="Một kế hoạch khác"))
    assert "Cơ quan này đã có văn bản mang số, ký hiệu này." in response.content.decode()
    assert Plan.objects.filter(number="101/KH-STC").count() == 1


def test_units_of_another_province_and_other_issuers_are_refused(client, officer):
    response = post(client, valid_data(follow_up_unit=OrgUnit.objects.get(key="na-nhcsxh").pk))
    assert "không thuộc tỉnh, thành phố của kế hoạch" in response.content.decode()
    response = post(client, valid_data(issuer=OrgUnit.objects.get(key="qn-xay-dung").pk))
    assert "Bạn chỉ được lập kế hoạch cho đơn vị của mình." in response.content.decode()
    nghe_an_plan = Plan.objects.get(seed_key="na-686-kh-ubnd")
    response = post(client, valid_data(parent=nghe_an_plan.pk))  # invisible to Quảng Ngãi
    assert "không có trong danh sách văn bản đã ban hành" in response.content.decode()
    assert not Plan.objects.filter(number="101/KH-STC").exists()


def test_reviewer_cannot_create(client):
    client.force_login(make_user("nh", "qn-nhcsxh", "reviewer"))
    assert client.get(reverse("plans:create")).status_code == 403
    assert post(client, valid_data()).status_code == 403


def test_edit_with_version_check(client, officer):
    post(client, valid_data())
    plan = Plan.objects.get(number="101/KH-STC")
    url = reverse("plans:edit", args=[plan.pk])
    form = client.get(url)
    assert f'name="version" value="{plan.version}"' in form.content.decode()
    stale = valid_data(version=plan.version, title="Tiêu đề sửa lần 1")
    assert client.post(url, stale).status_code == 302
    response = client.post(url, {**stale, "title": "Tiêu đề sửa lần 2 từ trang cũ"})
    assert "Kế hoạch vừa được người khác cập nhật" in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "Tiêu đề sửa lần 1" and plan.version == 2


def test_issued_or_foreign_plans_cannot_be_edited(client, officer):
    issued = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    assert client.get(reverse("plans:edit", args=[issued.pk])).status_code == 403
    foreign = Plan.objects.get(seed_key="na-686-kh-ubnd")
    assert client.get(reverse("plans:edit", args=[foreign.pk])).status_code == 404
