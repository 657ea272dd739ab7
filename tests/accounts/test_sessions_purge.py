"""Daily housekeeping of web sessions (``accounts.sessions.sessions_purge``).

A sign-in no longer purges the user's earlier user-session rows one by one; this
job does it for everybody, set-wise: expired sessions go with their rows, rows
whose session ended otherwise go after an hour, live ones stay.
"""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.sessions import SessionStore, sessions_purge
from accounts.tasks import sessions_purge_task
from config.settings.schedule import CELERY_BEAT_SCHEDULE
from tests.platforms.factories import verified_user

pytestmark = pytest.mark.django_db


def open_session(user, *, expires_in: timedelta, created_ago=timedelta(days=1)) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    now = timezone.now()
    Session.objects.filter(session_key=store.session_key).update(expire_date=now + expires_in)
    UserSession.objects.create(
        user=user,
        ip="192.0.2.1",
        session_key=store.session_key,
        created_at=now - created_ago,
        last_seen_at=now - created_ago,
    )
    return store.session_key


def orphan_row(user, *, created_ago: timedelta) -> str:
    key = f"gone{user.pk}-{created_ago.total_seconds():.0f}".ljust(32, "x")
    now = timezone.now()
    UserSession.objects.create(
        user=user,
        ip="192.0.2.2",
        session_key=key,
        created_at=now - created_ago,
        last_seen_at=now - created_ago,
    )
    return key


def tracked(user) -> set[str]:
    return set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))


def test_expired_sessions_go_with_their_rows_and_live_ones_stay():
    user = verified_user()
    live = open_session(user, expires_in=timedelta(minutes=5))
    expired = open_session(user, expires_in=-timedelta(seconds=1))

    counts = sessions_purge(now=timezone.now())

    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert tracked(user) == {live}
    assert counts == {"sessions": 1, "user_sessions": 1}
    assert expired not in tracked(user)


def test_a_row_whose_session_ended_goes_after_an_hour_not_before():
    """A sign-in writes its row just before its session row: a young row is left alone."""
    user = verified_user()
    live = open_session(user, expires_in=timedelta(days=1))
    old = orphan_row(user, created_ago=timedelta(hours=1, seconds=1))
    young = orphan_row(user, created_ago=timedelta(minutes=59))

    sessions_purge(now=timezone.now())

    assert tracked(user) == {live, young}
    assert old not in tracked(user)


def test_the_purge_works_in_chunks_with_a_fixed_number_of_statements_each():
    users = [verified_user() for _ in range(3)]
    for user in users:
        for _ in range(3):
            open_session(user, expires_in=-timedelta(minutes=1))
        orphan_row(user, created_ago=timedelta(days=2))

    with CaptureQueriesContext(connection) as queries:
        counts = sessions_purge(now=timezone.now(), chunk_size=4)

    assert counts == {"sessions": 9, "user_sessions": 12}
    assert not Session.objects.exists() and not UserSession.objects.exists()
    # 9 expired sessions in chunks of 4: 3 chunks (read, 2 deletes, savepoint pair)
    # and the empty read; 3 orphans in one chunk of ids (read, delete) and the empty read.
    assert len(queries) <= 3 * 5 + 1 + 2 + 1


def test_the_purge_runs_every_night():
    entry = CELERY_BEAT_SCHEDULE["accounts-sessions-purge"]
    assert entry["task"] == sessions_purge_task.name


def test_the_task_purges():
    user = verified_user()
    open_session(user, expires_in=-timedelta(minutes=1))

    assert sessions_purge_task() == {"sessions": 1, "user_sessions": 1}
