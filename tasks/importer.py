"""Import an appendix (.xlsx or .docx) into a plan: preview (with the diff against what the
plan has), then apply in one transaction.

One code path for the officer page, the admin and `manage.py import_appendix`:

    preview = preview_import(plan, file, filename)   # reads, prepares, diffs; writes nothing
    result = apply_import(plan, file, filename, user=…, expected_version=preview.plan_version)

Re-importing a corrected file updates the plan in place. Rows are matched to the plan's
tasks by full code and position, then by full code, then by content; matched tasks (and
their written assignments) keep their primary keys, so whatever hangs off them stays.
`apply_import` recomputes the diff under the Task tree lock and a row lock on the plan, so
two confirmations of the same file at the same time cannot duplicate rows; a plan changed
since the preview (its `version`) is refused with a message to preview again.

Matching, diffing and writing are `tasks.appendix_write`'s (the one write path, shared with
the appendix editor and the seed loader); this module keeps what belongs to a file: reading
it once for the preview and the confirmation, the preview's notes, the uploads kept between
the two, and the aliases recorded from the preview.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from config.numbers import count_text
from config.query import positive_int
from orgunits.resolver import Target, Vocabulary, vocabulary_for
from orgunits.text import fold
from plans.models import Plan

from .appendix import PreparedAppendix, prepare_appendix
from .appendix_write import (
    REASON,
    AppendixDiff,
    ImportRefused,
    ImportResult,
    PlanChanged,
    apply_rows,
    diff_appendix,
    plan_rows,
    reported_removals,
)
from .readers import ReadResult, read_appendix
from .xlsx_reader import read_bytes

logger = logging.getLogger(__name__)

# --- preview -------------------------------------------------------------------------------


@dataclass
class UnknownName:
    """A name in the lead/coordinating cells that is not a known unit or group."""

    text: str
    rows: list[str]
    candidates: list[Target]
    ambiguous: bool


@dataclass
class ImportPreview:
    plan: Plan
    read: ReadResult
    prepared: PreparedAppendix
    diff: AppendixDiff
    filename: str
    plan_version: int
    notes: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # deletions refused (rows with reports)

    @property
    def errors(self) -> list[str]:
        return [*self.prepared.errors, *self.blocked]

    @property
    def warnings(self) -> list[str]:
        return [*self.notes, *self.prepared.warnings]

    @property
    def can_confirm(self) -> bool:
        return not self.errors and self.diff.has_changes

    @property
    def summary(self) -> dict[str, int]:
        return {**self.prepared.summary, **self.diff.counts}

    @property
    def unknown_names(self) -> list[UnknownName]:
        found: dict[str, UnknownName] = {}
        for row in self.prepared.rows:
            for part in row.unresolved:
                key = fold(part.text)
                entry = found.get(key)
                if entry is None:
                    entry = found[key] = UnknownName(
                        part.text, [], list(part.candidates), part.ambiguous
                    )
                if row.row_label not in entry.rows:
                    entry.rows.append(row.row_label)
        return list(found.values())

    def summary_lines(self) -> list[str]:
        """The summary in Vietnamese, as printed by the command and shown on the pages."""
        s = {k: count_text(v) for k, v in self.summary.items()}
        return [
            f"Đọc {s['rows']} dòng ({self.read.place or self.read.sheet}, tiêu đề ở dòng "
            f"{self.read.header_row}): {s['sections']} mục, {s['tasks']} nhiệm vụ, "
            f"{s['subitems']} nội dung chi tiết; {s['assignments']} phân công; "
            f"{s['unresolved']} tên đơn vị chưa xác định (vẫn được lưu); "
            f"{s['unparsed_timeframes']} thời hạn chưa đọc được.",
            f"So với kế hoạch hiện có: {s['added']} dòng thêm mới, {s['changed']} dòng sửa, "
            f"{s['removed']} dòng bị xóa, {s['unchanged']} dòng giữ nguyên.",
        ]


SKIPPED_LABELS = {
    "header": "dòng tiêu đề lặp lại",
    "page": "dòng số trang",
    "blank": "dòng trống",
    "numbers": "dòng đánh số cột",
}


def _prepare(plan: Plan, read: ReadResult, vocabulary: Vocabulary | None) -> PreparedAppendix:
    vocabulary = vocabulary or vocabulary_for(plan.issuer)
    return prepare_appendix(read.rows, vocabulary, row_problems=read.row_problems)


def _notes(plan: Plan, read: ReadResult) -> list[str]:
    notes = list(read.notes)
    named = read.plan_number
    if named and plan.number and fold(named).replace(" ", "") != fold(plan.number).replace(" ", ""):
        notes.append(
            f"Tệp ghi “kèm theo … số {named}” nhưng đang nhập vào {plan.label}: hãy kiểm tra "
            "đã chọn đúng kế hoạch."
        )
    skipped = [f"{count_text(n)} {SKIPPED_LABELS[k]}" for k, n in read.skipped.items() if n]
    if skipped:
        notes.append(f"Đã bỏ qua {', '.join(skipped)}.")
    return notes


#: Parsed files kept between the preview and the confirmation (same bytes, same name): the
#: confirmation does not read the file again. Bump the version when a reader changes.
READ_CACHE_KEY = "appendix-parsed:v2:{digest}"
READ_CACHE_SECONDS = 2 * 60 * 60


def read_source(source, filename: str | None = None) -> ReadResult:
    """The ReadResult of `source` (a ReadResult, a path, bytes or a file), read once per
    content and name: the preview leaves it in the cache for the confirmation. Only files
    read without error are kept; a refused file is read (and refused) again."""
    if isinstance(source, ReadResult):
        return source
    if filename is None and isinstance(source, (str, Path)):
        filename = Path(source).name
    data = read_bytes(source)
    digest = hashlib.sha256(data)
    limits = (filename or "", settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS)
    digest.update(repr(limits).encode())
    key = READ_CACHE_KEY.format(digest=digest.hexdigest())
    try:
        read = cache.get(key)
    except Exception:  # the cache is a shortcut: without it, read the file
        logger.warning("appendix read cache unavailable", exc_info=True)
        read = None
    if isinstance(read, ReadResult):
        return read
    read = read_appendix(data, filename)
    try:
        cache.set(key, read, READ_CACHE_SECONDS)
    except Exception:
        logger.warning("appendix read cache unavailable", exc_info=True)
    return read


def preview_import(
    plan: Plan, source, filename: str | None = None, vocabulary: Vocabulary | None = None
) -> ImportPreview:
    """Read the file (or take the ReadResult already read) and show what importing it would
    do. Raises AppendixFileError."""
    read = read_source(source, filename)
    prepared = _prepare(plan, read, vocabulary)
    diff = diff_appendix(prepared, *plan_rows(plan))
    return ImportPreview(
        plan=plan,
        read=read,
        prepared=prepared,
        diff=diff,
        filename=filename or "",
        plan_version=plan.version,
        notes=_notes(plan, read),
        blocked=reported_removals(diff.removed),
    )


# --- apply ---------------------------------------------------------------------------------


def apply_import(
    plan: Plan,
    source,
    filename: str | None = None,
    user=None,
    expected_version: int | None = None,
    reason: str = REASON,
) -> ImportResult:
    """Read, prepare and write the file into the plan, all or nothing.

    Raises AppendixFileError (unreadable file) or ImportRefused (problems in the rows, or
    the plan changed since `expected_version` was previewed). `source` may be a ReadResult
    already read (by the background job of a large upload); a file just previewed is not
    read again (`read_source`)."""
    read = read_source(source, filename)
    prepared = _prepare(plan, read, None)
    if prepared.errors:
        raise ImportRefused(
            f"Chưa nhập được: tệp còn {count_text(len(prepared.errors))} lỗi cần sửa "
            "(xem danh sách)."
        )
    reason = f"{reason}: {filename}" if filename else reason
    return apply_rows(plan, prepared, user=user, expected_version=expected_version, reason=reason)


# --- aliases from the preview ----------------------------------------------------------------


def alias_targets(plan: Plan, vocabulary: Vocabulary | None = None) -> list[Target]:
    """What a name in this plan may be mapped to: the units and groups its vocabulary knows."""
    return (vocabulary or vocabulary_for(plan.issuer)).targets()


def add_alias(plan: Plan, name: str, target: Target, user=None):
    """Record that `name` means `target` (from the preview); refuse targets outside the plan's
    vocabulary. Every assignment of the province waiting on that name (chưa xác định) is
    resolved with it (`tasks.unresolved.resolve_name`). Returns the alias (existing or new)."""
    from .unresolved import NameRefused, resolve_name

    try:
        resolution = resolve_name(
            plan.issuer.province(), name, target, vocabulary_for(plan.issuer), user=user
        )
    except NameRefused as exc:
        raise ImportRefused(str(exc)) from exc
    return resolution.alias


def parse_target(value: str) -> Target | None:
    """ "unit:12" / "group:3" from a form, as a Target (the name is filled in by lookup)."""
    kind, _, pk = (value or "").partition(":")
    if kind not in ("unit", "group") or positive_int(pk) is None:
        return None
    return Target(kind, int(pk), "")


__all__ = [
    "ImportPreview",
    "ImportRefused",
    "ImportResult",
    "PlanChanged",
    "add_alias",
    "alias_targets",
    "apply_import",
    "discard_upload",
    "parse_target",
    "pending_upload",
    "preview_import",
    "store_upload",
]


# --- uploads kept between preview and confirmation --------------------------------------------

SESSION_KEY = "appendix_imports"
MAX_PENDING = 5  # uploads kept per session
PENDING_MAX_AGE = 24 * 60 * 60  # seconds; older files are swept on the next upload
_TOKEN_RE = re.compile(r"[0-9a-f]{32}")


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def store_upload(session, plan: Plan, name: str, data: bytes) -> str:
    """Keep an uploaded file for preview and confirmation under a random token.

    The file lives under MEDIA_ROOT/imports named by the token (never by anything the user
    sent); the session remembers which plan and which original file name it belongs to."""
    directory = imports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(directory)
    token = secrets.token_hex(16)
    (directory / f"{token}.xlsx").write_bytes(data)
    pending = dict(session.get(SESSION_KEY, {}))
    pending[token] = {"plan": plan.pk, "name": Path(name).name[:200], "at": int(time.time())}
    while len(pending) > MAX_PENDING:
        oldest = min(pending, key=lambda t: pending[t]["at"])
        _remove(oldest)
        del pending[oldest]
    session[SESSION_KEY] = pending
    return token


def pending_upload(session, plan: Plan, token: str) -> tuple[Path, str] | None:
    """The stored file and original name of an upload of this session for this plan."""
    if not _TOKEN_RE.fullmatch(token or ""):
        return None
    entry = session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("plan") != plan.pk:
        return None
    path = imports_dir() / f"{token}.xlsx"
    return (path, entry["name"]) if path.is_file() else None


def discard_upload(session, token: str) -> None:
    pending = dict(session.get(SESSION_KEY, {}))
    if token in pending:
        del pending[token]
        session[SESSION_KEY] = pending
    if _TOKEN_RE.fullmatch(token or ""):
        _remove(token)


def _remove(token: str) -> None:
    with contextlib.suppress(OSError):
        (imports_dir() / f"{token}.xlsx").unlink()


def _sweep(directory: Path) -> None:
    limit = time.time() - PENDING_MAX_AGE
    for path in directory.glob("*.xlsx"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
