"""Template tags of the privacy app: what the user must act on, for his home page."""

from django import template
from django.utils import timezone

from .. import selectors

register = template.Library()


@register.inclusion_tag("privacy/_notices.html")
def privacy_notices(user):
    """Open proof-of-authority requests and a pending closure request of ``user``."""
    if not getattr(user, "is_authenticated", False):
        return {"proofs": [], "closure": None}
    return {
        "proofs": list(selectors.user_open_proof_requests(user=user)),
        "closure": selectors.pending_closure_request(user=user),
    }


@register.simple_tag
def privacy_back_office_counts():
    """Counts for the back-office home page (closure queue, overdue DPO requests)."""
    return selectors.back_office_counts(now=timezone.now())
