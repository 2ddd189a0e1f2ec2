"""Nhiệm vụ của đơn vị: the tracked assignments of the signed-in user's unit.

A commune task derived from a provincial task (`Task.source_task`) that is also assigned to
the commune's unit — the provincial assignment, often through the group "UBND các xã" —
shows once: the commune's own copy, naming the provincial task as its source.

The status, deadline and report link of each row come from the reports app, which sits
above tasks (imports go reports → tasks): it registers a row annotator in `ROW_ANNOTATORS`
when it starts (`reports.apps`)."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from config.query import positive_int
from orgunits.access import actor_for
from plans.access import visible_plans
from plans.models import Plan

from ..expansion import tracked_assignments
from ..models import Assignment

PAGE_SIZE = 50

#: Callables (rows, unit) → None that add attributes to the page's Assignment rows (the
#: reports app adds `progress`: the status word, deadline and link of the latest report).
ROW_ANNOTATORS: list[Callable] = []


def deduplicated(rows, unit, plans):
    """Drop an assignment when a task derived from its task, in a plan the user sees, is
    also assigned to the same unit: the derived (commune's own) copy stands for both."""
    own_copy = tracked_assignments().filter(
        unit=unit, task__source_task=OuterRef("task_id"), task__plan__in=plans
    )
    return rows.exclude(Exists(own_copy))


@login_required
def my_tasks(request):
    """Every task the user's unit must carry out (one row per tracked assignment, a task
    and the unit's own copy of it counted once), in the plans the user may see; filterable
    by plan and role."""
    actor = actor_for(request.user)
    if actor.unit is None:
        raise PermissionDenied(
            "Tài khoản chưa được gắn với đơn vị nào: hãy đề nghị quản trị cấp tỉnh cập nhật."
        )
    plans = visible_plans(actor).filter(status=Plan.Status.ISSUED)
    rows = deduplicated(
        tracked_assignments().filter(unit=actor.unit, task__plan__in=plans), actor.unit, plans
    )
    plan_choices = (
        Plan.objects.filter(pk__in=rows.values("task__plan_id"))
        .select_related("issuer")
        .order_by("tree_id", "lft")
    )
    chosen_plan = None
    if request.GET.get("ke_hoach"):
        if positive_int(request.GET["ke_hoach"]) is None:
            raise Http404
        chosen_plan = get_object_or_404(plans, pk=request.GET["ke_hoach"])
        rows = rows.filter(task__plan=chosen_plan)
    role = request.GET.get("vai_tro", "")
    if role in Assignment.Role.values:
        rows = rows.filter(role=role)
    rows = rows.select_related(
        "task__plan__issuer", "via__group", "task__source_task__plan"
    ).order_by("task__plan__tree_id", "task__plan__lft", "task__position", "role")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("trang"))
    for annotate in ROW_ANNOTATORS:
        annotate(page.object_list, actor.unit)
    context = {
        "unit": actor.unit,
        "page": page,
        "plan_choices": plan_choices,
        "chosen_plan": chosen_plan,
        "role": role,
        "roles": Assignment.Role.choices,
        "with_progress": bool(ROW_ANNOTATORS),
    }
    return render(request, "tasks/my_tasks.html", context)
