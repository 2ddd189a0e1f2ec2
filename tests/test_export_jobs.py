"""Long exports run as Celery jobs: the consolidated report always, large dashboard tables;
a progress page polls until the download link; only the user who started it downloads."""

import io
import os
import re
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.urls import reverse

from config import export_jobs
from config import tasks as export_tasks
from config.celery import app as celery_app
from orgunits.models import Profile
from reports import consolidate
from tests.dashboard_data import TODAY, build_fixture
from tests.factories import issue_phuoc_giang, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def queued(monkeypatch):
    """The job is queued but no worker runs it (yet)."""
    calls = []
    monkeypatch.setattr(export_tasks.build_export, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def period():
    plan = issue_phuoc_giang(today=TODAY)
    return plan.reporting_periods.get(year=2026)


@pytest.fixture
def reviewer(client, period):
    user = make_user("td", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    client.force_login(user)
    return user


def _token(response) -> str:
    assert response.status_code == 302, response.status_code
    return re.search(r"/tep-xuat/([0-9a-f]{32})/$", response["Location"]).group(1)


def status_url(token):
    return reverse("reports:export_status", args=[token])


def download_url(token):
    return reverse("reports:export_download", args=[token])


def test_the_job_has_time_limits_and_is_not_redelivered(settings):
    task = export_tasks.build_export
    assert task.soft_time_limit == settings.EXPORT_SOFT_SECONDS
    assert task.time_limit == settings.EXPORT_SOFT_SECONDS + 15
    assert task.acks_late is False
    assert "config.purge_exports" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_consolidated_report_via_an_eager_job_ends_with_a_valid_file(
    client, period, reviewer, eager, fmt
):
    from docx import Document
    from openpyxl import load_workbook

    response = client.get(reverse("reports:consolidated", args=[period.pk, fmt]))
    token = _token(response)
    page = client.get(response["Location"]).content.decode()
    assert "Tải tệp" in page and download_url(token) in page and "Đang tạo tệp" not in page
    assert "pct-100" in page

    file = client.get(download_url(token))
    assert file.status_code == 200
    assert f"bao-cao-tong-hop-ky-{period.pk}-20260925.{fmt}" in file["Content-Disposition"]
    assert file["X-Content-Type-Options"] == "nosniff"
    if fmt == "xlsx":
        assert file["Content-Type"] == export_jobs.XLSX
        rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(file.content))["Tổng hợp"]]
        assert rows[0][0] == "BÁO CÁO TỔNG HỢP TÌNH HÌNH THỰC HIỆN"
    else:
        assert file["Content-Type"] == export_jobs.DOCX
        text = "\n".join(p.text for p in Document(io.BytesIO(file.content)).paragraphs)
        assert "\nBÁO CÁO\nTổng hợp tình hình thực hiện" in text  # the administrative title
    assert (export_jobs.exports_dir() / token).is_file()


def test_queued_job_shows_the_progress_bar_until_the_worker_runs_it(
    client, period, reviewer, queued
):
    token = _token(client.get(reverse("reports:consolidated", args=[period.pk, "xlsx"])))
    assert queued == [(token,)]
    page = client.get(status_url(token))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Đang tạo tệp…" in body and 'role="progressbar"' in body and "pct-0" in body
    assert f'hx-get="{status_url(token)}"' in body and 'hx-trigger="every 1s"' in body
    assert "vendor/htmx-2.0.11/htmx.min.js" in body
    assert "Tải tệp" not in body and ' style="' not in body
    # not ready: the download link goes back to the progress page
    assert client.get(download_url(token))["Location"] == status_url(token)

    job = export_jobs.get(token)
    job.done, job.total = 1, 3
    export_jobs.save(token, job)
    poll = client.get(status_url(token), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in poll and "pct-30" in poll and 'aria-valuenow="33"' in poll

    assert export_tasks.build_export(token) == "done"  # the worker runs it
    poll = client.get(status_url(token), headers={"HX-Request": "true"}).content.decode()
    assert "Tải tệp" in poll and "hx-trigger" not in poll
    assert client.get(download_url(token)).content[:2] == b"PK"


def test_another_user_is_refused_status_and_download(client, period, reviewer, eager):
    token = _token(client.get(reverse("reports:consolidated", args=[period.pk, "xlsx"])))
    # a colleague of the same reviewing unit, who could start the same export
    colleague = make_user("td2", unit("qn-pgd-532"), Profile.Role.REVIEWER)
    client.force_login(colleague)
    assert client.get(status_url(token)).status_code == 404
    assert client.get(status_url(token), headers={"HX-Request": "true"}).status_code == 404
    assert client.get(download_url(token)).status_code == 404
    assert client.get(status_url("0" * 32)).status_code == 404
    client.logout()
    assert client.get(download_url(token)).status_code == 302  # to the login page


def test_the_owner_who_lost_the_right_cannot_download(client, period, reviewer, eager):
    token = _token(client.get(reverse("reports:consolidated", args=[period.pk, "xlsx"])))
    assert client.get(download_url(token)).status_code == 200
    Profile.objects.filter(user=reviewer).update(role=Profile.Role.OFFICER)
    assert client.get(download_url(token)).status_code == 404


def test_a_failing_build_shows_a_vietnamese_message(client, period, reviewer, eager, monkeypatch):
    def broken(data):
        raise RuntimeError("boom")

    monkeypatch.setattr(consolidate, "to_xlsx", broken)
    response = client.get(reverse("reports:consolidated", args=[period.pk, "xlsx"]), follow=True)
    body = response.content.decode()
    assert "Không tạo được tệp do lỗi của hệ thống" in body and "Tải tệp" not in body
    token = response.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1]
    assert not (export_jobs.exports_dir() / token).exists()


