"""Web sessions at sign-in: the fewest writes that keep every session revocable.

- ``SessionStore`` (``SESSION_ENGINE = "accounts.sessions"``) is Django's
  database store with two queries fewer per new session: a new key is not
  looked up before its ``INSERT`` (the insert itself fails on a duplicate and
  another key is drawn, as Django's ``create`` already does), and the key a
  sign-in draws (``cycle_key``) is written once, by the middleware's save at
  the end of the request, not inserted at once and updated then.
- ``usersession_sign_in`` replaces allauth's ``user_logged_in`` receiver of
  ``allauth.usersessions``: the user's stale user-session rows are purged in
  one statement and the new one is inserted in one (allauth reads them one by
  one, then runs a get-or-create in two savepoints). It also marks the row as
  just written for ``ThrottledUserSessionsMiddleware``, so the first page after
  the sign-in does not write it again.

Invariant: every signed-in session has its ``usersessions_usersession`` row
(revoking a user's sessions goes through them), created in the sign-in's
transaction, before the session row itself is written.
"""

from __future__ import annotations

import hashlib

from allauth.account.adapter import get_adapter
from allauth.core.internal.sessionkit import get_session_user
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import get_random_string

from . import security


def _new_key() -> str:
    # 32 characters of 36: 165 bits, never drawn twice in practice; the INSERT
    # (must_create) refuses a duplicate anyway.
    return get_random_string(32, VALID_KEY_CHARS)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, without the existence query and the double write."""

    _insert_pending = False

    def create(self):
        while True:
            self._session_key = _new_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def cycle_key(self):
        """A new key for the same data; its row is inserted by the next ``save``."""
        data = self._session
        old = self.session_key
        self._session_key = _new_key()
        self._session_cache = data
        self._insert_pending = True
        self.modified = True
        if old:
            self.delete(old)

    def save(self, must_create=False):
        if self._insert_pending and self.session_key is not None:
            self._insert_pending = False
            try:
                return super().save(must_create=True)
            except CreateError:
                self._session_key = None
                return self.create()
        return super().save(must_create=must_create)


def touch_mark_key(request) -> str:
    """Cache key saying the request's user-session row was written recently."""
    fingerprint = "|".join(
        (
            request.session.session_key,
            security.client_ip(request),
            request.META.get("HTTP_USER_AGENT", "")[:200],
        )
    )
    return f"usersessions:touched:{hashlib.sha256(fingerprint.encode()).hexdigest()}"


def touch_mark_seconds() -> int:
    return getattr(settings, "RELIABILITY_USERSESSION_TOUCH_SECONDS", 5 * 60)


def usersessions_purge(*, user) -> None:
    """Delete ``user``'s user-session rows whose web session is gone (allauth's purge).

    A row without a live session row goes in one DELETE; a row whose session is
    still live is checked as allauth does (the session must still name this user,
    its password hash unchanged) — a user seldom has one.
    """
    live = Session.objects.filter(
        session_key=OuterRef("session_key"), expire_date__gt=timezone.now()
    )
    rows = list(
        UserSession.objects.filter(user_id=user.pk)
        .annotate(live=Exists(live))
        .only("pk", "session_key")
    )
    stale = [row.pk for row in rows if not row.live]
    store = DatabaseSessionStore
    stale += [row.pk for row in rows if row.live and not get_session_user(store(row.session_key))]
    if stale:
        UserSession.objects.filter(pk__in=stale).delete()


def usersession_sign_in(sender, request, user, **kwargs) -> None:
    """The new session's user-session row (allauth ``user_logged_in`` receiver)."""
    session = request.session
    if not session.session_key:
        session.save()
    usersessions_purge(user=user)
    agent = request.META.get("HTTP_USER_AGENT", "")
    now = timezone.now()
    UserSession.objects.bulk_create(
        [
            UserSession(
                user=user,
                session_key=session.session_key,
                ip=get_adapter().get_client_ip(request),
                user_agent=agent[: UserSession._meta.get_field("user_agent").max_length],
                created_at=now,
                last_seen_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["session_key"],
        update_fields=["user", "ip", "user_agent", "last_seen_at"],
    )
    cache.set(touch_mark_key(request), 1, timeout=touch_mark_seconds())
