"""The oauthlib server and request validator behind allauth's provider views.

allauth builds its oauthlib ``Server`` with its own validator and offers no
setting to change it; ``PlatformsConfig.ready`` points
``allauth.idp.oidc.views.get_server`` at ``get_server`` below (one name, every
endpoint: authorization, token, userinfo, revocation). What the validator
changes, each for the cited rule:

- client authentication through ``clientauth`` (RFC 6749 §2.3.1 decoding,
  fast secret hash, failures counted for the throttle);
- redirect URIs by simple string comparison (``redirects``);
- PKCE S256 required for every client and every code (OAuth 2.1,
  RFC 9700 §2.1.1); ``plain`` is not offered; a code issued without a
  challenge is refused at the token endpoint (RFC 9700 §4.8.2);
- ``auth_time`` kept with the code and the tokens, put in every ID token
  (OIDC Core §2, §12.2);
- token families (allauth's ``grant_id``, ``families``): allauth revokes a
  replayed code's grant; refresh-token reuse revokes the grant here; the
  rotated pair is kept for the grace window;
- the refresh grant: the client's platform is read with the client, one query
  for the token and its user, one for the account's accesses to the platform
  (the ``habilitations`` claim, kept for the ID token); an account without a
  role left on the platform is refused and loses that platform's tokens; a
  refresh is recorded as activity inside the grant's transaction (one commit,
  one UPDATE for an active account).
"""

import uuid
from datetime import timedelta
from typing import Any

from allauth.core import context
from allauth.idp.oidc import app_settings as allauth_settings
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.internal.oauthlib.request_validator import OAuthLibRequestValidator
from allauth.idp.oidc.internal.oauthlib.server import (
    OAuthLibServer,
    claim_authorization_code,
    generate_access_token,
    generate_refresh_token,
    validate_code_challenge_method,
)
from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context
from allauth.idp.oidc.models import Client, Token
from django.utils import timezone
from django.utils.translation import gettext as _
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid import Server

from .. import sso_selectors as selectors
from ..models import Platform
from ..sso_services import platform_refresh_record
from . import clientauth, families, keys
from .redirects import redirect_uri_registered
from .sessions import authenticated_at

S256_ONLY = {"S256": code_challenge_method_s256}


def centralised_platform(client: Client) -> Platform | None:
    """``client``'s centralised platform, read with the client (``clientauth``): no query."""
    platform = getattr(client, "platform", None)
    return platform if platform is not None and platform.is_centralised else None


