"""Client IP from a configured number of trusted proxies; per-IP rate limits use it."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.security import client_ip

from .conftest import sign_in

WRONG = "pas le bon mot de passe"


def request_with(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxy_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_with(forwarded="203.0.113.9")) == "10.0.0.1"


def test_with_one_proxy_the_address_it_saw_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_with(forwarded="203.0.113.9")) == "203.0.113.9"


def test_addresses_forged_by_the_client_are_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "1.2.3.4"; our proxy appended the address it really saw.
    assert client_ip(request_with(forwarded="1.2.3.4, 203.0.113.9")) == "203.0.113.9"


def test_two_proxies_take_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_with(forwarded="1.2.3.4, 203.0.113.9, 10.1.1.1")) == "203.0.113.9"


def test_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_with(forwarded="203.0.113.9")) == "10.0.0.1"


def test_garbage_in_the_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_with(forwarded="not-an-ip")) == "10.0.0.1"


@pytest.mark.django_db
def test_per_ip_limit_cannot_be_dodged_by_forging_the_header(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = 3
    for n in range(3):
        sign_in(client, f"inconnu{n}@example.fr", WRONG)
    response = client.post(
        reverse("account_login"),
        {"login": "inconnu9@example.fr", "password": WRONG},
        HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
    )
    assert "Too many" in response.text or "Trop de" in response.text


@pytest.mark.django_db
def test_per_ip_limit_counts_each_client_behind_the_proxy_separately(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = 3
    for n in range(3):
        client.post(
            reverse("account_login"),
            {"login": f"inconnu{n}@example.fr", "password": WRONG},
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    blocked = client.post(
        reverse("account_login"),
        {"login": "inconnu8@example.fr", "password": WRONG},
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    other = client.post(
        reverse("account_login"),
        {"login": "inconnu9@example.fr", "password": WRONG},
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert "Trop de" in blocked.text or "Too many" in blocked.text
    assert "Trop de" not in other.text and "Too many" not in other.text
