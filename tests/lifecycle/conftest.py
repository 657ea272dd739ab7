"""Fixtures of the lifecycle tests: eager Celery, a sweep that runs its on_commit work."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    """An aware instant on the Paris wall clock: paris(2027, 3, 10, 14, 5)."""
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks queued after commit run at once, in the test.

    Errors are not propagated: an eager retry is recorded, not re-run (as a
    worker would wait for its countdown); tests assert the resulting state.
    """
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def run(django_capture_on_commit_callbacks, time_machine):
    """Run ``fn(**kwargs)`` at the instant ``at``, executing its after-commit work.

    The clock is moved to ``at`` (notices read it when they are accepted).
    """

    def _run(fn, *, at, **kwargs):
        time_machine.move_to(at, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return _run


@pytest.fixture
def sweep(run):
    from lifecycle.sweep import lifecycle_sweep

    def _sweep(at, **kwargs):
        return run(lifecycle_sweep, at=at, now=at, **kwargs)

    return _sweep
