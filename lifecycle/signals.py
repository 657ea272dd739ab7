"""Edges from other apps into the lifecycle (connected in ``LifecycleConfig.ready``).

anymail's tracking webhook reports a hard bounce or a rejection of a notice:
the account's clock stops and it enters the review queue.
"""

from anymail.signals import tracking
from django.dispatch import receiver
from django.utils import timezone

from . import notices

HARD_FAILURES = {"bounced", "rejected", "failed"}


@receiver(tracking, dispatch_uid="lifecycle_notice_bounce")
def notice_tracking(sender, event, esp_name, **kwargs):
    if event.event_type not in HARD_FAILURES:
        return
    notices.notice_bounce_record(
        message_id=str(event.message_id or ""), at=event.timestamp or timezone.now()
    )
