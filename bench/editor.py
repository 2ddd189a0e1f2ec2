"""Benchmark: server time of the appendix editor and of the task-chain page on the seed data
scaled to a 200-task provincial plan derived by 100 communes; prints the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_seed SECRET_KEY=x \\
        .venv/bin/python bench/editor.py [--tasks 200] [--communes 100] [--repeat 15]

The database is created, migrated and seeded (`load_seeds`) when needed. Inside one
transaction that is rolled back at the end (the database is left as it was), the script:

- adds an issued plan of the first seed province with enough communes (Nghệ An has 130):
  `--tasks` rows (sections of 10 tasks with 4 sub-items each) whose units include the group
  "Ủy ban nhân dân các xã, phường, đặc khu", expanded to one tracked assignment per commune;
- lets `--communes` communes derive their commune plan from it ("Lập kế hoạch cấp xã",
  the real code path), so every provincial task has that many derived commune tasks;
- opens a revision of the provincial plan (a draft of the same rows) for the editor.

It then times requests through Django's test client (the whole server side: middleware,
permission checks, queries, templates), `--repeat` times each, and prints the median,
fastest and slowest time with the SQL query count of one request.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUP = "Ủy ban nhân dân các xã, phường, đặc khu"


def _generate_rows(count: int) -> list[tuple]:
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench/import_appendix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_rows(count)


def build(province, tasks: int, communes: int, user=None):
    """The scaled data set: (provincial plan, commune plans, revision draft). Writes to the
    database (the caller decides whether to keep it)."""
    from orgunits.models import OrgUnit
    from orgunits.resolver import vocabulary_for
    from plans.models import Plan
    from tasks.appendix import AppendixRow, prepare_appendix
    from tasks.appendix_write import create_tasks
    from tasks.expansion import expand_plan
    from tasks.workflow import create_revision, derive_commune_plan

    parent = Plan.objects.filter(
        issuer__tree_id=province.tree_id, status=Plan.Status.ISSUED
    ).first() or Plan.objects.get(seed_key="ct-39")
    plan = Plan.objects.create(
        title=f"Kế hoạch đo hiệu năng ({tasks} dòng, {communes} xã)",
        issuer=province,
        parent=parent,
        number=f"{tasks}-{communes}/KH-BENCH",
        status=Plan.Status.DRAFT,
        cutoff_day=25,
        cutoff_month=9,
    )
    rows = []
    for is_section, stt, content, lead, coordinating, product, timeframe in _generate_rows(tasks):
        if not is_section and GROUP not in lead and GROUP not in coordinating:
            coordinating = f"{coordinating}; {GROUP}" if coordinating else GROUP
        rows.append(
            AppendixRow(stt=stt, content=content, lead=lead, coordinating=coordinating,
                        product=product, timeframe=timeframe)
        )  # fmt: skip
    prepared = prepare_appendix(rows, vocabulary_for(province))
    if prepared.errors:
        raise SystemExit("Bảng sinh ra có lỗi: " + "; ".join(prepared.errors[:5]))
    create_tasks(plan, prepared, user=user)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ISSUED)
    plan.refresh_from_db()
    expand_plan(plan)
    units = list(
        OrgUnit.objects.filter(
            tree_id=province.tree_id, kind=OrgUnit.Kind.COMMUNE, active_until__isnull=True
        ).order_by("lft")[:communes]
    )
    derived = [derive_commune_plan(plan, commune, user=user).plan for commune in units]
    revision = create_revision(plan, user=user).plan
    return plan, derived, revision


def _timed(client, method, url, repeat, data=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, status = [], 0, None
    for i in range(repeat):
        payload = data(i) if callable(data) else data
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(url, payload) if payload else client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(times), min(times), max(times), queries, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic
    from reminders import setup_seed_database

    setup_seed_database()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from orgunits.models import OrgUnit, Profile
    from tasks.editor import load_rows

    provinces = [OrgUnit.objects.filter(key=k).first() for k in ("qn", "na", "dn")]
    province = next(
        (
            p
            for p in provinces
            if p
            and OrgUnit.objects.filter(tree_id=p.tree_id, kind=OrgUnit.Kind.COMMUNE).count()
            >= args.communes
        ),
        None,
    )
    if province is None:
        print("Không có tỉnh mẫu đủ số xã: chạy manage.py load_seeds trước, hoặc giảm --communes.")
        return 1
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        override_settings(
            ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, STORAGES=plain_static
        ),
        transaction.atomic(),
    ):
        start = time.perf_counter()
        admin = get_user_model().objects.create_user("bench-editor-admin")
        Profile.objects.create(user=admin, unit=province, role=Profile.Role.PROVINCE_ADMIN)
        plan, derived, revision = build(province, args.tasks, args.communes, user=admin)
        built = time.perf_counter() - start
        derived_tasks = sum(p.tasks.count() for p in derived)
        print(
            f"Dữ liệu ({connection.vendor}): {province.name}, kế hoạch {plan.number} "
            f"{plan.tasks.count()} dòng, {len(derived)} kế hoạch cấp xã ({derived_tasks} nhiệm "
            f"vụ cấp xã), bản sửa đổi {revision.tasks.count()} dòng — dựng trong {built:.1f} s."
        )
        client = Client()
        client.force_login(admin)
        commune_plan = derived[0]
        officer = get_user_model().objects.create_user("bench-editor-officer")
        Profile.objects.create(user=officer, unit=commune_plan.issuer)
        commune_client = Client()
        commune_client.force_login(officer)

        def rows_payload(target, suffix=""):
            rows = []
            for i, r in enumerate(load_rows(target)):
                content = r.content + (suffix if suffix and i % 10 == 1 else "")
                rows.append({"key": r.key, "id": r.task_id, "level": r.level, "stt": r.stt,
                             "content": content, "product": r.product, "timeframe": r.timeframe,
                             "lead": [c.value for c in r.lead],
                             "coordinating": [c.value for c in r.coordinating]})  # fmt: skip
            return rows

        unchanged = json.dumps(rows_payload(revision))

        def reworded(i):
            revision.refresh_from_db()
            rows = json.dumps(rows_payload(revision, f" (lần sửa {i})"))
            return {"rows": rows, "version": revision.version}

        chained = plan.tasks.filter(derived_tasks__isnull=False).order_by("position").first()
        measures = [
            ("Trang soạn thảo phụ lục (bản sửa đổi cấp tỉnh)", client, "get",
             reverse("tasks:editor", args=[revision.pk]), None),
            ("Trang soạn thảo phụ lục (kế hoạch cấp xã)", commune_client, "get",
             reverse("tasks:editor", args=[commune_plan.pk]), None),
            ("Lưu phụ lục không đổi", client, "post",
             reverse("tasks:editor", args=[revision.pk]),
             lambda i: {"rows": unchanged, "version": revision.version}),
            ("Lưu phụ lục, sửa 1/10 số dòng", client, "post",
             reverse("tasks:editor", args=[revision.pk]), reworded),
            (f"Trang chuỗi nhiệm vụ ({chained.derived_tasks.count()} nhiệm vụ cấp xã)", client,
             "get", reverse("tasks:task", args=[chained.pk]), None),
            ("Trang kế hoạch cấp tỉnh", client, "get", plan.get_absolute_url(), None),
        ]  # fmt: skip
        print(f"Thời gian phía máy chủ, {args.repeat} lần mỗi trang (trung vị; nhanh–chậm nhất):")
        for label, who, method, url, data in measures:
            median, fastest, slowest, queries, status = _timed(who, method, url, args.repeat, data)
            print(
                f"  {label}: {median:.0f} ms ({fastest:.0f}–{slowest:.0f} ms), "
                f"{queries} truy vấn SQL, mã {status}"
            )
        transaction.set_rollback(True)
    print("Đã hoàn tác mọi dữ liệu đo (cơ sở dữ liệu giữ nguyên).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
