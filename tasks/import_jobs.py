"""Large appendix files are read by a Celery job with a time limit, not in the web request.

An upload larger than IMPORT_BACKGROUND_BYTES, or with more than about
IMPORT_BACKGROUND_ROWS rows, is read by `tasks.read_appendix_upload`
(soft limit IMPORT_READ_SOFT_SECONDS, hard limit a little later); the preview page says
"Đang đọc tệp…" and polls until the job has left its answer in the cache: the table read
(a ReadResult) or the Vietnamese message refusing the file. The preview and the
confirmation then use that ReadResult instead of reading the file again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.cache import cache

from . import xlsx_safety
from .xlsx_reader import ReadResult

KEY = "appendix-read:{token}"
#: How long an answer is kept: as long as the upload itself may wait for confirmation.
ANSWER_SECONDS = 24 * 60 * 60

TOO_SLOW = (
    "Đọc tệp mất quá nhiều thời gian (hơn {seconds} giây) nên đã dừng: một phụ lục thật đọc "
    "xong trong vài giây. Hãy xóa các trang tính, dòng, cột thừa rồi lưu lại, hoặc tách phụ "
    "lục thành nhiều tệp nhỏ hơn."
)
FAILED = (
    "Không đọc được nội dung tệp .xlsx (tệp bị hỏng hoặc không do Excel tạo ra): hãy mở bằng "
    "Excel, lưu lại rồi tải lên."
)


@dataclass
class ReadJob:
    """Where the background read of one upload stands."""

    state: str  # "running", "done" or "refused"
    started: float
    read: ReadResult | None = None
    message: str = ""
    rows_read: int = 0
    rows_expected: int = 0  # estimated from the sheet's size (xlsx_safety.estimated_rows)

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def percent(self) -> int:
        """How far the read is (an estimate: at most 99 until it is done)."""
        if self.state != "running":
            return 100
        if not self.rows_expected:
            return 0
        return min(99, 100 * self.rows_read // self.rows_expected)

    @property
    def rows_text(self) -> str:
        """ "Đã đọc 1.200 / khoảng 5.000 dòng." once some rows are read."""
        if not self.rows_read:
            return ""
        read, expected = xlsx_safety.number(self.rows_read), xlsx_safety.number(self.rows_expected)
        return f"Đã đọc {read} / khoảng {expected} dòng."

    @property
    def percent_class(self) -> str:
        """A CSS class for the bar's width in steps of 10 (no inline style under the CSP)."""
        return f"pct-{self.percent // 10 * 10}"


#: Unzipped XML per byte of the threshold above which an upload is read in the background.
UNZIPPED_FACTOR = 10


def in_background(path) -> bool:
    """Whether a stored upload is read by a Celery job: large on disk, a sheet of more than
    about IMPORT_BACKGROUND_ROWS rows (estimated from its XML size), or large once unzipped.

    Only when the worker's answer can reach the web process: through a shared cache
    (Redis), not the in-process cache of the embedded default (then the read, bounded by
    `xlsx_safety`, stays in the request)."""
    if not _shared_cache() and not current_app.conf.task_always_eager:
        return False
    limit = settings.IMPORT_BACKGROUND_BYTES
    if path.stat().st_size > limit:
        return True
    if xlsx_safety.estimated_rows(path) > settings.IMPORT_BACKGROUND_ROWS:
        return True
    return xlsx_safety.unzipped_xml_bytes(path) > limit * UNZIPPED_FACTOR


def _shared_cache() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def hard_limit() -> int:
    return settings.IMPORT_READ_SOFT_SECONDS + 15


def get(token: str) -> ReadJob | None:
    """The job of an upload, if one was started; a job silent past its hard limit failed."""
    job = cache.get(KEY.format(token=token))
    if job is not None and job.running and time.time() > job.started + hard_limit() + 30:
        # The worker died (time limit, memory) without answering.
        job = ReadJob("refused", job.started, message=_too_slow())
        cache.set(KEY.format(token=token), job, ANSWER_SECONDS)
    return job


def start(token: str, name: str) -> ReadJob:
    """Queue the read of an upload (once per token)."""
    from .tasks import read_appendix_upload

    job = ReadJob("running", time.time())
    if not cache.add(KEY.format(token=token), job, ANSWER_SECONDS):
        return get(token) or job  # already started (two tabs, a double click)
    read_appendix_upload.delay(token, name)
    return get(token) or job


def progress(token: str, rows_read: int, rows_expected: int) -> None:
    """Record how many rows the running read has gone through (the page shows a bar); the
    reader calls it every `xlsx_reader.PROGRESS_ROWS` rows."""
    job = cache.get(KEY.format(token=token))
    if job is None or not job.running:
        return
    job.rows_read, job.rows_expected = rows_read, max(rows_expected, rows_read)
    cache.set(KEY.format(token=token), job, ANSWER_SECONDS)


def finish(token: str, *, read: ReadResult | None = None, message: str = "") -> None:
    previous = cache.get(KEY.format(token=token))
    started = previous.started if previous is not None else time.time()
    state = "done" if read is not None else "refused"
    cache.set(KEY.format(token=token), ReadJob(state, started, read, message), ANSWER_SECONDS)


def forget(token: str) -> None:
    cache.delete(KEY.format(token=token))


def _too_slow() -> str:
    return TOO_SLOW.format(seconds=settings.IMPORT_READ_SOFT_SECONDS)
