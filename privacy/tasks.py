"""Celery tasks of the privacy app: thin, idempotent, carrying ids and strings."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True)
def lost_credentials_report_task(email: str, message: str = "", ip: str = "") -> None:
    """The anonymous lost-credentials form's work, out of the request (same timing for
    every email): a confirmation link to the owner, or the agents' queue for staff."""
    services.lost_credentials_request(email=email, now=timezone.now(), message=message, ip=ip)


@shared_task(acks_late=True)
def dpo_reminders_task() -> int:
    """Beat: remind the DPO mailbox of requests nearing their deadline."""
    return services.dpo_reminders_send(now=timezone.now())


@shared_task(acks_late=True)
def proof_sweep_task() -> dict:
    """Beat: proof reminders (15 and 3 days before) and suspension at the deadline."""
    return services.proof_sweep(now=timezone.now())
