"""In a real browser: a large appendix upload says "Đang đọc tệp…", htmx polls, and the
preview appears by itself once the Celery job has read the file."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks import tasks as jobs

PASSWORD = "mat-khau-dai-123"
_spec = importlib.util.spec_from_file_location(
    "make_seed_xlsx", Path(settings.BASE_DIR) / "fixtures/make_seed_xlsx.py"
)
make_seed_xlsx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_seed_xlsx)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_large_upload_preview_appears_when_the_job_is_done(
    seeded, live_server, browser, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_BACKGROUND_BYTES = 0
    queued = []
    monkeypatch.setattr(jobs.read_appendix_upload, "delay", lambda *args: queued.append(args))
    user = User.objects.create_user("qtt-browser", password=PASSWORD)
    Profile.objects.create(
        user=user, unit=OrgUnit.objects.get(key="qn"), role=Profile.Role.PROVINCE_ADMIN
    )
    plan = Plan.objects.create(title="Dự thảo kế hoạch thử", issuer=OrgUnit.objects.get(key="qn"))
    file = tmp_path / "17-KH-UBND.xlsx"
    file.write_bytes(make_seed_xlsx.build("001"))

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "qtt-browser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/ke-hoach/{plan.pk}/nhap-phu-luc/")
    page.set_input_files("input[type=file]", str(file))
    page.click("button:has-text('Xem trước')")
    page.wait_for_selector("text=Đang đọc tệp…")
    token = re.search(r"/nhap-phu-luc/([0-9a-f]{32})/", page.url).group(1)
    page.wait_for_timeout(2500)  # at least one poll while the job has not run
    assert "Đang đọc tệp…" in page.content()
    assert queued == [(token, "17-KH-UBND.xlsx")]

    jobs.read_appendix_upload(token, "17-KH-UBND.xlsx")  # the worker
    page.wait_for_selector("text=Xác nhận lưu phụ lục", timeout=15000)
    assert "30 dòng thêm mới" in page.content()
    assert errors == []
