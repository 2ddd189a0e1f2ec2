"""Benchmark: the daily reminder sweep on a national-scale dataset; prints the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_bench SECRET_KEY=x \\
        .venv/bin/python bench/reminders.py [--communes-per-province N] [--tasks 40]

Builds (once; reused when it exists) in the database of DATABASE_URL — created if
missing, never the app's own — a dataset of the 34 provinces and their real communes
(from `vietnam-provinces`): per province a People's Committee, an NHCSXH branch and its
communes (all of them unless `--communes-per-province` says fewer), each with four
bodies (police, economy office, culture office, Fatherland Front), and one issued
commune plan per commune with `--tasks` tasks led by those bodies: about 3,300 plans and
130,000 tracked assignments. Rows are written with COPY, MPTT fields precomputed. The
2026 period of every plan (cutoff 25/09/2026) and its lines are created by
`ensure_periods`; about a third of the lines are submitted, and some units have
submitted everything.

Then it times the sweep of 18/09/2026 (7 days before the cutoff for all 3,300 plans at
once: the worst day), counts its SQL queries, checks it claims one digest per unit that
still has unsubmitted lines and none for the others, repeats it on one province only to
show the query count does not grow with units, and (with REDIS_URL) times enqueueing the
digests on a throwaway queue, purged afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

DAY = date(2026, 9, 18)
ISSUED = date(2026, 1, 15)
MARK = "bench-national"
BODIES = [
    ("cong-an", "Công an", "police"),
    ("kinh-te", "Phòng Kinh tế", "commune_office"),
    ("vhxh", "Phòng Văn hóa - Xã hội", "commune_office"),
    ("mttq", "Ủy ban MTTQ Việt Nam", "front"),
]
SCHEDULES = [  # (schedule_kind, timeframe_text, due_date, yearly_day, yearly_month)
    ("ongoing", "Thường xuyên", None, None, None),
    ("ongoing", "Thường xuyên", None, None, None),
    ("yearly", "Hằng năm", None, None, None),
    ("once", "Tháng 8/2026", date(2026, 8, 31), None, None),
    ("yearly", "Trước ngày 30/6 hằng năm", None, 30, 6),
]


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    if name in ("ct39", "ct39_h5", ""):
        sys.exit(f"Refusing to build the benchmark dataset in database “{name}”: use ct39_bench.")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    admin.close()


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY rows into a table (tab-separated text; None → NULL)."""
    from django.db import connection

    buf = io.StringIO()
    for row in rows:
        buf.write(
            "\t".join(
                "\\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ") for v in row
            )
        )
        buf.write("\n")
    buf.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buf
        )


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cur.fetchone()[0]


def next_tree(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(tree_id), 0) + 1 FROM {table}")
        return cur.fetchone()[0]


