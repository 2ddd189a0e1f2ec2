"""Plan list, and the plan header forms (create, edit). The plan page itself, which shows the
appendix, is `tasks.views.plan.plan_detail` (plans never import tasks)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from config.query import uuid_or_none
from orgunits.access import actor_for
from orgunits.locks import tree_lock
from orgunits.models import OrgUnit

from .access import can_create_plans, can_edit_plan, visible_plans
from .filters import LEVELS, STATUSES, parse_plan_filters
from .forms import PlanForm
from .models import Plan

PAGE_SIZE = 25


@login_required
def plan_list(request):
    """Kế hoạch: the plans the user may see, as a tree, with search and filters."""
    filters = parse_plan_filters(request.GET)
    visible = visible_plans(request.user)
    plans = (
        visible.filter(filters.q_object())
        .select_related("issuer", "parent")
        .annotate(task_count=Count("tasks"))
        .order_by("tree_id", "lft")
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("trang"))
    issuers = OrgUnit.objects.filter(pk__in=visible.values("issuer_id")).order_by("name")
    years = visible.dates("issued_on", "year", order="DESC")
    context = {
        "page": page,
        "filters": filters,
        "issuers": issuers,
        "years": [d.year for d in years],
        "levels": [(k, label) for k, (label, _) in LEVELS.items()],
        "statuses": STATUSES.items(),
    }
    return render(request, "plans/plan_list.html", context)


def _plan_form_page(request, form, plan=None):
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@login_required
def plan_create(request):
    """Lập kế hoạch mới: the header; the appendix is edited next."""
    actor = actor_for(request.user)
    if not can_create_plans(actor):
        raise PermissionDenied("Tài khoản của bạn không được lập kế hoạch.")
    if request.method != "POST":
        form = PlanForm(actor=actor, initial={"submission_token": uuid.uuid4()})
        return _plan_form_page(request, form)
    form = PlanForm(request.POST, actor=actor)
    token = uuid_or_none(request.POST.get("submission_token"))
    existing = Plan.objects.filter(submission_token=token).first() if token else None
    if existing is not None:  # the same form posted twice: one plan
        return redirect(existing)
    if not form.is_valid():
        return _plan_form_page(request, form)
    plan = form.save(commit=False)
    plan.status = Plan.Status.DRAFT
    plan.submission_token = form.cleaned_data.get("submission_token")
    try:
        with transaction.atomic(), tree_lock(Plan):
            plan.save()
            form.save_m2m()
    except IntegrityError:
        existing = Plan.objects.filter(submission_token=plan.submission_token).first()
        if existing is None:
            raise
        return redirect(existing)
    messages.success(request, f"Đã lập {plan.label} (dự thảo).")
    return redirect(plan)


@login_required
def plan_edit(request, pk):
    """Sửa thông tin chung of a draft; refused when someone else saved in between."""
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    if not can_edit_plan(request.user, plan):
        raise PermissionDenied("Chỉ đơn vị ban hành được sửa kế hoạch dự thảo của mình.")
    actor = actor_for(request.user)
    if request.method != "POST":
        form = PlanForm(instance=plan, actor=actor, initial={"version": plan.version})
        return _plan_form_page(request, form, plan)
    form = PlanForm(request.POST, instance=plan, actor=actor)
    if not form.is_valid():
        return _plan_form_page(request, form, plan)
    with transaction.atomic(), tree_lock(Plan):
        current = Plan.objects.select_for_update().get(pk=plan.pk)
        if form.cleaned_data.get("version") != current.version:
            form.add_error(
                None,
                "Kế hoạch vừa được người khác cập nhật. Hãy tải lại trang để xem bản mới nhất "
                "rồi sửa lại: thay đổi của bạn chưa được lưu.",
            )
            return _plan_form_page(request, form, plan)
        plan = form.save(commit=False)
        plan.version = current.version + 1
        plan.save()
        form.save_m2m()
    messages.success(request, "Đã lưu thông tin chung của kế hoạch.")
    return redirect(plan)
