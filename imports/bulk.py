"""Set-based reads and writes of the import: a fixed number of statements per chunk.

Invariants:

- no statement carries one placeholder per key on PostgreSQL: a set of keys is
  one array parameter (``= ANY(%s)``), so the cost of building a query does not
  grow with the chunk; SQLite, which has no arrays, gets ``IN (…)`` in slices of
  ``SQLITE_SLICE`` keys;
- inserts are one ``COPY … FROM STDIN`` per table and chunk on PostgreSQL (rows
  are tuples of database values, never model instances), ``executemany`` of one
  INSERT elsewhere;
- updates are one temporary table filled by ``COPY`` and one ``UPDATE … FROM``
  on PostgreSQL, ``executemany`` of one UPDATE elsewhere;
- columns an insert does not name take the model field's default, computed once
  per table (never per row); a unique column must be named (its default would
  repeat).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Lookup

SQLITE_SLICE = 500
# Planner statistics are refreshed when a table has received this many rows
# from the run, then twice as many, and so on (about eight ANALYZE per table
# for a million rows).
ANALYZE_FIRST = 10_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def select_in(sql: str, keys: Iterable, params: Sequence = ()) -> list[tuple]:
    """Run ``sql`` whose ``{keys}`` marks ``<expression> {keys}``: the rows for ``keys``.

    ``params`` come before the keys in the statement. One query on PostgreSQL;
    on SQLite one per slice of keys.
    """
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(sql.format(keys="= ANY(%s)"), [*params, keys])
            return cursor.fetchall()
        rows = []
        for start in range(0, len(keys), SQLITE_SLICE):
            part = keys[start : start + SQLITE_SLICE]
            cursor.execute(
                sql.format(keys="IN (" + ",".join(["%s"] * len(part)) + ")"), [*params, *part]
            )
            rows.extend(cursor.fetchall())
        return rows


def next_ids(model, n: int) -> list[int]:
    """``n`` fresh primary keys of ``model`` drawn from its sequence (PostgreSQL only).

    Lets a COPY carry its ids, so the rows it wrote need not be looked up again.
    """
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, n],
        )
        return [row[0] for row in cursor.fetchall()]


class Statistics:
    """Keeps PostgreSQL's planner statistics in step with the rows a run writes.

    Tables filled inside one long transaction are invisible to autovacuum: their
    statistics say "never analysed" (or describe the empty table), and a look-up
    of 5,000 keys is then planned as a sequential scan — each chunk reading the
    whole table, the run slowing as it grows. ``ANALYZE`` inside the transaction
    samples its own uncommitted rows; it runs at the start for tables never
    analysed, then each time a table's rows written by the run double.
    Without ownership of a table PostgreSQL only warns. A no-op elsewhere.
    """

    def __init__(self):
        self.written: dict[str, int] = {}
        self.threshold: dict[str, int] = {}

    def prepare(self, models) -> None:
        if not is_postgresql():
            return
        tables = [m._meta.db_table for m in models]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples < 0",
                [tables],
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"ANALYZE {quote(table)}")

    def add(self, model, n: int) -> None:
        if not is_postgresql() or not n:
            return
        table = model._meta.db_table
        self.written[table] = self.written.get(table, 0) + n
        if self.written[table] >= self.threshold.setdefault(table, ANALYZE_FIRST):
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {quote(table)}")
            self.threshold[table] = 2 * self.written[table]


class AnyOf(Lookup):
    """``lhs`` is one of ``values``: ``= ANY(array)`` on PostgreSQL, ``IN (…)`` elsewhere.

    Used as an expression in ``filter()``: ``filter(AnyOf(Lower("email"), emails))``.
    The array is cast to the column's type so the index applies.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def __init__(self, lhs, rhs):
        super().__init__(lhs, list(dict.fromkeys(rhs)))

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet  # nothing is one of no values: no query at all
        if connection.vendor == "postgresql":
            field = self.lhs.output_field
            if field.get_internal_type() in ("CharField", "EmailField", "TextField"):
                cast = "text"
            else:
                cast = (
                    field.db_type(connection)
                    if field.is_relation
                    else field.cast_db_type(connection)
                )
            return f"{lhs} = ANY(%s::{cast}[])", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


class Table:
    """A model's table written from tuples of values for ``columns`` (attnames).

    The other concrete fields (but the auto primary key) get their default,
    prepared once for the database here.
    """

    def __init__(self, model, columns: Sequence[str], *, statistics: Statistics | None = None):
        meta = model._meta
        self.statistics = statistics
        self.model = model
        self.name = quote(meta.db_table)
        self.varying = [meta.get_field(c) for c in columns]
        varying = {f.attname for f in self.varying}
        template = model()
        self.constant = []
        for field in meta.concrete_fields:
            if field is meta.auto_field or field.attname in varying:
                continue
            if field.unique:
                raise ValueError(f"{meta.label}.{field.attname} is unique: name it in columns.")
            value = field.get_db_prep_save(getattr(template, field.attname), connection)
            self.constant.append((field, value))
        self.fields = [*self.varying, *(f for f, _v in self.constant)]
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self._tail = tuple(v for _f, v in self.constant)

    def _prepared(self, rows: Iterable[tuple]) -> Iterable[tuple]:
        if is_postgresql():
            # psycopg adapts str, bool, int, aware datetimes itself.
            return (tuple(row) + self._tail for row in rows)
        fields = self.varying
        return (
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
            + self._tail
            for row in rows
        )

    def insert(self, rows: list[tuple]) -> None:
        """Insert ``rows`` (one tuple of ``columns`` values each)."""
        if not rows:
            return
        with connection.cursor() as cursor:
            if is_postgresql():
                with cursor.cursor.copy(f"COPY {self.name} ({self.columns}) FROM STDIN") as copy:
                    for row in self._prepared(rows):
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {self.name} ({self.columns}) VALUES ({placeholders})",  # noqa: S608
                    list(self._prepared(rows)),
                )
        if self.statistics is not None:
            self.statistics.add(self.model, len(rows))


def update(model, *, key: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Set ``columns`` of the rows of ``model`` whose ``key`` is each tuple's first value.

    ``rows``: ``(key value, *column values)``.
    """
    if not rows:
        return
    meta = model._meta
    table = quote(meta.db_table)
    fields = [meta.get_field(key), *(meta.get_field(c) for c in columns)]
    names = [quote(f.column) for f in fields]
    with connection.cursor() as cursor:
        if is_postgresql():
            temp = quote(f"imports_upd_{meta.db_table}")
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{temp}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {', '.join(names)} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {temp} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{n} = u.{n}" for n in names[1:])
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM {temp} u WHERE {table}.{names[0]} = u.{names[0]}"  # noqa: S608
            )
            cursor.execute(f"DROP TABLE {temp}")
            return
        sets = ", ".join(f"{n} = %s" for n in names[1:])
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE {names[0]} = %s",  # noqa: S608
            [
                (
                    *(
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(fields[1:], row[1:], strict=True)
                    ),
                    row[0],
                )
                for row in rows
            ],
        )
