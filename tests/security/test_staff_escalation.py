"""Staff escalation (issue 11 item 2): only a superuser edits permissions or groups freely.

An "Administrateur OPCO" gives one of the two staff groups to *other* staff
accounts; never an individual permission, never anything to himself.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory, with_second_factor

pytestmark = pytest.mark.django_db


def staff(group_name=None, **kwargs):
    user = with_second_factor(UserFactory(is_staff=True, **kwargs))
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)


def post_staff_page(client, target, **data):
    base = {
        "email": target.email,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "phone": "",
    }
    return client.post(reverse("admin:accounts_staffuser_change", args=[target.pk]), base | data)


def perm(codename):
    return Permission.objects.get(codename=codename)


def test_opco_administrator_cannot_grant_himself_a_permission_or_a_group(client):
    me = staff("Administrateur OPCO")
    elevated = Group.objects.create(name="Élevé")
    elevated.permissions.add(perm("change_client"))
    client.force_login(me)
    page = client.get(reverse("admin:accounts_staffuser_change", args=[me.pk])).text
    assert 'name="user_permissions"' not in page
    assert 'name="groups"' not in page
    post_staff_page(
        client,
        me,
        user_permissions=[perm("change_client").pk, perm("delete_logentry").pk],
        groups=[elevated.pk, Group.objects.get(name="Agent OPCO").pk],
        is_superuser="on",
    )
    me = User.objects.get(pk=me.pk)
    assert not me.user_permissions.exists()
    assert list(me.groups.values_list("name", flat=True)) == ["Administrateur OPCO"]
    assert not me.is_superuser
    assert not me.has_perm("allauth_idp_oidc.change_client")
    assert not me.has_perm("admin.delete_logentry")


def test_opco_administrator_gives_another_agent_a_staff_group_only(client):
    administrator = staff("Administrateur OPCO")
    colleague = staff("Agent OPCO")
    elevated = Group.objects.create(name="Élevé")
    client.force_login(administrator)
    page = client.get(reverse("admin:accounts_staffuser_change", args=[colleague.pk])).text
    assert 'name="groups"' in page
    assert 'name="user_permissions"' not in page
    assert "Élevé" not in page  # only the two staff groups are offered
    refused = post_staff_page(client, colleague, groups=[elevated.pk])
    assert refused.status_code == 200  # the form says the choice is not valid
    assert not colleague.groups.filter(pk=elevated.pk).exists()
    response = post_staff_page(
        client,
        colleague,
        groups=[Group.objects.get(name="Administrateur OPCO").pk],
        user_permissions=[perm("delete_logentry").pk],
    )
    assert response.status_code == 302, response.text
    colleague = User.objects.get(pk=colleague.pk)
    assert list(colleague.groups.values_list("name", flat=True)) == ["Administrateur OPCO"]
    assert not colleague.user_permissions.exists()


def test_a_group_given_by_a_superuser_survives_an_administrators_save(client):
    administrator = staff("Administrateur OPCO")
    colleague = staff("Agent OPCO")
    special = Group.objects.create(name="Audit")
    colleague.groups.add(special)
    client.force_login(administrator)
    post_staff_page(client, colleague, groups=[Group.objects.get(name="Agent OPCO").pk])
    assert set(colleague.groups.values_list("name", flat=True)) == {"Agent OPCO", "Audit"}


def test_opco_administrator_cannot_make_an_end_user_staff(client):
    client.force_login(staff("Administrateur OPCO"))
    target = UserFactory()
    page = client.get(reverse("admin:accounts_user_change", args=[target.pk])).text
    for field in ["is_staff", "is_superuser", "groups", "user_permissions"]:
        assert f'name="{field}"' not in page


def test_superuser_edits_permissions_and_groups_of_staff(client):
    client.force_login(staff(is_superuser=True))
    colleague = staff("Agent OPCO")
    response = post_staff_page(
        client,
        colleague,
        is_active="on",
        is_staff="on",
        groups=[Group.objects.get(name="Administrateur OPCO").pk],
        user_permissions=[perm("view_logentry").pk],
    )
    assert response.status_code == 302, response.text
    colleague = User.objects.get(pk=colleague.pk)
    assert colleague.has_perm("admin.view_logentry")
    assert list(colleague.groups.values_list("name", flat=True)) == ["Administrateur OPCO"]


def test_agent_cannot_change_any_staff_account(client):
    client.force_login(staff("Agent OPCO"))
    colleague = staff("Agent OPCO")
    response = post_staff_page(
        client, colleague, groups=[Group.objects.get(name="Administrateur OPCO").pk]
    )
    assert response.status_code == 403
    assert list(colleague.groups.values_list("name", flat=True)) == ["Agent OPCO"]
