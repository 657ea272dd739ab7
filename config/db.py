"""Prepared statements for the few hot statements the code writes as SQL.

Django's PostgreSQL cursors bind parameters on the client (the values are quoted
into the SQL text), so PostgreSQL parses and plans every statement again: for
the sign-in's lookup of an address, several times what executing it costs.
``prepared_cursor`` is a Django cursor (query logging and ``execute_wrapper``
hooks as for any other) over a psycopg cursor that binds on the server and
prepares each statement the first time a connection runs it; the next runs on
that connection send only the parameters.

Invariants:

- only statements whose best plan does not depend on their parameters go
  through it (a lookup or a write of one row by a unique key): PostgreSQL may
  keep one generic plan for a prepared statement;
- off, a plain Django cursor, on other databases and when
  ``DATABASE_PREPARED_STATEMENTS`` is False: behind PgBouncer in transaction
  pooling (``DATABASE_TRANSACTION_POOLER``), where the next transaction may run
  on a server connection that never saw the statement prepared.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

try:
    from django.db.backends.postgresql.base import ServerBindingCursor
except ImportError:  # psycopg not installed: SQLite only
    ServerBindingCursor = None


if ServerBindingCursor is not None:

    class _PreparingCursor(ServerBindingCursor):
        """Django's server-binding cursor, preparing every statement it runs.

        psycopg keeps the statement sent (``_query``, which Django's query log reads,
        ``last_executed_query``) only when it does not prepare: it is kept here too,
        so the log and ``CaptureQueriesContext`` show the SQL (with ``$n`` markers).
        """

        def _maybe_prepare_gen(self, pgq, *, prepare=None, binary=None):
            self._query = pgq
            return (yield from super()._maybe_prepare_gen(pgq, prepare=True, binary=binary))


def prepares(connection) -> bool:
    """Whether ``prepared_cursor`` prepares its statements on ``connection``."""
    return connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS):
    """A cursor whose statements are prepared on the connection (see the module)."""
    connection = connections[using]
    if not prepares(connection):
        with connection.cursor() as cursor:
            yield cursor
        return
    # What ``connection.cursor()`` does, with another psycopg cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor
