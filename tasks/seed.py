"""Load the appendix tables of the seed plans (fixtures/appendices/*.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.dispatch import Signal

from orgunits.resolver import vocabulary_for
from plans.models import Plan
from plans.seed import record_inference

from .appendix import AppendixRow, PreparedAppendix, prepare_appendix
from .appendix_write import create_tasks
from .models import Task

#: Sent by `load_seeds` once the seed units, plans and appendices are loaded and expanded.
#: The apps above tasks seed their own data from them (reports: the seed plans' indicators)
#: without tasks importing them; each receiver returns a line for the command's output.
seeds_loaded = Signal()

FIELDS = (
    "stt",
    "content",
    "lead",
    "lead_heading",
    "coordinating",
    "product",
    "timeframe",
    "implements",
    "note",
)


@dataclass
class AppendixResult:
    plan: Plan
    prepared: PreparedAppendix
    created: bool


def read_rows(path: Path) -> tuple[str, list[AppendixRow]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = [
        AppendixRow(**{k: str(raw.get(k) or "") for k in FIELDS}, source_row=n)
        for n, raw in enumerate(data["rows"], start=1)
    ]
    return data["plan"], rows


def _source_tasks(rows: list[AppendixRow]) -> dict[int, Task]:
    """Rows that name the higher plan's task they implement ("qn-17-kh-ubnd#II.1")."""
    wanted = {}
    for index, row in enumerate(rows):
        if row.implements:
            plan_key, _, code = row.implements.partition("#")
            wanted[index] = (plan_key, code)
    if not wanted:
        return {}
    found = {
        (t.plan.seed_key, t.full_code): t
        for t in Task.objects.filter(
            plan__seed_key__in={k for k, _ in wanted.values()},
            full_code__in={c for _, c in wanted.values()},
        ).select_related("plan")
    }
    missing = [f"{k}#{c}" for k, c in wanted.values() if (k, c) not in found]
    if missing:
        raise ValueError(f"Không tìm thấy nhiệm vụ cấp trên: {', '.join(missing)}")
    return {index: found[key] for index, key in wanted.items()}


def load_appendix(path: Path) -> AppendixResult:
    """Create the tasks of one seed plan unless it already has them (idempotent)."""
    plan_key, rows = read_rows(path)
    plan = Plan.objects.select_related("issuer").get(seed_key=plan_key)
    prepared = prepare_appendix(rows, vocabulary_for(plan.issuer))
    if plan.tasks.exists():
        mark_inferences(plan, rows)
        return AppendixResult(plan, prepared, created=False)
    create_tasks(
        plan, prepared, source_tasks=_source_tasks(rows), reason="Nạp dữ liệu mẫu từ văn bản gốc"
    )
    mark_inferences(plan, rows)
    return AppendixResult(plan, prepared, created=True)


INFERRED_NOTE = "suy ra"


def mark_inferences(plan: Plan, rows: list[AppendixRow]) -> int:
    """Record what the seed rows infer (a "suy luận" mark): leads read from prose (the row's
    note says "suy ra"), and a higher task taken from a plan this one does not implement
    (Phước Giang implements 89/KH-UBND, whose appendix is not in the seeds: its rows point
    to the matching item of 17/KH-UBND)."""
    implemented = {plan.parent.seed_key} if plan.parent else set()
    implemented |= set(plan.also_implements.values_list("seed_key", flat=True))
    tasks = {t.position: t for t in plan.tasks.all()}
    changed = 0
    for index, row in enumerate(rows):
        task = tasks.get(index)
        if task is None:
            continue
        if INFERRED_NOTE in row.note.lower() and row.lead:
            changed += record_inference(plan, "lead", row.note.strip(), task=task)
        key, _, code = row.implements.partition("#")
        if key and key not in implemented:
            source = Plan.objects.filter(seed_key=key).first()
            changed += record_inference(
                plan,
                "source_task",
                f"{plan.label} thực hiện {plan.parent.label if plan.parent else 'văn bản khác'}"
                f", nhưng phụ lục của văn bản đó không có trong tài liệu gốc: nhiệm vụ được đối"
                f" chiếu với mục {code} của {source.label if source else key} có cùng nội dung.",
                task=task,
            )
    return changed


def appendix_paths(directory: Path) -> list[Path]:
    """Seed appendices in load order: plans whose tasks others implement come first."""
    paths = sorted(directory.glob("*.yaml"))
    referenced = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        referenced |= {
            line.split(":", 1)[1].strip().split("#")[0]
            for line in text.splitlines()
            if line.strip().startswith("implements:")
        }
    return sorted(paths, key=lambda p: p.stem not in referenced)
