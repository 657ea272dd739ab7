"""One-off emails leave after commit through a Celery task that retries provider failures."""

from datetime import UTC, datetime

import pytest
from anymail.exceptions import AnymailRecipientsRefused
from django.core import mail
from django.db import transaction

from accounts import services
from accounts.emails import email_queue
from accounts.tasks import email_send

from .factories import OrganisationFactory, administrator_of

pytestmark = pytest.mark.django_db

MESSAGE = {"subject": "Objet", "body": "Bonjour", "to": ["camille@example.fr"]}


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_queue(**MESSAGE)
        raise RuntimeError("the change fails after the email was queued")
    assert callbacks == []
    assert mail.outbox == []


def test_email_is_not_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_queue(**MESSAGE)
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_email_whose_first_send_fails_is_retried_and_delivered_once(
    django_capture_on_commit_callbacks, provider_fails
):
    attempts = provider_fails(1)
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(**MESSAGE, html="<p>Bonjour</p>")
    assert attempts == ["Objet", "Objet"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille@example.fr"]
    assert mail.outbox[0].alternatives[0] == ("<p>Bonjour</p>", "text/html")


def test_retries_wait_longer_each_time_up_to_one_hour(provider_fails, monkeypatch):
    countdowns = []
    real_retry = email_send.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(email_send, "retry", spy)
    provider_fails(9)
    email_send.apply(kwargs=MESSAGE)
    assert countdowns == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_retries_are_bounded_then_the_email_is_given_up(settings, provider_fails):
    settings.ACCOUNTS_EMAIL_MAX_RETRIES = 2
    attempts = provider_fails(100)
    result = email_send.apply(kwargs=MESSAGE)
    assert result.get() == "given_up"
    assert len(attempts) == 3
    assert mail.outbox == []


def test_a_redelivered_task_does_not_send_the_email_twice():
    email_send.apply(kwargs=MESSAGE, task_id="same-id")
    again = email_send.apply(kwargs=MESSAGE, task_id="same-id")
    assert again.get() == "duplicate"
    assert len(mail.outbox) == 1


def test_a_refused_recipient_is_not_retried(monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    attempts = []

    def refuse(self, messages):
        attempts.append(messages)
        raise AnymailRecipientsRefused("invalid address")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    assert email_send.apply(kwargs=MESSAGE).get() == "refused"
    assert len(attempts) == 1


def test_invitation_email_survives_a_provider_failure(
    django_capture_on_commit_callbacks, provider_fails
):
    organisation = OrganisationFactory(legal_name="Transports Alpha")
    admin = administrator_of(organisation)
    attempts = provider_fails(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            organisation=organisation,
            email="nouveau@example.fr",
            invited_by=admin,
            now=datetime(2027, 3, 10, 13, 5, tzinfo=UTC),
        )
    assert len(attempts) == 2
    assert [m.to for m in mail.outbox] == [["nouveau@example.fr"]]
    assert organisation.siret in mail.outbox[0].subject
