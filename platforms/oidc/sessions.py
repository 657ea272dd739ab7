"""When the person behind a browser session last authenticated (OIDC ``auth_time``).

allauth logs each authentication of the session (password, code, MFA,
reauthentication) with its instant under ``account_authentication_methods``;
the latest is the session's ``auth_time``. A session opened otherwise (an
administrator's ``login()``, tests) falls back on ``User.last_login``. Read-only.
"""

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.http import HttpRequest


def authenticated_at(request: HttpRequest) -> int | None:
    """Epoch seconds of the session's latest authentication, or None (anonymous)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    instants = [
        record["at"]
        for record in records
        if isinstance(record, dict) and isinstance(record.get("at"), int | float)
    ]
    if instants:
        return int(max(instants))
    return int(user.last_login.timestamp()) if user.last_login else None
