"""Thẩm định (review): the list of report lines waiting for the reviewing unit, its filters
and the bulk actions — accept the lines ticked, accept every waiting line of a unit, return
several lines with one reason. Updated in place with htmx; the rules live in
`workflow.review_many` (the same as one line's review) and `access`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from config.numbers import count_text
from config.query import positive_int
from orgunits.models import OrgUnit
from plans.models import Plan

from . import access, workflow
from .models import ProgressReport, ReportingPeriod
from .timeliness import Submission, Timeliness, submission_expression, timeliness_expression

PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 200)
ALL_STATES = "tat-ca"


def _int(value) -> int | None:
    """A positive id from a query or form field, or None (one validated path)."""
    return positive_int(value)


def parse_filters(params) -> dict:
    """The list's filters from the query string: state (trang_thai), unit (don_vi), plan
    (ke_hoach), period (ky), task search (q); and the page size (so_dong). Unknown values
    are ignored."""
    state = params.get("trang_thai") or ProgressReport.State.SUBMITTED
    if state not in ProgressReport.State.values and state != ALL_STATES:
        state = ProgressReport.State.SUBMITTED
    return {
        "state": state,
        "unit": _int(params.get("don_vi")),
        "plan": _int(params.get("ke_hoach")),
        "period": _int(params.get("ky")),
        "q": (params.get("q") or "").strip()[:200],
        "size": size if (size := _int(params.get("so_dong"))) in PAGE_SIZES else PAGE_SIZE,
    }


def filtered_reports(user, f: dict, *, state: str | None = None):
    reports = access.reviewable_reports(user)
    state = state or f["state"]
    if state != ALL_STATES:
        reports = reports.filter(state=state)
    if f["unit"]:
        reports = reports.filter(unit_id=f["unit"])
    if f["plan"]:
        reports = reports.filter(period__plan_id=f["plan"])
    if f["period"]:
        reports = reports.filter(period_id=f["period"])
    if f["q"]:
        reports = reports.filter(
            Q(task__content__icontains=f["q"]) | Q(task__full_code__iexact=f["q"])
        )
    return reports


def _waiting_by_unit(user, f: dict):
    """Units with lines waiting (within the plan, period and search filters), with counts."""
    rest = {**f, "unit": None}
    return list(
        filtered_reports(user, rest, state=ProgressReport.State.SUBMITTED)
        .values("unit_id", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("unit__name", "unit_id")
    )


def _context(request, f: dict) -> dict:
    user = request.user
    today = timezone.localdate()
    reports = (
        filtered_reports(user, f)
        .select_related("period__plan__issuer", "unit", "task")
        .prefetch_related("attachments")
        .annotate(tl=timeliness_expression(today), sub=submission_expression())
        .order_by("submitted_at", "pk")
    )
    page = Paginator(reports, f["size"]).get_page(request.GET.get("trang"))
    for r in page:
        r.tl_label = Timeliness.LABELS[r.tl]
        r.tl_colour = Timeliness.COLOURS[r.tl]
        r.sub_label = Submission.LABELS[r.sub]
    waiting_units = _waiting_by_unit(user, f)
    chosen_unit = next((u for u in waiting_units if u["unit_id"] == f["unit"]), None)
    if f["unit"] and chosen_unit is None:
        name = OrgUnit.objects.filter(pk=f["unit"]).values_list("name", flat=True).first()
        chosen_unit = {"unit_id": f["unit"], "unit__name": name or "", "n": 0}
    base = access.reviewable_reports(user)
    plans = (
        Plan.objects.filter(pk__in=base.values("period__plan_id"))
        .select_related("issuer")
        .order_by("tree_id", "lft")
    )
    periods = (
        ReportingPeriod.objects.filter(pk__in=base.values("period_id"))
        .select_related("plan")
        .order_by("-cutoff", "pk")
    )
    if f["plan"]:
        periods = periods.filter(plan_id=f["plan"])
    return {
        "page": page,
        "f": f,
        "state": f["state"],
        "states": [*ProgressReport.State.choices, (ALL_STATES, "Tất cả trạng thái")],
        "waiting_units": waiting_units,
        "chosen_unit": chosen_unit,
        "plans": plans,
        "periods": periods,
        "page_sizes": PAGE_SIZES,
        "any_submitted": any(r.state == ProgressReport.State.SUBMITTED for r in page),
        "today": today,
    }


def _versions(post) -> dict[int, int]:
    out = {}
    for key, value in post.items():
        if key.startswith("v-"):
            pk, version = _int(key[2:]), _int(value)
            if pk is not None and version is not None:
                out[pk] = version
    return out


def _act(request, f: dict) -> int:
    """Carry out the posted bulk action; put the outcome in messages; return the status."""
    post = request.POST
    if post.get("decision") not in ("accept", "return"):
        messages.error(request, "Chọn “Chấp nhận” hoặc “Trả lại”; chưa thẩm định dòng nào.")
        return 400
    accept = post.get("decision") == "accept"
    whole_unit = _int(post.get("tat_ca_don_vi"))
    if whole_unit:
        ids = list(
            filtered_reports(
                request.user, {**f, "unit": whole_unit}, state=ProgressReport.State.SUBMITTED
            ).values_list("pk", flat=True)
        )
        versions = {}
        if not ids:
            messages.info(request, "Đơn vị này không còn dòng báo cáo nào chờ thẩm định.")
            return 200
    else:
        ids = [pk for pk in map(_int, post.getlist("line")) if pk is not None]
        versions = _versions(post)
    try:
        resubmit_by = workflow.parse_day(post.get("resubmit_by", ""))
    except ValueError:
        messages.error(request, "Hạn nộp lại không đúng dạng dd/mm/yyyy; chưa trả lại báo cáo.")
        return 400
    try:
        result = workflow.review_many(
            ids, request.user, accept=accept, comment=post.get("comment", ""),
            resubmit_by=resubmit_by, versions=versions,
        )  # fmt: skip
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return 403
    except workflow.ReportError as exc:
        messages.error(request, exc.message)
        return 409 if "vừa được người khác" in exc.message else 400
    verb = "chấp nhận" if accept else "trả lại"
    if not result.changed:
        messages.info(request, f"Các dòng này đã được {verb} trước đó; không có gì thay đổi.")
    elif result.changed == 1 and len(ids) == 1:
        row = ProgressReport.objects.select_related("task", "unit").get(pk=ids[0])
        code = row.task.full_code or row.task.position + 1
        messages.success(request, f"Đã {verb} báo cáo nhiệm vụ {code} của {row.unit.display_name}.")
    else:
        text = (
            f"Đã {verb} {count_text(result.changed)} báo cáo của {count_text(result.units)} đơn vị."
        )
        if result.already:
            text += f" {count_text(result.already)} dòng đã được {verb} trước đó, giữ nguyên."
        messages.success(request, text)
    return 200


@login_required
def review_list(request):
    """GET: the list with its filters. POST (to the same address, filters in the query
    string): a bulk action; an htmx request gets the updated list back, a plain form a
    redirect to it."""
    f = parse_filters(request.GET)
    status = 200
    if request.method == "POST":
        status = _act(request, f)
        if not request.headers.get("HX-Request"):
            if status == 403:
                raise PermissionDenied(_last_error(request))
            return redirect(request.get_full_path())
    context = _context(request, f)
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )  # htmx restoring history (back button, cache miss) wants the whole page
    if partial:
        return render(request, "reports/_review_area.html", context, status=status)
    return render(request, "reports/review_list.html", context)


def _last_error(request) -> str:
    stored = list(messages.get_messages(request))
    return str(stored[-1]) if stored else "Bạn không có quyền thực hiện thao tác này."
