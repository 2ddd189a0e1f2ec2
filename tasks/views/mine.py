"""Nhiệm vụ của đơn vị: the tracked assignments of the signed-in user's unit."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from config.query import positive_int
from orgunits.access import actor_for
from plans.access import visible_plans
from plans.models import Plan

from ..expansion import tracked_assignments
from ..models import Assignment

PAGE_SIZE = 50


@login_required
def my_tasks(request):
    """Every task the user's unit must carry out (one row per tracked assignment), in the
    plans the user may see; filterable by plan and role."""
    actor = actor_for(request.user)
    if actor.unit is None:
        raise PermissionDenied(
            "Tài khoản chưa được gắn với đơn vị nào: hãy đề nghị quản trị cấp tỉnh cập nhật."
        )
    plans = visible_plans(actor).filter(status=Plan.Status.ISSUED)
    rows = tracked_assignments().filter(unit=actor.unit, task__plan__in=plans)
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
    rows = rows.select_related("task__plan__issuer", "via__group").order_by(
        "task__plan__tree_id", "task__plan__lft", "task__position", "role"
    )
    context = {
        "unit": actor.unit,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("trang")),
        "plan_choices": plan_choices,
        "chosen_plan": chosen_plan,
        "role": role,
        "roles": Assignment.Role.choices,
    }
    return render(request, "tasks/my_tasks.html", context)
