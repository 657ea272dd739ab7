"""Views of the SAML identity provider (SAML 2.0 Profiles §4.1 Web Browser SSO, §4.4 SLO).

- ``metadata``: the IdP's signed metadata (stable URL, also its entityID).
- ``sso``: receives an AuthnRequest over HTTP-Redirect or HTTP-POST, checks its
  issuer, age and uniqueness (replay), keeps it in the session and sends the
  browser to ``sso_continue``. It is exempt from the CGU gate only because it
  decides nothing: ``sso_continue`` is gated like every page.
- ``sso_continue``: signed in, CGU accepted, account active, a role on the
  platform → a signed Response with a signed (and, when the SP asks, encrypted)
  assertion, posted to the SP's assertion consumer service; the sign-in counts
  as activity.
- ``idp_initiated``: the same, unsolicited, from the person's own page (POST).
- ``slo``: an SP's LogoutRequest ends the account-centre session, the other
  platforms' sessions (OIDC back-channel logout, SAML SOAP logout) and answers
  with a LogoutResponse.
"""

import base64
import logging
import re
import secrets
from datetime import datetime, timedelta
from functools import wraps

from defusedxml import ElementTree
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.s_utils import decode_base64_and_inflate
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NameID

from .. import hooks, sso_services
from .. import sso_selectors as access
from ..models import Platform
from ..sessions import revoke_all
from . import app_settings, idp, metadata, selectors, services
from .models import SamlSession, ServiceProvider

logger = logging.getLogger(__name__)
PENDING_KEY = "saml_pending_requests"
ISSUER_TAG = "{urn:oasis:names:tc:SAML:2.0:assertion}Issuer"


