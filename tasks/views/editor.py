"""The appendix editor of a draft plan, and the live reading of a timeframe beside its text."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from config.middleware import upload_limit
from plans.access import can_edit_plan, can_use_editor, visible_plans

from ..editor import EditorRow, load_rows, save_rows
from ..timeframes import parse_timeframe

#: The editor warns this long before the idle session expires (SESSION_COOKIE_AGE).
SESSION_WARNING_SECONDS = 5 * 60


@upload_limit(settings.EDITOR_MAX_UPLOAD)
@login_required
def plan_editor(request, pk):
    """Soạn thảo phụ lục: the appendix as an editable table, saved all at once."""
    plan = get_object_or_404(visible_plans(request.user).select_related("issuer"), pk=pk)
    if not can_edit_plan(request.user, plan):
        raise PermissionDenied("Chỉ đơn vị ban hành được soạn thảo phụ lục của kế hoạch này.")
    if not can_use_editor(request.user, plan):
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
        "session_seconds": settings.SESSION_COOKIE_AGE,
        "warn_seconds": min(SESSION_WARNING_SECONDS, settings.SESSION_COOKIE_AGE // 2),
    }
    return render(request, "tasks/plan_editor.html", context, status=200)


@login_required
def timeframe_preview(request):
    """htmx: what the parser reads from a timeframe as it is typed ("→ hằng năm, hạn 01/10")."""
    text = next((v for k, v in request.GET.items() if k.startswith("timeframe")), "")[:500]
    context = {"text": text.strip(), "schedule": parse_timeframe(text)}
    return render(request, "tasks/_timeframe_summary.html", context)


@never_cache
@login_required
def session_ping(request):
    """The editor's "Tiếp tục làm việc": any signed-in request renews the idle session
    (SESSION_SAVE_EVERY_REQUEST); answers how long it now lasts. Signed out, the login
    redirect tells the page that the session is gone."""
    return JsonResponse({"seconds": settings.SESSION_COOKIE_AGE})
