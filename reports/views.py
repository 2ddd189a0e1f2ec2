"""Pages of the reports app. Short views: rules live in access.py, workflow.py, periods.py."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config import access as export_access
from config import export_jobs
from config.numbers import count_text
from config.query import positive_int
from config.security import is_local_path
from orgunits.access import actor_for
from orgunits.models import OrgUnit
from orgunits.text import xml_safe
from plans.access import visible_plans

from . import access, consolidate, periods, workflow
from .models import (
    Attachment,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    Notification,
    ProgressReport,
    ReportingPeriod,
)
from .timeliness import Submission, Timeliness
from .uploads import ACCEPT, check_upload, keep_pending, max_bytes, pending_from

PAGE_SIZE = 25
State = ProgressReport.State


def _page(request, items, size=PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("trang"))


def _period_or_404(user, pk) -> ReportingPeriod:
    return get_object_or_404(
        access.visible_periods(user).select_related(
            "plan__issuer", "plan__follow_up_unit", "plan__report_to_unit"
        ),
        pk=pk,
    )


def _lines_with_state(prefix: str = "") -> dict:
    p = prefix
    active = Q(**{f"{p}active": True})
    reported = Q(**{f"{p}state__in": ProgressReport.REPORTED_STATES})
    return {
        "total": Count(f"{p}pk", filter=active),
        "reported": Count(f"{p}pk", filter=active & reported),
        "accepted": Count(f"{p}pk", filter=active & Q(**{f"{p}state": State.ACCEPTED})),
        "returned": Count(f"{p}pk", filter=active & Q(**{f"{p}state": State.RETURNED})),
    }


# --- Báo cáo của đơn vị -------------------------------------------------------------------


@login_required
def my_reports(request):
    actor = actor_for(request.user)
    unit_rows = []
    if actor.unit is not None:
        counts = (
            ProgressReport.objects.filter(
                unit=actor.unit, period__plan__in=visible_plans(actor).values("pk")
            )
            .values("period_id")
            .annotate(**_lines_with_state())
        )
        by_period = {row["period_id"]: row for row in counts}
        found = ReportingPeriod.objects.filter(pk__in=list(by_period)).select_related(
            "plan__issuer"
        )
        unit_rows = sorted(
            ({"period": p, **by_period[p.pk]} for p in found),
            key=lambda r: (r["period"].closed_at is not None, -r["period"].cutoff.toordinal()),
        )
    plans_qs = access.report_plans(actor)
    plans = _page(request, plans_qs.select_related("issuer").order_by("tree_id", "lft"))
    context = {
        "actor": actor,
        "unit_reviewer": access.is_unit_reviewer(actor),
        "reviewer": access.is_reviewer(actor),
        "unit_rows": unit_rows,
        "plans": plans,
        "page": plans,
        "today": timezone.localdate(),
    }
    return render(request, "reports/my_reports.html", context)


def _line_inputs(request, ids) -> list[workflow.LineInput]:
    post, files = request.POST, request.FILES
    inputs = []
    for pk in ids:
        p = f"r{pk}-"
        version = positive_int(post.get(p + "version"), -1)
        figures = {
            int(key[len(p) + 4 :]): value
            for key, value in post.items()
            if key.startswith(p + "ind-") and positive_int(key[len(p) + 4 :]) is not None
        }
        inputs.append(
            workflow.LineInput(
                report_id=pk,
                version=version,
                status=post.get(p + "status", ""),
                narrative=xml_safe(post.get(p + "narrative", "")),
                reason=xml_safe(post.get(p + "reason", "")),
                product_ref=xml_safe(post.get(p + "product_ref", "")),
                completed_on=post.get(p + "completed_on", ""),
                figures=figures,
                upload=files.get(p + "file"),
                pending_ref="" if post.get(p + "drop_file") else post.get(p + "file_ref", ""),
            )
        )
    return inputs


def _keep_uploads(inputs, user) -> dict[int, str]:
    """After a refused post: store each acceptable chosen file and give its line a reference,
    so that the corrected form posts it again without choosing it anew. {line: file name}."""
    kept = {}
    for data in inputs:
        if data.upload is not None and check_upload(data.upload)[1] is None:
            data.pending_ref = keep_pending(data.upload, report_id=data.report_id,
                                            user_id=user.pk)  # fmt: skip
            kept[data.report_id] = data.upload.name
        elif data.pending_ref:  # no new file, or a refused one: the kept file stays
            found = pending_from(data.pending_ref, report_id=data.report_id, user_id=user.pk)
            if found is None:
                data.pending_ref = ""
            else:
                kept[data.report_id] = found.name
    return kept


#: ?trang_thai= filters of the unit's page: value → (states shown, label).
LINE_FILTERS = {
    "tra_lai": ((ProgressReport.State.RETURNED,), "Bị trả lại"),
    "chua_nop": (ProgressReport.EDITABLE_STATES, "Chưa nộp"),
}


def _group_missing(unsubmitted) -> str:
    """ "tình trạng ở 1.2, 1.3; kết quả thực hiện ở 2.1" from [(code, [missing …]), …]."""
    by_field: dict[str, list[str]] = {}
    for code, names in unsubmitted:
        for name in names:
            by_field.setdefault(name, []).append(code)
    return "; ".join(f"{name} ở {', '.join(codes)}" for name, codes in by_field.items())


def _saved_message(result) -> str:
    if result.saved == 0:
        return "Không có thay đổi nào so với bản đã lưu: chưa lưu gì thêm."
    text = f"Đã lưu nháp {count_text(result.saved)} dòng có thay đổi"
    return text + (f"; {count_text(result.unchanged)} dòng không đổi." if result.unchanged else ".")


@login_required
def unit_report(request, period_pk, unit_pk):
    period = _period_or_404(request.user, period_pk)
    unit = get_object_or_404(OrgUnit, pk=unit_pk)
    if not access.can_read_unit_reports(request.user, period.plan, unit):
        raise Http404
    lines_qs = ProgressReport.objects.filter(period=period, unit=unit, active=True)
    if not lines_qs.exists():
        raise Http404
    can_fill = access.can_fill_period(request.user, period, unit)
    status, error, row_errors, posted, kept = 200, None, {}, None, {}
    if request.method == "POST":
        if not access.can_fill(request.user, unit):
            raise PermissionDenied("Chỉ cán bộ của đơn vị mới được nhập và nộp báo cáo.")
        ids = [n for n in map(positive_int, request.POST.getlist("line")) if n is not None]
        action = request.POST.get("action")
        submit = action in ("submit", "submit_ready")
        inputs = _line_inputs(request, ids)
        try:
            result = workflow.save_unit_report(
                period, unit, request.user, inputs, submit=submit,
                token=request.POST.get("token", ""), ready_only=action == "submit_ready",
            )  # fmt: skip
        except workflow.ReportError as exc:
            error, row_errors = exc.message, exc.row_errors
            posted = {i.report_id: i for i in inputs}
            kept = _keep_uploads(inputs, request.user)
            status = 400 if row_errors else 409
        else:
            late = " (sau hạn báo cáo: được ghi nhận là nộp trễ)" if (
                timezone.now() >= period.late_from
            ) else ""  # fmt: skip
            if result.replay:
                messages.info(request, "Yêu cầu này đã được xử lý trước đó; không có gì thay đổi.")
            elif submit and result.unsubmitted:
                left = len(result.unsubmitted)
                head = (
                    f"Đã nộp {count_text(result.submitted)} dòng{late}; "
                    if result.submitted
                    else "Chưa nộp dòng nào; "
                )
                messages.warning(
                    request,
                    f"{head}{count_text(left)} dòng chưa nộp, vẫn là bản nháp (còn thiếu "
                    f"{_group_missing(result.unsubmitted)}).",
                )
            elif submit:
                messages.success(request, f"Đã nộp {count_text(result.submitted)} báo cáo{late}.")
            else:
                messages.success(request, _saved_message(result))
            return redirect(request.get_full_path())
    lines = list(
        lines_qs.select_related("task", "reviewed_by")
        .prefetch_related(
            "attachments",
            Prefetch("indicator_values", queryset=IndicatorValue.objects.all()),
            Prefetch(
                "extension_requests",
                queryset=ExtensionRequest.objects.order_by("-requested_at"),
            ),
        )
        .order_by("task__position", "role")
    )
    for line in lines:  # the rules below read them: no query per line
        line.period, line.unit = period, unit
    indicators: dict[int, list[Indicator]] = {}
    for ind in Indicator.objects.filter(task_id__in={line.task_id for line in lines}):
        indicators.setdefault(ind.task_id, []).append(ind)
    today = timezone.localdate()
    counts = {key: sum(1 for x in lines if x.state in states)
              for key, (states, _) in LINE_FILTERS.items()}  # fmt: skip
    total_lines = len(lines)
    shown = request.GET.get("trang_thai", "")
    if shown in LINE_FILTERS:
        lines = [x for x in lines if x.state in LINE_FILTERS[shown][0]]
    else:
        shown = ""
    rows = []
    for line in lines:
        values = {v.indicator_id: v.value for v in line.indicator_values.all()}
        data = posted.get(line.pk) if posted else None
        inds = indicators.get(line.task_id, []) if line.role == "lead" else []
        current = data.status if data else line.status
        rows.append(
            {
                "line": line,
                "code": line.task.full_code or line.task.code or str(line.task.position + 1),
                "editable": access.can_fill_line(request.user, line),
                "errors": row_errors.get(line.pk, []),
                "summary": [
                    e.removeprefix(f"Nhiệm vụ {line.task.full_code or line.task.position + 1}: ")
                    for e in row_errors.get(line.pk, [])
                ],
                "data": data,
                "status": current,
                "required": workflow.required_fields(current),
                "kept_name": kept.get(line.pk, ""),
                "timeliness": Timeliness(line.timeliness(today)),
                "indicators": [
                    {
                        "indicator": ind,
                        "value": data.figures.get(ind.pk, "") if data else values.get(ind.pk, ""),
                    }
                    for ind in inds
                ],
                "extensions": list(line.extension_requests.all()),
                "can_extend": access.can_request_extension(request.user, line),
            }
        )
    context = {
        "period": period,
        "plan": period.plan,
        "unit": unit,
        "rows": rows,
        "can_fill": can_fill,
        "any_editable": any(r["editable"] for r in rows),
        "error": error,
        "error_rows": [r for r in rows if r["errors"]],
        "ready_count": sum(1 for r in rows if r["editable"] and not r["errors"])
        if request.method == "POST" and request.POST.get("action") == "submit"
        else 0,
        "filters": [(key, label, counts[key]) for key, (_, label) in LINE_FILTERS.items()],
        "shown": shown,
        "total_lines": total_lines,
        "token": uuid.uuid4().hex,
        "statuses": ProgressReport.Status.choices,
        "accept": ACCEPT,
        "max_bytes": max_bytes(),
        "today": today,
        "days_left": (period.cutoff - today).days,
        "is_reviewer": access.is_reviewer_of(request.user, period.plan),
    }
    return render(request, "reports/unit_report.html", context, status=status)


@login_required
def report_detail(request, pk):
    report = get_object_or_404(
        access.visible_reports(request.user).select_related(
            "period__plan__issuer", "unit", "task", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )
    if not access.can_read_unit_reports(request.user, report.period.plan, report.unit):
        raise Http404
    context = {
        "report": report,
        "period": report.period,
        "transitions": report.transitions.select_related("user"),
        "attachments": report.attachments.all(),
        "values": report.indicator_values.select_related("indicator"),
        "extensions": report.extension_requests.select_related("requested_by", "decided_by"),
        "is_reviewer": access.is_reviewer_of(request.user, report.period.plan),
        "can_review": access.can_review_line(request.user, report),
        "can_extend": access.can_request_extension(request.user, report),
        "timeliness": Timeliness(report.timeliness()),
        "tl_colour": Timeliness.COLOURS[report.timeliness()],
        "submission": Submission.LABELS[report.submission()],
        "today": timezone.localdate(),
    }
    return render(request, "reports/report_detail.html", context)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@login_required
@require_POST
def review(request, pk):
    report = get_object_or_404(
        access.visible_reports(request.user).select_related("period__plan", "unit", "task"), pk=pk
    )
    accept = request.POST.get("decision") == "accept"
    try:
        resubmit_by = workflow.parse_day(request.POST.get("resubmit_by", ""))
    except ValueError:
        messages.error(request, "Hạn nộp lại không đúng dạng dd/mm/yyyy; chưa trả lại báo cáo.")
        return redirect(_next_url(request, report.get_absolute_url()))
    version = request.POST.get("version", "")
    version = positive_int(version)
    try:
        workflow.review_report(
            report, request.user, accept=accept, comment=xml_safe(request.POST.get("comment", "")),
            resubmit_by=resubmit_by, version=version,
        )  # fmt: skip
    except workflow.ReportError as exc:
        messages.error(request, exc.message)
        return redirect(_next_url(request, report.get_absolute_url()))
    code = report.task.full_code or report.task.position + 1
    messages.success(
        request,
        f"Đã {'chấp nhận' if accept else 'trả lại'} báo cáo nhiệm vụ {code} của "
        f"{report.unit.display_name}.",
    )
    return redirect(_next_url(request, report.get_absolute_url()))


# --- periods ------------------------------------------------------------------------------


@login_required
def period_list(request, plan_pk):
    plan = get_object_or_404(
        visible_plans(request.user).select_related("issuer", "follow_up_unit", "report_to_unit"),
        pk=plan_pk,
    )
    can_manage = access.can_manage_periods(request.user, plan)
    form_errors, form_data = {}, {}
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Chỉ đơn vị theo dõi được tạo kỳ báo cáo đột xuất.")
        form_data = request.POST
        try:
            cutoff = workflow.parse_day(request.POST.get("cutoff", ""))
        except ValueError:
            cutoff = None
            form_errors["cutoff"] = "Hạn báo cáo không đúng dạng dd/mm/yyyy."
        if not form_errors:
            try:
                period = periods.create_adhoc_period(
                    plan, title=xml_safe(request.POST.get("title", "")), cutoff=cutoff,
                    note=xml_safe(request.POST.get("note", "")), user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                form_errors = {
                    ("general" if k == "__all__" else k): " ".join(v)
                    for k, v in exc.message_dict.items()
                }
            else:
                notes, emails = workflow.announce_adhoc_period(period)
                messages.success(
                    request,
                    f"Đã tạo {period.label}, hạn {cutoff:%d/%m/%Y}: đã báo {notes} tài khoản "
                    f"của các đơn vị liên quan, gửi {emails} thư điện tử.",
                )
                return redirect("reports:period_list", plan_pk=plan.pk)
    found = plan.reporting_periods.annotate(
        **{f"n_{k}": v for k, v in _lines_with_state("lines__").items()},
        n_units=Count("lines__unit", distinct=True),
    ).select_related("closed_by")
    context = {
        "plan": plan,
        "page": _page(request, found.order_by("-cutoff", "-pk")),
        "can_manage": can_manage,
        "can_download": access.can_download_consolidated(request.user, plan),
        "form_errors": form_errors,
        "form_data": form_data,
        "today": timezone.localdate(),
        "reviewing_units": OrgUnit.objects.filter(pk__in=access.reviewing_unit_ids(plan)),
    }
    return render(request, "reports/period_list.html", context, status=400 if form_errors else 200)


@login_required
@require_POST
def period_close(request, pk):
    period = _period_or_404(request.user, pk)
    if not access.can_manage_periods(request.user, period.plan):
        raise PermissionDenied("Chỉ đơn vị theo dõi được khóa kỳ báo cáo.")
    if request.POST.get("reopen"):
        periods.reopen_period(period)
        messages.success(request, f"Đã mở lại {period.label}.")
    elif periods.close_period(period, request.user):
        messages.success(request, f"Đã khóa {period.label}: các đơn vị không sửa, nộp được nữa.")
    return redirect("reports:period_list", plan_pk=period.plan_id)


@login_required
def period_detail(request, pk):
    period = _period_or_404(request.user, pk)
    plan = period.plan
    today = timezone.localdate()
    units = OrgUnit.objects.filter(progress_reports__period=period).distinct()
    unit_filter = access.readable_unit_filter(request.user, plan)
    if unit_filter is not None:
        units = units.filter(unit_filter)
    page = _page(request, units.order_by("name").values_list("pk", flat=True))
    rows = consolidate.counts_by_unit(period, today, units=list(page.object_list))
    context = {
        "period": period,
        "plan": plan,
        "page": page,
        "rows": rows,
        "order": Timeliness.ORDER,
        "labels": Timeliness.LABELS,
        "today": today,
        "can_download": access.can_download_consolidated(request.user, plan),
    }
    return render(request, "reports/period_detail.html", context)


@login_required
def consolidated(request, pk, fmt):
    period = _period_or_404(request.user, pk)
    if fmt not in ("docx", "xlsx"):
        raise Http404
    if not access.can_download_consolidated(request.user, period.plan):
        raise PermissionDenied("Chỉ đơn vị theo dõi và lãnh đạo được tải báo cáo tổng hợp.")
    name = f"bao-cao-tong-hop-ky-{period.pk}-{period.cutoff:%Y%m%d}.{fmt}"
    if export_jobs.background_possible():
        params = {"period": period.pk, "fmt": fmt}
        token = export_jobs.start(request.user, "consolidated", params, name)
        return redirect("reports:export_status", token=token)
    data = consolidate.build(period)  # no shared cache (`make run`): built in the request
    body = consolidate.to_xlsx(data) if fmt == "xlsx" else consolidate.to_docx(data)
    kind = export_jobs.XLSX if fmt == "xlsx" else export_jobs.DOCX
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- export jobs (Tạo tệp xuất) ----------------------------------------------------------


def _export_job(request, token):
    """The job of the token, for the user who started it and still sees its object (404)."""
    job = export_jobs.get(token) if len(token) == 32 else None
    if job is None or not export_access.can_download_export(request.user, job):
        raise Http404
    return job


@login_required
def export_status(request, token):
    """ "Đang tạo tệp…" with a progress bar polled by htmx; then the download link."""
    job = _export_job(request, token)
    context = {"job": job, "token": token}
    if job.state == "done" and not export_jobs.file_path(token).is_file():
        job.state, job.message = "failed", export_jobs.GONE
    if request.headers.get("HX-Request"):
        return render(request, "reports/_export_status.html", context)
    return render(request, "reports/export_status.html", context)


@login_required
def export_download(request, token):
    job = _export_job(request, token)
    path = export_jobs.file_path(token)
    if job.state != "done" or not path.is_file():
        return redirect("reports:export_status", token=token)
    response = HttpResponse(path.read_bytes(), content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- attachments, extensions --------------------------------------------------------------


@login_required
def attachment(request, pk):
    att = get_object_or_404(
        Attachment.objects.select_related("report__period__plan", "report__unit"), pk=pk
    )
    report = att.report
    if not (
        access.visible_reports(request.user).filter(pk=report.pk).exists()
        and access.can_read_unit_reports(request.user, report.period.plan, report.unit)
    ):
        raise Http404
    response = FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.original_name,
        content_type=att.content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def extension_request(request, pk):
    report = get_object_or_404(
        access.visible_reports(request.user).select_related("period__plan", "unit", "task"), pk=pk
    )
    try:
        requested = workflow.parse_day(request.POST.get("requested_deadline", ""))
    except ValueError:
        requested = None
    try:
        workflow.request_extension(
            report,
            request.user,
            requested=requested,
            reason=xml_safe(request.POST.get("reason", "")),
        )
    except workflow.ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã gửi đề nghị gia hạn đến đơn vị theo dõi.")
    return redirect(_next_url(request, report.get_absolute_url()))


@login_required
@require_POST
def extension_decide(request, pk):
    ext = get_object_or_404(
        ExtensionRequest.objects.filter(
            report__in=access.visible_reports(request.user)
        ).select_related("report__period__plan", "report__unit", "report__task"),
        pk=pk,
    )
    try:
        workflow.decide_extension(
            ext, request.user, grant=request.POST.get("decision") == "grant",
            comment=xml_safe(request.POST.get("comment", "")),
        )  # fmt: skip
    except workflow.ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã ghi nhận quyết định gia hạn.")
    return redirect(_next_url(request, ext.report.get_absolute_url()))


# --- notifications ------------------------------------------------------------------------


@login_required
def notification_list(request):
    items = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    if request.GET.get("chua_doc"):
        items = items.filter(read_at__isnull=True)
    return render(
        request,
        "reports/notification_list.html",
        {"page": _page(request, items), "unread_only": bool(request.GET.get("chua_doc"))},
    )


@login_required
@require_POST
def notification_read(request, pk):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    if request.POST.get("open") and is_local_path(note.link):
        return redirect(note.link)
    return redirect(_next_url(request, reverse("reports:notifications")))


@login_required
@require_POST
def notification_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, "Đã đánh dấu tất cả thông báo là đã đọc.")
    return redirect("reports:notifications")
