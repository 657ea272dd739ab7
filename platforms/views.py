"""Views of the platforms app: the SSO gate around allauth's provider, the activity API.

- ``authorize`` wraps allauth's authorization endpoint (allauth has no
  per-user authorisation hook): an inactive account or an account without a
  role on the platform never gets a code; PKCE must use S256; each code issued
  is recorded as a platform sign-in (activity, back-channel logout target).
- ``token`` wraps allauth's token endpoint to count each refresh as activity.
- ``activity`` is ``POST /api/v1/activity``; ``openapi`` describes it.
"""

import json
from urllib.parse import parse_qs, urlparse

from allauth.core.internal.httpkit import add_query_params
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.internal.clientkit import is_redirect_uri_allowed
from allauth.idp.oidc.models import Token
from django.core.exceptions import RequestDataTooBig
from django.core.signing import BadSignature, Signer
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
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
    client = platform.oidc_client
    if (
        "none" in prompt
        and redirect_uri
        and is_redirect_uri_allowed(
            redirect_uri, client.get_redirect_uris(), client.allow_uri_wildcards
        )
    ):
        query = {"error": "access_denied"}
        if params.get("state"):
            query["state"] = params["state"]
        response = HttpResponse(status=302)
        response["Location"] = add_query_params(redirect_uri, query)
        return response
    context = {
        "platform": platform,
        "reason": reason,
        "granters": selectors.access_granters(user=request.user) if reason == "no_access" else [],
    }
    return render(request, "platforms/authorize_refused.html", context, status=403)


def _issued_code(response) -> bool:
    if response.status_code != 302:
        return False
    query = parse_qs(urlparse(response.get("Location", "")).query)
    return "code" in query and "error" not in query


@never_cache
@xframe_options_deny
@csrf_exempt  # allauth's view enforces CSRF itself on the consent POST
def authorize(request):
    """allauth's authorization endpoint, behind the platforms' access rules."""
    params = _authorize_params(request)
    platform = selectors.platform_for_client_id(client_id=params.get("client_id") or "")
    method = params.get("code_challenge_method")
    if params.get("code_challenge") and method != "S256":
        return render(
            request,
            "platforms/authorize_error.html",
            {"message": _("PKCE : seule la méthode S256 est acceptée.")},
            status=400,
        )
    user = request.user
    prompt = (params.get("prompt") or "").split()
    if platform is None or not user.is_authenticated or "login" in prompt:
        # Unknown clients get allauth's error page; anonymous users its login.
        if platform is None and params.get("client_id") and user.is_authenticated:
            from allauth.idp.oidc.models import Client

            if Client.objects.filter(pk=params["client_id"]).exists():
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


def _refresh_token_row(value: str) -> Token | None:
    if not value:
        return None
    return (
        Token.objects.valid()
        .filter(type=Token.Type.REFRESH_TOKEN, hash=get_adapter().hash_token(value))
        .select_related("user", "client")
        .first()
    )


@csrf_exempt  # token endpoint: client authentication, not cookies
def token(request):
    """allauth's token endpoint, with the platforms' rules on refresh.

    A refresh for an account that no longer holds any role on the platform is
    refused (``invalid_grant``) and that platform's tokens of the account are
    dropped; a successful refresh counts as activity.
    """
    is_refresh = request.method == "POST" and request.POST.get("grant_type") == "refresh_token"
    if is_refresh:
        current = _refresh_token_row(request.POST.get("refresh_token", ""))
        platform = selectors.platform_for_client(client=current.client) if current else None
        if (
            current is not None
            and current.user is not None
            and platform is not None
            and not selectors.user_has_access(user=current.user, platform=platform)
        ):
            Token.objects.filter(user=current.user, client=current.client).delete()
            return JsonResponse(
                {
                    "error": "invalid_grant",
                    "error_description": _("Le compte n'a plus de rôle sur cette plateforme."),
                },
                status=400,
            )
    response = oidc_views.token(request)
    if is_refresh and response.status_code == 200:
        try:
            access_token = json.loads(response.content).get("access_token")
        except (ValueError, AttributeError):
            access_token = None
        if access_token:
            issued = (
                Token.objects.filter(
                    type=Token.Type.ACCESS_TOKEN, hash=get_adapter().hash_token(access_token)
                )
                .select_related("user", "client")
                .first()
            )
            platform = selectors.platform_for_client(client=issued.client) if issued else None
            if issued and issued.user and platform:
                services.platform_refresh_record(
                    user=issued.user, platform=platform, now=timezone.now()
                )
    return response


def _api_error(status: int, code: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _platform_from_bearer(request):
    """The platform whose client-credentials access token authorises the request."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    issued = (
        Token.objects.valid()
        .filter(type=Token.Type.ACCESS_TOKEN, hash=get_adapter().hash_token(value.strip()))
        .select_related("client")
        .first()
    )
    if issued is None or issued.user_id is not None or issued.client is None:
        return None
    return selectors.platform_for_client(client=issued.client)


@csrf_exempt  # bearer-token API, no cookie authentication
@require_POST
def activity(request):
    """``POST /api/v1/activity``: a platform reports its users' activity."""
    platform = _platform_from_bearer(request)
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
