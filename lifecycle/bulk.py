"""Inserting one row per account without a Python object per row (the sweep's volumes).

``rows_insert_for_users`` writes one row of ``model`` per user id: on PostgreSQL one
``INSERT … SELECT … FROM unnest(%s::bigint[], …)`` whose parameters are one array
per varying column and one constant per other column, so 500 rows cost what one
does on the Python side; on other databases (SQLite in tests) a ``bulk_create``.
Every concrete column is written: the given value, else the field's default, so a
field added to the model later is filled as ``bulk_create`` would fill it. Fields
computed on save (``auto_now``, ``auto_now_add``) are refused: pass their value.
"""

from collections.abc import Sequence

from django.db import connection, models


def rows_insert_for_users(
    model: type[models.Model],
    *,
    user_ids: Sequence[int],
    values: dict[str, object],
    per_row: dict[str, Sequence[object]] | None = None,
    user_field: str = "user_id",
) -> int:
    """Insert one ``model`` row per id of ``user_ids``; return how many.

    ``values``: attribute names and the constant each row gets; ``per_row``:
    attribute names and one value per user id, in the same order (it wins over
    ``values`` for the same name).
    """
    per_row = dict(per_row or {})
    per_row[user_field] = list(user_ids)
    count = len(per_row[user_field])
    if not count:
        return 0
    if any(len(column) != count for column in per_row.values()):
        raise ValueError("per_row needs one value per user id")
    if connection.vendor != "postgresql":
        objects = [
            model(**{**values, **{name: column[i] for name, column in per_row.items()}})
            for i in range(count)
        ]
        model.objects.bulk_create(objects)
        return count
    columns, selected, params, arrays, array_params = [], [], [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{field.attname}: computed on save, not supported here")
        columns.append(connection.ops.quote_name(field.column))
        cast = field.cast_db_type(connection)
        if field.attname in per_row:
            arrays.append(f"%s::{cast}[]")
            array_params.append(
                [field.get_db_prep_save(v, connection) for v in per_row[field.attname]]
            )
            selected.append(f"rows.c{len(arrays) - 1}")
        else:
            value = values[field.attname] if field.attname in values else field.get_default()
            selected.append(f"%s::{cast}")
            params.append(field.get_db_prep_save(value, connection))
    names = ", ".join(f"c{i}" for i in range(len(arrays)))
    # Identifiers come from the model (quoted), every value is a parameter.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)})"  # noqa: S608
        f" SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS rows({names})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *array_params])
    return count
