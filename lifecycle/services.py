"""Lifecycle transitions (contract of DESIGN.md). Extended by the lifecycle engine."""

from django.db import transaction
from django.db.models import Q

from accounts.models import User


@transaction.atomic
def activity_record(*, user: User, at, platform=None) -> None:
    """Record activity of ``user`` at ``at`` (sign-in, SSO, platform report).

    ``last_activity_at`` only moves forward: a conditional update, safe under
    concurrency and replays.
    """
    User.objects.filter(pk=user.pk).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
    ).update(last_activity_at=at)
