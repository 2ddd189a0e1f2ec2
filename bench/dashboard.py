"""Benchmark: the dashboards on national-scale data; prints medians and query counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_bench SECRET_KEY=x \\
        .venv/bin/python bench/dashboard.py [--runs 15] [--rebuild]

Uses the dataset of `manage.py generate_scale_data` (34 provinces × 100 communes × 5
years, built first if missing — in its own database, never the app's): times each page
through Django's test client (the whole request: middleware, queries, templates), DEBUG
off, and counts its SQL queries:

- a province's dashboard (100 communes, 5 years), as it opens and filtered by status and
  role — target < 300 ms, < 15 queries;
- the same filtered to a plan, to a section (task level), a commune's dashboard, a
  transaction office's dashboard, a task's page and page 2 of the overdue list — < 200 ms;
- the national overview (34 provinces) — < 1 s;
- the .xlsx export of the province's assignment table (every line of the year) — < 5 s.

Then writes the EXPLAIN (ANALYZE, BUFFERS) of the two heaviest queries (the province's
periods over five years, the national overview) to bench/explain.txt and prints it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.pop("DEBUG", None)

EXPLAIN = ROOT / "bench" / "explain.txt"
TARGETS = {"province": 0.300, "drill": 0.200, "national": 1.0, "export": 5.0}


def users():
    """A reviewer of a province's NHCSXH branch, a PGD reviewer, a commune officer and a
    national user (NHCSXH Việt Nam)."""
    from django.contrib.auth import get_user_model

    from orgunits.access import national_units
    from orgunits.models import OrgUnit, Profile

    User = get_user_model()

    def user(name, unit, role):
        u, _ = User.objects.get_or_create(username=name)
        Profile.objects.update_or_create(user=u, defaults={"unit": unit, "role": role})
        return u

    head = national_units().first()
    if head is None:  # the national unit sits in the central bodies' tree (is_national_unit)
        central = OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.CENTRAL).first()
        if central is None:
            central = OrgUnit(key="bench-tw", name="Các cơ quan Trung ương",
                              kind=OrgUnit.Kind.CENTRAL)  # fmt: skip
            central.save()
        head = OrgUnit(
            key="bench-tw-nhcsxh", name="Ngân hàng Chính sách xã hội Việt Nam",
            short_name="NHCSXH Việt Nam", kind=OrgUnit.Kind.NHCSXH_HEAD, parent=central,
        )  # fmt: skip
        head.save()
    province = OrgUnit.objects.get(key="gen-p01")  # Hà Nội: 100 communes
    branch = OrgUnit.objects.get(tree_id=province.tree_id, kind=OrgUnit.Kind.NHCSXH_BRANCH)
    pgd = OrgUnit.objects.filter(tree_id=province.tree_id, kind=OrgUnit.Kind.NHCSXH_PGD).first()
    commune = pgd.serves.order_by("pk").first()
    return {
        "province": province,
        "commune": commune,
        "pgd": pgd,
        "branch_user": user("bench-chinhanh", branch, Profile.Role.REVIEWER),
        "pgd_user": user("bench-pgd", pgd, Profile.Role.REVIEWER),
        "national_user": user("bench-toanquoc", head, Profile.Role.REVIEWER),
    }


def measure(client, url: str, runs: int) -> tuple[float, int, int, bytes]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm up
        client.get(url)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
    assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(queries), response.content


def explain(sql: str, params: list) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="generate the dataset again")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own, e.g. …/ct39_bench.")
    from reminders import ensure_database, ensure_dataset

    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings

    # Plain static storage: the manifest needs collectstatic, irrelevant to the timings.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dashboards import figures as dash
    from dashboards.views import filters_from_request
    from reports.models import ProgressReport, ReportingPeriod

    ensure_dataset(args.rebuild)
    who = users()
    province, commune, pgd = who["province"], who["commune"], who["pgd"]
    today = timezone.localdate()
    lines = ProgressReport.objects.filter(unit__tree_id=province.tree_id)
    print(
        f"Dataset: {ProgressReport.objects.count():,} progress reports; "
        f"{province.name}: {lines.values('unit__territory').distinct().count() - 1} communes, "
        f"{lines.count():,} reports over "
        f"{lines.values('period__year').distinct().count()} years, "
        f"{lines.filter(period__year=today.year, period__kind='yearly').count():,} this year."
    )
    branch = Client()
    branch.force_login(who["branch_user"])
    base = reverse("dashboards:dashboard", args=[province.pk])
    scope = dash.Scope(province, home=province, chain=[province])
    f = filters_from_request({}, today)
    d = dash.build(scope, f, today)
    plan = d.matrix_plan
    section = d.columns[1].task
    task = next(t for t in d.plan_tasks if t.parent_id == section.pk)
    pages = [
        ("province", "Province dashboard (landing)", base),
        ("drill", "  filtered to a plan (by section)", f"{base}?ke_hoach={plan}"),
        ("drill", "  filtered to a section (by task)", f"{base}?ke_hoach={plan}&muc={section.pk}"),
        ("province", "Province dashboard, status = overdue, lead",
         f"{base}?tinh_trang=not_done_overdue&vai_tro=lead"),
        ("drill", "  overdue list, page 2",
         reverse("dashboards:dashboard_overdue", args=[province.pk]) + "?trang=2"),
        ("drill", "  a commune's dashboard", reverse("dashboards:dashboard", args=[commune.pk])),
        ("drill", "  a task's page (each unit's report)",
         reverse("dashboards:dashboard_task", args=[province.pk, task.pk])),
    ]  # fmt: skip
    print(f"\nPages ({args.runs} runs each, median / worst, SQL queries per request):")
    results = []
    for kind, label, url in pages:
        median, worst, n_queries, _ = measure(branch, url, args.runs)
        results.append((kind, label, median, n_queries))
        print(
            f"{label:42s} {median * 1000:7.0f} ms / {worst * 1000:5.0f} ms  {n_queries:3d} queries"
            f"   (target < {TARGETS[kind] * 1000:.0f} ms)"
        )
    pgd_client = Client()
    pgd_client.force_login(who["pgd_user"])
    median, worst, n_queries, _ = measure(
        pgd_client, reverse("dashboards:dashboard", args=[pgd.pk]), args.runs
    )
    results.append(("drill", "  a PGD's dashboard (communes served)", median, n_queries))
    print(f"{'  a PGD dashboard (' + str(pgd.serves.count()) + ' communes served)':42s} "
          f"{median * 1000:7.0f} ms / {worst * 1000:5.0f} ms  {n_queries:3d} queries"
          "   (target < 200 ms)")  # fmt: skip
    national = Client()
    national.force_login(who["national_user"])
    runs = max(5, args.runs // 3)
    median, worst, n_queries, _ = measure(national, reverse("dashboards:dashboard_national"), runs)
    results.append(("national", "National overview", median, n_queries))
    print(
        f"{'National overview (34 provinces)':42s} {median * 1000:7.0f} ms / "
        f"{worst * 1000:5.0f} ms  {n_queries:3d} queries   (target < 1000 ms)"
    )

    print("\nExports (.xlsx, every row as filtered):")
    for table, label in [("phan-cong", "Province assignment table"), ("don-vi", "Unit table")]:
        url = reverse("dashboards:dashboard_xlsx", args=[province.pk, table])
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            response = branch.get(url)
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200
        import io

        from openpyxl import load_workbook

        rows = load_workbook(io.BytesIO(response.content), read_only=True).active.max_row
        print(
            f"{label:42s} {statistics.median(times):7.2f} s  ({rows:,} sheet rows, "
            f"{len(response.content) / 1024:,.0f} KB)   (target < 5 s)"
        )

    # EXPLAIN of the two heaviest queries.
    captured = []
    original = dash._fetch

    def capture(sql, params):
        captured.append((sql, params))
        return original(sql, params)

    dash._fetch = capture
    try:
        dash.build(scope, filters_from_request({}, today), today)
        period_sql = captured[0]
        captured.clear()
        ids = list(
            ReportingPeriod.objects.filter(year=today.year, kind="yearly").values_list(
                "pk", flat=True
            )
        )
        nf = filters_from_request({}, today)
        nf.due_windows = dash.due_windows()  # as the national view does
        dash.national_table(nf, today, ids)
        national_sql = captured[0]
    finally:
        dash._fetch = original
    text = (
        f"EXPLAIN (ANALYZE, BUFFERS) on {ProgressReport.objects.count():,} progress reports, "
        f"{timezone.now():%d/%m/%Y %H:%M}\n\n"
        f"1. Province dashboard: every period of {province.name} over five years "
        "(reporting rates, status by year, filter choices)\n\n"
        + explain(*period_sql)
        + "\n\n2. National overview: one row per province (tasks once, assignments, "
        "submission), grouped by tree_id\n\n" + explain(*national_sql) + "\n"
    )
    EXPLAIN.write_text(text, encoding="utf-8")
    print(f"\n{text}")
    print(f"(written to {EXPLAIN.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
