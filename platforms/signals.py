"""Edges from authentication events to single sign-on.

Signing out of the account centre (allauth's logout calls Django's, which
sends ``user_logged_out``) ends the single sign-on everywhere: tokens revoked,
back-channel logout to each platform (``sessions.revoke_all``).
"""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from .sessions import revoke_all


@receiver(user_logged_out, dispatch_uid="platforms_sso_logout")
def end_sso_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:
        revoke_all(user=user, now=timezone.now())
