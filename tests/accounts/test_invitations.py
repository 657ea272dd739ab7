"""Invitations: sent by email after commit, valid 7 days, accepted by the invited address."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, JoinRequest, Membership

from .factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    administrator_of,
    make_siret,
)

pytestmark = pytest.mark.django_db

SENT_AT = datetime(2027, 3, 10, 13, 5, tzinfo=UTC)


@pytest.fixture
def organisation():
    return OrganisationFactory(legal_name="Transports Alpha", siret=make_siret(77))


@pytest.fixture
def admin(organisation):
    return administrator_of(organisation)


def invite(organisation, admin, email="nouveau@example.fr", **kwargs):
    return services.invitation_create(
        organisation=organisation, email=email, invited_by=admin, now=SENT_AT, **kwargs
    )


def invitation_url(invitation):
    return reverse("accounts:invitation", kwargs={"token": invitation.token})


def test_invitation_form_sends_the_email_after_commit(
    client, admin, organisation, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("accounts:org_invite", kwargs={"organisation_pk": organisation.pk}),
            {"email": "Nouveau@Example.fr"},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    invitation = Invitation.objects.get()
    assert invitation.email == "nouveau@example.fr"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouveau@example.fr"]
    assert organisation.siret in message.subject and "Transports Alpha" in message.body
    assert invitation_url(invitation) in message.body


def test_no_email_when_the_transaction_rolls_back(admin, organisation):
    # Inside the test's transaction, nothing is committed: nothing may be sent.
    invite(organisation, admin)
    assert mail.outbox == []


def test_invitation_is_valid_seven_days(admin, organisation):
    invitation = invite(organisation, admin)
    assert invitation.expires_at == SENT_AT + timedelta(days=7)


def test_invitation_days_is_a_setting(admin, organisation, settings):
    settings.ACCOUNTS_INVITATION_DAYS = 2
    assert invite(organisation, admin).expires_at == SENT_AT + timedelta(days=2)


def test_inviting_a_member_is_refused_in_french(client, admin, organisation):
    member = MembershipFactory(organisation=organisation).user
    client.force_login(admin)
    response = client.post(
        reverse("accounts:org_invite", kwargs={"organisation_pk": organisation.pk}),
        {"email": member.email.upper()},
    )
    assert response.status_code == 400
    assert "est déjà membre de cette organisation" in response.text
    assert not Invitation.objects.exists()


def test_a_new_invitation_replaces_the_pending_one(admin, organisation):
    first = invite(organisation, admin)
    second = invite(organisation, admin)
    first.refresh_from_db()
    assert not first.is_valid(now=SENT_AT)
    assert second.is_valid(now=SENT_AT)


# --- Expiry (time-machine) -----------------------------------------------------------


def test_link_still_works_one_minute_before_seven_days(client, admin, organisation):
    invitation = invite(organisation, admin)
    invitee = UserFactory(email="nouveau@example.fr")
    with time_machine.travel(SENT_AT + timedelta(days=7, minutes=-1), tick=False):
        client.force_login(invitee)
        response = client.post(invitation_url(invitation))
    assert response.status_code == 302
    assert Membership.objects.filter(user=invitee, organisation=organisation).exists()


def test_link_is_refused_after_seven_days_with_a_clear_page(client, admin, organisation):
    invitation = invite(organisation, admin)
    invitee = UserFactory(email="nouveau@example.fr")
    with time_machine.travel(SENT_AT + timedelta(days=7), tick=False):
        client.force_login(invitee)
        response = client.post(invitation_url(invitation))
    assert response.status_code == 410
    assert "Cette invitation a expiré le" in response.text
    assert "nouvelle invitation" in response.text
    assert not Membership.objects.filter(user=invitee).exists()


def test_expired_invitation_is_refused_by_the_service(admin, organisation):
    from django.core.exceptions import ValidationError

    invitation = invite(organisation, admin)
    invitee = UserFactory(email="nouveau@example.fr")
    with pytest.raises(ValidationError, match="expiré"):
        services.invitation_accept(
            invitation=invitation, user=invitee, now=SENT_AT + timedelta(days=8)
        )
    assert not Membership.objects.filter(user=invitee).exists()


# --- Accepting ------------------------------------------------------------------------


@pytest.fixture
def now_sent():
    with time_machine.travel(SENT_AT + timedelta(hours=1), tick=False):
        yield


def test_signed_in_user_with_the_address_joins(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin)
    invitee = UserFactory(email="nouveau@example.fr")
    client.force_login(invitee)
    assert client.get(invitation_url(invitation)).status_code == 200
    response = client.post(invitation_url(invitation))
    assert response.status_code == 302
    membership = Membership.objects.get(user=invitee, organisation=organisation)
    assert membership.invited_by == admin
    assert not membership.is_administrator
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee


def test_used_link_gives_a_clear_page(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin)
    client.force_login(UserFactory(email="nouveau@example.fr"))
    client.post(invitation_url(invitation))
    response = client.post(invitation_url(invitation))
    assert response.status_code == 410
    assert "Cette invitation a déjà été utilisée." in response.text


def test_unknown_link_gives_a_clear_page(client):
    response = client.get(reverse("accounts:invitation", kwargs={"token": "nope"}))
    assert response.status_code == 404
    assert "Ce lien d&#x27;invitation n&#x27;existe pas" in response.text or (
        "lien d'invitation n'existe pas" in response.text
    )


def test_another_account_cannot_use_the_link(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin)
    intruder = UserFactory(email="autre@example.fr")
    client.force_login(intruder)
    response = client.post(invitation_url(invitation))
    assert response.status_code == 403
    assert "nouveau@example.fr" in response.text
    assert not Membership.objects.filter(user=intruder).exists()


def test_invitation_as_administrator_gives_the_permission(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin, is_administrator=True)
    invitee = UserFactory(email="nouveau@example.fr")
    client.force_login(invitee)
    client.post(invitation_url(invitation))
    assert invitee.has_perm("accounts.manage_organisation", organisation)


def test_invitee_becomes_administrator_when_the_organisation_has_none_left(
    client, admin, organisation, now_sent
):
    invitation = invite(organisation, admin)
    Membership.objects.filter(user=admin).delete()
    invitee = UserFactory(email="nouveau@example.fr")
    client.force_login(invitee)
    client.post(invitation_url(invitation))
    assert Membership.objects.get(user=invitee).is_administrator
    assert invitee.has_perm("accounts.manage_organisation", organisation)


def test_accepting_approves_a_pending_join_request(client, admin, organisation, now_sent):
    invitee = UserFactory(email="nouveau@example.fr")
    join_request = JoinRequest.objects.create(user=invitee, organisation=organisation)
    invitation = invite(organisation, admin)
    client.force_login(invitee)
    client.post(invitation_url(invitation))
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED


def test_anonymous_visitor_is_offered_sign_in_and_sign_up(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin)
    response = client.get(invitation_url(invitation))
    assert response.status_code == 200
    assert reverse("account_login") + "?next=" in response.text
    assert reverse("account_signup") + "?next=" in response.text
    assert organisation.siret in response.text


def test_pending_invitation_shows_on_the_home_page(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin)
    client.force_login(UserFactory(email="nouveau@example.fr"))
    response = client.get(reverse("home"))
    assert invitation_url(invitation) in response.text


def test_unknown_address_signs_up_then_joins(client, admin, organisation, now_sent):
    """The invitee has no account: sign-up (with the organisation's SIRET), verify, accept."""
    invitation = invite(organisation, admin)
    response = client.post(
        reverse("account_signup") + "?next=" + invitation_url(invitation),
        {
            "email": "nouveau@example.fr",
            "password1": "un mot de passe bien long 2026",
            "password2": "un mot de passe bien long 2026",
            "first_name": "Noé",
            "last_name": "Nouveau",
            "siret": organisation.siret,
            "declaration": "authorised",
            "accept_cgu": "on",
        },
    )
    assert response.status_code == 302
    # Sign-up to an administered organisation leaves a pending request, no membership.
    invitee = EmailAddress.objects.get(email="nouveau@example.fr").user
    assert not Membership.objects.filter(user=invitee).exists()
    EmailAddress.objects.filter(user=invitee).update(verified=True)
    client.force_login(invitee)
    response = client.post(invitation_url(invitation))
    assert response.status_code == 302
    assert Membership.objects.filter(user=invitee, organisation=organisation).exists()
    assert JoinRequest.objects.get(user=invitee).status == JoinRequest.Status.APPROVED


def test_administrator_cancels_a_pending_invitation(client, admin, organisation, now_sent):
    invitation = invite(organisation, admin)
    client.force_login(admin)
    client.post(
        reverse(
            "accounts:org_invitation_cancel",
            kwargs={"organisation_pk": organisation.pk, "invitation_pk": invitation.pk},
        )
    )
    client.force_login(UserFactory(email="nouveau@example.fr"))
    assert client.post(invitation_url(invitation)).status_code == 410
