"""Tunables of the accounts app, read from Django settings at call time."""

from django.conf import settings


def invitation_days() -> int:
    """How long an invitation link stays valid (ACCOUNTS_INVITATION_DAYS, default 7)."""
    return getattr(settings, "ACCOUNTS_INVITATION_DAYS", 7)
