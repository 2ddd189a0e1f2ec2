"""Benchmark: the consolidated report (.xlsx, and .docx for information) of a provincial
plan over 100 communes; prints the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_bench SECRET_KEY=x \\
        .venv/bin/python bench/consolidate.py

Uses the dataset of `manage.py generate_scale_data` (built first if missing, same database:
see bench/reminders.py): the provincial plan of Hà Nội (17/KH-UBND copied, 100 communes)
and its period of this year, with the generator's mix of reports (done on time, late, in
progress, missing, with narratives). Times `consolidate.build` + `to_xlsx` (target < 10 s)
and `to_docx`, three runs each, with their SQL query counts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

PLAN = "gen-p01-qn-17-kh-ubnd"


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the benchmark database, e.g. …/ct39_bench.")
    from reminders import ensure_database, ensure_dataset

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from plans.models import Plan
    from reports.consolidate import build, to_docx, to_xlsx

    ensure_dataset()
    today = timezone.localdate()
    plan = Plan.objects.get(seed_key=PLAN)
    period = plan.reporting_periods.get(kind="yearly", year=today.year)
    lines = period.lines.count()
    units = period.lines.values("unit").distinct().count()
    print(f"{plan.label} of {plan.issuer.name}: {period.label}, {units} units, {lines:,} lines.")
    for label, render in [("xlsx", to_xlsx), ("docx", to_docx)]:
        times = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                body = render(build(period, today))
                times.append(time.perf_counter() - t0)
        target = " — target < 10 s" if label == "xlsx" else ""
        print(
            f".{label}: {len(body) / 1024:,.0f} KB, {len(queries)} SQL queries, "
            f"best {min(times):.2f} s, worst {max(times):.2f} s (3 runs){target}."
        )
    data = build(period, today)
    c = data.unit_total
    print(
        "Totals: "
        + ", ".join(f"{k} {v:,}" for k, v in c.timeliness.items())
        + f"; submitted on time {c.submission['on_time']:,}, late {c.submission['late']:,}, "
        f"missing {c.submission['missing']:,}."
    )


if __name__ == "__main__":
    main()