def test_a_job_over_its_soft_time_limit_says_so(client, period, reviewer, queued, monkeypatch):
    token = _token(client.get(reverse("reports:consolidated", args=[period.pk, "docx"])))

    def slow(*args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(consolidate, "to_docx", slow)
    assert export_tasks.build_export(token) == "too slow"
    body = client.get(status_url(token)).content.decode()
    assert "Tạo tệp mất quá nhiều thời gian (hơn 300 giây)" in body


def test_a_job_killed_without_answering_is_reported(client, period, reviewer, queued):
    token = _token(client.get(reverse("reports:consolidated", args=[period.pk, "xlsx"])))
    job = export_jobs.get(token)
    job.started = time.time() - export_jobs.hard_limit() - 60
    export_jobs.save(token, job)
    body = client.get(status_url(token)).content.decode()
    assert "Tạo tệp mất quá nhiều thời gian" in body and "Đang tạo tệp" not in body


def test_without_a_shared_cache_the_report_is_built_in_the_request(
    client, period, reviewer, queued, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = client.get(reverse("reports:consolidated", args=[period.pk, "xlsx"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert queued == []


# --- dashboard exports -------------------------------------------------------------------------


@pytest.fixture
def fx(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return build_fixture()


def _rows(content):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return [r for r in ([c.value for c in row] for row in sheet) if isinstance(r[0], int)]


def test_small_dashboard_export_stays_direct(client, fx, queued, django_assert_max_num_queries):
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "phan-cong"])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200 and len(_rows(response.content)) == 7
    assert queued == []


def test_large_dashboard_export_goes_to_a_job(client, fx, eager, settings):
    settings.EXPORT_BACKGROUND_ROWS = 6
    user = make_user("cn", fx.branch, Profile.Role.REVIEWER)
    client.force_login(user)
    url = reverse("dashboards:dashboard_xlsx", args=[fx.province.pk, "phan-cong"])
    token = _token(client.get(url))
    file = client.get(download_url(token))
    assert file.status_code == 200 and len(_rows(file.content)) == 7
    assert f"theo-doi-phan-cong-{fx.province.pk}-" in file["Content-Disposition"]
    # the filters travel with the job: 5 lead lines
    settings.EXPORT_BACKGROUND_ROWS = 4
    token = _token(client.get(url + "?vai_tro=lead"))
    assert len(_rows(client.get(download_url(token)).content)) == 5

    other = make_user("cn2", fx.branch, Profile.Role.REVIEWER)
    client.force_login(other)
    assert client.get(download_url(token)).status_code == 404


def test_large_task_export_goes_to_a_job(client, fx, eager, settings):
    settings.EXPORT_BACKGROUND_ROWS = 0
    client.force_login(make_user("cn", fx.branch, Profile.Role.REVIEWER))
    url = reverse("dashboards:dashboard_task_xlsx", args=[fx.province.pk, fx.tasks[0].pk])
    token = _token(client.get(url))
    file = client.get(download_url(token))
    assert file.status_code == 200 and file.content[:2] == b"PK"


def test_old_export_files_are_purged(tmp_path):
    folder = export_jobs.exports_dir()
    folder.mkdir(parents=True)
    old, new = folder / ("a" * 32), folder / ("b" * 32)
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    day_ago = time.time() - export_jobs.KEEP_SECONDS - 60
    os.utime(old, (day_ago, day_ago))
    assert export_tasks.purge_exports() == 1
    assert not old.exists() and new.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_consolidated_job_reports_progress_as_units_and_lines_are_written(period, reviewer, fmt):
    """Not just 0 → 100: the writer moves the bar about every 2 % of its rows."""
    job = export_jobs.ExportJob(reviewer.pk, "consolidated", {"period": period.pk, "fmt": fmt},
                                f"x.{fmt}")  # fmt: skip
    steps = []
    body = export_jobs.build(job, reviewer, lambda done, total: steps.append((done, total)))
    assert body[:2] == b"PK"
    items = consolidate.work_items(consolidate.build(period))
    assert items > 100
    assert {total for _done, total in steps} == {100}
    done = [d for d, _total in steps]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 97
    assert len(set(done)) >= 20  # fine-grained
    assert len(steps) <= 60  # but cheap: not one cache write per row


def test_ticker_reports_at_regular_intervals():
    from config.progress import Ticker

    calls = []
    ticker = Ticker(1000, lambda done, total: calls.append(done), start=10, end=90)
    for _ in range(1000):
        ticker.tick()
    assert len(calls) == 50 and calls == sorted(calls)
    assert calls[0] == 11 and calls[-1] == 90
    calls.clear()
    ticker = Ticker(7, lambda done, total: calls.append(done))
    ticker.tick(7)
    assert calls == [100]
    Ticker(0, None).tick()  # nothing to count, nobody watching
