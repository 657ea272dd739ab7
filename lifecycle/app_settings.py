"""Tunables of the lifecycle app, read from Django settings at call time.

Defaults are DOMAIN.md's: 15 calendar days after a notice, 24 calendar months of
inactivity.
"""

from django.conf import settings


def notice_days() -> int:
    """Days a notice gives before its next step (LIFECYCLE_NOTICE_DAYS, default 15)."""
    return int(getattr(settings, "LIFECYCLE_NOTICE_DAYS", 15))


def inactivity_months() -> int:
    """Months of inactivity before a warning (LIFECYCLE_INACTIVITY_MONTHS, default 24)."""
    return int(getattr(settings, "LIFECYCLE_INACTIVITY_MONTHS", 24))


def proceed_without_notice() -> bool:
    """Whether an undeliverable notice still lets the clock run (default False).

    LIFECYCLE_PROCEED_WITHOUT_NOTICE: when True, the deadline of a refused or
    bounced notice counts from the instant the failure was recorded.
    """
    return bool(getattr(settings, "LIFECYCLE_PROCEED_WITHOUT_NOTICE", False))


def contact_email() -> str:
    """Where users are told to write about their account (LIFECYCLE_CONTACT_EMAIL)."""
    return getattr(settings, "LIFECYCLE_CONTACT_EMAIL", "relation-client@opcomobilites.fr")


def notice_max_retries() -> int:
    """Celery retries of one notice before the hourly sweep takes over (default 8)."""
    return int(getattr(settings, "LIFECYCLE_NOTICE_MAX_RETRIES", 8))


def notice_claim_seconds() -> int:
    """How long a worker owns a notice it is sending (default 600 s)."""
    return int(getattr(settings, "LIFECYCLE_NOTICE_CLAIM_SECONDS", 600))


def sweep_lock_seconds() -> int:
    """Lease of the sweep lock row when not on PostgreSQL (default 300 s).

    Renewed by every chunk, so it only has to outlast one chunk: a killed sweep
    frees it that long after its last chunk.
    """
    return int(getattr(settings, "LIFECYCLE_SWEEP_LOCK_SECONDS", 300))


def sweep_chunk_size() -> int:
    """Accounts locked and acted on per transaction by the sweep (default 500)."""
    return max(1, int(getattr(settings, "LIFECYCLE_SWEEP_CHUNK_SIZE", 500)))


def warnings_per_day() -> int | None:
    """At most this many inactivity warnings per Paris calendar day (None: no limit).

    LIFECYCLE_WARNINGS_PER_DAY spreads a backlog (day one of an import) over
    days, most overdue first, so that the support line is not flooded. Each
    warning still gives its full days from its own acceptance.
    """
    value = getattr(settings, "LIFECYCLE_WARNINGS_PER_DAY", None)
    return None if value is None else max(0, int(value))


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def notice_rate() -> float:
    """Messages per second the outbox hands to the provider (LIFECYCLE_NOTICE_RATE; 0: none)."""
    return float(getattr(settings, "LIFECYCLE_NOTICE_RATE", 10))


def notice_doubt_seconds() -> int:
    """How long a send of unknown outcome waits for the provider's word before a resend."""
    return int(getattr(settings, "LIFECYCLE_NOTICE_DOUBT_SECONDS", 3600))


def notice_provider_lookup() -> str:
    """Dotted path of f(*, message_id) -> datetime | None (LIFECYCLE_NOTICE_PROVIDER_LOOKUP)."""
    return getattr(settings, "LIFECYCLE_NOTICE_PROVIDER_LOOKUP", "")


def notice_retry_max_countdown() -> int:
    """Longest wait between two retries of one notice (below the broker's visibility timeout)."""
    return int(getattr(settings, "LIFECYCLE_NOTICE_RETRY_MAX_COUNTDOWN", 240))


def notice_dispatch_seconds() -> int:
    """How long one run of the outbox dispatcher may send before handing over (default 50 s)."""
    return int(getattr(settings, "LIFECYCLE_NOTICE_DISPATCH_SECONDS", 50))


def message_id_domain() -> str:
    """The domain of the Message-IDs we give notices (that of DEFAULT_FROM_EMAIL)."""
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "") or "localhost"
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
