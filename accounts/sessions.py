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
- ``last_login_record`` replaces Django's ``update_last_login``: the same UPDATE
  of ``last_login``, without a model save.

Invariant: every signed-in session has its ``usersessions_usersession`` row
(revoking a user's sessions goes through them), created in the sign-in's
transaction, before the session row itself is written.
"""

from __future__ import annotations

import hashlib

from allauth.account.adapter import get_adapter
from allauth.core.internal.httpkit import HTTP_USER_AGENT_MAX_LENGTH
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


def usersessions_purge(*, user, now) -> None:
    """Delete ``user``'s user-session rows whose web session is gone (allauth's purge).

    One DELETE, whatever the number of rows: a row goes when no live session row
    has its key (ended, expired, revoked). A live session whose user no longer
    matches cannot outlive a password change here: that ends the other sessions
    (``accounts.signals.end_sessions_and_tokens``).
    """
    live = Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=now)
    UserSession.objects.filter(user_id=user.pk).exclude(Exists(live)).delete()


def usersession_sign_in(sender, request, user, **kwargs) -> None:
    """The new session's user-session row (allauth ``user_logged_in`` receiver).

    A sign-in that drew a new key (``SessionStore.cycle_key``: every sign-in into a
    session of another or no user) has no row yet: one INSERT. Otherwise (a session
    kept by ``django.contrib.auth.login``) allauth's get-or-create updates it.
    """
    session = request.session
    now = timezone.now()
    usersessions_purge(user=user, now=now)
    if getattr(session, "_insert_pending", False):
        UserSession.objects.create(
            user=user,
            session_key=session.session_key,
            ip=get_adapter().get_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:HTTP_USER_AGENT_MAX_LENGTH],
            created_at=now,
            last_seen_at=now,
        )
    else:
        UserSession.objects.create_from_request(request)
    cache.set(touch_mark_key(request), 1, timeout=touch_mark_seconds())


def last_login_record(sender, request, user, **kwargs) -> None:
    """``last_login`` of a sign-in (replaces ``django.contrib.auth``'s receiver).

    The same write as Django's ``update_last_login`` — one UPDATE of that column —
    as a queryset update rather than a model save (no save machinery per sign-in).
    """
    user.last_login = timezone.now()
    type(user)._default_manager.filter(pk=user.pk).update(last_login=user.last_login)