def saml_enabled(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not app_settings.enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _error(request, message: str, status: int = 400) -> HttpResponse:
    return render(request, "platforms/saml/error.html", {"message": message}, status=status)


def _binding_and_params(request) -> tuple[str, dict]:
    if request.method == "POST":
        return BINDING_HTTP_POST, request.POST
    return BINDING_HTTP_REDIRECT, request.GET


def _peek_issuer(encoded: str, binding: str) -> str:
    """The Issuer of an unverified SAML request (to name an unknown provider), or ""."""
    try:
        xml = (
            decode_base64_and_inflate(encoded)
            if binding == BINDING_HTTP_REDIRECT
            else base64.b64decode(encoded)
        )
        issuer = ElementTree.fromstring(xml).find(ISSUER_TAG)
    except Exception:
        return ""
    return (issuer.text or "").strip() if issuer is not None else ""


def _instant(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@saml_enabled
@require_GET
def metadata_view(request):
    return HttpResponse(idp.metadata_xml(), content_type="application/samlmetadata+xml")


@saml_enabled
@never_cache
@csrf_exempt  # the SP's page posts the AuthnRequest cross-site; nothing is decided here
@require_http_methods(["GET", "POST"])
def sso(request):
    binding, params = _binding_and_params(request)
    encoded = params.get("SAMLRequest")
    if not encoded:
        return _error(request, _("La demande de connexion SAML est absente."))
    if selectors.provider_for_entity_id(entity_id=_peek_issuer(encoded, binding)) is None:
        return _error(request, _("Ce fournisseur de service n'est pas enregistré."))
    server = idp.server()
    try:
        parsed = server.parse_authn_request(encoded, binding)
    except Exception:
        logger.info("saml: unreadable AuthnRequest", exc_info=True)
        parsed = None
    message = getattr(parsed, "message", None)
    if message is None:
        return _error(request, _("La demande de connexion SAML est illisible ou mal signée."))
    provider = selectors.provider_for_entity_id(
        entity_id=message.issuer.text if message.issuer is not None else ""
    )
    if provider is None:
        return _error(request, _("Ce fournisseur de service n'est pas enregistré."))
    now = timezone.now()
    issued = _instant(message.issue_instant)
    if (
        issued is None
        or issued < now - timedelta(seconds=app_settings.request_max_age_seconds())
        or issued > now + timedelta(seconds=app_settings.clock_skew_seconds())
    ):
        return _error(
            request, _("La demande de connexion SAML a expiré : recommencez depuis la plateforme.")
        )
    try:
        response_args = server.response_args(message, [BINDING_HTTP_POST])
    except Exception:
        logger.info("saml: no usable assertion consumer service", exc_info=True)
        return _error(
            request, _("L'adresse de retour demandée n'est pas déclarée par ce fournisseur.")
        )
    if not services.saml_request_remember(provider=provider, request_id=message.id, now=now):
        return _error(request, _("Cette demande de connexion a déjà été utilisée."))
    key = secrets.token_urlsafe(16)
    pending = _live_pending(request, now=now)
    pending[key] = {
        "provider": provider.pk,
        "in_response_to": message.id,
        "destination": response_args["destination"],
        "relay_state": params.get("RelayState", ""),
        "received_at": now.isoformat(),
    }
    request.session[PENDING_KEY] = pending
    return redirect("saml:continue", key=key)


def _live_pending(request, *, now) -> dict:
    ttl = timedelta(seconds=app_settings.pending_request_ttl_seconds())
    return {
        key: value
        for key, value in (request.session.get(PENDING_KEY) or {}).items()
        if datetime.fromisoformat(value["received_at"]) > now - ttl
    }


def _refusal(request, provider: ServiceProvider) -> HttpResponse | None:
    """The same gates as the OIDC authorize endpoint, or None to go on."""
    user, platform = request.user, provider.platform
    if not user.is_active:
        context = {"platform": platform, "reason": "inactive", "granters": []}
        return render(request, "platforms/authorize_refused.html", context, status=403)
    if not access.user_has_access(user=user, platform=platform):
        context = {
            "platform": platform,
            "reason": "no_access",
            "granters": access.access_granters(user=user),
        }
        return render(request, "platforms/authorize_refused.html", context, status=403)
    for gate in hooks.authorize_gates():
        gated = gate(request=request, user=user, platform=platform)
        if gated is not None:
            return gated
    return None


def _post_response(
    request,
    *,
    provider: ServiceProvider,
    in_response_to: str | None,
    destination: str,
    relay_state: str,
) -> HttpResponse:
    """Sign (and encrypt) the assertion, record the session and the activity, post it."""
    user, now = request.user, timezone.now()
    server = idp.server()
    name_id_value = services.saml_subject_for(user=user, provider=provider)
    name_id = NameID(
        format=provider.name_id_format,
        name_qualifier=idp.entity_id(),
        sp_name_qualifier=provider.entity_id,
        text=name_id_value,
    )
    encrypt = metadata.wants_encryption(provider.metadata_xml)
    authn_instant = user.last_login or now
    response = server.create_authn_response(
        selectors.released_identity(user=user, provider=provider),
        in_response_to,
        destination,
        provider.entity_id,
        name_id=name_id,
        authn={
            "class_ref": AUTHN_PASSWORD_PROTECTED,
            "authn_instant": int(authn_instant.timestamp()),
        },
        sign_response=True,
        sign_assertion=True,
        encrypt_assertion=encrypt,
        encrypt_cert_assertion=metadata.encryption_certificate_pem(provider.metadata_xml)
        if encrypt
        else None,
    )
    services.saml_session_start(user=user, provider=provider, name_id=name_id_value, now=now)
    sso_services.platform_login_record(user=user, platform=provider.platform, now=now)
    info = server.apply_binding(
        BINDING_HTTP_POST, str(response), destination, relay_state, response=True
    )
    return _post_form(
        request,
        url=destination,
        fields={"SAMLResponse": _field(info, "SAMLResponse"), "RelayState": relay_state},
        provider=provider,
    )


def _field(info: dict, name: str) -> str:
    """The value pysaml2 put in its auto-post form (we render our own, CSP-clean)."""
    match = re.search(rf'name="{name}" value="([^"]*)"', info["data"])
    return match.group(1) if match else ""


def _post_form(request, *, url: str, fields: dict, provider: ServiceProvider) -> HttpResponse:
    return render(
        request,
        "platforms/saml/post.html",
        {"url": url, "fields": {k: v for k, v in fields.items() if v}, "provider": provider},
    )


@saml_enabled
@never_cache
@require_GET
def sso_continue(request, key: str):
    now = timezone.now()
    pending = _live_pending(request, now=now)
    entry = pending.get(key)
    if entry is None:
        return _error(
            request, _("Cette demande de connexion a expiré : recommencez depuis la plateforme.")
        )
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))
    provider = (
        ServiceProvider.objects.filter(pk=entry["provider"], is_active=True)
        .select_related("platform")
        .first()
    )
    if provider is None:
        return _error(request, _("Ce fournisseur de service n'est plus enregistré."))
    refused = _refusal(request, provider)
    if refused is not None:
        return refused
    pending.pop(key)
    request.session[PENDING_KEY] = pending
    return _post_response(
        request,
        provider=provider,
        in_response_to=entry["in_response_to"],
        destination=entry["destination"],
        relay_state=entry["relay_state"],
    )


