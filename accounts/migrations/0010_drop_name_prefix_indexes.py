"""Drop the users' name-prefix indexes of migration 0004: the trigram indexes replaced them.

Migration 0004 indexed ``UPPER(last_name)`` and ``UPPER(first_name)`` for the
back-office's prefix search; the search now looks for any fragment
(``icontains``), which the ``pg_trgm`` GIN indexes of migration 0007 serve, and
nothing queries a name prefix any more. Each index costs a write at every
change of a user row (a sign-in writes one): two fewer on the busiest row of
the database. The organisations' legal-name prefix index stays (the
organisation search is by prefix). PostgreSQL only, like 0004; reversible.
``CONCURRENTLY`` (the migration is not atomic), like 0007: deploying it on a live
table never blocks sign-ins.
"""

from django.db import migrations

INDEXES = [
    ("accounts_user_last_name_prefix_idx", "UPPER(last_name) text_pattern_ops"),
    ("accounts_user_first_name_prefix_idx", "UPPER(first_name) text_pattern_ops"),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON accounts_user ({expression})"
        )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("accounts", "0009_french_field_names")]
    operations = [migrations.RunPython(drop, create)]
