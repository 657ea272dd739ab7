"""Ending every session and grant of a set of accounts (one account is a set of one).

Used by the one-account services (deactivation, suspension), by the sweep's
chunks and by the deletion. Set-based: the number of queries does not depend
on the number of accounts. The platforms are told by
``platforms.sessions.revoke_for_users`` (the one place that does it).
"""

from collections.abc import Iterable

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session

from platforms.sessions import revoke_for_users


def sessions_end_for(*, user_ids: Iterable[int]) -> int:
    """End every web session of ``user_ids`` (allauth usersessions and Django sessions).

    Deletes: the ``django_session`` rows of their tracked sessions and their
    ``usersessions_usersession`` rows. Returns how many sessions were ended.
    """
    ids = list(user_ids)
    if not ids:
        return 0
    tracked = UserSession.objects.filter(user_id__in=ids)
    ended, _ = Session.objects.filter(session_key__in=tracked.values("session_key")).delete()
    tracked.delete()
    return ended


def access_revoke_for(*, user_ids: Iterable[int]) -> None:
    """Revoke every session and OIDC token of ``user_ids``; tell their platforms."""
    ids = sorted(set(user_ids))
    sessions_end_for(user_ids=ids)
    revoke_for_users(user_ids=ids)
