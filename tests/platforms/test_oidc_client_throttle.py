"""Throttle of failed client authentication at the token endpoint (issue 11, item 11).

Failures are counted per client id and per client IP (the same rule as the
sign-in throttle, ``accounts.security.client_ip``). Over the limit the
endpoint answers 429 with ``Retry-After`` and the ``invalid_client`` error of
RFC 6749 §5.2, without checking the secret; the window passing lifts it.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client as HttpClient

from .oidc_helpers import TOKEN_URL, basic

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PLATFORMS_OIDC_CLIENT_AUTH_FAILURE_LIMITS = {"client": (3, 60), "ip": (5, 60)}


def attempt(client_id, secret, *, ip="198.51.100.7"):
    return HttpClient(REMOTE_ADDR=ip).post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(client_id, secret),
    )


def test_a_client_id_is_throttled_after_repeated_failures_even_with_the_right_secret(
    client_and_secret,
):
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0, tick=False):
        failures = [attempt(oidc_client.id, "guess", ip=f"203.0.113.{n}") for n in range(3)]
        blocked = attempt(oidc_client.id, secret, ip="203.0.113.99")

    assert [r.status_code for r in failures] == [401, 401, 401]
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "invalid_client"
    assert "réessayez" in blocked.json()["error_description"]
    assert 0 < int(blocked["Retry-After"]) <= 60


def test_an_ip_is_throttled_across_client_ids(client_and_secret):
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            attempt(f"unknown-client-{n}", "guess")
        blocked = attempt(oidc_client.id, secret)
        elsewhere = attempt(oidc_client.id, secret, ip="198.51.100.8")

    assert blocked.status_code == 429
    assert elsewhere.status_code == 200


def test_the_throttle_lifts_when_the_window_has_passed(client_and_secret):
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            attempt(oidc_client.id, "guess")
        assert attempt(oidc_client.id, secret).status_code == 429
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert attempt(oidc_client.id, secret).status_code == 200


def test_successes_are_not_counted(client_and_secret):
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0, tick=False):
        results = [attempt(oidc_client.id, secret).status_code for _ in range(6)]

    assert results == [200] * 6


def test_a_forged_forwarded_for_does_not_choose_the_bucket(client_and_secret, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            HttpClient(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").post(
                TOKEN_URL,
                {"grant_type": "client_credentials"},
                HTTP_AUTHORIZATION=basic(f"nobody-{n}", "guess"),
            )
        blocked = attempt(oidc_client.id, secret)

    assert blocked.status_code == 429
