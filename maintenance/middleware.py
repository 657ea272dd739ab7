"""During a maintenance window, answer 503 with the message and ``Retry-After``.

Who still gets through: OPCO staff (the back-office and every page, so they can
work and check), ``/healthz`` (it reports the maintenance), static files. What
the others get, by endpoint:

- OAuth 2.0 authorization endpoint: a redirect to the client with
  ``error=temporarily_unavailable`` (RFC 6749 §4.1.2.1) when the request names a
  registered client and redirect URI; otherwise a 503 page;
- token, userinfo, and the other JSON endpoints (``/oauth/``, ``/api/``,
  ``/identity/``...): 503 with a JSON body ``{"error": "temporarily_unavailable",
  "error_description": ...}`` and ``Retry-After`` (RFC 6749 §5.2 has no code for
  it; RFC 9110 §15.6.4 defines 503 and Retry-After);
- pages: the 503 page with the message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.idp.oidc.models import Client
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone

from . import app_settings, selectors

ALWAYS_OPEN = ("/healthz", "/readyz", "/metrics", "/static/", "/favicon.ico")


def _retry_after(window, now) -> str:
    return str(max(1, int((window.ends_at - now).total_seconds())))


def _authorize_redirect(request, window):
    """RFC 6749 §4.1.2.1: errors go back to a known client's registered redirect URI."""
    client_id = request.GET.get("client_id", "")
    redirect_uri = request.GET.get("redirect_uri", "")
    if not client_id or not redirect_uri:
        return None
    client = Client.objects.filter(id=client_id).first()
    if client is None or redirect_uri not in client.get_redirect_uris():
        return None
    params = {
        "error": "temporarily_unavailable",
        "error_description": window.message[:200],
    }
    if "state" in request.GET:
        params["state"] = request.GET["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(redirect_uri + separator + urlencode(params))


class MaintenanceMiddleware:
    """After authentication (it needs ``request.user`` to let staff through)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        now = timezone.now()
        window = selectors.current_window(now=now)
        if window is None:
            request.maintenance_announced = selectors.announced_window(now=now)
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.maintenance_current = window
            return self.get_response(request)
        if path.startswith(app_settings.staff_sign_in_paths()):
            # Staff must be able to sign in to reach the back-office.
            return self.get_response(request)
        return self._unavailable(request, window, now)

    def _unavailable(self, request, window, now):
        retry = _retry_after(window, now)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match is not None and match.view_name == "idp:oidc:authorization":
            redirect = _authorize_redirect(request, window)
            if redirect is not None:
                redirect["Retry-After"] = retry
                return redirect
            json = False
        else:
            json = request.path.startswith(app_settings.json_prefixes())
        if json:
            response = JsonResponse(
                {"error": "temporarily_unavailable", "error_description": window.message},
                status=503,
            )
        else:
            response = render(
                request, "maintenance/unavailable.html", {"window": window}, status=503
            )
        response["Retry-After"] = retry
        response["Cache-Control"] = "no-store"
        return response


def banner(request) -> dict:
    """Context processor: the announced or current window, for the banner in base.html."""
    return {
        "maintenance_announced": getattr(request, "maintenance_announced", None),
        "maintenance_current": getattr(request, "maintenance_current", None),
    }
