"""Back-office permissions: every admin action is gated, the OPCO groups hold little."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db

# Permissions no OPCO group may hold: they would let staff rewrite the journal or
# hand themselves more rights.
FORBIDDEN_FOR_GROUPS = {
    "admin.add_logentry",
    "admin.change_logentry",
    "admin.delete_logentry",
    "auth.add_permission",
    "auth.change_permission",
    "auth.delete_permission",
    "auth.add_group",
    "auth.change_group",
    "auth.delete_group",
}
OPCO_GROUPS = ["Agent OPCO", "Administrateur OPCO"]


def all_admin_actions():
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or []:
            if isinstance(action, str):
                action = getattr(model_admin, action)
            yield model, action


def test_every_custom_admin_action_declares_its_permission():
    """Django checks ``allowed_permissions`` before running an action; none may lack it."""
    unguarded = [
        f"{model._meta.label}.{getattr(action, '__name__', action)}"
        for model, action in all_admin_actions()
        if not getattr(action, "allowed_permissions", None)
    ]
    assert unguarded == [], (
        "admin actions without allowed_permissions (use @admin.action(permissions=[...])): "
        f"{unguarded}"
    )


def test_site_wide_delete_action_is_permission_gated():
    delete_selected = admin.site.get_action("delete_selected")
    assert tuple(delete_selected.allowed_permissions) == ("delete",)


@pytest.mark.parametrize("name", OPCO_GROUPS)
def test_opco_groups_cannot_touch_the_journal_or_permissions(name):
    group = Group.objects.get(name=name)  # created by a data migration
    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }
    assert held & FORBIDDEN_FOR_GROUPS == set()


def test_agent_group_cannot_delete_accounts_directly():
    """Deletion follows the lifecycle (notice, 15 days), never the admin's delete button."""
    group = Group.objects.get(name="Agent OPCO")  # created by a data migration
    assert not group.permissions.filter(
        content_type__app_label="accounts", codename="delete_user"
    ).exists()


def test_view_only_staff_cannot_run_a_writing_action(client, staff_with_mfa, member):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    address = EmailAddress.objects.get(user=member)
    address.verified = False
    address.save(update_fields=["verified"])
    staff_with_mfa.user_permissions.add(
        Permission.objects.get(codename="view_emailaddress", content_type__app_label="account")
    )
    client.force_login(staff_with_mfa)
    client.post(
        reverse("admin:account_emailaddress_changelist"),
        {"action": "make_verified", "_selected_action": [address.pk]},
    )
    address.refresh_from_db()
    assert not address.verified
