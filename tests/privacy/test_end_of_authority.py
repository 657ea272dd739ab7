"""End of authority: the user leaves an organisation, or his administrator ends it."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from platforms.models import Access
from tests.accounts.factories import MembershipFactory, UserFactory

from .conftest import journal_rows
from .test_proof import grant

pytestmark = pytest.mark.django_db


def quit_url(membership):
    return reverse("privacy:membership_quit", args=[membership.organisation_id])


def end_url(membership):
    return reverse("privacy:org_member_end", args=[membership.organisation_id, membership.user_id])


def test_user_leaving_one_of_two_organisations_keeps_his_account(client):
    leaving = MembershipFactory()
    grant(leaving, 2)
    staying = MembershipFactory(user=leaving.user)
    client.force_login(leaving.user)
    page = client.get(quit_url(leaving))
    assert "Vous perdrez toutes vos habilitations" in page.text
    client.post(quit_url(leaving))
    assert not Membership.objects.filter(pk=leaving.pk).exists()
    assert not Access.objects.filter(membership_id=leaving.pk).exists()
    assert Membership.objects.filter(pk=staying.pk).exists()
    leaving.user.refresh_from_db()
    assert leaving.user.is_active
    row = journal_rows("membership_ended")[0]
    assert row["actor"] == leaving.user and row["reason"] == "end_of_authority"


def test_user_leaving_his_last_organisation_is_deactivated_on_path_a(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    page = client.get(quit_url(membership))
    assert "votre compte sera désactivé" in page.text
    response = client.post(quit_url(membership))
    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert not membership.user.is_active
    assert membership.user.state == "deactivated"
    assert membership.user.deactivation_reason == "end_of_authority"
    [row] = journal_rows("deactivated")
    assert row["actor"] == membership.user and row["reason"] == "end_of_authority"


def test_administrator_ends_a_members_authority(client):
    admin_membership = MembershipFactory(is_administrator=True)
    from guardian.shortcuts import assign_perm

    assign_perm(
        "accounts.manage_organisation", admin_membership.user, admin_membership.organisation
    )
    member = MembershipFactory(organisation=admin_membership.organisation)
    grant(member, 1)
    client.force_login(admin_membership.user)
    client.post(end_url(member))
    assert not Membership.objects.filter(pk=member.pk).exists()
    member.user.refresh_from_db()
    assert not member.user.is_active
    assert journal_rows("membership_ended")[0]["actor"] == admin_membership.user


@pytest.mark.parametrize("who", ["plain member", "admin of another organisation"])
def test_others_cannot_end_a_membership(client, who):
    member = MembershipFactory()
    if who == "plain member":
        intruder = MembershipFactory(organisation=member.organisation).user
    else:
        from guardian.shortcuts import assign_perm

        other = MembershipFactory(is_administrator=True)
        assign_perm("accounts.manage_organisation", other.user, other.organisation)
        intruder = other.user
    client.force_login(intruder)
    assert client.post(end_url(member)).status_code == 404
    assert Membership.objects.filter(pk=member.pk).exists()


def test_sole_administrator_cannot_leave_members_without_an_administrator(client):
    admin_membership = MembershipFactory(is_administrator=True)
    MembershipFactory(organisation=admin_membership.organisation)
    client.force_login(admin_membership.user)
    response = client.post(quit_url(admin_membership), follow=True)
    assert "seul administrateur" in response.text
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_cannot_quit_an_organisation_one_is_not_in(client):
    membership = MembershipFactory()
    client.force_login(UserFactory())
    assert client.post(quit_url(membership)).status_code == 404


def test_membership_removed_elsewhere_deactivates_an_account_left_alone(staff):
    """What the receiver of accounts.events.membership_ended does (org-admin removal)."""
    from django.utils import timezone

    from privacy import services

    member = MembershipFactory()
    user = member.user
    member.delete()
    assert services.account_left_without_membership(user=user, actor=staff, now=timezone.now())
    user.refresh_from_db()
    assert (user.state, user.deactivation_reason) == ("deactivated", "end_of_authority")
    assert not services.account_left_without_membership(user=user, actor=staff, now=timezone.now())


def test_an_account_with_another_membership_is_not_deactivated(staff):
    from django.utils import timezone

    from privacy import services

    member = MembershipFactory()
    MembershipFactory(user=member.user)
    member.delete()
    assert not services.account_left_without_membership(
        user=member.user, actor=staff, now=timezone.now()
    )
    member.user.refresh_from_db()
    assert member.user.is_active


def test_the_org_admin_removal_signal_deactivates_when_present(staff):
    events = pytest.importorskip("accounts.events")
    from django.utils import timezone

    member = MembershipFactory()
    user, organisation = member.user, member.organisation
    member.delete()
    events.membership_ended.send(
        sender=Membership, user=user, organisation=organisation, actor=staff, now=timezone.now()
    )
    user.refresh_from_db()
    assert user.deactivation_reason == "end_of_authority"
