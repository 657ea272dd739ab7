"""Web sessions at sign-in: the fewest writes that keep every session revocable.

- ``SessionStore`` (``SESSION_ENGINE = "accounts.sessions"``) is Django's
  database store with two queries fewer per new session: a new key is not
  looked up before its ``INSERT`` (the insert itself fails on a duplicate and
  another key is drawn, as Django's ``create`` already does), and the key a
  sign-in draws (``cycle_key``) is written once, by the middleware's save at
  the end of the request, not inserted at once and updated then.
- ``usersession_sign_in`` replaces allauth's ``user_logged_in`` receiver of
  ``allauth.usersessions``: the new row is written with the session row, by
  the same save (on PostgreSQL in the same statement; allauth reads the user's
  earlier rows one by one to purge them, then runs a get-or-create in two
  savepoints); stale rows go in the daily
  ``sessions_purge``, set-wise, and allauth's sessions page still purges the
  rows it lists. It also marks the row as
  just written for ``ThrottledUserSessionsMiddleware``, so the first page after
  the sign-in does not write it again.

Invariant: every signed-in session has its ``usersessions_usersession`` row
(revoking a user's sessions goes through them), written by the save that writes
the session row, and only if the session row went in: one statement on
PostgreSQL, the two inserts in a row elsewhere.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.core.internal.httpkit import HTTP_USER_AGENT_MAX_LENGTH
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import get_random_string

from config.db import prepared_cursor

from . import security


def _new_key() -> str:
    # 32 characters of 36: 165 bits, never drawn twice in practice; the INSERT
    # (must_create) refuses a duplicate anyway.
    return get_random_string(32, VALID_KEY_CHARS)


#: A session row's two writes, one statement each (table and columns of Django's
#: ``Session``). The INSERT refuses a key in use without an error (no savepoint
#: needed inside a transaction): no row inserted means the key was taken.
_SESSION_INSERT = (
    'INSERT INTO "django_session" ("session_data", "expire_date", "session_key") '
    'VALUES (%s, %s, %s) ON CONFLICT ("session_key") DO NOTHING'
)
_SESSION_UPDATE = (
    'UPDATE "django_session" SET "session_data" = %s, "expire_date" = %s WHERE "session_key" = %s'
)
#: The new user-session row of a sign-in: every column of allauth's ``UserSession``
#: (``tests/accounts/test_signin_cost.py`` checks both statements against the model
#: and the session INSERT).
_USERSESSION_INSERT = (
    'INSERT INTO "usersessions_usersession" ("user_id", "session_key", "ip", "user_agent", '
    '"created_at", "last_seen_at", "data") VALUES (%s, %s, %s, %s, %s, %s, %s)'
)
#: PostgreSQL: the session row and its user-session row in one statement (one
#: round trip fewer per sign-in); the user-session row goes in only with the session
#: row, and the row count is the session row's.
_SESSION_INSERT_WITH_USERSESSION = (
    'WITH "session" AS (INSERT INTO "django_session" ("session_data", "expire_date", '
    '"session_key") VALUES (%s, %s, %s) ON CONFLICT ("session_key") DO NOTHING '
    'RETURNING "session_key") '
    'INSERT INTO "usersessions_usersession" ("user_id", "session_key", "ip", "user_agent", '
    '"created_at", "last_seen_at", "data") '
    'SELECT %s, "session_key", %s, %s, %s, %s, %s FROM "session"'
)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, without the existence query and the double write.

    Invariants:
    - a save is one statement and opens no transaction of its own (a single
      INSERT or UPDATE is atomic by itself; inside a caller's transaction it
      commits with it), prepared on PostgreSQL (``config.db``: one row by its key);
    - a save that would write again exactly what this object already wrote
      under the same key writes nothing;
    - a new anonymous session whose drawn key is taken draws another; the key a
      sign-in drew (``cycle_key``) is never redrawn at save, since the sign-in's
      user-session row already names it: a taken key (165 random bits) fails
      the save with ``CreateError`` instead.
    """

    _insert_pending = False
    _written = None
    #: The sign-in's user-session row (user id, address, user agent, when), written
    #: by the save that inserts the session row (``usersession_sign_in``).
    usersession_pending = None

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
        if self.session_key is None:
            return self.create()
        insert = must_create or self._insert_pending
        data = self._get_session(no_load=insert)
        # The expiry setting is part of ``data``; the computed date only moves with
        # the clock between two saves of one request, which is not worth a write.
        written = (self.session_key, self.serializer().dumps(data))
        if not insert and written == self._written:
            return None
        connection = connections[router.db_for_write(self.model)]
        expire_date = connection.ops.adapt_datetimefield_value(self.get_expiry_date())
        row = [self.encode(data), expire_date, self.session_key]
        usersession = self.usersession_pending if insert else None
        with prepared_cursor(connection.alias) as cursor:
            if usersession is None:
                cursor.execute(_SESSION_INSERT if insert else _SESSION_UPDATE, row)
            else:
                user_id, ip, agent, at = usersession
                columns = [ip, agent, at, at, "{}"]  # after user_id and session_key
                if connection.vendor == "postgresql":
                    cursor.execute(_SESSION_INSERT_WITH_USERSESSION, [*row, user_id, *columns])
                else:
                    cursor.execute(_SESSION_INSERT, row)
                    if cursor.rowcount:
                        cursor.execute(_USERSESSION_INSERT, [user_id, self.session_key, *columns])
            done = cursor.rowcount
        if not done:
            raise CreateError if insert else UpdateError
        self._insert_pending = False
        self.usersession_pending = None
        self._written = written
        return None

    def delete(self, session_key=None):
        if session_key is None or session_key == self.session_key:
            self._written = None
            self.usersession_pending = None
        return super().delete(session_key)


