"""Pages of the demo platform: who am I (claims and roles), third-party-initiated
login, and the receivers of back-channel logouts and Shared Signals events."""

import json
import logging
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .models import ReceivedEvent
from .ssf_receiver import InvalidSET, Receiver, verify_set

logger = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"


ROLE_NAMES = {
    "gestionnaire": "Gestionnaire",
    "administrateur": "Administrateur",
    "administrateur-cabinet-rh": "Administrateur Cabinet RH",
    "cabinet-comptable": "Cabinet comptable",
    "consultant": "Consultant",
    "adherent": "Adhérent",
    "partenaire": "Partenaire",
}


def _habilitations(userinfo) -> list[dict]:
    """The ``habilitations`` claim, with the roles' names for a person to read."""
    entries = (userinfo or {}).get("habilitations") or []
    return [
        {**entry, "role_names": [ROLE_NAMES.get(code, code) for code in entry.get("roles", [])]}
        for entry in entries
        if isinstance(entry, dict)
    ]


def home(request):
    userinfo = request.session.get("oidc_userinfo")
    context = {
        "habilitations": _habilitations(userinfo) if request.user.is_authenticated else [],
        "userinfo": json.dumps(request.session.get("oidc_userinfo"), indent=2, ensure_ascii=False),
        "id_token_claims": json.dumps(
            request.session.get("oidc_id_token_claims"), indent=2, ensure_ascii=False
        ),
        "provider": settings.PROVIDER,
    }
    return render(request, "demo_platform/home.html", context)


@require_http_methods(["GET", "POST"])
def initiate_login(request):
    """Third-party-initiated login (OpenID Connect Core 1.0 §4).

    The account centre's "Mes services en ligne" links here with ``iss``; the
    request is accepted only from our provider (``iss`` exactly its issuer), then
    the normal authorization code flow starts. ``target_link_uri`` is followed
    only when it points into this site (§4: never an open redirector).
    """
    params = request.POST if request.method == "POST" else request.GET
    if params.get("iss", "") != settings.OIDC_OP_ISSUER:
        return render(
            request,
            "demo_platform/initiate_refused.html",
            {"provider": settings.PROVIDER},
            status=400,
        )
    next_url = "/"
    target = params.get("target_link_uri", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(target)
        next_url = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return redirect(f"{reverse('oidc_authentication_init')}?{urlencode({'next': next_url})}")


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


class DjangoStore:
    """The demo site's tables as the receiver's store (local users are ``sub-<sub>``)."""

    def seen(self, jti: str) -> bool:
        return ReceivedEvent.objects.filter(jti=jti).exists()

    def remember(self, jti: str) -> None:
        ReceivedEvent.objects.get_or_create(jti=jti)

    def _user(self, sub: str):
        return get_user_model().objects.filter(username=f"sub-{sub}").first()

    def end_sessions(self, sub: str) -> int:
        user = self._user(sub)
        ended = 0
        if user is not None:
            for session in Session.objects.all():
                if session.get_decoded().get("_auth_user_id") == str(user.pk):
                    session.delete()
                    ended += 1
        return ended

    def delete_person(self, sub: str) -> bool:
        user = self._user(sub)
        if user is None:
            return False
        user.delete()
        return True


@csrf_exempt
@require_POST
def ssf_events(request):
    """Push delivery endpoint (RFC 8935): 202 when accepted, 400 with ``err`` otherwise."""
    if request.headers.get("Authorization", "") != settings.SSF_PUSH_AUTHORIZATION:
        return JsonResponse(
            {"err": "authentication_failed", "description": "bad Authorization"}, status=400
        )
    try:
        jwks = requests.get(settings.OIDC_OP_JWKS_ENDPOINT, timeout=5).json()
        claims = verify_set(
            request.body.decode("ascii", "replace"),
            jwks=jwks,
            issuer=settings.OIDC_OP_ISSUER,
            audience=settings.OIDC_RP_CLIENT_ID,
        )
    except InvalidSET as exc:
        logger.warning("rejected SET: %s", exc)
        return JsonResponse({"err": exc.err, "description": exc.description}, status=400)
    except requests.RequestException:
        return HttpResponse(status=503)  # the provider's JWKS is unreachable: retry later
    with transaction.atomic():
        done = Receiver(DjangoStore()).handle(claims)
    logger.warning("SET %s: %s", claims["jti"], ", ".join(done) or "duplicate")
    return HttpResponse(status=202)
