"""Security edges: what a sign-in or a password change does to sessions and tokens.

Receivers of django.contrib.auth's and allauth's signals (connected in
``AccountsConfig.ready``):

- sign-in: stamps the session with the sign-in instant (absolute lifetime), and a
  password typed at this sign-in counts as allauth's password confirmation for its
  usual 5 minutes (a new agent setting up his second factor right after signing in
  is not asked for the password he has just typed);
- password changed (signed in): every *other* session of the user is ended and
  every OIDC token of the platforms revoked; the current session stays;
- password reset (from the emailed link): every session ends, every token is
  revoked, and the sign-in throttle of the account is cleared (the user proved
  he holds the mailbox).
"""

from __future__ import annotations

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.usersessions.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.utils import timezone

from platforms.sessions import revoke_all

from . import throttle
from .middleware import SESSION_AUTH_AT, SESSION_SEEN_AT


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now().timestamp()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if isinstance(records, list) and any(r.get("method") == "password" for r in records):
        # allauth (65.x) asks for the password again unless a record says "reauthenticated";
        # the password of this very sign-in is that proof (its instant still bounds it).
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {**r, "reauthenticated": True} if r.get("method") == "password" else r for r in records
        ]


def end_sessions_and_tokens(*, user, keep_session_key: str | None = None) -> None:
    """End every session of ``user`` but ``keep_session_key``; revoke his OIDC tokens."""
    sessions = UserSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    get_adapter().end_sessions(list(sessions))
    revoke_all(user=user)


def on_password_changed(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    end_sessions_and_tokens(user=user, keep_session_key=getattr(session, "session_key", None))


def on_password_reset(sender, request, user, **kwargs) -> None:
    end_sessions_and_tokens(user=user)
    throttle.reset(user.email)
