"""Views of the platforms app: the SSO gate around allauth's provider, the activity API.

- ``authorize`` wraps allauth's authorization endpoint (allauth has no
  per-user authorisation hook): an inactive account or an account without a
  role on the platform never gets a code; ``max_age`` is honoured; each code issued
  is recorded as a platform sign-in (activity, back-channel logout target).
- ``token`` wraps allauth's token endpoint: client-authentication throttle,
  refresh grace window, ``WWW-Authenticate: Basic``, refresh as activity.
- ``configuration`` is allauth's discovery with every URL built from the issuer.
- ``activity`` is ``POST /api/v1/activity``; ``openapi`` describes it.
"""

import json
import time
from urllib.parse import parse_qs, urlparse, urlsplit

from allauth.core.internal.httpkit import add_query_params
from allauth.idp.oidc import app_settings as allauth_settings
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.models import Client
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import RequestDataTooBig
from django.core.signing import BadSignature, Signer
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import activity as activity_services
from . import app_settings, hooks, openapi
from . import sso_selectors as selectors
from . import sso_services as services
from .oidc import clientauth, families
from .oidc.redirects import redirect_uri_registered
from .oidc.sessions import authenticated_at


def _authorize_params(request) -> dict:
    """The authorization request's parameters, wherever allauth carries them."""
    if request.method == "POST" and request.POST.get("request"):
        try:
            _scopes, info = Signer().unsign_object(request.POST["request"])
        except BadSignature:
            return {}
        return info if isinstance(info, dict) else {}
    source = request.GET if request.method == "GET" else request.POST
    return {key: source.get(key) for key in source}


def _refuse(request, platform, *, reason: str, params: dict) -> HttpResponse:
    prompt = (params.get("prompt") or "").split()
    redirect_uri = params.get("redirect_uri") or ""
    if "none" in prompt and redirect_uri_registered(platform.oidc_client, redirect_uri):
        return _client_redirect(redirect_uri, error="access_denied", state=params.get("state"))
    context = {
        "platform": platform,
        "reason": reason,
        "granters": selectors.access_granters(user=request.user) if reason == "no_access" else [],
    }
    return render(request, "platforms/authorize_refused.html", context, status=403)


def _client_redirect(redirect_uri: str, *, error: str, state: str | None, description=None):
    """An authorization error sent back to the client (RFC 6749 §4.1.2.1)."""
    query = {"error": error}
    if description:
        query["error_description"] = description
    if state:
        query["state"] = state
    response = HttpResponse(status=302)
    response["Location"] = add_query_params(redirect_uri, query)
    return response


def _issued_code(response) -> bool:
    if response.status_code != 302:
        return False
    query = parse_qs(urlparse(response.get("Location", "")).query)
    return "code" in query and "error" not in query


def _max_age_exceeded(request, params: dict, platform) -> HttpResponse | None:
    """OIDC Core §3.1.2.1: a sign-in older than ``max_age`` seconds must be done again.

    Returns the redirect to a fresh authentication (allauth's reauthentication,
    back to this very request afterwards), an ``invalid_request`` for a
    malformed ``max_age``, or None when the session is recent enough.
    """
    raw = params.get("max_age")
    if raw in (None, ""):
        return None
    try:
        max_age = int(raw)
        if max_age < 0:
            raise ValueError(raw)
    except (TypeError, ValueError):
        redirect_uri = params.get("redirect_uri") or ""
        if redirect_uri_registered(platform.oidc_client, redirect_uri):
            return _client_redirect(
                redirect_uri,
                error="invalid_request",
                state=params.get("state"),
                description="max_age must be a non-negative integer",
            )
        return render(
            request,
            "platforms/authorize_error.html",
            {"message": _("Paramètre max_age invalide.")},
            status=400,
        )
    authenticated = authenticated_at(request)
    if authenticated is not None and time.time() - authenticated <= max_age:
        return None
    return HttpResponseRedirect(
        add_query_params(
            reverse("account_reauthenticate"), {REDIRECT_FIELD_NAME: request.get_full_path()}
        )
    )


@never_cache
@xframe_options_deny
@csrf_exempt  # allauth's view enforces CSRF itself on the consent POST
def authorize(request):
    """allauth's authorization endpoint, behind the platforms' access rules.

    PKCE (S256 only, for every client), redirect URI matching and the
    refusals sent back to the client are the validator's
    (``platforms.oidc.server``); this wrapper adds who may enter the platform
    and ``max_age``; allauth handles ``prompt=login``.
    """
    params = _authorize_params(request)
    platform = selectors.platform_for_client_id(client_id=params.get("client_id") or "")
    user = request.user
    prompt = (params.get("prompt") or "").split()
    if platform is None or not user.is_authenticated or "login" in prompt:
        # Unknown clients get allauth's error page; anonymous users its login.
        if (
            platform is None
            and params.get("client_id")
            and user.is_authenticated
            and Client.objects.filter(pk=params["client_id"]).exists()
        ):
            return render(
                request,
                "platforms/authorize_error.html",
                {"message": _("Ce client n'est rattaché à aucune plateforme centralisée.")},
                status=403,
            )
        return oidc_views.authorization(request)
    if not user.is_active:
        return _refuse(request, platform, reason="inactive", params=params)
    if not selectors.user_has_access(user=user, platform=platform):
        return _refuse(request, platform, reason="no_access", params=params)
    stale = _max_age_exceeded(request, params, platform)
    if stale is not None:
        return stale
    for gate in hooks.authorize_gates():
        # e.g. the legal app's CGU gate: a response (redirect to accept the
        # terms) stops the flow before any code is issued.
        gated = gate(request=request, user=user, platform=platform)
        if gated is not None:
            return gated
    response = oidc_views.authorization(request)
    if _issued_code(response):
        services.platform_login_record(user=user, platform=platform, now=timezone.now())
    return response


