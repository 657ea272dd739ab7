"""OPCO staff may see SAML service providers; the Administrateur OPCO registers them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Agent OPCO": ["view"],
    "Administrateur OPCO": ["view", "add", "change", "delete"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="platforms",
                codename__in=[f"{action}_serviceprovider" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0004_saml_identity_provider"),
        ("accounts", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
