"""The CGU re-acceptance gate.

A signed-in user who has not accepted the version in force is sent to the gate
(``legal:cgu_gate``) from every page — the OIDC authorize endpoint included, so
no platform can be opened by SSO — until he accepts. Always reachable: static
files, every ``legal:`` URL (legal pages, the gate, refusal, cookie choices),
sign-out (also the OIDC logout), /healthz, and the URL names in ``LEGAL_GATE_EXEMPT_URL_NAMES``.
OPCO staff are gated like everyone else, the admin included — after the setup of
their second factor (the MFA pages they are confined to pass, ``staff_mfa_setup``).

Place it after AuthenticationMiddleware. In the steady state it costs no query:
the published timeline is cached, and the version the user accepted is kept in his
session (safe: versions are immutable and acceptances append-only).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from . import app_settings, selectors

# Sign-out (ours and the OIDC RP-initiated logout a platform redirects to) and the
# health check. Token, userinfo and revoke calls carry no session: never gated here.
ALWAYS_EXEMPT_URL_NAMES = {"account_logout", "idp:oidc:logout", "healthz"}
SESSION_KEY = "legal_cgu_accepted_version"


class CGUGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # A staff account setting up its second factor (set by
        # accounts.middleware.StaffMFARequiredMiddleware, which runs first) meets
        # the gate once the setup is done, not in the middle of it.
        if self._exempt(request) or getattr(request, "staff_mfa_setup", False):
            return None
        version_id = selectors.cgu_in_force_id(now=timezone.now())
        if version_id is None or request.session.get(SESSION_KEY) == version_id:
            return None
        if selectors.cgu_has_accepted(user=user, version=version_id):
            # Acceptances are append-only and versions immutable: remembering it is safe.
            request.session[SESSION_KEY] = version_id
            return None
        target = request.get_full_path() if request.method in ("GET", "HEAD") else reverse("home")
        return HttpResponseRedirect(f"{reverse('legal:cgu_gate')}?{urlencode({'next': target})}")

    @staticmethod
    def _exempt(request) -> bool:
        static_url = settings.STATIC_URL or "/static/"
        if request.path.startswith(static_url if static_url.startswith("/") else f"/{static_url}"):
            return True
        match = request.resolver_match
        if match is None:
            return True
        if "legal" in match.namespaces:
            return True
        exempt = ALWAYS_EXEMPT_URL_NAMES | set(app_settings.gate_extra_exempt_url_names())
        return match.view_name in exempt
