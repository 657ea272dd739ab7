"""Read queries of the privacy app."""

from django.db.models import QuerySet

from .models import ClosureRequest, DpoRequest, ProofRequest


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


def back_office_counts(*, now) -> dict[str, int]:
    """The privacy counts of the back-office home page: closure queue, overdue DPO requests."""
    return {
        "closures": ClosureRequest.objects.filter(status=ClosureRequest.Status.PENDING).count(),
        "dpo_overdue": DpoRequest.objects.filter(
            status=DpoRequest.Status.OPEN, due_at__lte=now
        ).count(),
    }
