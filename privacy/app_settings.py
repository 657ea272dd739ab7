"""Tunables of the privacy app, read from Django settings at call time."""

from pathlib import Path

from django.apps import apps
from django.conf import settings


def closure_highlight_days() -> int:
    """Closure requests older than this are highlighted in the queue (default 30)."""
    return getattr(settings, "PRIVACY_CLOSURE_HIGHLIGHT_DAYS", 30)


def dpo_email() -> str:
    """Mailbox of the data protection officer (new requests and reminders go there).

    The DPO email of the legal pages (``legal.SiteSettings.dpo_email``, edited in
    the back-office) when that model exists and the field is filled, else the
    setting PRIVACY_DPO_EMAIL.
    """
    try:
        site_settings = apps.get_model("legal", "SiteSettings")
    except LookupError:
        site_settings = None
    if site_settings is not None:
        email = site_settings.objects.filter(pk=1).values_list("dpo_email", flat=True).first()
        if email:
            return email
    return getattr(settings, "PRIVACY_DPO_EMAIL", "dpo@opcomobilites.fr")


def dpo_reminder_days() -> list[int]:
    """Days before a DPO request's deadline when the DPO mailbox is reminded."""
    return list(getattr(settings, "PRIVACY_DPO_REMINDER_DAYS", [7, 2]))


def proof_deadline_days() -> int:
    """Default number of days given to upload a proof of authority (default 30)."""
    return getattr(settings, "PRIVACY_PROOF_DEADLINE_DAYS", 30)


def proof_reminder_days() -> list[int]:
    """Days before a proof deadline when the user is reminded (default 15 and 3)."""
    return list(getattr(settings, "PRIVACY_PROOF_REMINDER_DAYS", [15, 3]))


def proof_max_bytes() -> int:
    """Largest accepted proof file in bytes (default 5 MiB)."""
    return getattr(settings, "PRIVACY_PROOF_MAX_BYTES", 5 * 1024 * 1024)


def proof_root() -> Path:
    """Directory of proof files: under PRIVATE_MEDIA_ROOT, outside the web root."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / "proofs"


def lost_credentials_rates() -> list[tuple[int, int]]:
    """(max requests, window seconds) per client IP for the lost-credentials form."""
    return list(getattr(settings, "PRIVACY_LOST_CREDENTIALS_RATES", [(5, 60), (20, 3600)]))


def lost_credentials_target_rates() -> list[tuple[int, int]]:
    """(max requests, window seconds) per reported address (known or not): 3 an hour,
    5 a day by default, so the form cannot flood one mailbox with links."""
    return list(
        getattr(settings, "PRIVACY_LOST_CREDENTIALS_TARGET_RATES", [(3, 3600), (5, 86400)])
    )


def lost_credentials_link_hours() -> int:
    """Validity of the emailed "Oui, suspendre mon compte" link (default 24 hours)."""
    return getattr(settings, "PRIVACY_LOST_CREDENTIALS_LINK_HOURS", 24)


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
