"""The transmitter's HTTP endpoints: metadata, stream management, verification, poll.

OpenID Shared Signals Framework 1.0: "Transmitter Configuration Metadata" and
"Obtaining Transmitter Configuration Metadata" (/.well-known/ssf-configuration),
"Authorization scheme" (OAuth bearer, client credentials RFC 6749 §4.4),
"Stream Configuration" (create, read, update, replace, delete), "Stream
Status", "Verification". RFC 8936 §2 (poll: ``maxEvents``,
``returnImmediately``, ``ack``, ``setErrs``, ``sets``, ``moreAvailable``).
"""

from datetime import timedelta

import pytest
import time_machine
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Token
from django.test import Client
from django.utils import timezone

from accounts.models import DeactivationReason
from lifecycle.services import account_deactivate, account_reactivate
from platforms import app_settings as platform_settings
from platforms.ssf import events
from platforms.ssf.models import Stream, StreamEvent
from platforms.ssf.services import set_encode

from .factories import grant, register_client, verified_user
from .ssf_support import decode_set, make_stream
from .test_activity_api import client_credentials_token

pytestmark = pytest.mark.django_db
PUSH_CONFIG = {
    "delivery": {"method": events.PUSH, "endpoint_url": "https://rp.example.test/ssf/events"},
    "events_requested": [events.ACCOUNT_DISABLED, events.ACCOUNT_PURGED, "urn:unknown"],
    "description": "M-Gestion",
}


@pytest.fixture
def bearer(client, client_and_secret):
    oidc_client, secret = client_and_secret
    return {
        "HTTP_AUTHORIZATION": f"Bearer {client_credentials_token(client, oidc_client, secret)}"
    }


def member(platform):
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    return user


