"""Ending accounts' single sign-on everywhere, for one account or a set of them.

``revoke_for_users`` is the one place where the platforms are told that people
lost their access: ``lifecycle`` calls it for one account (deactivation,
suspension, deletion, sign-out through ``revoke_all``) and for a chunk of the
sweep; a new way of telling the platforms (a Shared Signals event) is added
here, once, for both.

Invariant: after it returns (and its transaction commits), no access token or
refresh token of those users is accepted (and no authorization code is
exchanged: allauth refuses codes of inactive users), and every platform where
one of them signed in or holds tokens, and which registered a
``backchannel_logout_uri``, is sent one signed logout token per user by a
Celery task queued after commit. The number of queries does not depend on the
number of users (three, or one when none of them holds anything).
"""

import uuid
from collections.abc import Iterable
from functools import partial

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Token
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Platform, PlatformLogin
from .saml.services import saml_sessions_end
from .ssf import events as ssf_events
from .ssf.services import ssf_events_enqueue
from .tasks import send_backchannel_logout


def _queue_backchannel_logouts(pairs: Iterable[tuple[int, int]]) -> None:
    """After commit, one logout task per (platform id, user id)."""
    adapter = get_adapter()
    for platform_id, user_id in pairs:
        transaction.on_commit(
            partial(
                send_backchannel_logout.delay,
                platform_id=platform_id,
                sub=adapter.get_user_sub(None, User(pk=user_id)),
                jti=uuid.uuid4().hex,
            )
        )


@transaction.atomic
def revoke_for_users(*, user_ids: Iterable[int], signal: bool = False, now=None) -> int:
    """Delete every OIDC token of ``user_ids`` and queue their back-channel logouts.

    Deletes: the users' OIDC tokens (access, refresh), their platform login
    rows and their SAML sessions (providers with a SOAP logout endpoint are told).
    Returns how many tokens were deleted. Set-based: ``IN (...)`` queries,
    whatever the number of users. With ``signal`` (sign-out everywhere, a
    revocation), a CAEP session-revoked event goes to the platforms' streams,
    written before the login rows are deleted; the lifecycle's steps send a RISC
    event of their own and leave it off.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    if signal:
        ssf_events_enqueue(
            event_type=ssf_events.SESSION_REVOKED, user_ids=ids, now=now or timezone.now()
        )
    saml_sessions_end(user_ids=ids)
    tokens = Token.objects.filter(user_id__in=ids)
    logins = PlatformLogin.objects.filter(user_id__in=ids)
    held = set(logins.values_list("platform_id", "user_id").distinct())
    by_client = set(tokens.values_list("client_id", "user_id").distinct())
    if not held and not by_client:
        return 0
    platforms = list(
        Platform.objects.filter(oidc_client__isnull=False).values_list(
            "pk", "oidc_client_id", "backchannel_logout_uri"
        )
    )
    platform_of_client = {client_id: pk for pk, client_id, _uri in platforms}
    with_endpoint = {pk for pk, _client_id, uri in platforms if uri}
    pairs = held | {
        (platform_of_client[client_id], user_id)
        for client_id, user_id in by_client
        if client_id in platform_of_client
    }
    deleted = tokens.delete()[0] if by_client else 0
    if held:
        logins.delete()
    _queue_backchannel_logouts(sorted(pair for pair in pairs if pair[0] in with_endpoint))
    return deleted


def revoke_all(*, user, signal: bool = True, now=None) -> int:
    """Sign one user out of every platform (``revoke_for_users`` for him alone).

    Sends the CAEP session-revoked event unless ``signal`` is False.
    """
    return revoke_for_users(user_ids=[user.pk], signal=signal, now=now)
