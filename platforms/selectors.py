"""Read queries of the platforms app (no writes here).

- ``deactivation_popin_accesses``: the one place saying which accesses make an
  account's deactivation be confirmed by the dated pop-in (an access on a
  platform with ``deactivation_popin``: M-Gestion, M-Contributions). Lifecycle
  asks it for one account; list selectors annotate it with ``Exists`` so a list
  costs no query per row.
"""

from django.db.models import Exists, OuterRef, QuerySet

from .models import Access

# Name of the flag list selectors annotate on users (read by lifecycle.selectors.needs_popin).
DEACTIVATION_POPIN_FLAG = "has_deactivation_popin_access"


def deactivation_popin_accesses(*, user) -> QuerySet[Access]:
    """Accesses of ``user`` (a User, a pk or an ``OuterRef``) on a pop-in platform."""
    return Access.objects.filter(membership__user=user, platform__deactivation_popin=True)


def deactivation_popin_exists(user_ref: str = "pk") -> Exists:
    """``Exists`` for annotating a User queryset (``user_ref``: the user's pk column)."""
    return Exists(deactivation_popin_accesses(user=OuterRef(user_ref)))