def session_save_now(request) -> None:
    """Write the request's session row now, in the caller's transaction.

    For a view that signs the user in inside one transaction (``accounts.views.login``):
    the new session row commits with the sign-in's other rows (one commit, and no
    moment where the user-session row exists without its session row). The
    session middleware's own save at the end of the request then finds nothing
    new and writes nothing, unless something changed the session after this.
    """
    session = getattr(request, "session", None)
    if session is not None and session.modified and not session.is_empty():
        session.save()


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


#: Rows per statement of ``sessions_purge``.
PURGE_CHUNK = 5000
#: Age under which a user-session row without its session row is left alone.
ORPHAN_GRACE = timedelta(hours=1)


def sessions_purge(*, now, chunk_size: int = PURGE_CHUNK) -> dict[str, int]:
    """Delete expired web sessions, and user-session rows whose web session is gone.

    The daily housekeeping of ``accounts.tasks.sessions_purge_task`` (allauth
    purges a user's rows at each of his sign-ins, a read per row; here they go
    set-wise, off the sign-in path). Two passes, each in chunks of ``chunk_size``
    rows with a fixed number of statements per chunk, each chunk its own
    transaction (a purge stopped mid-way resumes at the next run):

    - sessions whose ``expire_date`` has passed, with their user-session rows;
    - user-session rows of sessions ended otherwise (sign-out, a revocation that
      kept the row), walked by primary key. A row younger than
      ``ORPHAN_GRACE`` stays: a sign-in writes its row before the session row
      (which its middleware saves after the view), and must find it there.

    A live session and its row are never touched. Returns the counts deleted.
    """
    counts = {"sessions": 0, "user_sessions": 0}
    while True:
        keys = list(
            Session.objects.filter(expire_date__lte=now).values_list("session_key", flat=True)[
                :chunk_size
            ]
        )
        if not keys:
            break
        with transaction.atomic():
            counts["user_sessions"] += UserSession.objects.filter(session_key__in=keys).delete()[0]
            counts["sessions"] += Session.objects.filter(
                session_key__in=keys, expire_date__lte=now
            ).delete()[0]
    live = Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=now)
    after = 0
    while True:
        ids = list(
            UserSession.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        after = ids[-1]
        counts["user_sessions"] += (
            UserSession.objects.filter(pk__in=ids, created_at__lt=now - ORPHAN_GRACE)
            .exclude(Exists(live))
            .delete()[0]
        )
    return counts


def usersession_sign_in(sender, request, user, **kwargs) -> None:
    """The new session's user-session row (allauth ``user_logged_in`` receiver).

    A sign-in that drew a new key (``SessionStore.cycle_key``: every sign-in into a
    session of another or no user) has no row yet: it is handed to the session,
    whose save inserts it with the session row (one statement on PostgreSQL).
    Otherwise (a session kept by ``django.contrib.auth.login``) allauth's
    get-or-create updates it.
    """
    session = request.session
    if getattr(session, "_insert_pending", False):
        connection = connections[router.db_for_write(UserSession)]
        session.usersession_pending = (
            user.pk,
            get_adapter().get_client_ip(request),
            request.META.get("HTTP_USER_AGENT", "")[:HTTP_USER_AGENT_MAX_LENGTH],
            connection.ops.adapt_datetimefield_value(timezone.now()),
        )
    else:
        UserSession.objects.create_from_request(request)
    cache.set(touch_mark_key(request), 1, timeout=touch_mark_seconds())
