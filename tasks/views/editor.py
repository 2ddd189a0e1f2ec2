"""The appendix editor of a draft plan, and the live reading of a timeframe beside its text."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from config.middleware import upload_limit
from plans.access import can_edit_plan, visible_plans
from plans.models import Plan

from ..editor import EditorRow, load_rows, save_rows
from ..timeframes import parse_timeframe


@upload_limit(settings.EDITOR_MAX_UPLOAD)
@login_required
def plan_editor(request, pk):
    """Soạn thảo phụ lục: the appendix as an editable table, saved all at once."""
    plan = get_object_or_404(visible_plans(request.user).select_related("issuer"), pk=pk)
    if not can_edit_plan(request.user, plan):
        raise PermissionDenied("Chỉ đơn vị ban hành được soạn thảo phụ lục của kế hoạch này.")
    if plan.status != Plan.Status.DRAFT:
        raise PermissionDenied(
            "Kế hoạch đã ban hành chỉ được thay đổi bằng một bản sửa đổi (nút “Lập bản sửa đổi”)."
        )
    errors, version, stale = [], plan.version, False
    if request.method == "POST":
        outcome = save_rows(
            plan, request.POST.get("rows", ""), request.POST.get("version"), user=request.user
        )
        if outcome.saved:
            messages.success(request, outcome.message)
            if outcome.warnings:
                messages.warning(
                    request,
                    "Lưu ý: "
                    + " ".join(outcome.warnings[:10])
                    + (" …" if len(outcome.warnings) > 10 else ""),
                )
            return redirect(plan)
        rows, errors, stale = outcome.rows, outcome.errors, outcome.stale
        version = request.POST.get("version", "")
    else:
        rows = load_rows(plan)
    context = {
        "plan": plan,
        "rows": rows,
        "blank": EditorRow(key="__key__", level=1),
        "errors": errors,
        "stale": stale,
        "version": version,
    }
    return render(request, "tasks/plan_editor.html", context, status=200)


@login_required
def timeframe_preview(request):
    """htmx: what the parser reads from a timeframe as it is typed ("→ hằng năm, hạn 01/10")."""
    text = next((v for k, v in request.GET.items() if k.startswith("timeframe")), "")[:500]
    context = {"text": text.strip(), "schedule": parse_timeframe(text)}
    return render(request, "tasks/_timeframe_summary.html", context)
