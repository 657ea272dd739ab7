"""Ending an account's single sign-on everywhere.

``revoke_all`` is what ``lifecycle`` (and sign-out) call when an account must
lose every grant it holds on the platforms: deactivation, suspension, deletion,
password change. Invariant: after it returns (and its transaction commits), no
access token, refresh token or authorization code of the user is accepted.
"""

from allauth.idp.oidc.models import Token
from django.db import transaction


@transaction.atomic
def revoke_all(*, user) -> int:
    """Delete every OIDC token and code of ``user``; return how many were deleted."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