def test_metadata_is_published_under_the_issuer():
    """SSF 1.0 "Transmitter Configuration Response": issuer identical to the SETs' iss."""
    data = Client().get("/.well-known/ssf-configuration").json()

    issuer = platform_settings.issuer()
    assert data["issuer"] == issuer and data["spec_version"] == "1_0"
    assert data["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert data["delivery_methods_supported"] == [events.PUSH, events.POLL]
    assert data["configuration_endpoint"] == f"{issuer}/ssf/stream"
    assert data["status_endpoint"] == f"{issuer}/ssf/status"
    assert data["verification_endpoint"] == f"{issuer}/ssf/verify"
    assert data["authorization_schemes"] == [{"spec_urn": "urn:ietf:rfc:6749"}]


@pytest.mark.parametrize("path", ["/ssf/stream", "/ssf/status", "/ssf/verify", "/ssf/poll"])
def test_management_endpoints_require_the_platforms_client_credentials_token(
    client, path, oidc_client
):
    """SSF 1.0 Management API: standard HTTP authorization; RFC 6750 §3 challenge."""
    response = client.post(path, {}, content_type="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_user_access_token_does_not_open_the_stream(client, platform, oidc_client):
    """Only the client credentials grant names the receiver; a user's token does not."""
    user = verified_user()
    Token.objects.create(
        client=oidc_client,
        user=user,
        type=Token.Type.ACCESS_TOKEN,
        hash=get_adapter().hash_token("user-token"),
        expires_at=timezone.now() + timedelta(hours=1),
    )

    response = client.get("/ssf/stream", HTTP_AUTHORIZATION="Bearer user-token")

    assert response.status_code == 401


def test_create_read_update_delete_a_stream(client, platform, bearer):
    """SSF 1.0 "Creating a Stream", "Reading", "Updating", "Replacing", "Deleting"."""
    created = client.post("/ssf/stream", PUSH_CONFIG, content_type="application/json", **bearer)
    assert created.status_code == 201
    config = created.json()
    assert config["iss"] == platform_settings.issuer()
    assert config["aud"] == platform.oidc_client_id
    assert config["events_requested"] == [events.ACCOUNT_DISABLED, events.ACCOUNT_PURGED]
    assert config["events_delivered"] == [events.ACCOUNT_DISABLED, events.ACCOUNT_PURGED]
    stream_id = config["stream_id"]

    again = client.post("/ssf/stream", PUSH_CONFIG, content_type="application/json", **bearer)
    assert again.status_code == 409  # one stream per platform

    read = client.get(f"/ssf/stream?stream_id={stream_id}", **bearer)
    assert read.json() == config
    assert client.get("/ssf/stream", **bearer).json() == [config]

    patched = client.patch(
        "/ssf/stream",
        {"stream_id": stream_id, "description": "autre"},
        content_type="application/json",
        **bearer,
    ).json()
    assert patched["description"] == "autre"
    assert patched["delivery"] == config["delivery"]

    replaced = client.put(
        "/ssf/stream",
        {"stream_id": stream_id, "delivery": {"method": events.POLL}},
        content_type="application/json",
        **bearer,
    ).json()
    assert replaced["delivery"] == {
        "method": events.POLL,
        "endpoint_url": f"{platform_settings.issuer()}/ssf/poll",
    }
    assert replaced["events_delivered"] == events.SUPPORTED  # nothing requested: all
    assert "description" not in replaced

    assert client.delete(f"/ssf/stream?stream_id={stream_id}", **bearer).status_code == 204
    assert not Stream.objects.exists()
    assert client.get(f"/ssf/stream?stream_id={stream_id}", **bearer).status_code == 404


def test_a_bad_stream_configuration_is_refused_in_french_and_changes_nothing(client, bearer):
    response = client.post(
        "/ssf/stream",
        {"delivery": {"method": events.PUSH, "endpoint_url": "ftp://x"}},
        content_type="application/json",
        **bearer,
    )

    assert response.status_code == 400
    assert "adresse http(s)" in response.json()["description"]
    assert not Stream.objects.exists()


def test_another_platform_cannot_see_or_touch_this_stream(
    client, platform, other_platform, bearer
):
    mine = make_stream(platform)
    other_client, secret = register_client(other_platform, backchannel=False)
    token = client_credentials_token(client, other_client, secret)
    theirs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    assert client.get(f"/ssf/stream?stream_id={mine.stream_id}", **theirs).status_code == 404
    assert client.delete(f"/ssf/stream?stream_id={mine.stream_id}", **theirs).status_code == 404
    assert Stream.objects.filter(pk=mine.pk).exists()


def test_status_read_and_update(client, platform, bearer):
    """SSF 1.0 "Reading a Stream's Status", "Updating a Stream's Status"."""
    stream = make_stream(platform)

    assert client.get(f"/ssf/status?stream_id={stream.stream_id}", **bearer).json() == {
        "stream_id": stream.stream_id,
        "status": "enabled",
    }
    updated = client.post(
        "/ssf/status",
        {"stream_id": stream.stream_id, "status": "paused", "reason": "maintenance"},
        content_type="application/json",
        **bearer,
    )
    assert updated.json() == {
        "stream_id": stream.stream_id,
        "status": "paused",
        "reason": "maintenance",
    }
    bad = client.post(
        "/ssf/status",
        {"stream_id": stream.stream_id, "status": "gone"},
        content_type="application/json",
        **bearer,
    )
    assert bad.status_code == 400
    stream.refresh_from_db()
    assert stream.status == "paused"


def test_verification_queues_a_verification_event_with_the_state(client, platform, bearer):
    """SSF 1.0 "Verification": 204, then a SET whose subject is the stream (opaque)."""
    stream = make_stream(platform)
    body = {"stream_id": stream.stream_id, "state": "abc123"}

    response = client.post("/ssf/verify", body, content_type="application/json", **bearer)

    assert response.status_code == 204
    event = StreamEvent.objects.get()
    claims = decode_set(
        set_encode(event.payload),
        audience=platform.oidc_client_id,
        issuer=platform_settings.issuer(),
    )
    assert claims["sub_id"] == {"format": "opaque", "id": stream.stream_id}
    assert claims["events"] == {events.VERIFICATION: {"state": "abc123"}}
    too_soon = client.post("/ssf/verify", body, content_type="application/json", **bearer)
    assert too_soon.status_code == 429  # min_verification_interval
    assert StreamEvent.objects.count() == 1


def poll(client, bearer, body):
    response = client.post("/ssf/poll", body, content_type="application/json", **bearer)
    assert response.status_code == 200, response.content
    return response.json()


def test_poll_returns_sets_acknowledges_them_and_honours_max_events(client, platform, bearer):
    """RFC 8936 §2.1 request, §2.2 response (sets, moreAvailable), §2.3 ack, §2.4 setErrs."""
    make_stream(platform, method=events.POLL)
    users = [member(platform) for _ in range(3)]
    now = timezone.now()
    for user in users:
        account_deactivate(user=user, actor=None, now=now, reason=DeactivationReason.OPCO)

    first = poll(client, bearer, {"maxEvents": 2, "returnImmediately": True})
    assert len(first["sets"]) == 2 and first["moreAvailable"] is True
    for jti, token in first["sets"].items():
        claims = decode_set(
            token, audience=platform.oidc_client_id, issuer=platform_settings.issuer()
        )
        assert claims["jti"] == jti

    unacked = poll(client, bearer, {"maxEvents": 2, "returnImmediately": True})
    assert unacked["sets"].keys() == first["sets"].keys()  # not acknowledged: offered again

    acked = list(first["sets"])
    rest = poll(client, bearer, {"ack": acked, "maxEvents": 10, "returnImmediately": True})
    assert len(rest["sets"]) == 1 and rest["moreAvailable"] is False
    assert StreamEvent.objects.filter(jti__in=acked, delivered_at__isnull=False).count() == 2

    [last] = rest["sets"]
    done = poll(
        client,
        bearer,
        {"maxEvents": 0, "setErrs": {last: {"err": "invalid_key", "description": "kid"}}},
    )
    assert done == {"sets": {}, "moreAvailable": False}
    assert StreamEvent.objects.get(jti=last).last_error == "invalid_key: kid"
    assert poll(client, bearer, {"returnImmediately": True})["sets"] == {}


def test_poll_offers_a_persons_next_event_only_after_the_previous_is_acknowledged(
    client, platform, bearer
):
    """Order per subject although ``sets`` is an unordered JSON object (RFC 8936 §2.2)."""
    make_stream(platform, method=events.POLL)
    user = member(platform)
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        account_deactivate(
            user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO
        )
        account_reactivate(user=user, actor=None, now=timezone.now())

    first = poll(client, bearer, {"maxEvents": 10, "returnImmediately": True})
    [jti] = first["sets"]
    assert StreamEvent.objects.get(jti=jti).event_type == events.ACCOUNT_DISABLED
    assert first["moreAvailable"] is True

    second = poll(client, bearer, {"ack": [jti], "returnImmediately": True})
    [next_jti] = second["sets"]
    assert StreamEvent.objects.get(jti=next_jti).event_type == events.ACCOUNT_ENABLED


def test_a_malformed_poll_request_is_refused_and_acknowledges_nothing(client, platform, bearer):
    make_stream(platform, method=events.POLL)
    user = member(platform)
    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)
    jti = StreamEvent.objects.get().jti

    response = client.post(
        "/ssf/poll",
        {"ack": [jti], "maxEvents": -1},
        content_type="application/json",
        **bearer,
    )

    assert response.status_code == 400
    assert "maxEvents" in response.json()["description"]
    assert StreamEvent.objects.get().delivered_at is None


def test_a_paused_poll_stream_hands_out_nothing_until_enabled(client, platform, bearer):
    """SSF 1.0 "Stream Status": paused, the transmitter holds the events."""
    stream = make_stream(platform, method=events.POLL, status=Stream.Status.PAUSED)
    user = member(platform)
    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)

    assert poll(client, bearer, {"returnImmediately": True})["sets"] == {}
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.ENABLED)
    assert len(poll(client, bearer, {"returnImmediately": True})["sets"]) == 1
