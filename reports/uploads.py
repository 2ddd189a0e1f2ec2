"""Attachment checks: the type is read from the content, not the file name; 20 MB at most.

Accepted: PDF, Word (.docx), Excel (.xlsx), PNG and JPEG images. Office files are ZIP
packages: the package must hold the part of its kind (word/document.xml, xl/workbook.xml)
— a renamed .zip, .exe or a .docx called .xlsx is refused.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage

KINDS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (.docx)",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (.xlsx)"),
    "png": ("image/png", "ảnh PNG"),
    "jpg": ("image/jpeg", "ảnh JPEG"),
}
EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "png": "png",
    "jpg": "jpg",
    "jpeg": "jpg",
}
ACCEPT = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"


def max_bytes() -> int:
    return getattr(settings, "REPORT_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)


def sniff(upload) -> str | None:
    """The kind of a file from its first bytes (and, for ZIP packages, its parts)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def check_upload(upload) -> tuple[str | None, str | None]:
    """(kind, None) when acceptable, else (None, the Vietnamese reason)."""
    name = upload.name or "tệp"
    limit = max_bytes()
    if upload.size > limit:
        return None, (
            f"Tệp “{name}” nặng {upload.size / 1024 / 1024:.1f} MB, vượt giới hạn "
            f"{limit // (1024 * 1024)} MB mỗi tệp. Hãy nén hoặc chia nhỏ tệp rồi tải lại."
        )
    if upload.size == 0:
        return None, f"Tệp “{name}” rỗng."
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = EXTENSIONS.get(ext)
    if claimed is None:
        return None, (
            f"Tệp “{name}” không thuộc loại được nhận. Chỉ nhận PDF, Word (.docx), "
            "Excel (.xlsx) và ảnh PNG, JPEG."
        )
    actual = sniff(upload)
    if actual != claimed:
        found = KINDS[actual][1] if actual else "không xác định được"
        return None, (
            f"Tệp “{name}” có đuôi .{ext} nhưng nội dung không phải {KINDS[claimed][1]} "
            f"(nội dung: {found}). Hãy chọn đúng tệp hoặc lưu lại đúng định dạng."
        )
    return actual, None


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# --- files kept across a refused post (tệp giữ lại) ----------------------------------------

PENDING_SALT = "reports.pending-attachment"
PENDING_MAX_AGE = 2 * 24 * 3600  # a kept file must be used within two days


@dataclass(frozen=True)
class PendingFile:
    """A checked upload stored under pending/ while its form is corrected."""

    path: str
    name: str
    kind: str
    size: int
    sha256: str


def keep_pending(upload, *, report_id: int, user_id: int) -> str:
    """Store an acceptable upload and return a signed reference tied to the line and user."""
    kind, error = check_upload(upload)
    if error:
        raise ValueError(error)
    purge_pending()
    digest = sha256_of(upload)
    path = default_storage.save(f"pending/{uuid.uuid4().hex}.{kind}", upload)
    upload.seek(0)
    return signing.dumps(
        {"r": report_id, "u": user_id, "p": path, "n": (upload.name or "tep")[:255],
         "k": kind, "s": upload.size, "h": digest},
        salt=PENDING_SALT,
    )  # fmt: skip


def pending_from(ref: str, *, report_id: int, user_id: int) -> PendingFile | None:
    """The kept file a reference names, or None (forged, expired, another line or user, used)."""
    if not ref:
        return None
    try:
        data = signing.loads(ref, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("r") != report_id or data.get("u") != user_id:
        return None
    path = data.get("p", "")
    if not path.startswith("pending/") or not default_storage.exists(path):
        return None
    return PendingFile(path=path, name=data["n"], kind=data["k"], size=data["s"],
                       sha256=data["h"])  # fmt: skip


def purge_pending(now=None) -> int:
    """Delete kept files older than their references can live (forms left uncorrected)."""
    from django.utils import timezone

    now = now or timezone.now()
    try:
        names = default_storage.listdir("pending")[1]
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"pending/{name}"
        age = now - default_storage.get_modified_time(path)
        if age.total_seconds() > PENDING_MAX_AGE:
            default_storage.delete(path)
            removed += 1
    return removed
