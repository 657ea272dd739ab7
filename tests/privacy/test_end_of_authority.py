"""End of authority: the user leaves an organisation, or its administrator removes him.

Both pages call ``accounts.services.membership_remove``; lifecycle deactivates
an account left with no membership (tests/lifecycle/test_transitions.py covers
the service and the account that still belongs elsewhere).
"""

import pytest
from django.urls import reverse

from accounts.models import Membership
from platforms.models import Access
from tests.accounts.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    administrator_of,
)

from .conftest import journal_rows
from .test_proof import grant

pytestmark = pytest.mark.django_db


def quit_url(membership):
    return reverse("privacy:membership_quit", args=[membership.organisation_id])


def remove_url(membership):
    return reverse(
        "accounts:org_member_remove",
        kwargs={"organisation_pk": membership.organisation_id, "user_pk": membership.user_id},
    )


def test_user_leaving_one_of_two_organisations_keeps_his_account(client):
    leaving = MembershipFactory()
    grant(leaving, 2)
    staying = MembershipFactory(user=leaving.user)
    client.force_login(leaving.user)
    page = client.get(quit_url(leaving))
    assert "Vous perdrez toutes vos habilitations" in page.text
    response = client.post(quit_url(leaving), follow=True)
    assert "Vous ne faites plus partie de" in response.text
    assert not Membership.objects.filter(pk=leaving.pk).exists()
    assert not Access.objects.filter(membership_id=leaving.pk).exists()
    assert Membership.objects.filter(pk=staying.pk).exists()
    leaving.user.refresh_from_db()
    assert leaving.user.is_active
    assert journal_rows("membership_removed")[0]["actor"] == leaving.user
    assert not journal_rows("deactivated")


def test_user_leaving_his_last_organisation_is_deactivated_on_path_a(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    page = client.get(quit_url(membership))
    assert "votre compte sera désactivé" in page.text
    response = client.post(quit_url(membership))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    membership.user.refresh_from_db()
    assert not membership.user.is_active
    assert membership.user.state == "deactivated"
    assert membership.user.deactivation_reason == "end_of_authority"
    [row] = journal_rows("deactivated")
    assert row["actor"] == membership.user and row["reason"] == "end_of_authority"


def test_administrator_removing_a_members_last_membership_deactivates_his_account(client):
    organisation = OrganisationFactory()
    admin = administrator_of(organisation)
    member = MembershipFactory(organisation=organisation)
    grant(member, 1)
    client.force_login(admin)
    client.post(remove_url(member))
    assert not Membership.objects.filter(pk=member.pk).exists()
    member.user.refresh_from_db()
    assert (member.user.state, member.user.deactivation_reason) == (
        "deactivated",
        "end_of_authority",
    )
    [row] = journal_rows("deactivated")
    assert row["actor"] == admin and row["reason"] == "end_of_authority"
    assert journal_rows("membership_removed")[0]["actor"] == admin


def test_plain_member_cannot_remove_a_colleague(client):
    member = MembershipFactory()
    client.force_login(MembershipFactory(organisation=member.organisation).user)
    assert client.post(remove_url(member)).status_code == 404
    assert Membership.objects.filter(pk=member.pk).exists()


def test_sole_administrator_cannot_leave_members_without_an_administrator(client):
    admin_membership = MembershipFactory(is_administrator=True)
    MembershipFactory(organisation=admin_membership.organisation)
    client.force_login(admin_membership.user)
    response = client.post(quit_url(admin_membership), follow=True)
    assert "Vous êtes le seul administrateur" in response.text
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_cannot_quit_an_organisation_one_is_not_in(client):
    membership = MembershipFactory()
    client.force_login(UserFactory())
    assert client.post(quit_url(membership)).status_code == 404


def test_staff_leaving_his_last_organisation_is_never_deactivated(client):
    membership = MembershipFactory(user=UserFactory(is_staff=True))
    client.force_login(membership.user)
    client.post(quit_url(membership))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    membership.user.refresh_from_db()
    assert (membership.user.is_active, membership.user.state) == (True, "active")
    assert not journal_rows("deactivated")
