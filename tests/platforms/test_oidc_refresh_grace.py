"""Refresh-token rotation with a grace window (issue 12, item 5; RFC 9700 §4.14.2).

A client that lost the response of a refresh (network cut, two tabs) presents
the old refresh token again: within ``PLATFORMS_OIDC_REFRESH_GRACE_SECONDS``
it gets the very pair already issued; afterwards, that is a reuse and the
whole family is revoked.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from .factories import grant, verified_user
from .oidc_helpers import code_for, exchange, refresh

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def tokens(client, platform, client_and_secret, settings):
    settings.PLATFORMS_OIDC_REFRESH_GRACE_SECONDS = 5
    oidc_client, secret = client_and_secret
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    with time_machine.travel(T0, tick=False):
        client.force_login(user)
        return exchange(client, oidc_client, secret, code_for(client, oidc_client)).json()


def test_old_refresh_token_within_the_window_gets_the_same_new_pair(
    client, client_and_secret, tokens
):
    """Idempotent retry: same access token, same refresh token, nothing new issued."""
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        first = refresh(client, oidc_client, secret, tokens["refresh_token"])
    with time_machine.travel(T0 + timedelta(minutes=20, seconds=4), tick=False):
        again = refresh(client, oidc_client, secret, tokens["refresh_token"])

    assert first.status_code == again.status_code == 200
    assert again.json()["access_token"] == first.json()["access_token"]
    assert again.json()["refresh_token"] == first.json()["refresh_token"]
    assert again["Cache-Control"] == "no-store"


def test_old_refresh_token_after_the_window_revokes_the_family(client, client_and_secret, tokens):
    """Past the window, reuse: refused, and the new refresh token dies with it."""
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        first = refresh(client, oidc_client, secret, tokens["refresh_token"]).json()
    with time_machine.travel(T0 + timedelta(minutes=20, seconds=6), tick=False):
        late = refresh(client, oidc_client, secret, tokens["refresh_token"])
        current = refresh(client, oidc_client, secret, first["refresh_token"])

    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"
    assert current.status_code == 400


def test_the_window_closes_once_the_new_refresh_token_is_used(client, client_and_secret, tokens):
    """Once the client has moved on to the new token, the old one is a reuse at once."""
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        first = refresh(client, oidc_client, secret, tokens["refresh_token"]).json()
        second = refresh(client, oidc_client, secret, first["refresh_token"]).json()
        stale = refresh(client, oidc_client, secret, tokens["refresh_token"])
        newest = refresh(client, oidc_client, secret, second["refresh_token"])

    assert stale.status_code == 400
    assert newest.status_code == 400


def test_the_pair_is_replayed_only_to_the_authenticated_client(client, client_and_secret, tokens):
    """RFC 6749 §6: a refresh needs the client's authentication, replay included."""
    oidc_client, secret = client_and_secret
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        refresh(client, oidc_client, secret, tokens["refresh_token"])
        forged = refresh(client, oidc_client, "not-the-secret", tokens["refresh_token"])

    assert forged.status_code == 401
    assert "access_token" not in forged.json()
