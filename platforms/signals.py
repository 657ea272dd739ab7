"""Edges from account events to single sign-on and the platforms' event streams.

- Signing out of the account centre (allauth's logout calls Django's, which
  sends ``user_logged_out``) ends the single sign-on everywhere: tokens revoked,
  back-channel logout to each platform (``sessions.revoke_all``).
- A membership ended (``accounts.events.membership_ended``) took its accesses
  with it: each platform they were on gets a CAEP ``token-claims-change`` with
  the person's habilitations left there, as when one access is revoked
  (``services.access_revoke``).
"""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from accounts.events import membership_ended

from .sessions import revoke_all
from .ssf import events as ssf_events
from .ssf.services import ssf_events_enqueue, ssf_subjects_record


@receiver(user_logged_out, dispatch_uid="platforms_sso_logout")
def end_sso_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:
        revoke_all(user=user, now=timezone.now())


@receiver(membership_ended, dispatch_uid="platforms_membership_claims")
def claims_changed_on_membership_end(sender, user, now, platform_ids=(), **kwargs) -> None:
    if not platform_ids:
        return
    for platform_id in platform_ids:
        ssf_subjects_record(user_ids=[user.pk], platform_id=platform_id, now=now)
    ssf_events_enqueue(
        event_type=ssf_events.TOKEN_CLAIMS_CHANGE,
        user_ids=[user.pk],
        platform_ids=platform_ids,
        now=now,
    )
