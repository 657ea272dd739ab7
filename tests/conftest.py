"""Project-wide pytest fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and throttles live in the cache: start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