def reset_sequences(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def generate(per_province: int, tasks_per_plan: int) -> None:
    from django.db import transaction
    from vietnam_provinces import Province

    from orgunits.adminunits import communes_of
    from reports.periods import ensure_periods

    rng = random.Random(39)
    now = datetime.now(UTC).isoformat()
    units, plans, tasks, assignments = [], [], [], []
    uid, tree = next_id("orgunits_orgunit"), next_tree("orgunits_orgunit")
    pid, ptree = next_id("plans_plan"), next_tree("plans_plan")
    tid, ttree = next_id("tasks_task"), next_tree("tasks_task")
    aid = next_id("tasks_assignment")
    for province in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        pcode = str(int(province.code))
        communes = communes_of(pcode)[: per_province or None]
        root, branch = uid, uid + 1
        uid += 2
        # DFS numbering: root(1) · branch(2,3) · commune(… bodies …) …
        rows = [
            (
                branch,
                f"{MARK}-p{pcode}-nhcsxh",
                f"Chi nhánh NHCSXH {province.name}",
                "Chi nhánh NHCSXH tỉnh",
                "nhcsxh_branch",
                "",
                root,
                root,
                2,
                3,
                1,
            )
        ]
        lft = 4
        for commune in communes:
            cid, first_body = uid, uid + 1
            uid += 1 + len(BODIES)
            body_rows = []
            for i, (key, name, kind) in enumerate(BODIES):
                body_lft = lft + 1 + 2 * i
                body_rows.append(
                    (
                        first_body + i,
                        f"{MARK}-x{commune.code}-{key}",
                        f"{name} {commune.name.lower()}",
                        f"{name} xã",
                        kind,
                        "",
                        cid,
                        cid,
                        body_lft,
                        body_lft + 1,
                        2,
                    )
                )
            rght = lft + 1 + 2 * len(BODIES)
            rows.append(
                (
                    cid,
                    f"{MARK}-x{commune.code}",
                    f"Ủy ban nhân dân {commune.name}",
                    commune.name,
                    "commune",
                    commune.code,
                    root,
                    cid,
                    lft,
                    rght,
                    1,
                )
            )
            rows.extend(body_rows)
            lft = rght + 1
            # The commune's plan: issued, yearly cutoff 25/09, reviewed by the branch.
            plans.append(
                (
                    pid,
                    f"{MARK}-{commune.code}",
                    "plan",
                    "01/KH-UBND",
                    f"Kế hoạch thực hiện Chỉ thị 39-CT/TW trên địa bàn {commune.name}",
                    cid,
                    "",
                    "",
                    ISSUED,
                    "issued",
                    None,
                    branch,
                    branch,
                    25,
                    9,
                    None,
                    "",
                    "",
                    "",
                    "",
                    1,
                    now,
                    now,
                    1,
                    2,
                    ptree,
                    0,
                )
            )
            position, sections = 0, 5
            per_section = max(1, tasks_per_plan // sections)
            for s in range(sections):
                section_id = tid
                tid += 1
                tasks.append(
                    (
                        section_id,
                        pid,
                        None,
                        "section",
                        "IVX"[s % 3],
                        str(s + 1),
                        position,
                        f"Mục {s + 1}",
                        "",
                        "",
                        "",
                        "",
                        "none",
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        "",
                        1,
                        2 + 2 * per_section,
                        ttree,
                        0,
                    )
                )
                position += 1
                for t in range(per_section):
                    kind, text, due, day, month = SCHEDULES[(s + t) % len(SCHEDULES)]
                    tasks.append(
                        (
                            tid,
                            pid,
                            section_id,
                            "task",
                            str(t + 1),
                            f"{s + 1}.{t + 1}",
                            position,
                            f"Nhiệm vụ {s + 1}.{t + 1}",
                            "Báo cáo kết quả",
                            "",
                            "",
                            text,
                            kind,
                            due,
                            day,
                            month,
                            None,
                            None,
                            None,
                            "",
                            2 + 2 * t,
                            3 + 2 * t,
                            ttree,
                            1,
                        )
                    )
                    body = first_body + rng.randrange(len(BODIES))
                    assignments.append(
                        (aid, tid, "lead", body, None, "", 0, None, None, None, None)
                    )
                    aid += 1
                    tid += 1
                    position += 1
                ttree += 1
            pid += 1
            ptree += 1
        units.append(
            (
                root,
                f"{MARK}-p{pcode}",
                f"Ủy ban nhân dân {province.name}",
                province.name,
                "province",
                pcode,
                None,
                root,
                1,
                lft,
                0,
                tree,
            )
        )
        units.extend(r + (tree,) for r in rows)
        tree += 1
    unit_cols = [
        "id",
        "key",
        "name",
        "short_name",
        "kind",
        "admin_code",
        "parent_id",
        "territory_id",
        "lft",
        "rght",
        "level",
        "tree_id",
    ]
    plan_cols = [
        "id",
        "seed_key",
        "kind",
        "number",
        "title",
        "issuer_id",
        "signer",
        "signer_title",
        "issued_on",
        "status",
        "parent_id",
        "follow_up_unit_id",
        "report_to_unit_id",
        "cutoff_day",
        "cutoff_month",
        "first_year_cutoff",
        "reporting_rule_text",
        "targets_text",
        "source",
        "note",
        "version",
        "created_at",
        "updated_at",
        "lft",
        "rght",
        "tree_id",
        "level",
    ]
    task_cols = [
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
        "yearly_day",
        "yearly_month",
        "start_year",
        "end_year",
        "source_task_id",
        "note",
        "lft",
        "rght",
        "tree_id",
        "level",
    ]
    assignment_cols = [
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
    ]
    extra = _extra_columns()
    t0 = time.perf_counter()
    with transaction.atomic():
        copy_rows(
            "orgunits_orgunit",
            unit_cols + list(extra["orgunits_orgunit"]),
            [u + tuple(extra["orgunits_orgunit"].values()) for u in units],
        )
        copy_rows(
            "plans_plan",
            plan_cols + list(extra["plans_plan"]),
            [p + tuple(extra["plans_plan"].values()) for p in plans],
        )
        copy_rows("tasks_task", task_cols, tasks)
        copy_rows("tasks_assignment", assignment_cols, assignments)
        reset_sequences(["orgunits_orgunit", "plans_plan", "tasks_task", "tasks_assignment"])
    print(
        f"Generated {len(units):,} units, {len(plans):,} plans, {len(tasks):,} tasks, "
        f"{len(assignments):,} tracked assignments with COPY in {time.perf_counter() - t0:.1f} s."
    )
    from plans.models import Plan

    t0 = time.perf_counter()
    created = ensure_periods(DAY, plans=Plan.objects.filter(seed_key__startswith=MARK))
    from reports.models import ProgressReport

    lines = ProgressReport.objects.filter(period__plan__seed_key__startswith=MARK)
    print(
        f"ensure_periods: {len(created):,} periods and {lines.count():,} lines "
        f"in {time.perf_counter() - t0:.1f} s."
    )
    # About a third of the lines submitted; every fifth commune's police has submitted all.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """UPDATE reports_progressreport r SET state = 'submitted', status = 'in_progress',
                   first_submitted_at = now(), submitted_at = now()
               FROM orgunits_orgunit u
               WHERE r.unit_id = u.id AND u.key LIKE %s
                 AND (r.id %% 3 = 0 OR (u.key LIKE %s AND u.parent_id %% 5 = 0))""",
            [f"{MARK}-%", "%-cong-an"],
        )


def _extra_columns() -> dict[str, dict[str, object]]:
    """NOT NULL columns other engineers may have added (search text, tokens …): defaults."""
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    known = {
        "orgunits_orgunit": {
            "id",
            "key",
            "name",
            "short_name",
            "kind",
            "admin_code",
            "parent_id",
            "territory_id",
            "lft",
            "rght",
            "level",
            "tree_id",
            "successor_id",
            "active_from",
            "active_until",
            "note",
        },
        "plans_plan": {
            "id",
            "seed_key",
            "kind",
            "number",
            "title",
            "issuer_id",
            "signer",
            "signer_title",
            "issued_on",
            "status",
            "parent_id",
            "follow_up_unit_id",
            "report_to_unit_id",
            "cutoff_day",
            "cutoff_month",
            "first_year_cutoff",
            "reporting_rule_text",
            "targets_text",
            "source",
            "note",
            "version",
            "created_at",
            "updated_at",
            "lft",
            "rght",
            "tree_id",
            "level",
        },
    }
    extra: dict[str, dict[str, object]] = {}
    tables = [("orgunits.OrgUnit", "orgunits_orgunit"), ("plans.Plan", "plans_plan")]
    for label, table in tables:
        extra[table] = {}
        for field in apps.get_model(label)._meta.concrete_fields:
            if field.column in known[table] or field.null:
                continue
            default = field.default if field.default is not NOT_PROVIDED else ""
            extra[table][field.column] = default() if callable(default) else default
    extra["orgunits_orgunit"].setdefault("note", "")
    return extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--communes-per-province", type=int, default=0, help="0: every commune (3,321)"
    )
    parser.add_argument("--tasks", type=int, default=40)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own, e.g. …/ct39_bench.")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from plans.models import Plan
    from reports.models import ProgressReport, Reminder, ReportingPeriod
    from reports.reminders import run_sweep

    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(seed_key__startswith=MARK).exists():
        generate(args.communes_per_province, args.tasks)
    else:
        print("Reusing the benchmark dataset already in this database.")
    bench_plans = Plan.objects.filter(seed_key__startswith=MARK)
    lines = ProgressReport.objects.filter(period__plan__in=bench_plans, period__year=2026)
    expected_units = (
        lines.exclude(state__in=ProgressReport.REPORTED_STATES).values("unit_id").distinct().count()
    )
    print(
        f"Dataset: {bench_plans.count():,} commune plans, "
        f"{lines.values('assignment_id').count():,} tracked assignments due in the 2026 period, "
        f"{lines.values('unit_id').distinct().count():,} units, "
        f"{expected_units:,} of them with something still to submit."
    )

    def sweep():
        Reminder.objects.filter(for_date=DAY).delete()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            result = run_sweep(DAY, enqueue=False)
            elapsed = time.perf_counter() - t0
        return result, elapsed, len(queries)

    times = []
    for _ in range(3):
        result, elapsed, n_queries = sweep()
        times.append(elapsed)
    one_each = len(result.units) == len(set(result.units)) == expected_units
    print(
        f"Sweep of {DAY:%d/%m/%Y}: {len(result.firings):,} period offsets fire, "
        f"{result.claimed:,} reminders claimed, {len(result.units):,} digests (one per unit: "
        f"{'yes' if one_each else 'NO'}), {n_queries} SQL queries; "
        f"time best {min(times):.2f} s, worst {max(times):.2f} s (3 runs) — target < 60 s."
    )
    with CaptureQueriesContext(connection) as queries:
        again = run_sweep(DAY, enqueue=False)
    print(f"Second sweep the same day: {again.claimed} claimed, {len(queries)} queries.")

    # The same sweep with only one province's periods open: same number of queries.
    with transaction.atomic():
        province = bench_plans.order_by("pk").first().issuer.get_root()
        ReportingPeriod.objects.filter(plan__in=bench_plans).exclude(
            plan__issuer__tree_id=province.tree_id
        ).update(closed_at=datetime.now(UTC))
        small, small_time, small_queries = sweep()
        transaction.set_rollback(True)
    print(
        f"Same sweep, one province only: {len(small.units):,} digests, {small_queries} SQL "
        f"queries, {small_time:.2f} s (queries for all 34 provinces: {n_queries})."
    )

    if os.environ.get("REDIS_URL"):
        from celery import Celery

        app = Celery("ct39-bench")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.task_default_queue = "bench-reminder-digests"
        with app.connection_for_write() as conn:
            producer = app.producer_pool.acquire(block=True)
            t0 = time.perf_counter()
            for unit_id in result.units:
                app.send_task("reports.send_digest", args=[unit_id], producer=producer)
            elapsed = time.perf_counter() - t0
            producer.release()
            purged = conn.default_channel.queue_purge("bench-reminder-digests")
        print(
            f"Enqueued {len(result.units):,} digest tasks on Redis in {elapsed:.2f} s "
            f"(throwaway queue, {purged:,} messages purged)."
        )
    Reminder.objects.filter(for_date=DAY).delete()


if __name__ == "__main__":
    main()
