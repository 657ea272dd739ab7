"""Push delivery (RFC 8935): at-least-once, in order per subject, nothing lost.

RFC 8935 §2.2 (202 Accepted), §2.3 (error response: the SET is refused for
good), §4 (the transmitter retries; the receiver de-duplicates by ``jti``,
RFC 8417 §2.2).
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import DeactivationReason, SuspensionReason
from lifecycle.services import account_deactivate, account_reactivate, account_suspend
from platforms import app_settings as platform_settings
from platforms.ssf import events, services
from platforms.ssf.models import Stream, StreamEvent

from .factories import grant, verified_user
from .ssf_support import FakeReceiver, decode_set, load_demo_receiver, make_stream

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # in the past: the SETs verify today


@pytest.fixture
def stream(platform, oidc_client):
    return make_stream(platform)


def member(platform):
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    return user


def claims_of(tokens, stream):
    issuer = platform_settings.issuer()
    return [decode_set(t, audience=stream.platform.oidc_client_id, issuer=issuer) for t in tokens]


def written_order(stream) -> dict[str, list[str]]:
    order: dict[str, list[str]] = {}
    for event in StreamEvent.objects.filter(stream=stream).order_by("id"):
        order.setdefault(event.subject, []).append(event.jti)
    return order


def test_a_receiver_down_for_an_hour_gets_every_event_once_and_in_order(stream):
    """RFC 8935 §4: retried with exponential back-off until accepted, each SET once."""
    first, second = member(stream.platform), member(stream.platform)
    receiver = FakeReceiver()
    recovers_at = T0 + timedelta(hours=1)
    receiver.status = lambda r: 500 if timezone.now() < recovers_at else 202
    with time_machine.travel(T0, tick=False) as traveller:
        now = timezone.now()
        account_deactivate(user=first, actor=None, now=now, reason=DeactivationReason.OPCO)
        account_suspend(user=second, actor=None, now=now, reason=SuspensionReason.CGU_BREACH)
        account_reactivate(user=first, actor=None, now=now)
        account_deactivate(user=first, actor=None, now=now, reason=DeactivationReason.OPCO)
        expected = written_order(stream)
        for _minute in range(90):  # beat runs the re-pick every minute
            services.streams_push_due(now=timezone.now(), post=receiver)
            traveller.shift(timedelta(minutes=1))

    received = claims_of(receiver.received, stream)
    jtis = [c["jti"] for c in received]
    assert len(jtis) == len(set(jtis)) == 4
    by_subject: dict[str, list[str]] = {}
    for claims in received:
        by_subject.setdefault(claims["sub_id"]["sub"], []).append(claims["jti"])
    assert by_subject == expected
    failed_calls = receiver.calls - 4
    assert 5 <= failed_calls <= 10  # backed off exponentially: not one call a minute
    assert not StreamEvent.objects.filter(delivered_at__isnull=True).exists()
    stream.refresh_from_db()
    assert stream.failures == 0 and stream.next_attempt_at is None


def test_the_back_off_doubles_up_to_its_ceiling(stream, settings):
    settings.SSF_BACKOFF_BASE, settings.SSF_BACKOFF_MAX = 30, 900
    member_user = member(stream.platform)
    receiver = FakeReceiver()
    receiver.status = 503
    account_deactivate(user=member_user, actor=None, now=T0, reason=DeactivationReason.OPCO)
    waits = []
    now = T0
    for _ in range(7):
        services.stream_push(stream_pk=stream.pk, now=now, post=receiver)
        stream.refresh_from_db()
        waits.append((stream.next_attempt_at - now).total_seconds())
        now = stream.next_attempt_at

    assert waits == [30, 60, 120, 240, 480, 900, 900]
    assert stream.last_error == "HTTP 503"


def test_a_worker_killed_after_sending_loses_nothing_and_the_receiver_applies_it_once(
    stream, monkeypatch
):
    """At-least-once: the SET sent before the worker died is sent again, same ``jti``."""
    user = member(stream.platform)
    receiver = FakeReceiver()
    with time_machine.travel(T0, tick=False) as traveller:
        account_deactivate(
            user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO
        )
        real_mark = services._mark_delivered

        def killed(event, *, now):
            raise SystemExit("worker killed")  # after the POST, before the bookkeeping

        monkeypatch.setattr(services, "_mark_delivered", killed)
        with pytest.raises(SystemExit):
            services.stream_push(stream_pk=stream.pk, now=timezone.now(), post=receiver)
        monkeypatch.setattr(services, "_mark_delivered", real_mark)

        assert services.streams_push_due(now=timezone.now(), post=receiver) == {}  # leased
        assert services.stream_push(stream_pk=stream.pk, now=timezone.now(), post=receiver) == (
            "busy"
        )
        traveller.shift(timedelta(seconds=301))  # the dead worker's lease ran out
        services.streams_push_due(now=timezone.now(), post=receiver)

    assert len(receiver.received) == 2
    first, again = claims_of(receiver.received, stream)
    assert first["jti"] == again["jti"]
    assert StreamEvent.objects.get().delivered_at is not None

    demo = load_demo_receiver()

    class Store:
        seen_jtis: set = set()
        ended: list = []

        def seen(self, jti):
            return jti in self.seen_jtis

        def remember(self, jti):
            self.seen_jtis.add(jti)

        def end_sessions(self, sub):
            self.ended.append(sub)

        def delete_person(self, sub):
            raise AssertionError("not purged")

    receiving = demo.Receiver(Store())
    assert receiving.handle(first) and receiving.handle(again) == []
    assert Store.ended == [str(user.pk)]


def test_a_set_the_receiver_refuses_is_set_aside_and_the_next_ones_go_on(stream):
    """RFC 8935 §2.3: 400 with ``err`` means the SET is refused; not retried blindly."""
    user = member(stream.platform)
    account_suspend(user=user, actor=None, now=T0, reason=SuspensionReason.CGU_BREACH)
    services.ssf_events_enqueue(event_type=events.SESSION_REVOKED, user_ids=[user.pk], now=T0)
    receiver = FakeReceiver()
    receiver.status = lambda r: 400 if r.calls == 1 else 202

    assert services.stream_push(stream_pk=stream.pk, now=T0, post=receiver) == "delivered"

    refused, accepted = StreamEvent.objects.order_by("id")
    assert refused.rejected_at == T0 and "invalid_request" in refused.last_error
    assert accepted.delivered_at == T0
    stream.refresh_from_db()
    assert stream.failures == 0


def test_a_paused_stream_is_not_pushed_until_enabled(stream):
    """SSF 1.0 "Stream Status": a paused stream holds its events."""
    user = member(stream.platform)
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.PAUSED)
    account_deactivate(user=user, actor=None, now=T0, reason=DeactivationReason.OPCO)
    receiver = FakeReceiver()

    assert services.streams_push_due(now=T0, post=receiver) == {}
    services.stream_status_set(stream=stream, status="enabled", reason="", now=T0)
    services.streams_push_due(now=T0, post=receiver)

    assert len(receiver.received) == 1


def test_a_delivered_event_about_a_deleted_account_is_deleted(stream):
    """Data minimisation: the outbox keeps nothing about a purged person once delivered."""
    user = member(stream.platform)
    services.ssf_events_enqueue(event_type=events.ACCOUNT_PURGED, user_ids=[user.pk], now=T0)
    receiver = FakeReceiver()

    services.stream_push(stream_pk=stream.pk, now=T0, post=receiver)

    assert len(receiver.received) == 1
    assert not StreamEvent.objects.exists()
