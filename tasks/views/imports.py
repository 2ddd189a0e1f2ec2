"""Officer pages: import a plan's appendix from Excel (upload → preview → confirm), export it.

Permissions on the server: a plan the user cannot see is a 404, a plan they see but may
not edit a 403 (import); export is for anyone who can see the plan.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.query import positive_int
from plans.access import can_edit_plan, visible_plans

from .. import import_jobs
from ..access import can_manage_aliases
from ..forms import AliasForm, AppendixUploadForm
from ..importer import (
    ImportRefused,
    add_alias,
    alias_targets,
    apply_import,
    discard_upload,
    parse_target,
    pending_upload,
    preview_import,
    store_upload,
)
from ..readers import AppendixFileError
from ..xlsx_writer import export_filename, write_appendix

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible_plan(request, pk):
    return get_object_or_404(visible_plans(request.user).select_related("issuer"), pk=pk)


def _editable_plan(request, pk):
    plan = _visible_plan(request, pk)
    if not can_edit_plan(request.user, plan):
        raise PermissionDenied("Bạn không có quyền sửa phụ lục của kế hoạch này.")
    return plan


def _pending(request, plan, token):
    pending = pending_upload(request.session, plan, token)
    if pending is None:
        messages.error(request, "Tệp đã tải lên không còn (đã xác nhận hoặc hết hạn): hãy tải lại.")
    return pending


@login_required
def import_upload(request, pk):
    plan = _editable_plan(request, pk)
    form = AppendixUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, data = form.cleaned_data["file"]
        token = store_upload(request.session, plan, name, data)
        return redirect("tasks:import_preview", pk=plan.pk, token=token)
    return render(request, "tasks/import_upload.html", {"plan": plan, "form": form})


def preview_context(request, plan, preview, *, confirm_url, alias_url) -> dict:
    """What the preview template needs (shared with the admin page)."""
    may_alias = can_manage_aliases(request.user, plan)
    unknown = preview.unknown_names
    return {
        "plan": plan,
        "preview": preview,
        "summary": preview.summary,
        "confirm_url": confirm_url,
        "alias_url": alias_url,
        "unknown_names": unknown,
        "can_manage_aliases": may_alias,
        "alias_targets": alias_targets(plan) if may_alias and unknown else [],
    }


@login_required
def import_preview(request, pk, token):
    plan = _editable_plan(request, pk)
    pending = _pending(request, plan, token)
    if pending is None:
        return redirect("tasks:import_upload", pk=plan.pk)
    path, name = pending
    source = path
    if import_jobs.in_background(path):
        job = import_jobs.get(token) or import_jobs.start(token, name)
        if job.running:
            return _reading(request, plan, name, job)
        if request.headers.get("HX-Request"):
            # The poll of the "reading" page: load the whole page again, now answered.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = request.get_full_path()
            return response
        if job.read is None:
            import_jobs.forget(token)
            discard_upload(request.session, token)
            messages.error(request, job.message)
            return redirect("tasks:import_upload", pk=plan.pk)
        source = job.read
    try:
        preview = preview_import(plan, source, name)
    except AppendixFileError as exc:
        discard_upload(request.session, token)
        messages.error(request, str(exc))
        return redirect("tasks:import_upload", pk=plan.pk)
    context = preview_context(
        request,
        plan,
        preview,
        confirm_url=reverse("tasks:import_confirm", args=[plan.pk, token]),
        alias_url=reverse("tasks:import_alias", args=[plan.pk, token]),
    )
    return render(request, "tasks/import_preview.html", context)


def _reading(request, plan, name, job):
    """The page (or, to htmx's poll, the part) saying the file is still being read, with
    how far the read is."""
    context = {"plan": plan, "filename": name, "poll_seconds": 2, "job": job}
    if request.headers.get("HX-Request"):
        return render(request, "tasks/_import_reading.html", context)
    return render(request, "tasks/import_reading.html", context)


@login_required
@require_POST
def import_confirm(request, pk, token):
    plan = _editable_plan(request, pk)
    pending = _pending(request, plan, token)
    if pending is None:
        return redirect("tasks:import_upload", pk=plan.pk)
    path, name = pending
    version = positive_int(request.POST.get("version"), -1)
    job = import_jobs.get(token) if import_jobs.in_background(path) else None
    source = job.read if job is not None and job.read is not None else path
    try:
        result = apply_import(plan, source, name, user=request.user, expected_version=version)
    except (AppendixFileError, ImportRefused) as exc:
        messages.error(request, str(exc))
        return redirect("tasks:import_preview", pk=plan.pk, token=token)
    import_jobs.forget(token)
    discard_upload(request.session, token)
    messages.success(request, result.message)
    return redirect(plan.get_absolute_url())


@login_required
@require_POST
def import_alias(request, pk, token):
    plan = _editable_plan(request, pk)
    if not can_manage_aliases(request.user, plan):
        raise PermissionDenied("Chỉ quản trị cấp tỉnh mới thêm được tên gọi khác cho đơn vị.")
    form = AliasForm(request.POST)
    target = parse_target(form.data.get("target", ""))
    if not form.is_valid() or target is None:
        messages.error(request, "Hãy chọn đơn vị hoặc nhóm cho tên này.")
    else:
        try:
            alias = add_alias(plan, form.cleaned_data["name"], target, user=request.user)
        except ImportRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Đã ghi nhận “{alias.name}” là tên gọi khác của {alias.target}."
            )
    return redirect("tasks:import_preview", pk=plan.pk, token=token)


@login_required
def export_appendix(request, pk):
    plan = _visible_plan(request, pk)
    response = HttpResponse(write_appendix(plan), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(plan)}"'
    return response
