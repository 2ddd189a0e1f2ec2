"""Plan pages: the plan with its appendix; derive a commune plan, issue, revise; a task's
chain; history tabs.

The plan page lives here, not in `plans`, because it shows the plan's tasks (imports go
downhill: tasks → plans)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.timezone import is_aware, localtime
from django.views.decorators.http import require_POST

from config.numbers import count_text
from plans.access import (
    can_derive_for,
    can_edit_plan,
    can_revise,
    can_use_editor,
    visible_plans,
)
from plans.inference import open_inferences

from ..access import may_see_names, picks_province
from ..expansion import empty_groups, tracked_assignments
from ..models import Assignment, Task
from ..workflow import (
    create_revision,
    derive_commune_plan,
    issue_plan,
    issue_problems,
    issue_warnings,
)

HISTORY_PAGE = 30
TRACKED_PAGE = 50


@login_required
def plan_detail(request, pk):
    """A plan: its header, the plans above and below it, and its appendix as printed."""
    plan = get_object_or_404(
        visible_plans(request.user).select_related(
            "issuer", "parent", "follow_up_unit", "report_to_unit"
        ),
        pk=pk,
    )
    assignments = (
        Assignment.objects.filter(via__isnull=True)  # as written; not the tracked per-unit rows
        .select_related("unit", "group__scope", "picked_for")
        .order_by("role", "position")
    )
    tasks = (
        plan.tasks.select_related("source_task__plan")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .order_by("position")
    )
    can_edit = can_edit_plan(request.user, plan)
    inferred, task_marks = open_inferences(plan)
    for task in tasks:
        task.inferred = task_marks.get(task.pk, {})
    context = {
        "plan": plan,
        "inferred": inferred,
        "chain": plan.get_ancestors().select_related("issuer"),
        "children": plan.get_children().select_related("issuer"),
        "also_implements": plan.also_implements.select_related("issuer"),
        "replaces": plan.replaces.select_related("issuer"),
        "replaced_by": plan.replaced_by.select_related("issuer"),
        "tasks": tasks,
        "counts": {kind: sum(1 for t in tasks if t.kind == kind) for kind in Task.Kind.values},
        "can_edit": can_edit,
        "can_use_editor": can_use_editor(request.user, plan),
        "derive_for": can_derive_for(request.user, plan),
        "can_revise": can_revise(request.user, plan),
        "unresolved_count": sum(1 for t in tasks for a in t.assignments.all() if a.is_unresolved),
        "empty_groups": empty_groups(tasks),
        "names_url": _names_url(request.user, plan),
    }
    return render(request, "tasks/plan_detail.html", context)


def _names_url(user, plan) -> str:
    """The unresolved names page, for those who may see the plan's names there."""
    if not may_see_names(user, plan):
        return ""
    url = reverse("tasks:unresolved_names")
    return f"{url}?tinh={plan.issuer.province().pk}" if picks_province(user) else url


