"""Pages of the demo platform: who am I (claims), and the back-channel logout receiver."""

import json
import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

logger = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def home(request):
    context = {
        "userinfo": json.dumps(request.session.get("oidc_userinfo"), indent=2, ensure_ascii=False),
        "id_token_claims": json.dumps(
            request.session.get("oidc_id_token_claims"), indent=2, ensure_ascii=False
        ),
        "provider": settings.PROVIDER,
    }
    return render(request, "demo_platform/home.html", context)


def provider_logout_url(request):
    """RP-initiated logout: send the browser to the provider's end-session endpoint."""
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri("/"),
    }
    if id_token := request.session.get("oidc_id_token"):
        params["id_token_hint"] = id_token
    return f"{settings.PROVIDER}/identity/o/logout?{urlencode(params)}"


def _verify_logout_token(value: str) -> dict:
    """Checks of OpenID Connect Back-Channel Logout 1.0, section 2.6."""
    jwks = requests.get(settings.OIDC_OP_JWKS_ENDPOINT, timeout=5).json()
    token = jwt.decode(value, KeySet.import_key_set(jwks), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": settings.OIDC_OP_ISSUER},
        aud={"essential": True, "value": settings.OIDC_RP_CLIENT_ID},
        iat={"essential": True},
        jti={"essential": True},
    ).validate(token.claims)
    claims = token.claims
    if EVENT not in (claims.get("events") or {}):
        raise ValueError("missing back-channel logout event")
    if "nonce" in claims:
        raise ValueError("a logout token must not carry a nonce")
    if not claims.get("sub") and not claims.get("sid"):
        raise ValueError("sub or sid required")
    return claims


@csrf_exempt
@require_POST
def backchannel_logout(request):
    try:
        claims = _verify_logout_token(request.POST.get("logout_token", ""))
    except (JoseError, ValueError, requests.RequestException) as exc:
        logger.warning("rejected logout token: %s", exc)
        return HttpResponseBadRequest("invalid logout token")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=f"sub-{claims['sub']}").first()
    ended = 0
    if user is not None:
        for session in Session.objects.all():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
                ended += 1
    logger.warning("back-channel logout for sub %s: %s session(s) ended", claims["sub"], ended)
    response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response
