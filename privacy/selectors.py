"""Read queries of the privacy app."""

import hashlib

from django.db.models import QuerySet

from .models import ClosureRequest, DpoRequest, LostCredentialsConfirmation, ProofRequest


def pending_closure_request(*, user) -> ClosureRequest | None:
    return ClosureRequest.objects.filter(user=user, status=ClosureRequest.Status.PENDING).first()


def user_proof_requests(*, user) -> QuerySet[ProofRequest]:
    return (
        ProofRequest.objects.filter(user=user)
        .select_related("organisation")
        .order_by("-requested_at")
    )


def user_open_proof_requests(*, user) -> QuerySet[ProofRequest]:
    """Proof requests the user still has to act on (shown at sign-in and on the home page)."""
    return user_proof_requests(user=user).filter(
        status__in=[ProofRequest.Status.PENDING, ProofRequest.Status.EXPIRED]
    )


def lost_credentials_link_valid(*, token: str, now) -> bool:
    """Whether an emailed "Oui, suspendre mon compte" link can still be used."""
    digest = hashlib.sha256((token or "").encode()).hexdigest()
    return LostCredentialsConfirmation.objects.filter(
        token_hash=digest, used_at__isnull=True, expires_at__gt=now
    ).exists()


def back_office_counts(*, now) -> dict[str, int]:
    """The privacy counts of the back-office home page: closure queue, overdue DPO requests."""
    return {
        "closures": ClosureRequest.objects.filter(status=ClosureRequest.Status.PENDING).count(),
        "dpo_overdue": DpoRequest.objects.filter(
            status=DpoRequest.Status.OPEN, due_at__lte=now
        ).count(),
    }
