from django.db import migrations


def create_lock_row(apps, schema_editor):
    apps.get_model("lifecycle", "SweepLock").objects.get_or_create(name="lifecycle_sweep")


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]

    operations = [migrations.RunPython(create_lock_row, migrations.RunPython.noop)]
