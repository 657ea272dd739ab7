"""Notices exactly once as far as the provider lets us, and the outbox at volume.

- A worker killed between the provider's acceptance and our bookkeeping leaves the
  notice "in doubt" (its attempt and Message-ID were committed first): it is
  reconciled (provider lookup, or a tracking event), never blindly sent again.
- The outbox dispatcher sends at LIFECYCLE_NOTICE_RATE messages per second and
  each notice's clock starts at its own acceptance: waiting in the outbox never
  shortens anyone's 15 days.
"""

import itertools
from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.test import override_settings

from accounts.models import User
from lifecycle import calendar, notices, services
from lifecycle.models import DeactivationReason, Notice

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOOKUP = "tests.lifecycle.test_notice_outbox.outbox_lookup"


PROVIDER_LOG: dict[str, object] = {}
self_clock: dict[str, object] = {"at": None}  # the provider's clock


def outbox_lookup(*, message_id):
    """A provider that can tell when it took a message (its log of Message-IDs)."""
    return PROVIDER_LOG.get(message_id)


class Clock:
    """A clock the dispatcher reads and its ``sleep`` advances (no real waiting)."""

    def __init__(self, at):
        self.at = at
        self.slept = 0.0

    def __call__(self):
        return self.at

    def sleep(self, seconds):
        self.slept += seconds
        self.at += timedelta(seconds=seconds)


def pending_deactivation(at):
    user = UserFactory()
    services.account_deactivate(user=user, actor=None, now=at, reason=DeactivationReason.OPCO)
    return user, Notice.objects.get(user=user)


@pytest.fixture
def killed_after_acceptance(monkeypatch):
    """The worker dies right after the provider accepted: before ``notice_accept`` runs."""
    real_send = mail.EmailMessage.send

    def send_then_note(self, *args, **kwargs):
        result = real_send(self, *args, **kwargs)
        PROVIDER_LOG[self.extra_headers["Message-ID"]] = self_clock["at"]
        return result

    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(mail.EmailMessage, "send", send_then_note)
    monkeypatch.setattr(notices, "notice_accept", killed)

    def _undo():
        monkeypatch.setattr(notices, "notice_accept", real_accept)

    PROVIDER_LOG.clear()
    return _undo


real_accept = notices.notice_accept


def crash_after_acceptance(notice, at, killed_after_acceptance):
    self_clock["at"] = at
    with pytest.raises(SystemExit):
        notices.notice_deliver(notice_id=notice.pk, clock=lambda: at)
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PENDING
    assert notice.send_started_at == at
    assert notice.attempt_message_id == mail.outbox[0].extra_headers["Message-ID"]


@override_settings(LIFECYCLE_NOTICE_PROVIDER_LOOKUP=LOOKUP)
def test_worker_killed_after_acceptance_sends_exactly_one_mail(killed_after_acceptance):
    at = paris(2027, 3, 10, 14, 0)
    user, notice = pending_deactivation(at)
    crash_after_acceptance(notice, at, killed_after_acceptance)
    killed_after_acceptance()  # the worker restarts
    # The claim (10 min) has run out: the dispatcher, every minute, picks it up.
    later = Clock(at + timedelta(minutes=11))
    counts = notices.notices_dispatch(clock=later, sleep=later.sleep)
    assert counts == {"reconciled": 1}
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    user.refresh_from_db()
    assert notice.status == Notice.Status.ACCEPTED
    # The clock starts at the provider's acceptance, not at the reconciliation.
    assert notice.accepted_at == at
    assert user.notice_sent_at == at
    assert services.step_deadline(user) == paris(2027, 3, 26)


def test_without_a_lookup_a_notice_in_doubt_waits_for_the_provider_event(
    killed_after_acceptance,
):
    at = paris(2027, 3, 10, 14, 0)
    user, notice = pending_deactivation(at)
    crash_after_acceptance(notice, at, killed_after_acceptance)
    killed_after_acceptance()
    later = Clock(at + timedelta(minutes=11))
    assert notices.notices_dispatch(clock=later, sleep=later.sleep) == {"in_doubt": 1}
    assert len(mail.outbox) == 1
    # The provider's "delivered" event names our Message-ID (and carries our metadata).
    sent = mail.outbox[0]
    event = AnymailTrackingEvent(
        event_type="delivered",
        timestamp=at + timedelta(seconds=3),
        message_id="provider-id-1",
        metadata=sent.metadata,
    )
    tracking.send(sender=object, event=event, esp_name="Brevo")
    notice.refresh_from_db()
    user.refresh_from_db()
    assert notice.status == Notice.Status.ACCEPTED
    assert notice.message_id == "provider-id-1"  # later bounces match it
    assert user.notice_sent_at == at + timedelta(seconds=3)
    assert notices.notices_dispatch(clock=later, sleep=later.sleep) == {}
    assert len(mail.outbox) == 1


def test_a_notice_in_doubt_with_no_word_after_the_doubt_delay_is_sent_again(
    killed_after_acceptance, settings
):
    settings.LIFECYCLE_NOTICE_DOUBT_SECONDS = 3600
    at = paris(2027, 3, 10, 14, 0)
    user, notice = pending_deactivation(at)
    crash_after_acceptance(notice, at, killed_after_acceptance)
    killed_after_acceptance()
    early = Clock(at + timedelta(minutes=59))
    assert notices.notices_dispatch(clock=early, sleep=early.sleep) == {"in_doubt": 1}
    assert len(mail.outbox) == 1
    late = Clock(at + timedelta(minutes=61))
    assert notices.notices_dispatch(clock=late, sleep=late.sleep) == {"accepted": 1}
    assert len(mail.outbox) == 2  # a second mail rather than none: the notice is owed
    user.refresh_from_db()
    assert user.notice_sent_at == at + timedelta(minutes=61)


