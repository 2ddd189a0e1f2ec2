"""Benchmark: the daily reminder sweep on a national-scale dataset; prints the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_bench SECRET_KEY=x \\
        .venv/bin/python bench/reminders.py

Uses the dataset of `manage.py generate_scale_data` (34 provinces × 100 real communes ×
5 years: about 160,000 tracked assignments, 840,000 progress reports), built first in the
database of DATABASE_URL — created if missing, never the app's own — when it is not there.

Then times the sweep of the day 7 days before the commune plans' cutoff of this year
(25/09: some 2,900 periods fire at once, the worst day), counts its SQL queries, checks it
claims one digest per unit that still has unsubmitted lines in those periods and none for
the others, repeats it on one province only to show the query count does not grow with
units, and (with REDIS_URL) times enqueueing the digests on a throwaway queue, purged
afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

DATASET = {"provinces": 34, "communes_per_province": 100, "years": 5}


def ensure_database(url: str) -> None:
    """Create the benchmark database if missing; refuse the app's own databases."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    if name in ("ct39", ""):
        sys.exit(f"Refusing to build the benchmark dataset in database “{name}”: use ct39_bench.")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    admin.close()


def setup_seed_database() -> None:
    """For the benchmarks on the seed data (import, editor): a PostgreSQL database of their
    own, created, migrated and seeded when needed; Django set up."""
    import django

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own, e.g. …/ct39_seed.")
    ensure_database(url)
    django.setup()
    ensure_seeds()


def ensure_seeds() -> None:
    """Migrate, and load the five seed plans when the database does not hold them yet."""
    from django.core.management import call_command

    from orgunits.models import OrgUnit

    call_command("migrate", verbosity=0)
    if not OrgUnit.objects.filter(key="qn").exists():
        print("Loading the seed plans (manage.py load_seeds) …")
        call_command("load_seeds", verbosity=0)


def ensure_dataset(rebuild: bool = False) -> None:
    """The national dataset of `generate_scale_data` (built when missing): the one
    generator every benchmark uses."""
    from django.core.management import call_command

    from orgunits.models import OrgUnit

    call_command("migrate", verbosity=0)
    exists = OrgUnit.objects.filter(key__startswith="gen-p", parent=None).count()
    if exists == DATASET["provinces"] and not rebuild:
        print("Reusing the dataset of generate_scale_data already in this database.")
        return
    print(
        "Building the dataset: generate_scale_data --provinces 34 --communes-per-province 100 "
        "--years 5"
    )
    call_command("generate_scale_data", replace=bool(exists), **DATASET)


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own, e.g. …/ct39_bench.")
    ensure_database(url)

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from plans.models import Plan
    from reports.models import ProgressReport, Reminder, ReportingPeriod
    from reports.reminders import firings_on, run_sweep

    ensure_dataset()
    day = date(timezone.localdate().year, 9, 25) - timedelta(days=7)
    bench_plans = Plan.objects.filter(seed_key__startswith="gen-")
    firing = [f.period_id for f in firings_on(day)]
    lines = ProgressReport.objects.filter(period_id__in=firing, active=True)
    expected_units = (
        lines.exclude(state__in=ProgressReport.REPORTED_STATES).values("unit_id").distinct().count()
    )
    print(
        f"Dataset: {bench_plans.count():,} plans; on {day:%d/%m/%Y} {len(firing):,} periods "
        f"fire, with {lines.count():,} lines of {lines.values('unit_id').distinct().count():,} "
        f"units, {expected_units:,} of them with something still to submit."
    )

    def sweep():
        Reminder.objects.filter(for_date=day).delete()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            result = run_sweep(day, enqueue=False)
            elapsed = time.perf_counter() - t0
        return result, elapsed, len(queries)

    times = []
    for _ in range(3):
        result, elapsed, n_queries = sweep()
        times.append(elapsed)
    one_each = len(result.units) == len(set(result.units)) == expected_units
    print(
        f"Sweep of {day:%d/%m/%Y}: {len(result.firings):,} period offsets fire, "
        f"{result.claimed:,} reminders claimed, {len(result.units):,} digests (one per unit: "
        f"{'yes' if one_each else 'NO'}), {n_queries} SQL queries; "
        f"time best {min(times):.2f} s, worst {max(times):.2f} s (3 runs) — target < 60 s."
    )
    with CaptureQueriesContext(connection) as queries:
        again = run_sweep(day, enqueue=False)
    print(f"Second sweep the same day: {again.claimed} claimed, {len(queries)} queries.")

    # The day after the 25/9 cutoffs: escalations, and one list per reviewing unit.
    after = date(day.year, 9, 26)
    Reminder.objects.filter(for_date=after).delete()
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        late = run_sweep(after, enqueue=False)
        late_time = time.perf_counter() - t0
    reviews = Reminder.objects.filter(for_date=after, kind=Reminder.Kind.REVIEW)
    print(
        f"Sweep of {after:%d/%m/%Y} (escalations): {len(late.firings):,} period offsets fire, "
        f"{late.claimed:,} rows claimed ({reviews.count():,} lists for "
        f"{reviews.values('unit_id').distinct().count():,} reviewing units), "
        f"{len(late.units):,} digests, {len(queries)} SQL queries, {late_time:.2f} s."
    )
    Reminder.objects.filter(for_date=after).delete()

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
    Reminder.objects.filter(for_date=day).delete()


if __name__ == "__main__":
    main()