@saml_enabled
@never_cache
@require_http_methods(["GET", "POST"])
def idp_initiated(request, platform_code: str):
    """IdP-initiated sign-in to a platform (SAML 2.0 Profiles §4.1.5, unsolicited)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))
    platform = get_object_or_404(Platform, code=platform_code, is_centralised=True)
    provider = selectors.provider_for_platform(platform=platform)
    if provider is None:
        raise Http404
    refused = _refusal(request, provider)
    if refused is not None:
        return refused
    if request.method == "GET":
        return render(request, "platforms/saml/idp_initiated.html", {"platform": platform})
    server = idp.server()
    destination = server.metadata.assertion_consumer_service(provider.entity_id, BINDING_HTTP_POST)
    if not destination:
        return _error(request, _("Ce fournisseur ne déclare pas d'adresse de retour HTTP-POST."))
    return _post_response(
        request,
        provider=provider,
        in_response_to=None,
        destination=destination[0]["location"],
        relay_state="",
    )


@saml_enabled
@never_cache
@csrf_exempt  # the SP posts its LogoutRequest cross-site; it is signed-checked by issuer
@require_http_methods(["GET", "POST"])
def slo(request):
    binding, params = _binding_and_params(request)
    encoded = params.get("SAMLRequest")
    if not encoded:
        return _error(request, _("La demande de déconnexion SAML est absente."))
    server = idp.server()
    try:
        parsed = server.parse_logout_request(encoded, binding)
    except Exception:
        logger.info("saml: unreadable LogoutRequest", exc_info=True)
        parsed = None
    message = getattr(parsed, "message", None)
    if message is None:
        return _error(request, _("La demande de déconnexion SAML est illisible."))
    provider = selectors.provider_for_entity_id(
        entity_id=message.issuer.text if message.issuer is not None else ""
    )
    if provider is None:
        return _error(request, _("Ce fournisseur de service n'est pas enregistré."))
    user = request.user
    name_id = message.name_id.text if message.name_id is not None else ""
    if (
        user.is_authenticated
        and SamlSession.objects.filter(user=user, provider=provider, name_id=name_id).exists()
    ):
        services.saml_sessions_end(user_ids=[user.pk], except_provider_id=provider.pk)
        revoke_all(user=user)
        logout(request)
    response = server.create_logout_response(
        message, [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST], status=None, sign=True
    )
    slo_binding = BINDING_HTTP_REDIRECT
    destination = metadata.slo_endpoint(provider.metadata_xml, BINDING_HTTP_REDIRECT)
    if not destination:
        slo_binding = BINDING_HTTP_POST
        destination = metadata.slo_endpoint(provider.metadata_xml, BINDING_HTTP_POST)
    if not destination:
        return render(request, "platforms/saml/logged_out.html")
    relay_state = params.get("RelayState", "")
    info = server.apply_binding(
        slo_binding, str(response), destination, relay_state, response=True, sign=True
    )
    if slo_binding == BINDING_HTTP_REDIRECT:
        return HttpResponse(status=302, headers={"Location": dict(info["headers"])["Location"]})
    return _post_form(
        request,
        url=destination,
        fields={"SAMLResponse": _field(info, "SAMLResponse"), "RelayState": relay_state},
        provider=provider,
    )
