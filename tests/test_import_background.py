"""Large uploads are read by a Celery job with a time limit; the preview polls for it."""

import importlib.util
import io
import re
import time
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app as celery_app
from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks import import_jobs, xlsx_safety
from tasks import tasks as jobs
from tasks.models import Task

pytestmark = pytest.mark.django_db


def _load(name):
    spec = importlib.util.spec_from_file_location(
        name, Path(settings.BASE_DIR) / f"fixtures/{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_seed_xlsx = _load("make_seed_xlsx")
hostile = _load("make_hostile_xlsx")


@pytest.fixture(autouse=True)
def background(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_BACKGROUND_BYTES = 0  # every upload is read by the job
    cache.clear()


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def queued(monkeypatch):
    """The job is queued but no worker runs it (yet)."""
    calls = []
    monkeypatch.setattr(jobs.read_appendix_upload, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def draft(client):
    user = User.objects.create_user("qtt", password="mat-khau-dai-123")
    Profile.objects.create(
        user=user, unit=OrgUnit.objects.get(key="qn"), role=Profile.Role.PROVINCE_ADMIN
    )
    client.force_login(user)
    return Plan.objects.create(title="Dự thảo kế hoạch thử", issuer=OrgUnit.objects.get(key="qn"))


def upload(client, plan, data, name="17-KH-UBND.xlsx"):
    response = client.post(
        reverse("tasks:import_upload", args=[plan.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 302
    token = re.search(r"/nhap-phu-luc/([0-9a-f]{32})/", response["Location"]).group(1)
    return response["Location"], token


def test_the_job_has_time_limits_and_is_not_redelivered():
    task = jobs.read_appendix_upload
    assert task.soft_time_limit == settings.IMPORT_READ_SOFT_SECONDS == 60
    assert task.time_limit == 75
    assert task.acks_late is False


def test_small_uploads_are_still_read_in_the_request(client, draft, settings, queued):
    settings.IMPORT_BACKGROUND_BYTES = 10 * 1024 * 1024
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    assert "30 dòng thêm mới" in client.get(url).content.decode()
    assert queued == [] and import_jobs.get(token) is None


def test_without_a_shared_cache_large_uploads_are_read_in_the_request(
    client, draft, settings, queued
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    assert "30 dòng thêm mới" in client.get(url).content.decode()
    assert queued == []


def test_an_upload_small_on_disk_but_large_unzipped_is_read_in_the_background(
    client, draft, settings, queued
):
    data = make_seed_xlsx.build("001")
    settings.IMPORT_BACKGROUND_BYTES = len(data) + 1
    url, token = upload(client, draft, data)
    assert "30 dòng thêm mới" in client.get(url).content.decode()  # read in the request
    settings.IMPORT_BACKGROUND_BYTES = len(data) // import_jobs.UNZIPPED_FACTOR
    url, token = upload(client, draft, data)
    assert "Đang đọc tệp…" in client.get(url).content.decode()
    assert queued == [(token, "17-KH-UBND.xlsx")]


def _plain_sheet(rows: int) -> bytes:
    """An appendix-like sheet of eight columns (shared strings, as Excel writes them)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung", "Chủ trì", "Phối hợp", "Thời hạn", "Sản phẩm", "Ghi chú", "KP"])
    for i in range(rows):
        ws.append([i + 1, f"Nhiệm vụ {i}", "Sở Tài chính", "UBND huyện", "Năm 2026", "Báo cáo",
                   "", 100])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("rows", "background"), [(30, False), (150, False), (400, True),
                                                  (1200, True)])  # fmt: skip
def test_row_estimate_sends_a_few_hundred_rows_to_the_job(tmp_path, settings, rows, background):
    settings.IMPORT_BACKGROUND_BYTES = 10 * 1024 * 1024  # small on disk, either way
    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes(_plain_sheet(rows))
    assert path.stat().st_size < 100 * 1024
    estimate = xlsx_safety.estimated_rows(path)
    assert rows * 0.8 <= estimate <= rows * 1.5
    assert import_jobs.in_background(path) is background


def test_seed_appendix_row_estimate_stays_in_the_request(tmp_path):
    path = tmp_path / "seed.xlsx"
    path.write_bytes(make_seed_xlsx.build("001"))  # 30 tasks, 39 rows
    assert 30 <= xlsx_safety.estimated_rows(path) < settings.IMPORT_BACKGROUND_ROWS


def test_an_upload_of_a_few_hundred_rows_is_read_in_the_background(client, draft, settings, queued):
    settings.IMPORT_BACKGROUND_BYTES = 10 * 1024 * 1024
    url, token = upload(client, draft, _plain_sheet(400))
    assert "Đang đọc tệp…" in client.get(url).content.decode()
    assert queued == [(token, "17-KH-UBND.xlsx")]


def test_large_upload_shows_reading_then_polls_until_the_preview(client, draft, queued):
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Đang đọc tệp…" in body and f'hx-get="{url}"' in body
    assert "vendor/htmx-2.0.11/htmx.min.js" in body
    assert queued == [(token, "17-KH-UBND.xlsx")]

    poll = client.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Đang đọc tệp…" in poll.content.decode()
    assert "<html" not in poll.content.decode()  # the part only
    assert len(queued) == 1  # polling does not queue the job again

    jobs.read_appendix_upload(token, "17-KH-UBND.xlsx")  # the worker runs it
    assert import_jobs.get(token).state == "done"
    poll = client.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Redirect"] == url

    preview = client.get(url).content.decode()
    assert "6 mục, 21 nhiệm vụ, 3 nội dung chi tiết" in preview and "30 dòng thêm mới" in preview

    confirm = reverse("tasks:import_confirm", args=[draft.pk, token])
    done = client.post(confirm, {"version": draft.version}, follow=True)
    assert "Đã nhập phụ lục" in done.content.decode()
    assert Task.objects.filter(plan=draft).count() == 30
    assert import_jobs.get(token) is None


def test_eager_celery_reads_at_once_and_shows_the_preview(client, draft, eager):
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    body = client.get(url).content.decode()
    assert "30 dòng thêm mới" in body and "Đang đọc tệp" not in body
    assert import_jobs.get(token).state == "done"


def test_hostile_file_read_in_the_job_is_refused_with_its_message(client, draft, eager):
    url, token = upload(client, draft, hostile.row_jump(), "phu-luc.xlsx")
    page = client.get(url, follow=True)
    assert page.status_code == 200
    assert "có hơn 10.000 dòng bên dưới dòng tiêu đề" in page.content.decode()
    assert page.redirect_chain[-1][0] == reverse("tasks:import_upload", args=[draft.pk])
    assert not (Path(settings.MEDIA_ROOT) / "imports" / f"{token}.xlsx").exists()


def test_a_job_over_its_soft_time_limit_answers_in_vietnamese(client, draft, queued, monkeypatch):
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    client.get(url)

    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(jobs, "read_appendix", slow)
    assert jobs.read_appendix_upload(token, "17-KH-UBND.xlsx") == "too slow"
    page = client.get(url, follow=True)
    assert "Đọc tệp mất quá nhiều thời gian (hơn 60 giây)" in page.content.decode()


def test_a_job_killed_without_answering_is_reported(client, draft, queued):
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    client.get(url)
    job = import_jobs.get(token)
    job.started = time.time() - import_jobs.hard_limit() - 60
    cache.set(import_jobs.KEY.format(token=token), job)
    page = client.get(url, follow=True)
    assert "Đọc tệp mất quá nhiều thời gian" in page.content.decode()


def test_someone_else_cannot_poll_or_read_the_job(client, draft, queued):
    url, token = upload(client, draft, make_seed_xlsx.build("001"))
    jobs.read_appendix_upload(token, "17-KH-UBND.xlsx")
    other = User.objects.create_user("qtt2", password="mat-khau-dai-123")
    Profile.objects.create(
        user=other, unit=OrgUnit.objects.get(key="qn"), role=Profile.Role.PROVINCE_ADMIN
    )
    client.force_login(other)
    response = client.get(url)
    assert response.status_code == 302 and "/nhap-phu-luc/" in response["Location"]
    assert "30 dòng thêm mới" not in client.get(url, follow=True).content.decode()


def test_the_read_reports_progress_every_few_hundred_rows_and_the_page_shows_it(
    client, draft, queued
):
    """A 1,200-row sheet: the job records its progress as it reads (every PROGRESS_ROWS
    rows, not per row); the page polling it shows a bar with the percentage."""
    from tasks.xlsx_reader import PROGRESS_ROWS

    url, token = upload(client, draft, _plain_sheet(1200), "lon.xlsx")
    assert "Đang đọc tệp…" in client.get(url).content.decode()
    assert 'aria-valuenow="0"' in client.get(url).content.decode()
    seen = []
    real = import_jobs.progress

    def watch(tok, rows_read, rows_expected):
        real(tok, rows_read, rows_expected)
        job = import_jobs.get(tok)
        poll = client.get(url, headers={"HX-Request": "true"}).content.decode()
        seen.append((rows_read, job.percent, f'aria-valuenow="{job.percent}"' in poll))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(import_jobs, "progress", watch)
        assert jobs.read_appendix_upload(*queued[0]) == "done"
    assert [r for r, _p, _shown in seen] == list(range(PROGRESS_ROWS, 1201, PROGRESS_ROWS))
    percents = [p for _r, p, _shown in seen]
    assert percents == sorted(percents) and 0 < percents[0] < 30 and 70 < percents[-1] <= 99
    assert all(shown for _r, _p, shown in seen)
    job = import_jobs.get(token)
    assert job.state == "done" and job.percent == 100


def test_the_reading_page_says_how_many_rows_are_read(client, draft, queued):
    url, token = upload(client, draft, _plain_sheet(600), "vua.xlsx")
    client.get(url)
    import_jobs.progress(token, 400, 620)
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Đã đọc 400 / khoảng 620 dòng." in body and "64%" in body and "pct-60" in body
    assert ' style="' not in body
