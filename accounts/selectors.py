"""Read queries of the accounts app."""

from django.db.models import Prefetch, QuerySet

from platforms.models import Access

from .models import Membership, User


def user_memberships(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with organisation and accesses, in a fixed number of queries."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "accesses",
                queryset=Access.objects.select_related("platform", "role").order_by(
                    "platform__position", "role__name"
                ),
            )
        )
        .order_by("organisation__legal_name")
    )
