"""Database guards the ORM cannot bypass.

- A published CGU version is frozen: any UPDATE that changes its label, text,
  summary, status, instants or hash is refused. Only ``published_by`` may change
  (Django nulls it when the publishing agent's account is deleted).
- CGU acceptances and cookie consent records are append-only: UPDATE is refused.
  DELETE stays possible: rows go with the user on account deletion (ERASURE).

Installed on PostgreSQL (plpgsql) and SQLite; other vendors get no trigger.
"""

from django.db import migrations

FROZEN_COLUMNS = [
    "label",
    "text",
    "summary",
    "status",
    "effective_at",
    "published_at",
    "text_hash",
]

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION legal_cguversion_frozen() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'published' AND (__NEW__) IS DISTINCT FROM (__OLD__) THEN
        RAISE EXCEPTION 'legal: published CGU version % is immutable', OLD.id
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """.replace("__NEW__", ", ".join(f"NEW.{c}" for c in FROZEN_COLUMNS)).replace(
        "__OLD__", ", ".join(f"OLD.{c}" for c in FROZEN_COLUMNS)
    ),
    """
    CREATE TRIGGER legal_cguversion_frozen BEFORE UPDATE ON legal_cguversion
    FOR EACH ROW EXECUTE FUNCTION legal_cguversion_frozen();
    """,
    """
    CREATE OR REPLACE FUNCTION legal_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'legal: % is append-only', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER legal_cguacceptance_append_only BEFORE UPDATE ON legal_cguacceptance
    FOR EACH ROW EXECUTE FUNCTION legal_append_only();
    """,
    """
    CREATE TRIGGER legal_consentrecord_append_only BEFORE UPDATE ON legal_consentrecord
    FOR EACH ROW EXECUTE FUNCTION legal_append_only();
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS legal_consentrecord_append_only ON legal_consentrecord;",
    "DROP TRIGGER IF EXISTS legal_cguacceptance_append_only ON legal_cguacceptance;",
    "DROP FUNCTION IF EXISTS legal_append_only();",
    "DROP TRIGGER IF EXISTS legal_cguversion_frozen ON legal_cguversion;",
    "DROP FUNCTION IF EXISTS legal_cguversion_frozen();",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER legal_cguversion_frozen BEFORE UPDATE ON legal_cguversion
    FOR EACH ROW WHEN OLD.status = 'published' AND (__CHANGED__)
    BEGIN SELECT RAISE(ABORT, 'legal: published CGU version is immutable'); END;
    """.replace("__CHANGED__", " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)),
    """
    CREATE TRIGGER legal_cguacceptance_append_only BEFORE UPDATE ON legal_cguacceptance
    BEGIN SELECT RAISE(ABORT, 'legal: legal_cguacceptance is append-only'); END;
    """,
    """
    CREATE TRIGGER legal_consentrecord_append_only BEFORE UPDATE ON legal_consentrecord
    BEGIN SELECT RAISE(ABORT, 'legal: legal_consentrecord is append-only'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS legal_consentrecord_append_only;",
    "DROP TRIGGER IF EXISTS legal_cguacceptance_append_only;",
    "DROP TRIGGER IF EXISTS legal_cguversion_frozen;",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
