"""The admin log gets an index for the deletion's lookups; journal rows stop naming invitees.

- ``django_admin_log (content_type_id, object_id)``: the deletion removes the
  entries about an account and about the rows it owns by this pair (Django
  ships no such index; without it each lookup scans the whole log).
- ``invitation_sent`` / ``invitation_cancelled`` rows belong to the inviting
  administrator; they named the invited address. They now refer to the
  invitation by id; existing rows lose the address.
"""

from django.db import migrations

INDEX = "lifecycle_admin_log_object_idx"


def forget_invitee_addresses(apps, schema_editor):
    JournalEntry = apps.get_model("lifecycle", "JournalEntry")
    rows = JournalEntry.objects.filter(action__in=["invitation_sent", "invitation_cancelled"])
    batch = []
    for entry in rows.only("pk", "data").iterator(chunk_size=1000):
        if isinstance(entry.data, dict) and "email" in entry.data:
            entry.data = {key: value for key, value in entry.data.items() if key != "email"}
            batch.append(entry)
        if len(batch) >= 1000:
            JournalEntry.objects.bulk_update(batch, ["data"])
            batch = []
    if batch:
        JournalEntry.objects.bulk_update(batch, ["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("lifecycle", "0003_journal_action_index"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON django_admin_log (content_type_id, object_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
        migrations.RunPython(forget_invitee_addresses, migrations.RunPython.noop),
    ]
