"""Behind a proxy or a NAT (docs/reliability.md): allauth's per-IP sign-in limit
("login": 30 a minute per IP) counts each client, not the proxy, once
TRUSTED_PROXY_COUNT says how many proxies of ours are in front; a forged
X-Forwarded-For entry (left of what our proxy appended) changes nothing."""

import pytest
from django.urls import reverse

from tests.accounts.factories import MembershipFactory

from .conftest import PASSWORD, verified

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # nginx, the only peer gunicorn sees


@pytest.fixture
def member(db):
    return verified(MembershipFactory().user)


def sign_in_through_proxy(client, user, forwarded_for):
    client.logout()
    return client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def limited(response) -> bool:
    return response.status_code == 429 or (
        response.status_code == 200 and ("Trop de" in response.text or "Too many" in response.text)
    )


def test_behind_one_proxy_31_clients_sign_in_in_the_same_minute(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    responses = [sign_in_through_proxy(client, member, f"198.51.100.{n}") for n in range(1, 32)]
    assert [r.status_code for r in responses] == [302] * 31


def test_without_trusted_proxy_count_the_proxy_caps_the_whole_site_at_30(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    responses = [sign_in_through_proxy(client, member, f"198.51.100.{n}") for n in range(1, 32)]
    assert [r.status_code for r in responses[:30]] == [302] * 30
    assert limited(responses[30])


def test_a_forged_forwarded_entry_does_not_give_a_fresh_count(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # One client (203.0.113.9 as nginx saw it) writes a new address before it each time.
    responses = [
        sign_in_through_proxy(client, member, f"10.0.0.{n}, 203.0.113.9") for n in range(1, 32)
    ]
    assert [r.status_code for r in responses[:30]] == [302] * 30
    assert limited(responses[30])
