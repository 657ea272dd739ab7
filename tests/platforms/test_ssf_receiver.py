"""The demo platform's SET verification refuses what a receiver must refuse.

RFC 8417 §2.3 (explicit ``typ``), §4 (confusion with other JWTs); SSF 1.0
"The iss Claim", "The aud Claim", "The exp Claim", "SSF Event Subject";
RFC 9493 §3.2.3 (``iss_sub``); RFC 8935 §2.4 error codes.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from platforms import app_settings as platform_settings
from platforms.logout import logout_token_encode
from platforms.ssf import events, services
from platforms.ssf.models import StreamEvent
from platforms.ssf.tasks import ssf_events_prune

from .factories import grant, verified_user
from .ssf_support import jwks, load_demo_receiver, make_stream

pytestmark = pytest.mark.django_db
demo = load_demo_receiver()


@pytest.fixture
def payload(platform, oidc_client):
    stream = make_stream(platform)
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    services.ssf_events_enqueue(
        event_type=events.ACCOUNT_DISABLED, user_ids=[user.pk], now=timezone.now()
    )
    return StreamEvent.objects.get(stream=stream).payload


def verify(token, platform):
    return demo.verify_set(
        token, jwks=jwks(), issuer=platform_settings.issuer(), audience=platform.oidc_client_id
    )


def test_a_genuine_set_verifies(payload, platform):
    claims = verify(services.set_encode(payload), platform)
    assert events.ACCOUNT_DISABLED in claims["events"]


@pytest.mark.parametrize(
    ("change", "err"),
    [
        ({"aud": "another-platform"}, "invalid_audience"),
        ({"iss": "https://evil.example"}, "invalid_issuer"),
        ({"sub": "4711"}, "invalid_request"),
        ({"exp": 4102444800}, "invalid_request"),
        ({"events": {}}, "invalid_request"),
        ({"sub_id": {"format": "email", "email": "x@example.fr"}}, "invalid_request"),
        ({"jti": None}, "invalid_request"),
    ],
)
def test_a_set_with_a_wrong_claim_is_refused(payload, platform, change, err):
    bad = {**payload, **change}
    bad = {k: v for k, v in bad.items() if v is not None}

    with pytest.raises(demo.InvalidSET) as refused:
        verify(services.set_encode(bad), platform)
    assert refused.value.err == err


def test_another_kind_of_jwt_signed_by_the_same_key_is_refused(platform, oidc_client):
    """A logout token (typ logout+jwt) must not pass for a SET (RFC 8417 §4.5)."""
    token = logout_token_encode(
        client_id=platform.oidc_client_id, sub="1", jti="x", now=timezone.now()
    )
    with pytest.raises(demo.InvalidSET):
        verify(token, platform)


def test_a_tampered_set_is_refused(payload, platform):
    head, body, signature = services.set_encode(payload).split(".")
    forged = services.set_encode({**payload, "jti": "other"}).split(".")[1]

    with pytest.raises(demo.InvalidSET) as refused:
        verify(".".join([head, forged, signature]), platform)
    assert refused.value.err == "invalid_key"
    assert body != forged


def test_delivered_events_are_pruned_after_their_retention(payload, time_machine):
    event = StreamEvent.objects.get()
    now = timezone.now()
    StreamEvent.objects.filter(pk=event.pk).update(delivered_at=now)
    pending = StreamEvent.objects.create(
        stream=event.stream,
        jti="pending",
        event_type=event.event_type,
        subject="1",
        payload=event.payload,
        created_at=now,
    )

    time_machine.move_to(now + timedelta(days=29), tick=False)
    assert ssf_events_prune() == 0
    time_machine.move_to(now + timedelta(days=31), tick=False)
    assert ssf_events_prune() == 1
    assert list(StreamEvent.objects.all()) == [pending]


def test_beat_re_picks_streams_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ssf-push-due"]
    assert entry["task"] == "platforms.ssf.tasks.ssf_push_due"
    assert "*" in str(entry["schedule"]._orig_minute)
