"""Project-wide pytest fixtures."""

import shutil

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_media_removed_at_the_end():
    """Uploaded documents of the session go to a folder of its own, removed at the end."""
    from django.conf import settings

    yield
    shutil.rmtree(settings.PRIVATE_MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits, throttles and the maintenance schedule are cached: start every test clean."""
    from django.core.cache import cache
    from django.utils import timezone

    from maintenance import selectors as maintenance
    from maintenance.selectors import schedule_forget

    cache.clear()
    # Each process reads the maintenance schedule once every 30 s: start every test
    # as if it had just read an empty one (a window saved in the test clears it).
    maintenance._cache.update(read_at=timezone.now(), windows=[])
    yield
    cache.clear()
    schedule_forget()


@pytest.fixture
def password() -> str:
    return "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks queued after commit run at once, in the test (retries too, without waiting).

    Emails leave through a Celery task (``accounts.tasks.email_send``); with
    ``django_capture_on_commit_callbacks(execute=True)`` they reach the outbox.
    """
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def provider_fails(monkeypatch):
    """The email provider fails the next ``n`` sends (``provider_fails(n)``), then works.

    Returns the list of attempts (one entry per message the backend was asked to send).
    """
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    attempts: list[str] = []
    failures = {"left": 0}

    def flaky(self, messages):
        attempts.extend(m.subject for m in messages)
        if failures["left"] > 0:
            failures["left"] -= 1
            raise smtplib.SMTPServerDisconnected("provider down")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)

    def _fail(n: int = 1) -> list[str]:
        failures["left"] = n
        return attempts

    return _fail


@pytest.fixture(autouse=True)
def _every_mail_reads_as_french():
    """Every mail a test sends is checked once it ends (``tests/mails.py``, issue 15 item 10):
    no entity in the text parts, French typography in all of them, "1er"."""
    from django.core import mail

    from tests.mails import mail_problems

    yield
    problems = {
        f"{message.subject!r} to {message.to}": mail_problems(message)
        for message in getattr(mail, "outbox", [])
    }
    problems = {key: value for key, value in problems.items() if value}
    assert problems == {}, problems
