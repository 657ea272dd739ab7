"""Set-based writes at the sweep's volumes, without Python work per row.

- ``ValuesIn``: ``column IN (ids)`` as one array parameter on PostgreSQL
  (``= ANY(%s::bigint[])``), where Django would build, prepare and quote one
  parameter per id; ``IN (…)`` elsewhere.
- ``ErasureCollector``: Django's delete collector (every cascade, ``SET_NULL`` and
  signal of a deletion, unchanged) whose queries on related tables use ``ValuesIn``.

``rows_insert_for_users`` writes one row of ``model`` per user id: on PostgreSQL one
``INSERT … SELECT … FROM unnest(%s::bigint[], …)`` whose parameters are one array
per varying column and one constant per other column, so 500 rows cost what one
does on the Python side; on other databases (SQLite in tests) a ``bulk_create``.
Every concrete column is written: the given value, else the field's default, so a
field added to the model later is filled as ``bulk_create`` would fill it. Fields
computed on save (``auto_now``, ``auto_now_add``) are refused: pass their value.
"""

from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import BooleanField, Expression, F
from django.db.models.deletion import Collector


class ValuesIn(Expression):
    """``column IN (values)`` for integer values, usable in ``filter()``, ``update()``, ``delete()``.

    On PostgreSQL one array parameter (``column = ANY(%s::bigint[])``): the
    statement's text and its preparation do not grow with the number of values.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str | Expression, values: Sequence[int]):
        super().__init__()
        self.column = F(column) if isinstance(column, str) else column
        self.values = [int(value) for value in values]

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        if not self.values:
            raise EmptyResultSet
        sql, params = compiler.compile(self.column)
        placeholders = ", ".join(["%s"] * len(self.values))
        return f"{sql} IN ({placeholders})", (*params, *self.values)

    def as_postgresql(self, compiler, connection):
        if not self.values:
            raise EmptyResultSet
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s::bigint[])", (*params, self.values)


class ErasureCollector(Collector):
    """Django's collector, its related-table queries on integer keys as ``ValuesIn``.

    Everything else (the order of deletions, cascades, ``SET_NULL``, signals,
    files removed by ``post_delete`` receivers) is Django's own.
    """

    def related_objects(self, related_model, related_fields, objs):
        simple = all(
            len(field.foreign_related_fields) == 1
            and isinstance(
                field.target_field,
                models.AutoField | models.BigAutoField | models.IntegerField,
            )
            for field in related_fields
        )
        if not simple:
            return super().related_objects(related_model, related_fields, objs)
        condition = None
        for field in related_fields:
            values = [getattr(obj, field.target_field.attname) for obj in objs]
            term = ValuesIn(field.attname, values)
            condition = term if condition is None else condition | term
        return related_model._base_manager.using(self.using).filter(condition)


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
