"""Verify django-mptt trees: every lft/rght/level/tree_id must follow from the parent links.

django-mptt is maintained on a best-effort basis and concurrent or bulk writes can leave
a tree inconsistent; `python manage.py check_trees` (and a nightly Celery job) recompute
what the fields should be from `parent_id` alone and report every node that differs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from mptt.models import MPTTModel


@dataclass
class TreeReport:
    model: str
    nodes: int
    trees: int
    errors: list[str]


def mptt_models() -> list[type[MPTTModel]]:
    return [m for m in apps.get_models() if issubclass(m, MPTTModel)]


def check_model(model: type[MPTTModel], limit: int = 20) -> TreeReport:
    opts = model._mptt_meta
    fields = (
        "pk",
        opts.parent_attr + "_id",
        opts.tree_id_attr,
        opts.left_attr,
        opts.right_attr,
        opts.level_attr,
    )
    rows = list(model._default_manager.values_list(*fields).iterator(chunk_size=5000))
    children: dict[object, list[tuple]] = defaultdict(list)
    by_pk = {}
    for row in rows:
        by_pk[row[0]] = row
        children[row[1]].append(row)
    errors: list[str] = []
    label = model._meta.label

    def fail(message: str) -> None:
        if len(errors) < limit:
            errors.append(f"{label} #{message}")

    for pk, parent, *_ in rows:
        if parent is not None and parent not in by_pk:
            fail(f"{pk}: parent {parent} does not exist")
    roots = children.get(None, [])
    seen_tree_ids: set[int] = set()
    visited = 0
    for root in roots:
        if root[2] in seen_tree_ids:
            fail(f"{root[0]}: tree_id {root[2]} is shared by two roots")
        seen_tree_ids.add(root[2])
        # Iterative depth-first walk in lft order, recomputing the expected numbering.
        counter = 0
        stack: list[tuple[tuple, int, bool]] = [(root, 0, False)]
        expected_left: dict[object, int] = {}
        while stack:
            node, level, done = stack.pop()
            pk, _parent, tree_id, lft, rght, node_level = node
            if not done:
                visited += 1
                counter += 1
                expected_left[pk] = counter
                if lft != counter:
                    fail(f"{pk}: lft {lft}, expected {counter}")
                if node_level != level:
                    fail(f"{pk}: level {node_level}, expected {level}")
                if tree_id != root[2]:
                    fail(f"{pk}: tree_id {tree_id}, expected {root[2]}")
                stack.append((node, level, True))
                kids = sorted(children.get(pk, []), key=lambda r: (r[3], r[0]))
                for kid in reversed(kids):
                    stack.append((kid, level + 1, False))
            else:
                counter += 1
                if rght != counter:
                    fail(f"{pk}: rght {rght}, expected {counter}")
    if visited != len(rows):
        fail(f"-: {len(rows) - visited} nodes are not reachable from a root (cycle?)")
    return TreeReport(label, len(rows), len(roots), errors)


def check_all() -> list[TreeReport]:
    return [check_model(m) for m in mptt_models()]
