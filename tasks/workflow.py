"""The life of a plan: derive a commune plan from a provincial one, issue it, revise it.

- `derive_commune_plan`: "Lập kế hoạch cấp xã". A draft commune plan with every provincial
  task that names the commune — directly or through a group such as "Ủy ban nhân dân các
  xã, phường, đặc khu" — copied and linked to its source task, sections included.
- `issue_plan`: checks the plan can be issued (number, date, a lead unit on every task),
  marks it issued and creates its tracked assignments.
- `create_revision`: an issued plan is never edited silently; a revision is a new draft
  that replaces it once issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orgunits.access import groups_covering, units_in_subtree
from orgunits.locks import tree_lock
from orgunits.models import OrgUnit
from orgunits.resolver import Part, Target, vocabulary_for
from orgunits.territory import branch_of
from plans.models import Plan

from .appendix import AppendixRow, prepare_appendix, task_row
from .appendix_write import create_tasks
from .expansion import ExpansionResult, expand_plan
from .models import Assignment, Task
from .stt import to_roman

LETTERS = "abcdđeghiklmnopqrstuvxy"


def tasks_naming(plan: Plan, unit: OrgUnit) -> dict[int, str]:
    """Tasks of `plan` whose written units include `unit`'s subtree: {task id: role}.

    A task naming the unit as lead and as coordinating counts as lead."""
    groups = [g.pk for g in groups_covering(unit)]
    here = OrgUnit.objects.filter(units_in_subtree(unit)).values("pk")
    rows = Assignment.objects.filter(
        Q(unit__in=here) | Q(group__in=groups), task__plan=plan, via__isnull=True
    ).values_list("task_id", "role")
    roles: dict[int, str] = {}
    for task_id, role in rows:
        if roles.get(task_id) != Assignment.Role.LEAD:
            roles[task_id] = role
    return roles


def _renumber(level: int, counters: dict[int, int]) -> str:
    """Sequential STT for a derived plan: I, II … at the top, 1, 2 … below, then a, b …"""
    counters[level] = counters.get(level, 0) + 1
    for deeper in [k for k in counters if k > level]:
        del counters[deeper]
    n = counters[level]
    if level == 0:
        return to_roman(n)
    if level == 1:
        return str(n)
    return LETTERS[n - 1] if n <= len(LETTERS) else str(n)


def _place(commune: OrgUnit) -> str:
    """ "Ủy ban nhân dân xã Phước Giang" → "xã Phước Giang"."""
    return commune.name.removeprefix("Ủy ban nhân dân ")


@dataclass
class Derived:
    plan: Plan
    created: bool


def derive_commune_plan(source: Plan, commune: OrgUnit, user=None) -> Derived:
    """Create (once) the draft commune plan implementing `source` for `commune`."""
    if commune.kind != OrgUnit.Kind.COMMUNE:
        raise ValidationError("Chỉ lập được kế hoạch cấp xã cho một xã, phường, đặc khu.")
    if source.status != Plan.Status.ISSUED:
        raise ValidationError("Chỉ lập kế hoạch cấp xã từ một kế hoạch đã ban hành.")
    with transaction.atomic(), tree_lock(Plan):
        Plan.objects.select_for_update().filter(pk=source.pk).first()
        existing = Plan.objects.filter(
            parent=source, issuer=commune, status=Plan.Status.DRAFT
        ).first()
        if existing is not None:
            return Derived(existing, created=False)
        roles = tasks_naming(source, commune)
        if not roles:
            raise ValidationError(
                f"{source.label} không giao nhiệm vụ nào cho {commune.display_name}."
            )
        tasks = list(source.tasks.order_by("position"))
        by_pk = {t.pk: t for t in tasks}
        keep: set[int] = set()
        for task_id in roles:
            node = by_pk[task_id]
            while node is not None:
                keep.add(node.pk)
                node = by_pk.get(node.parent_id)
        branch = branch_of(commune)
        follow_up = (
            commune.served_by.filter(kind=OrgUnit.Kind.NHCSXH_PGD, active_until__isnull=True)
            .order_by("pk")
            .first()
            or branch
        )
        commune_rule = source.has_commune_rule
        plan = Plan(
            kind=Plan.Kind.PLAN,
            title=f"Triển khai thực hiện {source.label}"
            + (f" ngày {source.issued_on:%d/%m/%Y}" if source.issued_on else "")
            + f" của {source.issuer.name} trên địa bàn {_place(commune)}",
            issuer=commune,
            status=Plan.Status.DRAFT,
            parent=source,
            follow_up_unit=follow_up,
            report_to_unit=source.report_to_unit or branch,
            # The rule the provincial plan sets for its communes (25/9 for Quảng Ngãi),
            # or else its own; editable in the header form before issuing.
            cutoff_day=source.commune_cutoff_day if commune_rule else source.cutoff_day,
            cutoff_month=source.commune_cutoff_month if commune_rule else source.cutoff_month,
            first_year_cutoff=source.commune_first_year_cutoff if commune_rule else None,
            targets_text=source.targets_text,
        )
        plan.save()

        counters: dict[int, int] = {}
        rows: list[AppendixRow] = []
        sources: dict[int, Task] = {}
        for task in tasks:
            if task.pk not in keep:
                continue
            role = roles.get(task.pk)
            note = ""
            if role == Assignment.Role.COORDINATING:
                note = f"Ở {source.label}, {commune.display_name} là đơn vị phối hợp."
            sources[len(rows)] = task
            rows.append(
                AppendixRow(
                    stt=_renumber(task.level, counters),
                    content=task.content,
                    lead=commune.short_name if role else "",
                    product=task.product,
                    timeframe=task.timeframe_text,
                    note=note,
                )
            )
        prepared = prepare_appendix(rows, vocabulary_for(commune))
        create_tasks(
            plan, prepared, source_tasks=sources, user=user,
            reason=f"Lập kế hoạch cấp xã từ {source.label}",
        )  # fmt: skip
    return Derived(plan, created=True)


def issue_problems(plan: Plan, number: str, issued_on: date | None) -> list[str]:
    """Why `plan` cannot be issued yet, in Vietnamese (empty when it can)."""
    problems = []
    if plan.status != Plan.Status.DRAFT:
        problems.append("Chỉ ban hành được kế hoạch đang ở trạng thái dự thảo.")
    if not number.strip():
        problems.append("Cần nhập số, ký hiệu văn bản trước khi ban hành.")
    elif (
        Plan.objects.filter(issuer=plan.issuer, number=number.strip()).exclude(pk=plan.pk).exists()
    ):
        problems.append(f"{plan.issuer.display_name} đã có văn bản số {number.strip()}.")
    if issued_on is None:
        problems.append("Cần nhập ngày ban hành.")
    elif issued_on > timezone.localdate():
        problems.append("Ngày ban hành không được ở tương lai.")
    without_lead = (
        plan.tasks.exclude(kind=Task.Kind.SECTION)
        .filter(children__isnull=True)
        .exclude(assignments__role=Assignment.Role.LEAD)
        .order_by("position")
    )
    for task in without_lead[:20]:
        problems.append(f"Nhiệm vụ {task.full_code or task.position + 1} chưa có đơn vị chủ trì.")
    if not plan.tasks.exists():
        problems.append("Kế hoạch chưa có nhiệm vụ nào.")
    return problems


NO_RULE_WARNING = (
    "Kế hoạch chưa có hạn báo cáo hằng năm: sau khi ban hành sẽ không có kỳ báo cáo định kỳ, "
    "không có nhắc hạn và báo quá hạn; chỉ đơn vị theo dõi tạo được kỳ báo cáo đột xuất. "
    "Nhập hạn báo cáo ở “Sửa thông tin chung” trước khi ban hành nếu kế hoạch có quy định."
)


def issue_warnings(plan: Plan) -> list[str]:
    """What issuing `plan` as it is implies, without blocking it (Vietnamese)."""
    return [] if plan.has_reporting_rule else [NO_RULE_WARNING]


def issue_plan(plan: Plan, number: str, issued_on: date, user=None) -> ExpansionResult:
    """Issue a draft: it becomes read-only, the plan it revises is superseded, and every
    unit it names gets its tracked assignments."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        problems = issue_problems(plan, number, issued_on)
        if problems:
            raise ValidationError(problems)
        plan.number = number.strip()
        plan.issued_on = issued_on
        plan.status = Plan.Status.ISSUED
        plan.version += 1
        plan._history_user = user
        plan.save()
        for old in plan.replaces.filter(status=Plan.Status.ISSUED):
            old.status = Plan.Status.SUPERSEDED
            old.version += 1
            old._history_user = user
            old.save()
            Assignment.objects.filter(task__plan=old, retired_on__isnull=True).update(
                retired_on=issued_on
            )
        return expand_plan(plan, user=user)


