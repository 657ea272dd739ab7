"""Acceptance records: who accepted which exact text, when and from where."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from legal.http import client_ip
from legal.models import CGUAcceptance, ConsentRecord
from tests.accounts.factories import UserFactory
from tests.accounts.test_signup import signup_data

from .factories import publish

pytestmark = pytest.mark.django_db


def test_the_acceptance_record_carries_ip_user_agent_and_version_hash(client):
    now = timezone.now()
    publish(now=now - timedelta(days=10))
    version = publish(now=now - timedelta(days=1), text="Texte accepté.")
    client.force_login(UserFactory())
    client.post(
        reverse("legal:cgu_gate"),
        {"version": version.pk, "accept": "on"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/140.0",
    )
    acceptance = CGUAcceptance.objects.get()
    assert acceptance.version == version
    assert acceptance.version_hash == version.text_hash
    assert acceptance.ip_address == "203.0.113.7"
    assert acceptance.user_agent == "Mozilla/5.0 (X11; Linux) Firefox/140.0"
    assert abs(acceptance.accepted_at - timezone.now()) < timedelta(minutes=1)


def test_signing_up_records_the_acceptance_of_the_version_in_force(client):
    version = publish(now=timezone.now() - timedelta(days=1))
    client.post(
        reverse("account_signup"),
        signup_data(cgu_version=str(version.pk)),
        REMOTE_ADDR="198.51.100.20",
        HTTP_USER_AGENT="Navigateur d'inscription",
    )
    user = User.objects.get(email="claire.durand@transports-durand.fr")
    acceptance = CGUAcceptance.objects.get(user=user)
    assert acceptance.version == version
    assert acceptance.context == CGUAcceptance.Context.SIGNUP
    assert acceptance.ip_address == "198.51.100.20"
    assert acceptance.user_agent == "Navigateur d'inscription"
    assert acceptance.version_hash == version.text_hash


def test_signing_up_with_no_version_in_force_records_nothing(client):
    client.post(reverse("account_signup"), signup_data())
    assert User.objects.filter(email="claire.durand@transports-durand.fr").exists()
    assert not CGUAcceptance.objects.exists()


def test_the_signup_page_links_the_version_in_force_and_keeps_every_field(client):
    version = publish(now=timezone.now() - timedelta(days=1), label="Mars 2027")
    response = client.get(reverse("account_signup"))
    assert reverse("legal:cgu_version", args=[version.pk]) in response.text
    assert "Mars 2027" in response.text
    for name in [
        "email",
        "password1",
        "password2",
        "first_name",
        "last_name",
        "siret",
        "organisation_kind",
        "organisation_name",
        "declaration",
        "accept_cgu",
    ]:
        assert f'name="{name}"' in response.text
    assert 'name="accept_cgu"' in response.text and "checked" not in response.text


@pytest.mark.parametrize(
    ("count", "forwarded", "remote", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1", "10.0.0.1"),
        (1, "6.6.6.6, 1.1.1.1", "10.0.0.1", "1.1.1.1"),
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "10.0.0.1", "1.1.1.1"),
        # Shorter than the trusted chain: not from our proxies, the header is forged.
        (2, "1.1.1.1", "10.0.0.1", "10.0.0.1"),
        (1, "not-an-ip", "10.0.0.1", "10.0.0.1"),
    ],
)
def test_the_client_ip_trusts_only_the_configured_number_of_proxies(
    count, forwarded, remote, expected
):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_ip(request) == expected


def test_an_acceptance_cannot_be_updated():
    version = publish(now=timezone.now())
    user = UserFactory()
    CGUAcceptance.objects.create(
        user=user,
        version=version,
        version_hash=version.text_hash,
        accepted_at=timezone.now(),
        context="signup",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CGUAcceptance.objects.update(ip_address="127.0.0.1")


def test_deleting_an_account_removes_its_acceptances_and_consents_but_not_the_version():
    staff = UserFactory(is_staff=True)
    version = publish(now=timezone.now(), actor=staff)
    user = UserFactory()
    CGUAcceptance.objects.create(
        user=user,
        version=version,
        version_hash=version.text_hash,
        accepted_at=timezone.now(),
        context="signup",
    )
    ConsentRecord.objects.create(
        user=user, categories={"audience": True}, notice_version="1", recorded_at=timezone.now()
    )
    user.delete()
    staff.delete()
    assert not CGUAcceptance.objects.exists()
    assert not ConsentRecord.objects.exists()
    version.refresh_from_db()
    assert version.published_by is None
    assert version.is_intact
