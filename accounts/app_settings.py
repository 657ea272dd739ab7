"""Tunables of the accounts app, read from Django settings at call time."""

from django.conf import settings


def invitation_days() -> int:
    """How long an invitation link stays valid (ACCOUNTS_INVITATION_DAYS, default 7)."""
    return getattr(settings, "ACCOUNTS_INVITATION_DAYS", 7)


def email_max_retries() -> int:
    """Celery retries of one email before it is given up and logged (default 8).

    ACCOUNTS_EMAIL_MAX_RETRIES; the delay doubles from 30 s up to one hour, so
    the default covers a provider outage of about three hours.
    """
    return int(getattr(settings, "ACCOUNTS_EMAIL_MAX_RETRIES", 8))


def email_sent_marker_seconds() -> int:
    """How long the cache remembers a sent email's task id (default 7 days).

    A redelivered task (worker lost after sending) finds the marker and does not
    send the email again (ACCOUNTS_EMAIL_SENT_MARKER_SECONDS).
    """
    return int(getattr(settings, "ACCOUNTS_EMAIL_SENT_MARKER_SECONDS", 7 * 24 * 3600))


def invitation_rates_per_administrator() -> list[tuple[int, int]]:
    """(max invitations, window seconds) one administrator may send, all his
    organisations together (ACCOUNTS_INVITATION_RATES_PER_ADMINISTRATOR,
    default 5 a minute and 50 a day)."""
    return [
        (int(n), int(w))
        for n, w in getattr(
            settings, "ACCOUNTS_INVITATION_RATES_PER_ADMINISTRATOR", [(5, 60), (50, 86400)]
        )
    ]


def invitation_rates_per_organisation() -> list[tuple[int, int]]:
    """(max invitations, window seconds) for one organisation, all its
    administrators together (ACCOUNTS_INVITATION_RATES_PER_ORGANISATION,
    default 10 a minute and 100 a day)."""
    return [
        (int(n), int(w))
        for n, w in getattr(
            settings, "ACCOUNTS_INVITATION_RATES_PER_ORGANISATION", [(10, 60), (100, 86400)]
        )
    ]


def siret_check_per_minute() -> int:
    """Live SIRET look-ups of the sign-up form per client IP and minute (default 30)."""
    return int(getattr(settings, "ACCOUNTS_SIRET_CHECK_PER_MINUTE", 30))
