"""The account centre as an OpenID Connect provider: claims and metadata.

``PlatformOIDCAdapter`` (setting ``IDP_OIDC_ADAPTER``) extends allauth's
adapter: a fixed issuer (``IDP_OIDC_ISSUER``), the custom scope
``habilitations`` (the user's organisations and roles on the calling
platform), and discovery metadata announcing back-channel logout. It changes
no data.
"""

from typing import Any

from allauth.core import context as allauth_context
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context
from django.utils.translation import gettext_lazy as _

from .. import app_settings
from .. import sso_selectors as selectors

HABILITATIONS_SCOPE = "habilitations"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
PLATFORM_SCOPES = ["openid", "email", "profile", HABILITATIONS_SCOPE]


class PlatformOIDCAdapter(DefaultOIDCAdapter):
    """allauth's OIDC adapter with the platforms' claims."""

    scope_display = {
        "openid": _("Connaître votre identifiant"),
        "email": _("Connaître votre adresse e-mail"),
        "profile": _("Connaître vos nom et prénom"),
        HABILITATIONS_SCOPE: _("Connaître vos organisations et rôles sur cette plateforme"),
    }

    def get_issuer(self) -> str:
        return app_settings.issuer()

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs) -> dict[str, Any]:
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        if HABILITATIONS_SCOPE in scopes:
            claims[HABILITATIONS_SCOPE] = self._habilitations(user=user, client=client)
        return claims

    @staticmethod
    def _habilitations(*, user, client) -> list[dict]:
        """The claim, as the refresh grant already read it in this request, or one query."""
        ctx = get_validator_context() if allauth_context.request is not None else None
        known = getattr(ctx, "habilitations", None)
        if known is not None and known[:2] == (user.pk, client.pk):
            return known[2]
        return selectors.user_habilitations_for_client(user=user, client=client)

    def populate_server_metadata(self, data: dict) -> None:
        data["scopes_supported"] = PLATFORM_SCOPES
        data["claims_supported"] = [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            HABILITATIONS_SCOPE,
        ]
        data["response_types_supported"] = ["code"]
        data["grant_types_supported"] = [
            "authorization_code",
            "client_credentials",
            "refresh_token",
        ]
        data["backchannel_logout_supported"] = True
        data["backchannel_logout_session_supported"] = False
        data.pop("device_authorization_endpoint", None)
