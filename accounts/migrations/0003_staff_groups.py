"""The two OPCO staff groups and their model permissions (re-runnable).

- "Agent OPCO": views and acts on accounts — users, organisations, memberships,
  invitations, join requests (view, change), accesses (view, add, change,
  delete: granting and revoking roles is acting on an account), platforms and
  roles (view: needed to pick them).
- "Administrateur OPCO": all of the agent's, plus platforms and roles (add,
  change, delete) and staff accounts (``accounts.StaffUser``: view, add, change,
  delete).

Other apps add their own permissions to these groups in their migrations
(lifecycle: deactivate, suspend...). Permissions are created here first: on a
fresh database Django only creates them after the last migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = "Agent OPCO"
ADMINISTRATOR = "Administrateur OPCO"

AGENT_PERMISSIONS = [
    ("accounts", "user", ["view", "change"]),
    ("accounts", "organisation", ["view", "change"]),
    ("accounts", "membership", ["view", "change"]),
    ("accounts", "invitation", ["view", "change"]),
    ("accounts", "joinrequest", ["view", "change"]),
    ("platforms", "access", ["view", "add", "change", "delete"]),
    ("platforms", "platform", ["view"]),
    ("platforms", "role", ["view"]),
]
ADMINISTRATOR_PERMISSIONS = [
    *AGENT_PERMISSIONS,
    ("platforms", "platform", ["add", "change", "delete"]),
    ("platforms", "role", ["add", "change", "delete"]),
    ("accounts", "staffuser", ["view", "add", "change", "delete"]),
]


def _permissions(apps, spec):
    Permission = apps.get_model("auth", "Permission")
    wanted = []
    for app_label, model, actions in spec:
        for action in actions:
            wanted.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
            )
    return wanted


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, spec in [(AGENT, AGENT_PERMISSIONS), (ADMINISTRATOR, ADMINISTRATOR_PERMISSIONS)]:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, spec))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staffuser"),
        ("platforms", "0002_seed_platforms_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
