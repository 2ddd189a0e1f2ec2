from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render

from tasks.models import Assignment, Task

from .access import visible_plans

PAGE_SIZE = 25


@login_required
def plan_list(request):
    plans = (
        visible_plans(request.user)
        .select_related("issuer", "parent")
        .annotate(task_count=Count("tasks"))
        .order_by("tree_id", "lft")
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "plans/plan_list.html", {"page": page})


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(
        visible_plans(request.user).select_related(
            "issuer", "parent", "follow_up_unit", "report_to_unit"
        ),
        pk=pk,
    )
    assignments = (
        Assignment.objects.filter(via__isnull=True)  # as written; not the tracked per-unit rows
        .select_related("unit", "group")
        .order_by("role", "position")
    )
    tasks = (
        plan.tasks.select_related("source_task__plan")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .order_by("position")
    )
    context = {
        "plan": plan,
        "chain": plan.get_ancestors().select_related("issuer"),
        "children": plan.get_children().select_related("issuer"),
        "also_implements": plan.also_implements.select_related("issuer"),
        "replaces": plan.replaces.select_related("issuer"),
        "replaced_by": plan.replaced_by.select_related("issuer"),
        "tasks": tasks,
        "counts": {kind: sum(1 for t in tasks if t.kind == kind) for kind in Task.Kind.values},
    }
    return render(request, "plans/plan_detail.html", context)
