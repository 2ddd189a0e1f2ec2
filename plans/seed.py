"""Load the plans of the demo data from fixtures/plans.yaml (idempotent)."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from orgunits.locks import tree_lock
from orgunits.models import OrgUnit

from .models import Inference, Plan


def _text(value) -> str:
    return " ".join(str(value or "").split())


def load_plans(path: Path) -> int:
    """Create or update every plan in `path`; return how many rows changed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["plans"]
    units = {u.key: u for u in OrgUnit.objects.all()}
    changed = 0
    with transaction.atomic(), tree_lock(Plan):
        plans = {p.seed_key: p for p in Plan.objects.filter(seed_key__isnull=False)}
        moved = False
        with Plan.objects.disable_mptt_updates():
            for spec in data:
                cutoff = spec.get("cutoff") or {}
                fields = {
                    "kind": spec.get("kind", Plan.Kind.PLAN),
                    "number": spec.get("number", ""),
                    "title": _text(spec["title"]),
                    "issuer": units[spec["issuer"]],
                    "signer": spec.get("signer", ""),
                    "signer_title": spec.get("signer_title", ""),
                    "issued_on": spec.get("issued_on"),
                    "status": spec.get("status", Plan.Status.DRAFT),
                    "parent": plans[spec["parent"]] if spec.get("parent") else None,
                    "follow_up_unit": units.get(spec.get("follow_up")),
                    "report_to_unit": units.get(spec.get("report_to")),
                    "cutoff_day": cutoff.get("day"),
                    "cutoff_month": cutoff.get("month"),
                    "first_year_cutoff": spec.get("first_year_cutoff"),
                    "commune_cutoff_day": (spec.get("commune_cutoff") or {}).get("day"),
                    "commune_cutoff_month": (spec.get("commune_cutoff") or {}).get("month"),
                    "reporting_rule_text": _text(spec.get("reporting_rule")),
                    "targets_text": _text(spec.get("targets")),
                    "source": spec.get("source", ""),
                    "note": _text(spec.get("note")),
                }
                plan = plans.get(spec["key"])
                if plan is None:
                    plan = Plan(seed_key=spec["key"], **fields)
                    plan.save()
                    plans[spec["key"]] = plan
                    changed += 1
                    moved = True
                elif any(getattr(plan, k) != v for k, v in fields.items()):
                    moved |= plan.parent_id != (fields["parent"].pk if fields["parent"] else None)
                    for k, v in fields.items():
                        setattr(plan, k, v)
                    plan.save()
                    changed += 1
            for spec in data:
                plan = plans[spec["key"]]
                for relation in ("also_implements", "replaces"):
                    wanted = {plans[k].pk for k in spec.get(relation, [])}
                    manager = getattr(plan, relation)
                    if set(manager.values_list("pk", flat=True)) != wanted:
                        manager.set(wanted)
                        changed += 1
        if moved:
            Plan.objects.rebuild()
        for spec in data:
            for field, reason in (spec.get("inferred") or {}).items():
                changed += record_inference(plans[spec["key"]], field, _text(reason))
    return changed


def record_inference(plan: Plan, field: str, reason: str, task=None) -> int:
    """Mark `field` of `plan` (or of `task`) as inferred, once: a mark an admin has
    confirmed stays confirmed when the seeds are loaded again. Returns rows changed."""
    found = Inference.objects.filter(plan=plan, task=task, field=field).first()
    if found is None:
        Inference.objects.create(plan=plan, task=task, field=field, reason=reason)
        return 1
    if found.reason != reason and not found.confirmed:
        found.reason = reason
        found.save(update_fields=["reason"])
        return 1
    return 0
