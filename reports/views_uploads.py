"""Attachments uploaded as soon as they are chosen (tệp tải lên trước).

The report form sends a chosen file here at once (static/js/unit_report.js): it is checked
like any attachment (type read from the content, 20 MB at most: `uploads.check_upload`),
stored under pending/ and answered with a signed reference bound to the line (hence its
unit) and the user (`uploads.keep_pending`). The form then posts only that reference, so a
refused post (a missing narrative…) never loses the file. Only an officer who may fill the
line uploads to it; only the user who uploaded a pending file may open or drop it (the
reference names them), and only while they may still fill the line.

    POST dong/<pk>/tep-tam/        file            → {"ref", "name", "size", "url"} | {"error"}
    GET  dong/<pk>/tep-tam/xem/?ref=…              → the file (the uploader only)
    POST dong/<pk>/tep-tam/bo/     ref             → {"ok": true}, the file deleted
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import access
from .models import ProgressReport
from .uploads import KINDS, check_upload, keep_pending, pending_from

REFUSED = "Chỉ cán bộ của đơn vị được giao mới đính kèm tệp cho dòng báo cáo này."
NOT_EDITABLE = "Dòng báo cáo này đã nộp hoặc kỳ báo cáo đã khóa: không đính kèm thêm tệp được nữa."


def _line(request, pk) -> ProgressReport:
    """The line, 404 when the user may not even read its unit's reports."""
    line = get_object_or_404(
        ProgressReport.objects.select_related("period__plan", "unit"), pk=pk, active=True
    )
    if not access.can_read_unit_reports(request.user, line.period.plan, line.unit):
        raise Http404
    return line


def _fillable(request, line: ProgressReport) -> str | None:
    """Why the user may not attach a file to the line (Vietnamese), or None: the rule is
    `access.can_fill_line`, the same as the report page's editable lines."""
    if access.can_fill_line(request.user, line):
        return None
    return NOT_EDITABLE if access.can_fill(request.user, line.unit) else REFUSED


@login_required
@require_POST
def pending_upload(request, pk):
    line = _line(request, pk)
    refused = _fillable(request, line)
    if refused:
        return JsonResponse({"error": refused}, status=403)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "Chưa chọn tệp nào để tải lên."}, status=400)
    _kind, error = check_upload(upload)
    if error:
        return JsonResponse({"error": error}, status=400)
    ref = keep_pending(upload, report_id=line.pk, user_id=request.user.pk)
    url = reverse("reports:pending_file", args=[line.pk]) + "?" + urlencode({"ref": ref})
    return JsonResponse(
        {
            "ref": ref,
            "name": upload.name,
            "size": filesizeformat(upload.size),
            "url": url,
            "drop_url": reverse("reports:pending_drop", args=[line.pk]),
        }
    )


def _pending(request, line: ProgressReport, ref: str):
    """The user's own pending file of the line, 404 otherwise (another user's, forged,
    expired, used, or the user may no longer fill the line)."""
    found = pending_from(ref, report_id=line.pk, user_id=request.user.pk)
    if found is None or _fillable(request, line):
        raise Http404
    return found


@login_required
@require_GET
def pending_file(request, pk):
    line = _line(request, pk)
    found = _pending(request, line, request.GET.get("ref", ""))
    response = FileResponse(
        default_storage.open(found.path, "rb"), as_attachment=True, filename=found.name,
        content_type=KINDS[found.kind][0],
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def pending_drop(request, pk):
    line = _line(request, pk)
    found = _pending(request, line, request.POST.get("ref", ""))
    default_storage.delete(found.path)
    return JsonResponse({"ok": True})
