"""An invitation carries the person through sign-up, verification and acceptance (issue 15 item 8).

The invitation link remembers the invitation in the session: the sign-up form is
prefilled (address, SIRET) and says "invited", the sign-up makes no join request,
email verification leads to the sign-in page and then back to the invitation, and
accepting it lands on the organisation. The home page gives one state per
organisation.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import JoinRequest, Membership

from .factories import OrganisationFactory, UserFactory, administrator_of, make_siret
from .test_signup import signup_data

pytestmark = pytest.mark.django_db

EMAIL = "noe.nouveau@transports-alpha.fr"
PASSWORD = "un mot de passe bien long 2026"
CHECK = "accounts:signup_siret_check"


@pytest.fixture
def organisation():
    return OrganisationFactory(legal_name="Transports Alpha", siret=make_siret(5151))


@pytest.fixture
def admin(organisation):
    return administrator_of(organisation)


def invite(organisation, admin, email=EMAIL, **kwargs):
    return services.invitation_create(
        organisation=organisation, email=email, invited_by=admin, now=timezone.now(), **kwargs
    )


def invitation_url(invitation):
    return reverse("accounts:invitation", kwargs={"token": invitation.token})


def invitee_data(organisation, **overrides):
    """What the invitee types: the prefilled address and SIRET, his name, the boxes."""
    typed = {
        "email": EMAIL,
        "siret": organisation.siret,
        "first_name": "Noé",
        "last_name": "Nouveau",
        "organisation_kind": "",
        "organisation_name": "",
        "declaration": "authorised",
    }
    return signup_data(**{**typed, **overrides})


def field_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


def sign_up_from(client, invitation, organisation, django_capture_on_commit_callbacks):
    """Open the link, then the sign-up form it offers, and submit it; returns the mail link."""
    client.get(invitation_url(invitation))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup") + "?next=" + invitation_url(invitation),
            {**invitee_data(organisation), "next": invitation_url(invitation)},
        )
    assert response.status_code == 302
    body = next(m.body for m in mail.outbox if m.to == [EMAIL])
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)


# --- Sign-up form ---------------------------------------------------------------------


def test_sign_up_from_the_invitation_is_prefilled_with_the_address_and_the_siret(
    client, admin, organisation
):
    invitation = invite(organisation, admin)
    page = client.get(invitation_url(invitation)).text
    signup_link = re.search(r'href="([^"]*/accounts/signup/\?next=[^"]*)"', page).group(1)
    form = client.get(signup_link.replace("&amp;", "&")).text
    assert field_value(form, "email") == EMAIL
    assert field_value(form, "siret") == organisation.siret


def test_sign_up_without_an_invitation_is_not_prefilled(client, admin, organisation):
    invite(organisation, admin)
    form = client.get(reverse("account_signup")).text
    assert field_value(form, "siret") == ""


def test_the_siret_notice_says_invited_not_request_to_the_administrator(
    client, admin, organisation
):
    invitation = invite(organisation, admin)
    client.get(invitation_url(invitation))
    notice = client.get(reverse(CHECK), {"siret": organisation.siret}).json()["notice"]
    assert "Vous êtes invité(e) à rejoindre Transports Alpha" in notice
    assert "votre demande sera envoyée" not in notice
    assert client.get(reverse(CHECK), {"siret": organisation.siret}).json()["invited"] is True
    form = client.get(reverse("account_signup")).text
    assert "invité(e) à rejoindre Transports Alpha" in form
    # Another visitor, who did not open the link, gets the usual notice.
    other = Client().get(reverse(CHECK), {"siret": organisation.siret}).json()["notice"]
    assert "votre demande sera envoyée à son administrateur" in other


def test_signing_up_from_the_invitation_makes_no_join_request(
    client, admin, organisation, django_capture_on_commit_callbacks
):
    invitation = invite(organisation, admin)
    sign_up_from(client, invitation, organisation, django_capture_on_commit_callbacks)
    invitee = EmailAddress.objects.get(email=EMAIL).user
    assert not JoinRequest.objects.filter(user=invitee).exists()
    assert not Membership.objects.filter(user=invitee).exists()  # until he accepts
    page = client.get(reverse("account_email_verification_sent")).text
    assert 'id="signup-invitation-notice"' in page
    assert 'id="signup-join-notice"' not in page


def test_the_invitation_applies_only_to_the_invited_address(
    client, admin, organisation, django_capture_on_commit_callbacks
):
    """Someone else signing up with the SIRET from the same browser still asks the admin."""
    invitation = invite(organisation, admin)
    client.get(invitation_url(invitation))
    client.post(reverse("account_signup"), invitee_data(organisation, email="autre@example.fr"))
    assert JoinRequest.objects.filter(user__email="autre@example.fr").exists()


def test_the_form_does_not_ask_the_invited_organisation_s_kind_and_name(
    client, admin, organisation
):
    invitation = invite(organisation, admin)
    client.get(invitation_url(invitation))
    form = client.get(reverse("account_signup")).text
    hidden = re.findall(r"<div[^>]*data-organisation-field[^>]*>", form)
    assert len(hidden) == 2 and all(" hidden" in tag for tag in hidden)
    # Typed another SIRET (unknown): shown again, and asked for.
    response = client.post(
        reverse("account_signup"),
        invitee_data(organisation, siret=make_siret(5252), accept_cgu=""),
    )
    shown = re.findall(r"<div[^>]*data-organisation-field[^>]*>", response.text)
    assert len(shown) == 2 and not any(" hidden" in tag for tag in shown)
    assert "Indiquez la raison sociale de votre organisation." in response.text


# --- Verification, sign-in, acceptance ------------------------------------------------


def confirm(client, link):
    client.get(link)
    return client.post(link)


def test_verification_leads_to_sign_in_then_to_the_invitation(
    client, admin, organisation, django_capture_on_commit_callbacks
):
    invitation = invite(organisation, admin)
    link = sign_up_from(client, invitation, organisation, django_capture_on_commit_callbacks)
    response = confirm(client, link)
    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == reverse("account_login")
    assert parse_qs(target.query)["next"] == [invitation_url(invitation)]
    response = client.post(response.url, {"login": EMAIL, "password": PASSWORD})
    assert response.url == invitation_url(invitation)
    assert '<button type="submit">Rejoindre' in client.get(response.url).text


def test_verification_from_another_browser_still_leads_to_the_invitation(
    client, admin, organisation, django_capture_on_commit_callbacks
):
    """The mail is often opened on a phone: no session there, the address finds it."""
    invitation = invite(organisation, admin)
    link = sign_up_from(client, invitation, organisation, django_capture_on_commit_callbacks)
    response = confirm(Client(), link)
    assert parse_qs(urlsplit(response.url).query)["next"] == [invitation_url(invitation)]


def test_sign_in_without_next_goes_back_to_the_followed_invitation(client, admin, organisation):
    invitation = invite(organisation, admin)
    invitee = UserFactory(email=EMAIL)
    EmailAddress.objects.create(user=invitee, email=EMAIL, verified=True, primary=True)
    client.get(invitation_url(invitation))
    response = client.post(
        reverse("account_login"), {"login": EMAIL, "password": "correct horse battery staple 42"}
    )
    assert response.url == invitation_url(invitation)


def test_accepting_lands_on_the_organisation_card_and_forgets_the_invitation(
    client, admin, organisation
):
    invitation = invite(organisation, admin)
    client.get(invitation_url(invitation))
    invitee = UserFactory(email=EMAIL)
    client.force_login(invitee)
    response = client.post(invitation_url(invitation))
    assert response.url == reverse("home")
    home = client.get(reverse("home")).text
    assert f'id="organisation-{organisation.pk}"' in home
    assert "Vous avez rejoint Transports Alpha." in home
    assert "accounts_invitation" not in client.session


def test_an_invited_administrator_lands_on_the_organisation_page(client, admin, organisation):
    invitation = invite(organisation, admin, is_administrator=True)
    client.force_login(UserFactory(email=EMAIL))
    response = client.post(invitation_url(invitation))
    assert response.url == reverse(
        "accounts:org_detail", kwargs={"organisation_pk": organisation.pk}
    )


# --- Home page: one state per organisation -------------------------------------------

NO_ORGANISATION = 'id="no-organisation"'


def test_home_shows_only_the_invitation_while_a_request_to_the_same_organisation_waits(
    client, admin, organisation
):
    invitee = UserFactory(email=EMAIL)
    JoinRequest.objects.create(user=invitee, organisation=organisation)
    invitation = invite(organisation, admin)
    client.force_login(invitee)
    home = client.get(reverse("home")).text
    assert invitation_url(invitation) in home
    assert "attend la validation de son administrateur" not in home
    assert NO_ORGANISATION not in home


def test_home_shows_the_pending_request_alone(client, organisation, admin):
    person = UserFactory(email=EMAIL)
    JoinRequest.objects.create(user=person, organisation=organisation)
    client.force_login(person)
    home = client.get(reverse("home")).text
    assert "Votre demande de rattachement à Transports Alpha attend" in home
    assert NO_ORGANISATION not in home


def test_home_says_no_organisation_only_when_there_is_nothing_else(client):
    client.force_login(UserFactory(email=EMAIL))
    assert NO_ORGANISATION in client.get(reverse("home")).text


def test_home_shows_membership_not_a_stale_request_once_accepted(client, admin, organisation):
    invitee = UserFactory(email=EMAIL)
    invitation = invite(organisation, admin)
    client.force_login(invitee)
    client.post(invitation_url(invitation))
    # A request made later to the same organisation (another device) shows no second state.
    JoinRequest.objects.create(user=invitee, organisation=organisation)
    home = client.get(reverse("home")).text
    assert f'id="organisation-{organisation.pk}"' in home
    assert "attend la validation" not in home
    assert invitation_url(invitation) not in home
    assert NO_ORGANISATION not in home
