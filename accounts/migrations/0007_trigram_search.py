"""PostgreSQL trigram indexes: the back-office finds a user by any part of his email or name.

``pg_trgm`` GIN indexes serve ``LIKE '%fragment%'`` (an email domain such as
``@transports-demo.fr``, a piece of a name) on a million accounts, where a
b-tree serves prefixes only. Built ``CONCURRENTLY`` (the migration is not
atomic) so that deploying it on a live table never blocks sign-ins. Only on
PostgreSQL: SQLite, the embedded default, keeps a plain ``LIKE`` scan, and
``TrigramExtension`` does nothing there. The expressions match what Django's
``contains`` / ``icontains`` lookups emit (``email::text LIKE`` and
``UPPER(name::text) LIKE UPPER(…)``); they are not part of the model state,
so ``makemigrations --check`` stays clean.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("accounts_user_email_trgm_idx", "(email::text) gin_trgm_ops"),
    ("accounts_user_last_name_trgm_idx", "UPPER(last_name::text) gin_trgm_ops"),
    ("accounts_user_first_name_trgm_idx", "UPPER(first_name::text) gin_trgm_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON accounts_user USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("accounts", "0006_user_lifecycle_state")]
    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