@login_required
@require_POST
def derive_view(request, pk):
    """“Lập kế hoạch cấp xã” from a provincial plan (one draft per commune, however often
    the button is pressed)."""
    source = get_object_or_404(visible_plans(request.user), pk=pk)
    commune = can_derive_for(request.user, source)
    if commune is None:
        raise PermissionDenied("Chỉ cán bộ cấp xã được lập kế hoạch cấp xã từ kế hoạch này.")
    try:
        derived = derive_commune_plan(source, commune, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(source)
    if derived.created:
        messages.success(
            request,
            f"Đã lập dự thảo kế hoạch của {commune.display_name} với "
            f"{count_text(derived.plan.tasks.exclude(kind=Task.Kind.SECTION).count())} nhiệm vụ từ "
            f"{source.label}. Hãy sửa nội dung cho phù hợp với địa phương trước khi ban hành.",
        )
    else:
        messages.info(request, "Xã đã có dự thảo kế hoạch từ văn bản này: mở lại dự thảo đó.")
    return redirect(derived.plan)


def _parse_date(value: str):
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


@login_required
def issue_view(request, pk):
    """Ban hành: number and date, after checking every task has a lead unit."""
    plan = get_object_or_404(visible_plans(request.user).select_related("issuer"), pk=pk)
    if not can_edit_plan(request.user, plan):
        raise PermissionDenied("Chỉ đơn vị ban hành được ban hành kế hoạch dự thảo của mình.")
    number = request.POST.get("number", plan.number)
    issued_text = request.POST.get("issued_on", "")
    problems = []
    if request.method == "POST":
        issued_on = _parse_date(issued_text)
        if issued_text and issued_on is None:
            problems = ["Ngày ban hành không hợp lệ: nhập theo dạng dd/mm/yyyy, vd. 05/01/2026."]
        else:
            try:
                issue_plan(plan, number, issued_on, user=request.user)
            except ValidationError as exc:
                problems = exc.messages
            else:
                tracked = tracked_assignments().filter(task__plan=plan).count()
                messages.success(
                    request,
                    f"Đã ban hành kế hoạch số {number.strip()}: {count_text(tracked)} phân "
                    "công được theo dõi cho từng đơn vị.",
                )
                for warning in issue_warnings(plan):
                    messages.warning(request, warning)
                return redirect(plan)
    else:
        problems = [p for p in issue_problems(plan, number or "-", None) if "ngày" not in p]
    context = {
        "plan": plan,
        "number": number,
        "issued_on": issued_text,
        "problems": problems,
        "warnings": issue_warnings(plan),
    }
    return render(request, "tasks/plan_issue.html", context)


@login_required
@require_POST
def revise_view(request, pk):
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    if not can_revise(request.user, plan):
        raise PermissionDenied("Chỉ đơn vị ban hành được lập bản sửa đổi của kế hoạch này.")
    revision = create_revision(plan, user=request.user)
    if revision.created:
        messages.success(
            request,
            f"Đã lập bản sửa đổi (dự thảo) của {plan.label}; khi ban hành, bản này thay thế "
            "kế hoạch cũ.",
        )
    return redirect(revision.plan)


def _visible_task(user, pk) -> Task:
    return get_object_or_404(
        Task.objects.select_related("plan__issuer", "parent"),
        pk=pk,
        plan__in=visible_plans(user),
    )


@login_required
def task_detail(request, pk):
    """A task, its chain up to Chỉ thị 39 and down to every commune task derived from it."""
    task = _visible_task(request.user, pk)
    up = []
    node = task.source_task
    while node is not None and len(up) < 10:
        node = Task.objects.select_related("plan__issuer", "source_task").get(pk=node.pk)
        up.append(node)
        node = node.source_task
    top_plan = up[-1].plan if up else task.plan
    plan_chain = list(top_plan.get_ancestors().select_related("issuer"))

    visible = visible_plans(request.user)
    down = []  # (depth, task) depth-first, one query per level
    level = [task.pk]
    depth = 1
    children_of: dict[int, list[Task]] = {}
    while level and depth <= 4:
        rows = list(
            Task.objects.filter(source_task_id__in=level, plan__in=visible)
            .select_related("plan__issuer")
            .order_by("plan__issuer__name", "position")
        )
        for row in rows:
            children_of.setdefault(row.source_task_id, []).append(row)
        level = [r.pk for r in rows]
        depth += 1

    def walk(pk, depth):
        for child in children_of.get(pk, []):
            down.append((depth, child))
            walk(child.pk, depth + 1)

    walk(task.pk, 1)
    written = task.assignments.filter(via__isnull=True).select_related("unit", "group")
    tracked = (
        Assignment.objects.filter(task=task, unit__isnull=False)
        .select_related("unit", "replaced_by__unit")
        .order_by("retired_on", "role", "unit__name")
    )
    page = Paginator(tracked, TRACKED_PAGE).get_page(request.GET.get("trang"))
    context = {
        "task": task,
        "up": up,
        "plan_chain": plan_chain,
        "down": down,
        "written": written,
        "tracked_page": page,
        "names_url": _names_url(request.user, task.plan)
        if any(a.is_unresolved for a in written)
        else "",
        "inferred": {m.field: m for m in task.inferences.filter(confirmed_at__isnull=True)},
    }
    return render(request, "tasks/task_detail.html", context)


def _history_rows(records):
    """Turn simple_history records into rows with what changed, in two queries whatever
    the page size (previous versions are fetched together, not one by one)."""
    records = list(records)
    if not records:
        return []
    model = type(records[0])
    ids = {r.id for r in records}
    newest = max(r.history_date for r in records)
    versions: dict[int, list] = {}
    for version in model.objects.filter(id__in=ids, history_date__lte=newest).order_by(
        "id", "history_date", "history_id"
    ):
        versions.setdefault(version.id, []).append(version)
    rows = []
    for record in records:
        changes = []
        chain = versions.get(record.id, [])
        position = next((i for i, v in enumerate(chain) if v.pk == record.pk), 0)
        previous = chain[position - 1] if position > 0 else None
        if record.history_type == "~" and previous is not None:
            for change in record.diff_against(previous).changes:
                field = record.instance_type._meta.get_field(change.field)
                old, new = _shown(field, change.old), _shown(field, change.new)
                changes.append((field.verbose_name, old, new))
        rows.append({"record": record, "changes": changes, "label": _record_label(record)})
    _name_related(rows)
    return rows


def _record_label(record) -> str:
    """What a history row is about, in Vietnamese and without simple-history's English
    "… as of <timestamp>" nor a query per row (no foreign key is followed)."""
    model = record.instance_type
    if model is Task:
        head = f"{record.full_code}. " if record.full_code else ""
        return _short(f"{head}{record.content}", 80)
    if model is Assignment:
        return _short(f"{record.get_role_display()}: {record.source_text}", 80)
    kind = record.get_kind_display()
    return (
        f"{kind} {record.number}"
        if record.number
        else f"{kind} (chưa có số): {_short(record.title, 60)}"
    )


def _shown(field, value):
    """A changed value as a reader expects it: choices by their Vietnamese names, dates
    dd/mm/yyyy, yes/no; foreign keys are named afterwards (`_name_related`)."""
    if value is None or value == "":
        return ""
    if field.is_relation:
        return (field.related_model, value)
    if field.choices:
        return _short(str(dict(field.flatchoices).get(value, value)))
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return date_format(localtime(value) if is_aware(value) else value, "d/m/Y H:i")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return number_format(value, use_l10n=True, force_grouping=True)
    return _short(str(value))


def _name_related(rows) -> None:
    """Replace the (model, id) placeholders of changed foreign keys by the objects' names,
    one query per related model whatever the number of rows."""
    wanted: dict = {}
    for row in rows:
        for _, old, new in row["changes"]:
            for value in (old, new):
                if isinstance(value, tuple):
                    wanted.setdefault(value[0], set()).add(value[1])
    names = {
        (model, obj.pk): _short(str(obj))
        for model, ids in wanted.items()
        for obj in model._default_manager.filter(pk__in=ids)
    }

    def name(value):
        if isinstance(value, tuple):
            return names.get(value, f"(đã xóa, mã {value[1]})")
        return value

    for row in rows:
        row["changes"] = [(label, name(old), name(new)) for label, old, new in row["changes"]]


def _short(value, limit: int = 120) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "…"


@login_required
def plan_history(request, pk):
    """Lịch sử: every change to the plan, its tasks and their assignments, newest first."""
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    kind = request.GET.get("loai", "plan")
    if kind == "task":
        records = Task.history.filter(plan_id=plan.pk)
    elif kind == "assignment":
        records = Assignment.history.filter(task__plan_id=plan.pk)
    else:
        kind = "plan"
        records = plan.history.all()
    records = records.select_related("history_user").order_by("-history_date")
    page = Paginator(records, HISTORY_PAGE).get_page(request.GET.get("trang"))
    context = {"plan": plan, "kind": kind, "page": page, "rows": _history_rows(page)}
    return render(request, "tasks/plan_history.html", context)


@login_required
def task_history(request, pk):
    task = _visible_task(request.user, pk)
    records = task.history.select_related("history_user").order_by("-history_date")
    page = Paginator(records, HISTORY_PAGE).get_page(request.GET.get("trang"))
    assignment_records = (
        Assignment.history.filter(task_id=task.pk)
        .select_related("history_user")
        .order_by("-history_date")[:HISTORY_PAGE]
    )
    context = {
        "task": task,
        "page": page,
        "rows": _history_rows(page),
        "assignment_rows": _history_rows(assignment_records),
    }
    return render(request, "tasks/task_history.html", context)
