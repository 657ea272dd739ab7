"""Sign-up blocklist: email, email domain and SIREN refused with a neutral message."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import Organisation, User
from privacy.models import BlocklistEntry

from .factories import UserFactory, make_siret
from .test_signup import signup_data

pytestmark = pytest.mark.django_db

NEUTRAL = "Cette demande ne peut pas aboutir"


@pytest.mark.parametrize(
    ("kind", "value", "email"),
    [
        ("email", "fraude@example.fr", "Fraude@Example.fr"),
        ("domain", "spam.test", "someone@spam.test"),
        ("domain", "spam.test", "someone@mail.spam.test"),
    ],
)
def test_signup_with_blocked_email_is_refused_neutrally(client, kind, value, email):
    BlocklistEntry.objects.create(kind=kind, value=value, reason="Fraude constatée")
    response = client.post(reverse("account_signup"), signup_data(email=email))
    assert response.status_code == 200
    assert NEUTRAL in response.text
    assert "Fraude constatée" not in response.text
    assert not User.objects.exists()


def test_signup_for_a_blocked_siren_is_refused_for_every_establishment(client):
    siret = make_siret(4242)
    BlocklistEntry.objects.create(kind="siren", value=siret[:9], reason="x")
    response = client.post(reverse("account_signup"), signup_data(siret=siret))
    assert response.status_code == 200
    assert NEUTRAL in response.text
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_unblocked_signup_goes_through(client):
    BlocklistEntry.objects.create(kind="domain", value="spam.test", reason="x")
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    assert User.objects.count() == 1


def test_a_domain_does_not_block_a_lookalike_domain(client):
    BlocklistEntry.objects.create(kind="domain", value="spam.test", reason="x")
    response = client.post(reverse("account_signup"), signup_data(email="a@notspam.test"))
    assert response.status_code == 302


def test_email_change_to_a_blocked_address_is_refused(client):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    BlocklistEntry.objects.create(kind="domain", value="spam.test", reason="x")
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "moi@spam.test"})
    assert NEUTRAL in response.text
    assert not EmailAddress.objects.filter(email="moi@spam.test").exists()


def test_agent_adds_an_entry_normalised(client):
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    response = client.post(
        reverse("admin:privacy_blocklistentry_add"),
        {"kind": "domain", "value": " @Spam.TEST ", "reason": "Fraude"},
    )
    assert response.status_code == 302
    entry = BlocklistEntry.objects.get()
    assert entry.value == "spam.test"
    assert entry.created_by == agent
