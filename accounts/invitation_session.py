"""The invitation a visitor follows, kept in his session from the link to its acceptance.

Opening an invitation link while signed out stores its token (only the token) in
the session; the sign-up form then prefills the invited address and the
organisation's SIRET, the sign-up creates no join request for that organisation,
and after email verification or sign-in the person is sent back to the
invitation. Every read checks the invitation again: unknown, used or expired
tokens, or an invitation sent to another address than ``email``, read as none.
The token is forgotten once the invitation is accepted (and with the session at
sign-out).
"""

from django.http import HttpRequest

from . import selectors
from .models import Invitation

SESSION_KEY = "accounts_invitation"


def invitation_remember(request: HttpRequest, *, invitation: Invitation) -> None:
    """Remember ``invitation`` as the one this visitor follows (replaces any other)."""
    request.session[SESSION_KEY] = invitation.token


def invitation_followed(
    request: HttpRequest, *, now, email: str | None = None
) -> Invitation | None:
    """The still-valid invitation this visitor follows; with ``email``, only one sent to it."""
    token = getattr(request, "session", {}).get(SESSION_KEY)
    if not token:
        return None
    invitation = selectors.invitation_valid(token=token, now=now)
    if invitation is None or (email is not None and invitation.email != email.strip().lower()):
        return None
    return invitation


def invitation_forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