@override_settings(LIFECYCLE_NOTICE_PROVIDER_LOOKUP=LOOKUP)
def test_a_provider_that_never_took_the_message_gets_it_again(monkeypatch):
    at = paris(2027, 3, 10, 14, 0)
    _user, notice = pending_deactivation(at)

    def dies_before_the_provider(self, *args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(mail.EmailMessage, "send", dies_before_the_provider)
        with pytest.raises(SystemExit):
            notices.notice_deliver(notice_id=notice.pk, clock=lambda: at)
    later = Clock(at + timedelta(minutes=11))
    assert notices.notices_dispatch(clock=later, sleep=later.sleep) == {"accepted": 1}
    assert len(mail.outbox) == 1


def test_dispatcher_sends_at_the_configured_rate():
    at = paris(2027, 3, 10, 14, 0)
    for _ in range(30):
        pending_deactivation(at)
    clock = Clock(at)
    counts = notices.notices_dispatch(clock=clock, sleep=clock.sleep, rate=10, budget_seconds=60)
    assert counts == {"accepted": 30}
    accepted = list(Notice.objects.order_by("accepted_at").values_list("accepted_at", flat=True))
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(accepted)]
    assert min(gaps) >= 0.1 - 1e-6
    assert (accepted[-1] - accepted[0]).total_seconds() >= 2.9 - 1e-6


def test_dispatcher_stops_at_its_budget_and_the_next_run_goes_on():
    at = paris(2027, 3, 10, 14, 0)
    for _ in range(12):
        pending_deactivation(at)
    clock = Clock(at)
    first = notices.notices_dispatch(clock=clock, sleep=clock.sleep, rate=1, budget_seconds=5)
    assert first == {"accepted": 5}
    second = notices.notices_dispatch(clock=clock, sleep=clock.sleep, rate=1, budget_seconds=60)
    assert second == {"accepted": 7}
    assert not Notice.objects.filter(status=Notice.Status.PENDING).exists()


def test_a_throttled_notice_counts_its_15_days_from_its_own_acceptance():
    """Queued at 23:59:50; at 1 message a second the last ones are accepted after
    midnight: their deletion falls a day later, and their email says so."""
    queued = paris(2027, 3, 10, 23, 59, 50)
    users = [pending_deactivation(queued)[0] for _ in range(20)]
    clock = Clock(queued)
    notices.notices_dispatch(clock=clock, sleep=clock.sleep, rate=1, budget_seconds=60)
    for user in User.objects.filter(pk__in=[u.pk for u in users]):
        notice = Notice.objects.get(user=user)
        assert user.notice_sent_at == notice.accepted_at
        assert services.step_deadline(user) == calendar.notice_deadline(notice.accepted_at)
        assert services.step_deadline(user) >= notice.stated_deadline
    first = User.objects.get(pk=users[0].pk)
    last = User.objects.get(pk=users[-1].pk)
    assert services.step_deadline(first) == paris(2027, 3, 26)
    assert services.step_deadline(last) == paris(2027, 3, 27)
    assert "27 mars 2027" in mail.outbox[-1].body


def test_only_one_dispatcher_runs_at_a_time():
    at = paris(2027, 3, 10, 14, 0)
    pending_deactivation(at)
    assert notices._dispatch_lease(now=at, seconds=110)
    clock = Clock(at + timedelta(seconds=30))
    assert notices.notices_dispatch(clock=clock, sleep=clock.sleep) == {"locked_out": 1}
    assert mail.outbox == []


def test_beat_drains_the_outbox_every_minute_and_the_broker_gives_back_work_before_the_claim_ends(
    settings,
):
    entry = settings.CELERY_BEAT_SCHEDULE["lifecycle-notices-dispatch"]
    assert entry["task"] == "lifecycle.tasks.notices_dispatch_task"
    assert entry["schedule"] <= 60
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    from config.settings.base import broker_transport_options

    options = broker_transport_options("redis://127.0.0.1:6379/0", {})
    assert options["visibility_timeout"] < settings.LIFECYCLE_NOTICE_CLAIM_SECONDS
    assert options["visibility_timeout"] > settings.LIFECYCLE_NOTICE_RETRY_MAX_COUNTDOWN


@override_settings(LIFECYCLE_SWEEP_CHUNK_SIZE=2)
def test_a_sweeps_notices_go_through_the_rate_limited_dispatcher_one_task_per_chunk(
    django_capture_on_commit_callbacks, time_machine
):
    """Five accounts due a warning in chunks of two: three chunks, so three requests to
    the dispatcher and no sending task per notice (those would bypass the rate). The
    dispatcher then sends all five at its rate."""
    from celery.signals import before_task_publish

    from config.celery import app
    from lifecycle.sweep import lifecycle_sweep

    at = paris(2027, 6, 1, 10, 0)
    for _ in range(5):
        UserFactory(date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 1))
    published = []

    def record(sender=None, **kwargs):
        published.append(sender)

    app.conf.task_always_eager = False  # through the (in-memory) broker, not run here
    before_task_publish.connect(record)
    try:
        time_machine.move_to(at, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            summary = lifecycle_sweep(now=at)
    finally:
        before_task_publish.disconnect(record)
    assert len(summary.warned) == 5
    assert published == ["lifecycle.tasks.notices_dispatch_task"] * 3
    assert mail.outbox == []
    clock = Clock(at)
    counts = notices.notices_dispatch(clock=clock, sleep=clock.sleep, rate=1, budget_seconds=60)
    assert counts == {"accepted": 5}
    assert clock.slept >= 4 - 1e-6
    assert len(mail.outbox) == 5
