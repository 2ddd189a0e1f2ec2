"""Inferred values (suy luận) of a plan and its tasks, as the pages and exports show them."""

from __future__ import annotations

from .models import Inference, Plan


def open_inferences(plan: Plan) -> tuple[dict[str, Inference], dict[int, dict[str, Inference]]]:
    """The unconfirmed marks of `plan`: ({field: mark} of the plan itself,
    {task id: {field: mark}} of its tasks), in one query."""
    own: dict[str, Inference] = {}
    tasks: dict[int, dict[str, Inference]] = {}
    for mark in Inference.objects.filter(plan=plan, confirmed_at__isnull=True):
        if mark.task_id is None:
            own[mark.field] = mark
        else:
            tasks.setdefault(mark.task_id, {})[mark.field] = mark
    return own, tasks