class PlatformRequestValidator(OAuthLibRequestValidator):
    """allauth's validator with the platforms' rules (see the module docstring)."""

    # --- client authentication -------------------------------------------
    def authenticate_client(self, request, *args, **kwargs) -> bool:
        if request.grant_type == Client.GrantType.DEVICE_CODE:
            return False  # not offered to the platforms
        client = clientauth.authenticate_client(context.request, now=timezone.now())
        if client is None:
            return False
        get_validator_context().clients[client.id] = client
        self._use_client(request, client)
        return True

    def client_authentication_required(self, request, *args, **kwargs) -> bool:
        # allauth looks the client up by the body's client_id (None with Basic:
        # a wasted query); a request with credentials authenticates, full stop.
        if context.request.META.get("HTTP_AUTHORIZATION") or request.client_secret:
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request) -> list[str]:
        if not client_id:
            credentials = clientauth.presented_credentials(context.request)
            client_id = credentials.client_id if credentials else None
        return super().get_authorization_code_scopes(client_id, code, redirect_uri, request)

    # --- authorization request ----------------------------------------------
    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs) -> bool:
        return redirect_uri_registered(request.client, redirect_uri)

    def is_pkce_required(self, client_id, request) -> bool:
        return True

    def save_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        auth_time = authenticated_at(context.request)
        if auth_time is not None:
            code_token = Token.objects.filter(
                client_id=request.client.id,
                type=Token.Type.AUTHORIZATION_CODE,
                hash=get_adapter().hash_token(code["code"]),
            ).first()
            if code_token is not None:
                code_token.data = {**(code_token.data or {}), "auth_time": auth_time}
                code_token.save(update_fields=["data"])

    # --- authorization code grant ----------------------------------------------
    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        # allauth keeps a claimed code and revokes its grant on reuse (RFC 6749
        # §4.1.2, its ``grant_id`` is our token family); we add ``auth_time``.
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        code_token = get_validator_context().code_tokens.get((client_id, code))
        data = (
            code_token.data if code_token is not None and isinstance(code_token.data, dict) else {}
        )
        get_validator_context().auth_time = data.get("auth_time")
        return True

    # --- refresh grant -------------------------------------------------------------
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        token = (
            Token.objects.valid()
            .filter(
                client=client,
                type=Token.Type.REFRESH_TOKEN,
                hash=get_adapter().hash_token(refresh_token),
            )
            .select_related("user")
            .first()
        )
        if token is None:
            families.rotated_reuse_revoke(client_id=client.id, value=refresh_token)
            return False
        user = token.user
        if user is None or not user.is_active:
            return False
        ctx = get_validator_context()
        platform = centralised_platform(client)
        if platform is not None:
            # The claim's rows say whether a role is left: one query for both.
            habilitations = selectors.user_habilitations(user=user, platform=platform)
            if not habilitations:
                Token.objects.filter(user=user, client=client).delete()
                raise errors.InvalidGrantError(
                    description=_("Le compte n'a plus de rôle sur cette plateforme."),
                    request=request,
                )
            ctx.habilitations = (user.pk, client.pk, habilitations)
        request.user = user
        ctx.refresh_token = token
        ctx.platform = platform
        data = token.data if isinstance(token.data, dict) else {}
        ctx.auth_time = data.get("auth_time")
        return True

    def save_bearer_token(self, token: dict, request, *args, **kwargs) -> None:
        """allauth's, with ``auth_time`` and the grace data on the rows."""
        ctx = get_validator_context()
        shared = {}
        if getattr(ctx, "auth_time", None):
            shared["auth_time"] = ctx.auth_time
        rows = []
        refresh_token = token.get("refresh_token")
        old = ctx.refresh_token
        if refresh_token:
            rt = self._prep_refresh_token(ctx, refresh_token, request)
            if not rt.pk:
                rt.data = {**(rt.data or {}), **shared}
                if old is not None and request.refresh_token:
                    rt.data["grace_of"] = families.grace_key(request.refresh_token)
                rows.append(rt)
            if rt.expires_at is not None:
                token["refresh_expires_in"] = max(
                    0, int((rt.expires_at - timezone.now()).total_seconds())
                )
        access_token = self._prep_access_token(ctx, token, request)
        access_token.data = {**(access_token.data or {}), **shared}
        rows.append(access_token)
        for row in rows:
            row.set_scopes(request.scopes)
            if ctx.email:
                row.set_scope_email(ctx.email)
        Token.objects.bulk_create(rows)
        ctx.issued_access_token = access_token
        platform = getattr(ctx, "platform", None)
        if old is not None and platform is not None:
            # A refresh is activity; recorded in the grant's own transaction
            # (one commit per grant: on PostgreSQL the commit is the cost).
            platform_refresh_record(user=request.user, platform=platform, now=timezone.now())
        if old is not None and refresh_token and request.refresh_token:
            families.grace_remember(
                old_value=request.refresh_token, client_id=request.client.id, response=dict(token)
            )

    def _prep_refresh_token(self, ctx, refresh_token: str, request) -> Token:
        rt = ctx.refresh_token
        if rt is None or not allauth_settings.ROTATE_REFRESH_TOKEN:
            return super()._prep_refresh_token(ctx, refresh_token, request)
        ctx.grant_id = rt.get_grant_id()
        ctx.granted_resources = rt.get_resources()
        if not ctx.email and "email" in request.scopes:
            ctx.email = rt.get_scope_email()
        # Rotation keeps the old row, retyped, to recognise its reuse.
        Token.objects.filter(pk=rt.pk).update(type=families.ROTATED_REFRESH_TOKEN)
        data = rt.data if isinstance(rt.data, dict) else {}
        families.grace_forget(data.get("grace_of"))
        expires_in = allauth_settings.REFRESH_TOKEN_EXPIRES_IN
        new_rt = Token(
            client=request.client,
            user=request.user,
            type=Token.Type.REFRESH_TOKEN,
            hash=get_adapter().hash_token(refresh_token),
            expires_at=timezone.now() + timedelta(seconds=expires_in) if expires_in else None,
        )
        if resources := rt.get_resources():
            new_rt.set_resources(resources)
        if ctx.grant_id is not None:
            new_rt.set_grant_id(ctx.grant_id)
        return new_rt

    # --- ID token ------------------------------------------------------------------
    def finalize_id_token(self, id_token: dict, token: dict, token_handler, request) -> str:
        adapter = get_adapter()
        id_token["iss"] = adapter.get_issuer()
        id_token["exp"] = id_token["iat"] + allauth_settings.ID_TOKEN_EXPIRES_IN
        id_token["jti"] = uuid.uuid4().hex
        auth_time = getattr(get_validator_context(), "auth_time", None)
        if auth_time:
            id_token["auth_time"] = int(auth_time)
        id_token.update(
            adapter.get_claims(
                "id_token",
                request.user,
                request.client,
                request.scopes,
                email=get_validator_context().email,
            )
        )
        adapter.populate_id_token(id_token, request.client, request.scopes)
        return keys.sign(id_token)

    # --- userinfo ------------------------------------------------------------------
    def validate_bearer_token(self, token, scopes, request) -> bool:
        if not token or context.request.GET.get("access_token") == token:
            return False
        instance = (
            Token.objects.valid()
            .filter(type=Token.Type.ACCESS_TOKEN, hash=get_adapter().hash_token(token))
            .select_related("user", "client")
            .first()
        )
        if instance is None or instance.client is None:
            return False
        if instance.user is not None and not instance.user.is_active:
            return False
        granted = instance.get_scopes()
        if not set(scopes).issubset(granted):
            return False
        ctx = get_validator_context()
        if (
            instance.client.type == Client.Type.PUBLIC
            and Client.AuthenticationMethod.NONE not in ctx.supported_auth_methods
        ):
            return False
        request.user = instance.user
        self._use_client(request, instance.client)
        request.scopes = granted
        ctx.access_token = instance
        request.access_token = token
        return True


class PlatformServer(OAuthLibServer):
    """allauth's oauthlib server with ``PlatformRequestValidator`` and S256 only."""

    def __init__(self, **kwargs: Any) -> None:
        Server.__init__(
            self,
            request_validator=PlatformRequestValidator(),
            token_generator=generate_access_token,
            refresh_token_generator=generate_refresh_token,
            token_expires_in=allauth_settings.ACCESS_TOKEN_EXPIRES_IN,
            **kwargs,
        )
        # The same custom validators as allauth's server (S256, code claiming).
        for grant in (self.auth_grant, self.openid_connect_auth, self.openid_connect_hybrid):
            grant.custom_validators.pre_auth.append(validate_code_challenge_method)
        for grant in (self.auth_grant, self.openid_connect_auth):
            grant.custom_validators.post_token.append(claim_authorization_code)
        for grant in (self.auth_grant, self.openid_connect_auth.proxy_target):
            grant._code_challenge_methods = S256_ONLY


def get_server(**kwargs: Any) -> PlatformServer:
    return PlatformServer(**kwargs)
