"""Tunables of the Shared Signals transmitter, read from settings at call time."""

from django.conf import settings


def push_timeout() -> int:
    """Seconds to wait for a receiver's push endpoint (RFC 8935)."""
    return getattr(settings, "SSF_PUSH_TIMEOUT", 10)


def backoff_base() -> int:
    """Seconds before the first retry of a failed push; doubled at each failure."""
    return getattr(settings, "SSF_BACKOFF_BASE", 30)


def backoff_max() -> int:
    """Longest wait between two push attempts (seconds)."""
    return getattr(settings, "SSF_BACKOFF_MAX", 900)


def lease_seconds() -> int:
    """How long a worker owns a stream's delivery; after that another one takes over.

    A worker killed mid-delivery loses its lease: the events it had not marked
    delivered are sent again (same ``jti``) by the next run.
    """
    return getattr(settings, "SSF_LEASE_SECONDS", 300)


def push_batch() -> int:
    """Events pushed per stream and per run."""
    return getattr(settings, "SSF_PUSH_BATCH", 500)


def poll_max_events() -> int:
    """Largest ``maxEvents`` honoured by the poll endpoint (RFC 8936)."""
    return getattr(settings, "SSF_POLL_MAX_EVENTS", 500)


def min_verification_interval() -> int:
    """Seconds between two verification requests of one stream (SSF 1.0)."""
    return getattr(settings, "SSF_MIN_VERIFICATION_INTERVAL", 60)


def purged_retention_days() -> int:
    """Days a delivered event about a deleted account is kept before it is deleted."""
    return getattr(settings, "SSF_PURGED_RETENTION_DAYS", 0)


def delivered_retention_days() -> int:
    """Days a delivered event is kept for the back-office, then deleted."""
    return getattr(settings, "SSF_DELIVERED_RETENTION_DAYS", 30)
