"""Long exports run as Celery jobs (Tạo tệp xuất trong nền) with a progress bar.

Generic plumbing, shared by the apps that export: the consolidated report of a period
(.xlsx/.docx) always, and dashboard exports with more than EXPORT_BACKGROUND_ROWS lines,
are built by the job `config.build_export` (`config/tasks.py`) instead of in the request.
Each app registers what it builds in `BUILDERS` when it loads (reports: "consolidated",
dashboards: "dashboard" and "task"), so this module imports none of them. The job record
lives in the cache (Redis): who asked for it, what to build, how many steps are done; the
file is written under MEDIA_ROOT/exports/<token> and is only served by the download view,
to the user who started the job and who still may see the object. Without a shared cache
(the in-process cache of `make run`) the worker's answer could not reach the web process:
the file is then built in the request as before.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "export-job:{token}"
#: How long a job record and its file are kept.
KEEP_SECONDS = 24 * 60 * 60

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TOO_SLOW = (
    "Tạo tệp mất quá nhiều thời gian (hơn {seconds} giây) nên đã dừng. Hãy thu hẹp bộ lọc "
    "(năm, kế hoạch, đơn vị) rồi xuất lại, hoặc thử lại sau ít phút."
)
FAILED = (
    "Không tạo được tệp do lỗi của hệ thống. Hãy thử lại sau ít phút; nếu vẫn lỗi, báo cho "
    "quản trị hệ thống."
)
GONE = "Tệp không còn (đã quá một ngày hoặc đã bị xóa): hãy xuất lại."
REFUSED = "Bạn không còn quyền xem dữ liệu của tệp này nên tệp không được tạo."


@dataclass
class ExportJob:
    """One export being built: its owner, what it builds and where it stands."""

    user_id: int
    kind: str  # a key of BUILDERS: "consolidated", "dashboard" or "task"
    params: dict
    filename: str
    started: float = field(default_factory=time.time)
    state: str = "running"  # "running", "done" or "failed"
    done: int = 0  # steps done of `total` (percent, for the builders that report often)
    total: int = 100
    message: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def percent_class(self) -> str:
        """A CSS class for the bar's width in steps of 10 (no inline style under the CSP)."""
        return f"pct-{self.percent // 10 * 10}"

    @property
    def content_type(self) -> str:
        return DOCX if self.filename.endswith(".docx") else XLSX


def background_possible() -> bool:
    """Whether a worker's answer reaches the web process: a shared cache, or eager Celery."""
    backend = settings.CACHES["default"]["BACKEND"]
    shared = not backend.endswith(("LocMemCache", "DummyCache"))
    return shared or bool(current_app.conf.task_always_eager)


def hard_limit() -> int:
    return settings.EXPORT_SOFT_SECONDS + 15


def exports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def file_path(token: str) -> Path:
    return exports_dir() / token


def _key(token: str) -> str:
    return KEY.format(token=token)


def start(user, kind: str, params: dict, filename: str) -> str:
    """Record the job and queue it; return its token."""
    from config.tasks import build_export

    token = uuid.uuid4().hex
    cache.set(_key(token), ExportJob(user.pk, kind, params, filename), KEEP_SECONDS)
    build_export.delay(token)
    return token


def get(token: str) -> ExportJob | None:
    """The job, if any; a job silent past its hard limit failed (the worker was killed)."""
    job = cache.get(_key(token))
    if job is not None and job.running and time.time() > job.started + hard_limit() + 30:
        job.state, job.message = "failed", TOO_SLOW.format(seconds=settings.EXPORT_SOFT_SECONDS)
        cache.set(_key(token), job, KEEP_SECONDS)
    return job


def save(token: str, job: ExportJob) -> None:
    cache.set(_key(token), job, KEEP_SECONDS)


def purge_old(now: float | None = None) -> int:
    """Delete export files older than a day; return how many."""
    limit = (now if now is not None else time.time()) - KEEP_SECONDS
    removed = 0
    folder = exports_dir()
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            logger.warning("Could not remove old export %s", path)
    return removed


# --- what each kind builds ------------------------------------------------------------------

Step = Callable[[int, int], None]


#: What each kind of job builds, registered by the apps that export when they load:
#: kind → (build(user, params, step) → bytes, which raises PermissionError(REFUSED) when
#: the user may no longer see the object; check(user, params), which raises Http404,
#: PermissionDenied or LookupError when the user may no longer download it).
BUILDERS: dict[str, tuple[Callable, Callable]] = {}


def build(job: ExportJob, user, step: Step) -> bytes:
    """The file's bytes, by calling the kind's builder; `step(done, total)` reports."""
    if job.kind in BUILDERS:
        return BUILDERS[job.kind][0](user, job.params, step)
    raise ValueError(f"Unknown export kind {job.kind!r}")
