"""Notices: outbox sent after commit, clock from the provider's acceptance, failures."""

import smtplib
from unittest import mock

import pytest
from anymail.exceptions import AnymailRecipientsRefused
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail

from accounts.models import AccountState, User
from lifecycle import services
from lifecycle.models import DeactivationReason, JournalEntry, Notice
from lifecycle.notices import french_date
from lifecycle.selectors import review_queue
from lifecycle.tasks import notice_send

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db
SEND = "django.core.mail.message.EmailMessage.send"


def deactivate(run, user, at, reason=DeactivationReason.OPCO):
    return run(services.account_deactivate, at=at, user=user, actor=None, now=at, reason=reason)


def test_notice_is_not_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.account_deactivate(
            user=user, actor=None, now=paris(2027, 3, 10), reason=DeactivationReason.OPCO
        )
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_clock_starts_when_the_provider_accepted_the_notice_not_when_decided(run, time_machine):
    user = UserFactory()
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("down")):
        deactivate(run, user, paris(2027, 3, 10, 23, 50))
    user.refresh_from_db()
    assert user.notice_sent_at is None
    # The provider is back after midnight: the clock counts from 11 March.
    time_machine.move_to(paris(2027, 3, 11, 0, 20), tick=False)
    notice_send.delay(Notice.objects.get().pk)
    user.refresh_from_db()
    assert user.notice_sent_at == paris(2027, 3, 11, 0, 20)
    assert services.step_deadline(user) == paris(2027, 3, 27, 0, 0)
    assert "le 27 mars 2027" in mail.outbox[0].subject


def test_email_is_french_html_and_text_with_the_exact_dates(run):
    user = UserFactory(first_name="Camille")
    deactivate(run, user, paris(2027, 3, 10, 14, 5), reason=DeactivationReason.ORG_ADMIN)
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Bonjour Camille" in message.body
    assert "supprimé définitivement le 26 mars 2027" in message.body
    assert "d'ici le 25 mars 2027 (inclus)" in message.body
    assert "relation-client@opcomobilites.fr" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "26 mars 2027" in html


def test_first_of_the_month_is_written_1er():
    from datetime import date

    assert french_date(date(2027, 3, 1)) == "1er mars 2027"
    assert french_date(date(2027, 3, 26)) == "26 mars 2027"


def test_provider_failing_then_recovering_sends_exactly_one_notice(run, sweep, time_machine):
    user = UserFactory()
    failures = [smtplib.SMTPServerDisconnected("down")] * 20
    real_send = mail.EmailMessage.send

    def flaky(self, *args, **kwargs):
        if failures:
            raise failures.pop()
        return real_send(self, *args, **kwargs)

    with mock.patch(SEND, flaky):
        deactivate(run, user, paris(2027, 3, 10, 14, 5))
        notice = Notice.objects.get()
        assert notice.status == Notice.Status.PENDING
        assert notice.attempts >= 1
        # Retries ran out; the provider recovers; the hourly sweep picks the notice up.
        failures.clear()
        sweep(paris(2027, 3, 10, 15, 0))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.ACCEPTED
    assert len(mail.outbox) == 1
    user.refresh_from_db()
    assert user.notice_sent_at == paris(2027, 3, 10, 15, 0)
    sweep(paris(2027, 3, 10, 16, 0))
    assert len(mail.outbox) == 1


def test_refused_notice_stops_the_clock_and_enters_the_review_queue(run, sweep):
    user = UserFactory()
    with mock.patch(SEND, side_effect=AnymailRecipientsRefused("refused")):
        deactivate(run, user, paris(2027, 3, 10, 14, 5))
    user.refresh_from_db()
    assert user.notice_failed_at == paris(2027, 3, 10, 14, 5)
    assert list(review_queue()) == [user]
    assert Notice.objects.get().status == Notice.Status.REFUSED
    sweep(paris(2027, 6, 1))
    assert User.objects.filter(pk=user.pk).exists()


def test_hard_bounce_reported_by_webhook_stops_the_clock(run, sweep):
    user = UserFactory()
    deactivate(run, user, paris(2027, 3, 10, 14, 5))
    notice = Notice.objects.get()
    Notice.objects.filter(pk=notice.pk).update(message_id="msg-1")
    event = AnymailTrackingEvent(
        event_type="bounced", message_id="msg-1", timestamp=paris(2027, 3, 10, 14, 7)
    )
    tracking.send(sender=object, event=event, esp_name="Brevo")
    user.refresh_from_db()
    assert user.notice_failed_at == paris(2027, 3, 10, 14, 7)
    assert JournalEntry.objects.filter(user=user, action="notice_bounced").exists()
    sweep(paris(2027, 3, 26, 0, 1))
    assert User.objects.filter(pk=user.pk).exists()


def test_a_setting_lets_deletion_proceed_without_the_notice(run, sweep, settings):
    settings.LIFECYCLE_PROCEED_WITHOUT_NOTICE = True
    user = UserFactory()
    with mock.patch(SEND, side_effect=AnymailRecipientsRefused("refused")):
        deactivate(run, user, paris(2027, 3, 10, 14, 5))
    sweep(paris(2027, 3, 26, 0, 1))
    assert not User.objects.filter(pk=user.pk).exists()


def test_notice_of_an_ended_step_is_cancelled_not_sent(run, time_machine):
    user = UserFactory()
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("down")):
        deactivate(run, user, paris(2027, 3, 10, 14, 5))
    services.account_reactivate(user=user, actor=None, now=paris(2027, 3, 10, 15, 0))
    notice_send.delay(Notice.objects.get().pk)
    assert mail.outbox == []
    assert Notice.objects.get().status == Notice.Status.CANCELLED


def test_resending_from_the_review_queue_restarts_the_clock_on_acceptance(run):
    from lifecycle.notices import notice_resend

    user = UserFactory()
    agent = UserFactory(is_staff=True)
    with mock.patch(SEND, side_effect=AnymailRecipientsRefused("refused")):
        deactivate(run, user, paris(2027, 3, 10, 14, 5))
    run(
        notice_resend,
        at=paris(2027, 3, 12, 9, 0),
        user=user,
        actor=agent,
        now=paris(2027, 3, 12, 9, 0),
    )
    user.refresh_from_db()
    assert user.notice_failed_at is None
    assert user.notice_sent_at == paris(2027, 3, 12, 9, 0)
    assert user.state == AccountState.DEACTIVATED
    assert len(mail.outbox) == 1
