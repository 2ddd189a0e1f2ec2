"""Serialise writes to MPTT trees.

django-mptt keeps lft/rght/tree_id consistent only if two writers never move nodes of the
same table at the same time. Every tree write goes through `tree_lock(Model)`: on
PostgreSQL a transaction-scoped advisory lock per table; SQLite already serialises writers
(the connection opens transactions with BEGIN IMMEDIATE).
"""

from __future__ import annotations

import zlib
from contextlib import contextmanager

from django.db import connection, transaction


def lock_id(name: str) -> int:
    return zlib.crc32(f"mptt:{name}".encode())


@contextmanager
def tree_lock(model):
    """Hold the tree-write lock of `model`'s table until the surrounding transaction ends."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id(model._meta.db_table)])
        yield
