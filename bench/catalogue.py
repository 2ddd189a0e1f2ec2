"""Benchmark: loading the national unit catalogue (load_catalogue); prints the figures.

    DATABASE_URL=sqlite:////tmp/cat.sqlite3 DEBUG=1 .venv/bin/python bench/catalogue.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct39_catalogue_bench SECRET_KEY=x \\
        .venv/bin/python bench/catalogue.py

Builds from scratch in the database of DATABASE_URL — an SQLite file (deleted first) or a
PostgreSQL database of its own (dropped and created again; never `ct39`): migrate, the seed
units (load_seeds), then times the first load of the catalogue (34 provinces, 3,321
communes, some 31,000 units), a second run (must write nothing) and check_trees.
"""

from __future__ import annotations

import os
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.resolve() == (ROOT / "var" / "db.sqlite3").resolve():
            sys.exit("Refusing to benchmark in the app's own database var/db.sqlite3.")
        path.unlink(missing_ok=True)
        return
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    if name in ("ct39", ""):
        sys.exit(f"Refusing to benchmark in database “{name}”: use a database of its own.")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def timed(label: str, *args) -> str:
    from django.core.management import call_command

    out = StringIO()
    started = time.perf_counter()
    call_command(*args, stdout=out)
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return out.getvalue()


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL (an SQLite file or a PostgreSQL database of its own).")
    fresh_database(url)
    import django

    django.setup()
    from django.db import connection

    from orgunits.models import OrgUnit, UnitAlias, UnitGroup

    print(f"Database: {connection.vendor}")
    timed("migrate", "migrate", "--verbosity=0")
    timed("load_seeds (the seed units, plans and appendices)", "load_seeds")
    first = timed("load_catalogue, first run (with expand_assignments)", "load_catalogue")
    print("  " + first.splitlines()[0])
    second = timed("load_catalogue, second run", "load_catalogue")
    print("  " + second.splitlines()[0])
    timed("check_trees", "check_trees")
    print(
        f"Units {OrgUnit.objects.count():,}, trees "
        f"{OrgUnit.objects.filter(parent=None).count()}, aliases {UnitAlias.objects.count():,}, "
        f"groups {UnitGroup.objects.count():,}"
    )
    return 0 if " 0 đơn vị tạo mới, 0 đánh số lại" in second else 1


if __name__ == "__main__":
    sys.exit(main())
