"""Benchmark: the consolidated report (.xlsx, and .docx for information) of a provincial
plan whose 40 tasks go to each of 100 communes (4,000 lines); prints the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_bench SECRET_KEY=x \\
        .venv/bin/python bench/consolidate.py [--communes 100] [--tasks 40]

Uses the national dataset of `bench/reminders.py` (built first if missing, same database):
takes the first province with at least `--communes` communes, adds once an issued
provincial plan whose tasks are led by each of those communes, creates its 2026 period
and fills the reports with a realistic mix (done on time, late, in progress, missing,
with narratives). Then times `consolidate.build` + `to_xlsx` (target < 10 s) and
`to_docx`, three runs each, with their SQL query counts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

KEY = "bench-consolidate"
TODAY = date(2026, 11, 23)


def build_plan(communes: int, tasks: int):
    from django.db import transaction
    from reminders import ISSUED, copy_rows, next_id, next_tree, reset_sequences

    from orgunits.models import OrgUnit
    from plans.models import Plan
    from reports.periods import ensure_periods

    province = next(
        p
        for p in OrgUnit.objects.filter(key__startswith="bench-national-p", parent=None)
        if OrgUnit.objects.filter(tree_id=p.tree_id, kind="commune").count() >= communes
    )
    units = list(
        OrgUnit.objects.filter(tree_id=province.tree_id, kind="commune").order_by("lft")[:communes]
    )
    branch = OrgUnit.objects.get(tree_id=province.tree_id, kind="nhcsxh_branch")
    with transaction.atomic():
        plan = Plan.objects.create(
            seed_key=KEY,
            number="99/KH-UBND",
            title="Kế hoạch tỉnh (đo hiệu năng)",
            issuer=province,
            status=Plan.Status.DRAFT,
            follow_up_unit=branch,
            report_to_unit=branch,
            cutoff_day=25,
            cutoff_month=9,
            issued_on=ISSUED,
        )
        tid, tree, aid = next_id("tasks_task"), next_tree("tasks_task"), next_id("tasks_assignment")
        rows, assignments, position = [], [], 0
        for s in range(4):
            section = tid
            per = tasks // 4
            rows.append(
                (
                    section,
                    plan.pk,
                    None,
                    "section",
                    ["I", "II", "III", "IV"][s],
                    ["I", "II", "III", "IV"][s],
                    position,
                    f"Mục {s + 1}: nhiệm vụ, giải pháp",
                    "",
                    "",
                    "",
                    "",
                    "none",
                    None,
                    "",
                    1,
                    2 + 2 * per,
                    tree,
                    0,
                )
            )
            tid, position = tid + 1, position + 1
            for t in range(per):
                kind, text, due = [
                    ("ongoing", "Thường xuyên", None),
                    ("once", "Tháng 8/2026", date(2026, 8, 31)),
                ][t % 2]
                rows.append(
                    (
                        tid,
                        plan.pk,
                        section,
                        "task",
                        str(t + 1),
                        f"{s + 1}.{t + 1}",
                        position,
                        f"Nhiệm vụ {s + 1}.{t + 1}: tổ chức thực hiện, báo cáo "
                        "kết quả theo kế hoạch",
                        "Báo cáo của UBND xã",
                        "UBND các xã, phường",
                        "",
                        text,
                        kind,
                        due,
                        "",
                        2 + 2 * t,
                        3 + 2 * t,
                        tree,
                        1,
                    )
                )
                for unit in units:
                    assignments.append(
                        (aid, tid, "lead", unit.pk, None, "", 0, None, None, None, None)
                    )
                    aid += 1
                tid, position = tid + 1, position + 1
            tree += 1
        cols = [
            "id",
            "plan_id",
            "parent_id",
            "kind",
            "code",
            "full_code",
            "position",
            "content",
            "product",
            "lead_text",
            "coordinating_text",
            "timeframe_text",
            "schedule_kind",
            "due_date",
            "note",
            "lft",
            "rght",
            "tree_id",
            "level",
        ]
        copy_rows("tasks_task", cols, rows)
        copy_rows(
            "tasks_assignment",
            [
                "id",
                "task_id",
                "role",
                "unit_id",
                "group_id",
                "source_text",
                "position",
                "via_id",
                "replaced_by_id",
                "active_from",
                "retired_on",
            ],
            assignments,
        )
        reset_sequences(["tasks_task", "tasks_assignment"])
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ISSUED)
    plan.refresh_from_db()
    ensure_periods(TODAY, plans=[plan])
    return plan


def fill(plan) -> None:
    """A realistic mix of reports (deterministic: the same on every run)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """UPDATE reports_progressreport SET
                 state = CASE WHEN id %% 10 < 7 THEN 'submitted' ELSE 'draft' END,
                 status = CASE WHEN id %% 3 = 0 THEN 'done' ELSE 'in_progress' END,
                 completed_on = CASE WHEN id %% 3 = 0 THEN
                     (CASE WHEN id %% 2 = 0 THEN DATE '2026-08-20' ELSE DATE '2026-09-10' END)
                   END,
                 narrative = 'Đã triển khai tại các thôn, tổ chức ' || (id %% 12) ||
                   ' buổi tuyên truyền; lồng ghép vào giao ban hằng tháng.',
                 product_ref = 'Báo cáo số ' || id || '/BC-UBND',
                 first_submitted_at = CASE WHEN id %% 10 < 7 THEN
                     TIMESTAMPTZ '2026-09-20 09:00+07' + (id %% 12) * INTERVAL '1 day' END
               WHERE period_id IN (SELECT id FROM reports_reportingperiod WHERE plan_id = %s)""",
            [plan.pk],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=40)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the benchmark database, e.g. …/ct39_bench.")
    from reminders import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.models import Plan
    from reports.consolidate import build, to_docx, to_xlsx

    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(seed_key__startswith="bench-national").exists():
        print("Building the national dataset first (bench/reminders.py)…")
        subprocess.run([sys.executable, str(ROOT / "bench" / "reminders.py")], check=True)
    plan = Plan.objects.filter(seed_key=KEY).first() or build_plan(args.communes, args.tasks)
    fill(plan)
    period = plan.reporting_periods.get(year=2026)
    lines = period.lines.count()
    units = period.lines.values("unit").distinct().count()
    print(f"{plan.label} of {plan.issuer.name}: {period.label}, {units} units, {lines:,} lines.")
    for label, render in [("xlsx", to_xlsx), ("docx", to_docx)]:
        times = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                body = render(build(period, TODAY))
                times.append(time.perf_counter() - t0)
        target = " — target < 10 s" if label == "xlsx" else ""
        print(
            f".{label}: {len(body) / 1024:,.0f} KB, {len(queries)} SQL queries, "
            f"best {min(times):.2f} s, worst {max(times):.2f} s (3 runs){target}."
        )
    data = build(period, TODAY)
    c = data.unit_total
    print(
        "Totals: "
        + ", ".join(f"{k} {v:,}" for k, v in c.timeliness.items())
        + f"; submitted on time {c.submission['on_time']:,}, late {c.submission['late']:,}, "
        f"missing {c.submission['missing']:,}."
    )


if __name__ == "__main__":
    main()
