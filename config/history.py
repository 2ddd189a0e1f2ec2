"""History rows of bulk inserts, copied by the database (django-simple-history's tables).

`simple_history.utils.bulk_create_with_history` builds one historical Python object per
inserted row and inserts those too: for a 2,000-row appendix (some 7,000 tasks and
assignments) that doubles the Python work of the import. `bulk_create_with_history` here
is a drop-in for the calls this project makes: `bulk_create`, then one
`INSERT INTO historical … SELECT … FROM table WHERE id IN (…)` per batch of primary keys,
writing the same rows (history type "+", time, user, change reason).

On PostgreSQL the rows themselves go in as `insert_rows` writes them: one
`INSERT … SELECT * FROM UNNEST(column arrays) RETURNING id`, the statement Django's
`bulk_create` builds there too, without preparing each value of each row through its field
when the value needs no conversion (text, numbers, booleans, keys, dates).

Shared by every app that writes in bulk (the unit catalogue, the appendix write, the
expansion of collective assignees): it knows no model of its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history as python_bulk_create_with_history

#: The columns simple-history adds to every historical table; the rest mirror the model.
HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}


def bulk_create_with_history(
    objs: list[Model],
    model: type[Model],
    *,
    default_user=None,
    default_change_reason: str | None = "",
    batch_size: int | None = None,
) -> list[Model]:
    """Insert `objs` and record their creation in the model's history, in a few statements."""
    if not connection.features.can_return_rows_from_bulk_insert:
        return python_bulk_create_with_history(
            objs,
            model,
            default_user=default_user,
            default_change_reason=default_change_reason,
            batch_size=batch_size,
        )
    objs = insert_rows(model, objs) if connection.vendor == "postgresql" else (
        model.objects.bulk_create(objs, batch_size=batch_size)
    )  # fmt: skip
    if objs and getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        # as simple-history: the given user, else the request's (HistoryRequestMiddleware)
        user = default_user or model.history.model.get_default_history_user(objs[0])
        record_history(
            model, [obj.pk for obj in objs], "+", user=user, reason=default_change_reason
        )
    return objs


#: Field types whose Python values go to the database as they are (psycopg2 adapts them).
PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "ForeignKey", "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
}  # fmt: skip


def insert_rows(model: type[Model], objs: list[Model]) -> list[Model]:
    """`model.objects.bulk_create(objs)` on PostgreSQL, in one statement whatever the number
    of rows, and without Django's per-value preparation for the plain field types: a
    2,000-row appendix writes some 7,000 rows of 15 to 25 columns. Sets each object's
    primary key and state as bulk_create does. Signals are not sent (nor by bulk_create)."""
    if not objs:
        return objs
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = []
    for field in fields:
        plain = field.get_internal_type() in PLAIN_TYPES and not getattr(field, "auto_now", False)
        plain = plain and not getattr(field, "auto_now_add", False)
        if plain:
            columns.append([getattr(obj, field.attname) for obj in objs])
        else:
            columns.append(
                [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs]
            )
    qn = connection.ops.quote_name
    types = [f.db_type(connection).split("(")[0] for f in fields]
    pk = model._meta.pk
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT * FROM UNNEST({', '.join(f'(%s)::{t}[]' for t in types)}) "
        f"RETURNING {qn(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        pks = [row[0] for row in cursor.fetchall()]
    for obj, value in zip(objs, pks, strict=True):
        setattr(obj, pk.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def record_history(model, pks: list, history_type: str, *, user=None, reason=None) -> int:
    """Copy the rows `pks` of `model` into its historical table as `history_type`."""
    if not pks:
        return 0
    history = model.history.model
    qn = connection.ops.quote_name
    copied = [f for f in history._meta.concrete_fields if f.name not in HISTORY_FIELDS]
    columns = [qn(f.column) for f in copied] + [
        qn(history._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    sources = [qn(model._meta.get_field(f.name).column) for f in copied]
    head = (
        f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(sources)}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} "
        f"WHERE {qn(model._meta.pk.column)} IN "
    )
    stamp = [
        connection.ops.adapt_datetimefield_value(timezone.now()),
        reason,
        history_type,
        getattr(user, "pk", None),
    ]
    size = (connection.features.max_query_params or len(pks) + len(stamp)) - len(stamp)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(pks), size):
            chunk = list(pks[start : start + size])
            cursor.execute(head + f"({', '.join(['%s'] * len(chunk))})", stamp + chunk)
            written += cursor.rowcount
    return written
