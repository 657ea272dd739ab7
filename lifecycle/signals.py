"""Edges from other apps into the lifecycle (connected in ``LifecycleConfig.ready``).

- anymail's tracking webhook reports a hard bounce or a rejection of a notice:
  the account's clock stops and it enters the review queue; an event saying the
  provider took a notice settles an attempt left in doubt by a crash.
- ``accounts.events.membership_ended``: an account left with no membership is
  deactivated for end of authority (path a of DOMAIN.md), in the same
  transaction. OPCO staff and suspended accounts are left as they are.
- Django's ``user_logged_in`` (sent by ``django.contrib.auth.login`` once every
  allauth stage, MFA included, succeeded): ``services.account_sign_in`` records
  the sign-in — last login, activity, reactivation — in one UPDATE for an active
  account. It replaces Django's ``update_last_login`` (disconnected in
  ``LifecycleConfig.ready``), so no sign-in writes the row twice.
"""

from anymail.signals import tracking
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from accounts.events import membership_ended
from accounts.models import AccountState, Membership

from . import notices, services
from .models import DeactivationReason


@receiver(user_logged_in, dispatch_uid="lifecycle_sign_in")
def record_sign_in(sender, request, user, **kwargs):
    services.account_sign_in(user=user, at=timezone.now(), method="login")


@receiver(membership_ended, dispatch_uid="lifecycle_end_of_authority")
def deactivate_when_no_membership_left(sender, user, organisation, actor, now, **kwargs):
    if user.is_staff or user.is_superuser:
        return
    if Membership.objects.filter(user=user).exists():
        return
    if user.state in (AccountState.ACTIVE, AccountState.WARNED) or (
        user.state == AccountState.DEACTIVATED
        and user.deactivation_reason == DeactivationReason.INACTIVITY
    ):
        services.account_deactivate(
            user=user, actor=actor, now=now, reason=DeactivationReason.END_OF_AUTHORITY
        )


HARD_FAILURES = {"bounced", "rejected", "failed"}
# The provider took the message: settles a notice whose attempt is in doubt.
ACCEPTED_EVENTS = {"queued", "sent", "delivered", "deferred", "opened", "clicked"}


@receiver(tracking, dispatch_uid="lifecycle_notice_bounce")
def notice_tracking(sender, event, esp_name, **kwargs):
    if event.event_type in ACCEPTED_EVENTS:
        notices.notice_delivery_record(
            message_id=str(event.message_id or ""),
            metadata=dict(event.metadata or {}),
            at=event.timestamp or timezone.now(),
        )
        return
    if event.event_type not in HARD_FAILURES:
        return
    notices.notice_bounce_record(
        message_id=str(event.message_id or ""), at=event.timestamp or timezone.now()
    )
