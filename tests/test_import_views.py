"""The import/export pages, the admin actions and the import_appendix command."""

import importlib.util
import io
import re
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from orgunits.models import OrgUnit, Profile, UnitAlias
from plans.models import Plan
from tasks.models import Task
from tasks.xlsx_writer import write_rows

pytestmark = pytest.mark.django_db

_spec = importlib.util.spec_from_file_location(
    "make_seed_xlsx", Path(settings.BASE_DIR) / "fixtures/make_seed_xlsx.py"
)
make_seed_xlsx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_seed_xlsx)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def draft():
    return Plan.objects.create(title="Dự thảo kế hoạch thử", issuer=OrgUnit.objects.get(key="qn"))


def login(client, username, unit_key=None, role=Profile.Role.OFFICER, superuser=False):
    if superuser:
        user = User.objects.create_superuser(username, password="mat-khau-dai-123")
    else:
        user = User.objects.create_user(username, password="mat-khau-dai-123")
        Profile.objects.create(user=user, unit=OrgUnit.objects.get(key=unit_key), role=role)
    client.force_login(user)
    return user


def upload(client, plan, data, name="phu-luc.xlsx"):
    url = reverse("tasks:import_upload", args=[plan.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def token_of(response):
    return re.search(r"/nhap-phu-luc/([0-9a-f]{32})/", response["Location"]).group(1)


# --- the officer flow -----------------------------------------------------------------------


def test_upload_preview_confirm(client, draft, media):
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Nhập phụ lục từ Excel" in page
    assert client.get(reverse("tasks:import_upload", args=[draft.pk])).status_code == 200

    response = upload(client, draft, make_seed_xlsx.build("001"), "17-KH-UBND.xlsx")
    assert response.status_code == 302
    token = token_of(response)
    stored = list((media / "imports").iterdir())
    assert [p.name for p in stored] == [f"{token}.xlsx"]  # named by the token only
    assert not Task.objects.filter(plan=draft).exists()  # nothing saved by the preview

    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "6 mục, 21 nhiệm vụ, 3 nội dung chi tiết" in body
    assert "0 tên đơn vị chưa xác định" in body
    assert "30 dòng thêm mới" in body and "Xác nhận lưu phụ lục" in body
    assert "Ủy ban nhân dân các xã, phường, đặc khu" in body  # resolved group shown

    confirm = reverse("tasks:import_confirm", args=[draft.pk, token])
    done = client.post(confirm, {"version": draft.version}, follow=True)
    assert done.redirect_chain[-1][0] == draft.get_absolute_url()
    assert "Đã nhập phụ lục" in done.content.decode()
    assert Task.objects.filter(plan=draft).count() == 30
    assert not (media / "imports" / f"{token}.xlsx").exists()
    # confirming twice does not duplicate rows
    again = client.post(confirm, {"version": draft.version})
    assert again.status_code == 302 and "/nhap-phu-luc/" in again["Location"]
    assert Task.objects.filter(plan=draft).count() == 30


def test_preview_shows_each_timeframe_read_in_words(client, draft):
    """What the parser read is said in words beside the cell as written (tasks.timeframes);
    a cell it cannot read says so, an empty one says nothing."""
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    cells = {
        "1": ("Quý III/2025", "once", "hạn 30/09/2025"),
        "2": ("12/2025", "once", "hạn 31/12/2025"),
        "3": ("Thường xuyên, hằng năm", "ongoing", "thường xuyên, báo cáo hằng năm"),
        "4": ("Quý IV hằng năm", "yearly", "hằng năm, hạn 31/12"),
        "5": ("Giai đoạn 2026-2030", "span", "giai đoạn 2026–2030"),
        "6": ("Quý IV/2026, 2027", "once", "hạn 31/12/2027 (giai đoạn 2026–2027)"),
        "7": ("2025 và những năm tiếp theo", "ongoing", "thường xuyên, từ năm 2025"),
        "8": ("Khi có yêu cầu", "unparsed", "chưa đọc được thời hạn"),
        "9": ("", None, None),
    }
    data = write_rows(
        [
            (False, stt, f"Nhiệm vụ {stt}", "Sở Tài chính", "", "", text)
            for stt, (text, _kind, _words) in cells.items()
        ]  # fmt: skip
    )
    body = client.get(upload(client, draft, data)["Location"]).content.decode()
    rows = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", body, re.S)
    by_stt = {re.search(r'class="stt[^"]*">([^<]*)<', row).group(1): row for row in rows
              if 'class="stt' in row}  # fmt: skip
    for stt, (text, kind, words) in cells.items():
        cell = re.findall(r"<td>(.*?)</td>", by_stt[stt], re.S)[-1]
        if kind is None:
            assert "→" not in cell and "schedule" not in cell
            continue
        assert text in cell
        assert f'<div class="schedule schedule-{kind}">→ {words}</div>' in cell, (stt, cell)


def test_preview_lists_problems_and_blocks_confirmation(client, draft):
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    data = write_rows(
        [
            (False, "1", "", "Sở Tài chính", "", "", "2026"),
            (False, "3", "Nhiệm vụ ba", "Sở Không Tồn Tại", "", "", "lúc nào đó"),
        ]
    )
    response = upload(client, draft, data)
    body = client.get(response["Location"]).content.decode()
    assert "thiếu nội dung nhiệm vụ" in body
    # an unknown name is listed as a warning (saved as unresolved), never an error
    assert "chưa xác định được đơn vị “Sở Không Tồn Tại”" in body
    assert "chưa đọc được thời gian thực hiện" in body
    assert re.search(r"<button[^>]*disabled[^>]*>Xác nhận lưu phụ lục", body)
    confirm = reverse("tasks:import_confirm", args=[draft.pk, token_of(response)])
    client.post(confirm, {"version": draft.version})
    assert not Task.objects.filter(plan=draft).exists()


@pytest.mark.parametrize("name", ["phu-luc.xls", "phu-luc.csv"])
def test_xls_and_csv_uploads_ask_to_save_as_xlsx(client, draft, media, name):
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    response = upload(client, draft, b"STT,NOI DUNG\n1,a\n", name)
    assert response.status_code == 200
    assert "Excel Workbook (*.xlsx)" in response.content.decode()
    assert not (media / "imports").exists() or not list((media / "imports").iterdir())


def test_province_admin_maps_an_unknown_name_from_the_preview(client, draft):
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    data = write_rows([(False, "1", "Nhiệm vụ", "Sở Tài chíng tỉnh", "", "", "2026")])
    response = upload(client, draft, data)
    body = client.get(response["Location"]).content.decode()
    assert "Ghi nhận là tên gọi khác của" in body and "Sở Tài chính" in body
    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    alias_url = reverse("tasks:import_alias", args=[draft.pk, token_of(response)])
    done = client.post(
        alias_url, {"name": "Sở Tài chíng tỉnh", "target": f"unit:{finance.pk}"}, follow=True
    )
    assert UnitAlias.objects.filter(unit=finance, name="Sở Tài chíng tỉnh").exists()
    assert "0 tên đơn vị chưa xác định" in done.content.decode()


def test_officer_sees_the_suggestion_but_cannot_add_aliases(client):
    login(client, "cb", "qn", Profile.Role.OFFICER)  # an officer of the issuing unit
    draft = Plan.objects.create(title="Dự thảo", issuer=OrgUnit.objects.get(key="qn"))
    data = write_rows([(False, "1", "Nhiệm vụ", "Sở Tài chíng tỉnh", "", "", "2026")])
    response = upload(client, draft, data)
    body = client.get(response["Location"]).content.decode()
    assert "hãy đề nghị quản trị cấp tỉnh" in body and "Sở Tài chính" in body
    assert "Ghi nhận là tên gọi khác của" not in body
    alias_url = reverse("tasks:import_alias", args=[draft.pk, token_of(response)])
    finance = OrgUnit.objects.get(key="qn-tai-chinh")
    denied = client.post(alias_url, {"name": "Sở Tài chíng tỉnh", "target": f"unit:{finance.pk}"})
    assert denied.status_code == 403
    assert not UnitAlias.objects.filter(name="Sở Tài chíng tỉnh").exists()


# --- permissions ------------------------------------------------------------------------------


def _urls(plan, token="0" * 32):
    return [
        ("get", reverse("tasks:import_upload", args=[plan.pk])),
        ("post", reverse("tasks:import_upload", args=[plan.pk])),
        ("get", reverse("tasks:import_preview", args=[plan.pk, token])),
        ("post", reverse("tasks:import_confirm", args=[plan.pk, token])),
        ("post", reverse("tasks:import_alias", args=[plan.pk, token])),
    ]


def test_users_who_cannot_edit_get_403_or_404(client, draft):
    # A province admin prepares an upload…
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    token = token_of(upload(client, draft, make_seed_xlsx.build("001")))
    issued = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    # …an officer of a department sees the issued plan (403) but not the draft (404)…
    login(client, "so-tc", "qn-tai-chinh", Profile.Role.OFFICER)
    for method, url in _urls(issued):
        assert getattr(client, method)(url).status_code == 403, url
    for method, url in _urls(draft, token):
        assert getattr(client, method)(url, {"version": 1}).status_code == 404, url
    # …and another province sees neither.
    login(client, "na", "na", Profile.Role.PROVINCE_ADMIN)
    for method, url in _urls(issued):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("tasks:export_appendix", args=[issued.pk])).status_code == 404
    assert not Task.objects.filter(plan=draft).exists()


def test_someone_elses_upload_token_is_not_usable(client, draft):
    login(client, "qtt", "qn", Profile.Role.PROVINCE_ADMIN)
    token = token_of(upload(client, draft, make_seed_xlsx.build("001")))
    login(client, "qtt2", "qn", Profile.Role.PROVINCE_ADMIN)  # another session
    confirm = reverse("tasks:import_confirm", args=[draft.pk, token])
    response = client.post(confirm, {"version": draft.version})
    assert response.status_code == 302 and response["Location"].endswith("/nhap-phu-luc/")
    assert not Task.objects.filter(plan=draft).exists()
    bad = reverse("tasks:import_preview", args=[draft.pk, "..%2F..%2Fsettings"])
    assert client.get(bad).status_code in (302, 404)


# --- export ---------------------------------------------------------------------------------


def test_export_download_for_anyone_who_sees_the_plan(client):
    login(client, "so-tc", "qn-tai-chinh", Profile.Role.OFFICER)
    plan = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Xuất phụ lục Excel" in page and "Nhập phụ lục từ Excel" not in page
    response = client.get(reverse("tasks:export_appendix", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="phu-luc-17-kh-ubnd.xlsx"' in response["Content-Disposition"]
    assert response.content.startswith(b"PK")


# --- admin ----------------------------------------------------------------------------------


def test_admin_import_view_uses_the_same_preview_and_confirm(client, draft):
    login(client, "root", superuser=True)
    url = reverse("admin:plans_plan_import_appendix", args=[draft.pk])
    change = client.get(reverse("admin:plans_plan_change", args=[draft.pk])).content.decode()
    assert url in change and "Xuất phụ lục Excel" in change
    assert client.get(url).status_code == 200
    data = make_seed_xlsx.build("001")
    response = client.post(url, {"file": SimpleUploadedFile("a.xlsx", data, content_type=XLSX)})
    assert response.status_code == 302
    token = response["Location"].split("token=")[1]
    body = client.get(response["Location"]).content.decode()
    assert "6 mục, 21 nhiệm vụ, 3 nội dung chi tiết" in body
    done = client.post(f"{url}?token={token}", {"action": "confirm", "version": draft.version})
    assert done.status_code == 302
    assert Task.objects.filter(plan=draft).count() == 30


def test_admin_actions_export_and_import(client, draft):
    login(client, "root", superuser=True)
    changelist = reverse("admin:plans_plan_changelist")
    plans = Plan.objects.filter(seed_key__in=["qn-17-kh-ubnd", "na-686-kh-ubnd"])
    response = client.post(
        changelist,
        {"action": "export_appendix_action", "_selected_action": [p.pk for p in plans]},
    )
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["phu-luc-17-kh-ubnd.xlsx", "phu-luc-686-kh-ubnd.xlsx"]
    response = client.post(
        changelist, {"action": "import_appendix_action", "_selected_action": [draft.pk]}
    )
    assert response["Location"] == reverse("admin:plans_plan_import_appendix", args=[draft.pk])


def test_admin_import_refused_for_a_superseded_plan(client):
    login(client, "root", superuser=True)
    plan = Plan.objects.get(seed_key="kt-kh-ubnd")  # superseded: nobody edits it
    url = reverse("admin:plans_plan_import_appendix", args=[plan.pk])
    assert client.get(url).status_code == 403


def test_unit_aliases_have_import_export_in_the_admin(client):
    login(client, "root", superuser=True)
    assert client.get(reverse("admin:orgunits_unitalias_import")).status_code == 200
    assert client.get(reverse("admin:orgunits_unitalias_export")).status_code == 200
    units = client.get(reverse("admin:orgunits_orgunit_changelist"))
    assert units.status_code == 200 and reverse("admin:orgunits_orgunit_export") in units.text


# --- command --------------------------------------------------------------------------------


def test_command_dry_run_prints_summary_and_saves_nothing(tmp_path, draft):
    path = tmp_path / "seed-001.xlsx"
    path.write_bytes(make_seed_xlsx.build("001"))
    out = StringIO()
    call_command("import_appendix", str(path), "--plan", "17/KH-UBND", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "6 mục, 21 nhiệm vụ, 3 nội dung chi tiết" in text
    assert "0 dòng thêm mới, 0 dòng sửa, 0 dòng bị xóa, 30 dòng giữ nguyên" in text


def test_command_imports_into_a_plan_by_seed_key(tmp_path):
    plan = Plan.objects.get(seed_key="pg-kh-ubnd")
    plan.tasks.all().delete()
    path = tmp_path / "pg.xlsx"
    path.write_bytes(
        write_rows(
            [(False, "1", "Nhiệm vụ của xã", "Trung tâm Cung ứng dịch vụ công xã", "", "", "2026")]
        )
    )
    out = StringIO()
    call_command("import_appendix", str(path), "--plan", "pg-kh-ubnd", stdout=out)
    assert "1 dòng thêm mới" in out.getvalue()
    assert plan.tasks.count() == 1


def test_command_fails_on_errors(tmp_path, draft):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(write_rows([(False, "1", "", "Sở Tài chính", "", "", "")]))  # no content
    with pytest.raises(CommandError, match="lỗi"):
        call_command(
            "import_appendix", str(path), "--plan", str(draft.pk), stdout=StringIO(),
            stderr=StringIO(),
        )  # fmt: skip
    assert not draft.tasks.exists()
    with pytest.raises(CommandError, match="Excel Workbook"):
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b")
        call_command("import_appendix", str(bad), "--plan", str(draft.pk), stdout=StringIO())
    with pytest.raises(CommandError, match="Không tìm thấy kế hoạch"):
        call_command("import_appendix", str(path), "--plan", "999/KH-X", stdout=StringIO())
