"""Session lifetimes and mandatory MFA for OPCO staff.

``SessionLifetimeMiddleware`` ends a session that has been idle too long, or
(staff) that is older than its absolute lifetime, whatever the cookie says:
staff 30 minutes idle and 12 hours absolute, everyone else 12 hours idle
(settings ``SECURITY_*SESSION*``). The timestamps live in the session itself,
server side; the sign-in instant is set on the first request after sign-in
(Django gives that session a new key, so it cannot be an older one).

``StaffMFARequiredMiddleware`` confines a staff account without a second factor
(TOTP or security key) to the pages that let it set one up, sign out, and the
static files and health check: everything else redirects to the MFA page.
"""

from __future__ import annotations

from allauth.usersessions import app_settings as allauth_usersessions_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .security import has_mfa
from .sessions import touch_mark_key, touch_mark_seconds

SESSION_AUTH_AT = "_security_auth_at"
SESSION_SEEN_AT = "_security_seen_at"
SESSION_MFA_AT = "_security_mfa_at"
# A staff member who removes his last authenticator is confined again within this delay.
MFA_RECHECK_SECONDS = 5 * 60


def _limits(user) -> tuple[int, int | None]:
    """(idle seconds, absolute seconds or None) for ``user``."""
    if user.is_staff:
        return (
            getattr(settings, "SECURITY_STAFF_SESSION_IDLE", 30 * 60),
            getattr(settings, "SECURITY_STAFF_SESSION_ABSOLUTE", 12 * 3600),
        )
    return getattr(settings, "SECURITY_SESSION_IDLE", 12 * 3600), None


class SessionLifetimeMiddleware:
    """Log out sessions past their idle or absolute lifetime (ASVS 7.3.1, 7.3.2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            idle, absolute = _limits(user)
            session = request.session
            auth_at = session.get(SESSION_AUTH_AT)
            seen_at = session.get(SESSION_SEEN_AT)
            expired = (seen_at is not None and now - seen_at > idle) or (
                absolute is not None and auth_at is not None and now - auth_at > absolute
            )
            if expired:
                logout(request)
                messages.info(
                    request, _("Votre session a expiré. Merci de vous connecter de nouveau.")
                )
                login_url = resolve_url(settings.LOGIN_URL)
                return redirect(f"{login_url}?{urlencode({'next': request.get_full_path()})}")
            if auth_at is None:
                session[SESSION_AUTH_AT] = now
            # Write at most once a minute: an idle limit needs no finer grain.
            if seen_at is None or now - seen_at >= 60:
                session[SESSION_SEEN_AT] = now
        return self.get_response(request)


# URL names a staff account without MFA may still reach: the MFA setup pages and
# what they need (password confirmation), sign-out, the health check.
MFA_SETUP_URL_NAMES = {
    "accounts:staff_mfa",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "mfa_reauthenticate_webauthn",
    "account_reauthenticate",
    "account_logout",
    "idp:oidc:logout",
    "healthz",
}
# Whole namespaces left open: the legal pages (the CGU gate sends staff there too;
# closing it would bounce between the two gates).
MFA_EXEMPT_NAMESPACES = {"legal"}


class StaffMFARequiredMiddleware:
    """A staff account without a second factor only reaches the MFA setup pages.

    Anything else redirects to ``accounts:staff_mfa``, the page that says why and
    starts the setup. On the setup pages it sets ``request.staff_mfa_setup``, which
    the CGU gate (placed after this middleware) honours: the second factor first, then
    the terms, then the back-office.

    Extra URL names may be opened with the ``SECURITY_MFA_EXEMPT_URL_NAMES`` setting.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        if self._has_mfa(request, user):
            return None
        if self._allowed(request):
            # The setup comes first: the CGU gate lets these pages through.
            request.staff_mfa_setup = True
            return None
        return redirect("accounts:staff_mfa")

    @staticmethod
    def _has_mfa(request, user) -> bool:
        """``has_mfa``, remembered in the session for a few minutes (no query per page)."""
        now = timezone.now().timestamp()
        checked_at = request.session.get(SESSION_MFA_AT)
        if checked_at is not None and 0 <= now - checked_at < MFA_RECHECK_SECONDS:
            return True
        if has_mfa(user):
            request.session[SESSION_MFA_AT] = now
            return True
        request.session.pop(SESSION_MFA_AT, None)
        return False

    @staticmethod
    def _allowed(request) -> bool:
        static_url = getattr(settings, "STATIC_URL", None) or "/static/"
        if request.path.startswith(static_url if static_url.startswith("/") else f"/{static_url}"):
            return True
        match = request.resolver_match
        if match is None:
            return False
        extra = set(getattr(settings, "SECURITY_MFA_EXEMPT_URL_NAMES", ()))
        if match.view_name in MFA_SETUP_URL_NAMES | extra:
            return True
        return bool(set(match.namespaces) & MFA_EXEMPT_NAMESPACES)


class ThrottledUserSessionsMiddleware:
    """allauth's ``UserSessionsMiddleware``, writing the user-session row at most every few minutes.

    allauth rewrites ``usersessions_usersession`` (last seen, IP, user agent) on every
    signed-in request; the "active sessions" page needs no finer grain than
    ``RELIABILITY_USERSESSION_TOUCH_SECONDS`` (default 5 minutes). The row is still
    written at once when the session key, the client IP or the user agent changed
    (allauth's ``session_client_changed`` signal keeps firing), and the sign-in itself
    creates it (allauth's ``user_logged_in`` receiver), so revoking a user's sessions
    never misses one. The "recently written" mark lives in the cache (one ``add``
    per request), not in the session, which it would otherwise rewrite.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            allauth_usersessions_settings.TRACK_ACTIVITY
            and hasattr(request, "session")
            and request.session.session_key
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and cache.add(touch_mark_key(request), 1, timeout=touch_mark_seconds())
        ):
            UserSession.objects.create_from_request(request)
        return self.get_response(request)
