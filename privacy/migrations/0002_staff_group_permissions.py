"""Give the OPCO staff groups the privacy back-office permissions (re-runnable).

The groups ("Agent OPCO", "Administrateur OPCO") are created by the accounts
app's migrations on the org-admin branch; get_or_create by name makes the order
of the two migrations irrelevant. Permissions are created here first: on a
fresh database Django only creates them after the last migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Agent OPCO", "Administrateur OPCO"]
PERMISSIONS = [
    ("closurerequest", ["view", "change"]),
    ("dporequest", ["view", "add", "change"]),
    ("lostcredentialsreport", ["view", "change"]),
    ("proofrequest", ["view", "add", "change"]),
    ("proofdocument", ["view"]),
    ("blocklistentry", ["view", "add", "change", "delete"]),
    ("accountsuspension", ["view", "change"]),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = [
        Permission.objects.get(content_type__app_label="privacy", codename=f"{action}_{model}")
        for model, actions in PERMISSIONS
        for action in actions
    ]
    for name in GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
