"""PostgreSQL indexes for the back-office searches (prefix searches, case-insensitive).

The admin searches users by name prefix (``UPPER(last_name) LIKE UPPER('x%')``)
and organisations by legal-name prefix. (Email, SIREN and SIRET prefixes are
served by the ``*_like`` indexes Django creates itself for unique or indexed
CharFields on PostgreSQL; emails are stored lower-cased.) A plain b-tree serves LIKE only under the C
collation, hence the ``*_pattern_ops`` expression indexes. They exist only on
PostgreSQL (SQLite, the embedded default, ignores them: it has no such
operator classes); they are not part of the model state, so
``makemigrations --check`` stays clean.
"""

from django.db import migrations

INDEXES = [
    ("accounts_user_last_name_prefix_idx", "accounts_user", "UPPER(last_name) text_pattern_ops"),
    (
        "accounts_user_first_name_prefix_idx",
        "accounts_user",
        "UPPER(first_name) text_pattern_ops",
    ),
    (
        "accounts_org_legal_name_prefix_idx",
        "accounts_organisation",
        "UPPER(legal_name) text_pattern_ops",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_groups")]
    operations = [migrations.RunPython(create, drop)]