def written_part(a: Assignment) -> Part:
    """A written assignment as the resolver part it was made from."""
    if a.unit_id:
        target = Target("unit", a.unit_id, a.source_text)
    elif a.group_id:
        target = Target("group", a.group_id, a.source_text)
    else:
        target = None
    return Part(
        text=a.source_text or "", target=target, request=a.is_request, picked_for=a.picked_for_id
    )


def create_revision(plan: Plan, user=None) -> Derived:
    """A new draft copying an issued plan, replacing it once issued (one draft at a time)."""
    if plan.status != Plan.Status.ISSUED:
        raise ValidationError("Chỉ lập bản sửa đổi cho kế hoạch đã ban hành.")
    with transaction.atomic(), tree_lock(Plan):
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        existing = plan.replaced_by.filter(status=Plan.Status.DRAFT).first()
        if existing is not None:
            return Derived(existing, created=False)
        revision = Plan(
            kind=plan.kind,
            title=plan.title,
            issuer=plan.issuer,
            status=Plan.Status.DRAFT,
            parent=plan.parent,
            follow_up_unit=plan.follow_up_unit,
            report_to_unit=plan.report_to_unit,
            cutoff_day=plan.cutoff_day,
            cutoff_month=plan.cutoff_month,
            first_year_cutoff=plan.first_year_cutoff,
            commune_cutoff_day=plan.commune_cutoff_day,
            commune_cutoff_month=plan.commune_cutoff_month,
            commune_first_year_cutoff=plan.commune_first_year_cutoff,
            reporting_rule_text=plan.reporting_rule_text,
            targets_text=plan.targets_text,
            note=f"Bản sửa đổi của {plan.label}.",
        )
        revision.save()
        revision.also_implements.set(plan.also_implements.all())
        revision.replaces.add(plan)
        tasks = list(plan.tasks.order_by("position").prefetch_related("assignments"))
        # The revision names what the plan names, as it names it: units picked for a related
        # group, requests and unresolved names included (not the cells read again).
        parts = []
        for t in tasks:
            written = sorted(
                (a for a in t.assignments.all() if a.via_id is None),
                key=lambda a: (a.role, a.position, a.pk),
            )
            parts.append(
                (
                    [written_part(a) for a in written if a.role == Assignment.Role.LEAD],
                    [written_part(a) for a in written if a.role == Assignment.Role.COORDINATING],
                )
            )
        prepared = prepare_appendix([task_row(t) for t in tasks], parts=parts)
        sources = {i: t.source_task for i, t in enumerate(tasks) if t.source_task_id}
        create_tasks(
            revision, prepared, source_tasks=sources, user=user,
            reason=f"Bản sửa đổi của {plan.label}",
        )  # fmt: skip
    return Derived(revision, created=True)