def _throttled(wait: int) -> JsonResponse:
    response = JsonResponse(
        {
            "error": "invalid_client",
            "error_description": _(
                "Trop d'échecs d'authentification du client : réessayez dans %(seconds)s s."
            )
            % {"seconds": wait},
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    return response


def _grace_replay(request, *, now) -> JsonResponse | None:
    """The pair already issued for a just-rotated refresh token (grace window)."""
    value = request.POST.get("refresh_token", "")
    if not value or not families.grace_pending(value):
        return None
    # A failure is counted by the token endpoint that runs next, not twice.
    client = clientauth.authenticate_client(request, now=now, count_failure=False)
    if client is None:
        return None
    pair = families.grace_replay(old_value=value, client_id=client.id)
    if pair is None:
        return None
    response = JsonResponse(pair)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt  # token endpoint: client authentication, not cookies
def token(request):
    """allauth's token endpoint, with the platforms' rules.

    - failed client authentications are throttled per client id and per IP
      (429 with ``Retry-After``); a failed authentication answers 401 with
      ``WWW-Authenticate: Basic`` (RFC 6749 §5.2);
    - a just-rotated refresh token presented again within the grace window
      gets the same pair (``platforms.oidc.families``);
    - the refresh rules (access still held, reuse detection) are the
      validator's, and so is recording a successful refresh as activity.
    """
    now = timezone.now()
    is_refresh = request.method == "POST" and request.POST.get("grant_type") == "refresh_token"
    if request.method == "POST":
        wait = clientauth.throttled_for(
            request, client_id=clientauth.presented_client_id(request), now=now
        )
        if wait is not None:
            return _throttled(wait)
        if is_refresh:
            replayed = _grace_replay(request, now=now)
            if replayed is not None:
                return replayed
    response = oidc_views.token(request)
    if response.status_code == 401:
        response["WWW-Authenticate"] = f'Basic realm="{app_settings.issuer()}"'
    return response


DISCOVERY_URLS = {
    "authorization_endpoint": "idp:oidc:authorization",
    "token_endpoint": "idp:oidc:token",
    "userinfo_endpoint": "idp:oidc:userinfo",
    "end_session_endpoint": "idp:oidc:logout",
    "jwks_uri": "idp:oidc:jwks",
    "revocation_endpoint": "idp:oidc:revoke",
    "introspection_endpoint": "idp:oidc:introspect",
    "registration_endpoint": "idp:oidc:client_registration",
}


def issuer_url(path: str) -> str:
    """``path`` on the configured issuer's origin (never the request's Host)."""
    parts = urlsplit(app_settings.issuer())
    return f"{parts.scheme}://{parts.netloc}{path}"


@require_GET
def configuration(request):
    """Discovery (OIDC Discovery §3, RFC 8414 §2): every URL built from the issuer."""
    response = oidc_views.configuration(request)
    data = json.loads(response.content)
    for key, name in DISCOVERY_URLS.items():
        if key in data and not (key == "userinfo_endpoint" and allauth_settings.USERINFO_ENDPOINT):
            data[key] = issuer_url(reverse(name))
    result = JsonResponse(data)
    result["Access-Control-Allow-Origin"] = "*"
    return result


def _api_error(status: int, code: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@csrf_exempt  # bearer-token API, no cookie authentication
@require_POST
def activity(request):
    """``POST /api/v1/activity``: a platform reports its users' activity."""
    platform = selectors.platform_for_bearer(request.headers.get("Authorization", ""))
    if platform is None:
        return _api_error(
            401,
            "invalid_token",
            _("Jeton d'accès (client credentials d'une plateforme) manquant ou invalide."),
            WWW_Authenticate='Bearer error="invalid_token"',
        )
    try:
        body = request.body
    except RequestDataTooBig:
        return _api_error(413, "too_large", _("Corps de requête trop volumineux."))
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _api_error(400, "malformed", _("Le corps doit être un tableau JSON."))
    if not isinstance(items, list):
        return _api_error(400, "malformed", _("Le corps doit être un tableau JSON."))
    limit = app_settings.activity_max_items()
    if len(items) > limit:
        return _api_error(
            422, "too_many_items", _("Au plus %(limit)s éléments par requête.") % {"limit": limit}
        )
    results = activity_services.activity_report(platform=platform, items=items, now=timezone.now())
    recorded = sum(1 for result in results if result.status == 200)
    return JsonResponse(
        {
            "recorded": recorded,
            "rejected": len(results) - recorded,
            "results": [result.as_dict() for result in results],
        },
        status=200 if recorded == len(results) else 207,
    )


@require_GET
def openapi_document(request):
    """The OpenAPI 3.1 description of the platforms' API."""
    response = JsonResponse(openapi.document(request), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
