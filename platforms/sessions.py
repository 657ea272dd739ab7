"""Ending an account's single sign-on everywhere.

``revoke_all`` is what ``lifecycle`` (and sign-out) call when an account must
lose every grant it holds on the platforms: deactivation, suspension, deletion,
sign-out. Invariant: after it returns (and its transaction commits), no
access token or refresh token of the user is accepted (and no authorization
code is exchanged: allauth refuses codes of inactive users), and every platform
where the user signed in or holds tokens, and which registered a
``backchannel_logout_uri``, is sent a signed logout token by a Celery task
queued after commit.
"""

import uuid
from functools import partial

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Token
from django.db import transaction
from django.db.models import Q

from .models import Platform, PlatformLogin
from .saml.services import saml_sessions_end


@transaction.atomic
def revoke_all(*, user) -> int:
    """Delete every OIDC token of ``user`` and queue back-channel logouts.

    Deletes: the user's OIDC tokens (access, refresh), his platform login
    rows and his SAML sessions (providers with a SOAP logout endpoint are told).
    Returns how many tokens were deleted.
    """
    saml_sessions_end(user_ids=[user.pk])
    platforms = list(
        Platform.objects.filter(oidc_client__isnull=False)
        .filter(
            Q(pk__in=PlatformLogin.objects.filter(user=user).values("platform"))
            | Q(oidc_client__in=Token.objects.filter(user=user).values("client"))
        )
        .values_list("pk", "backchannel_logout_uri")
    )
    deleted, _ = Token.objects.filter(user=user).delete()
    if platforms:  # a login row always names a platform: none to delete otherwise
        PlatformLogin.objects.filter(user=user).delete()
    targets = [pk for pk, uri in platforms if uri]
    if targets:
        from .tasks import send_backchannel_logout

        sub = get_adapter().get_user_sub(None, user)
        for platform_id in targets:
            transaction.on_commit(
                partial(
                    send_backchannel_logout.delay,
                    platform_id=platform_id,
                    sub=sub,
                    jti=uuid.uuid4().hex,
                )
            )
    return deleted
