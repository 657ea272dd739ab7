"""Write operations of the platforms app (single sign-on side).

- ``platform_client_register``: links a centralised platform to its OpenID
  Connect client (created with an empty ``owner``: allauth deletes a client
  with its owner user) and returns the secret, which is stored hashed and
  therefore shown once (HMAC-SHA-256 under the server pepper,
  ``platforms.oidc.clientauth``).
- ``platform_login_record``: an authorization code was issued to a platform
  for a user — remembers the platform for back-channel logout and records
  activity through the ``PLATFORMS_ACTIVITY_RECORDER`` hook.
"""

import logging
from dataclasses import dataclass

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from . import hooks
from .models import Platform, PlatformLogin
from .oidc import PLATFORM_SCOPES
from .oidc.clientauth import hash_client_secret
from .validators import validate_initiate_login_uri

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientRegistration:
    client: Client
    secret: str | None  # the clear secret, only when one was just issued
    created: bool


def _validated_uris(uris: list[str]) -> list[str]:
    validator = URLValidator(schemes=["http", "https"])
    cleaned = []
    for uri in uris:
        uri = uri.strip()
        try:
            validator(uri)
        except ValidationError as exc:
            raise ValidationError(_("Adresse invalide : %(uri)s") % {"uri": uri}) from exc
        cleaned.append(uri)
    return cleaned


@transaction.atomic
def platform_client_register(
    *,
    platform: Platform,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    backchannel_logout_uri: str | None = None,
    initiate_login_uri: str | None = None,
    rotate_secret: bool = False,
    client_id: str | None = None,
    secret: str | None = None,
    native: bool | None = None,
    now,
) -> ClientRegistration:
    """Create (or update) the OIDC client of ``platform``.

    Creates a confidential client allowed the code, refresh and
    client-credentials grants, the platform scopes, no consent screen, and links
    it to the platform. When the platform already has a client, its URIs are
    updated and a new secret is issued only with ``rotate_secret``. Raises
    ``ValidationError`` (French message) for a non-centralised platform or a bad URI.
    ``client_id`` and ``secret`` may be imposed at creation (demo data, a
    platform moving from another provider); otherwise they are generated.
    ``native=True`` registers a native application (``application_type``):
    only then may a loopback redirect URI use any port (RFC 8252 §7.3); every
    other redirect URI must match exactly. ``None`` keeps the current type.
    ``initiate_login_uri`` (OIDC Core §4, https outside development) is where
    "Mes services en ligne" opens the platform; ``None`` keeps the current one.
    """
    if not platform.is_centralised:
        raise ValidationError(
            _("La plateforme %(name)s n'est pas centralisée : elle n'utilise pas le SSO.")
            % {"name": platform.name}
        )
    if not redirect_uris:
        raise ValidationError(_("Indiquez au moins une adresse de retour (redirect URI)."))
    redirect_uris = _validated_uris(redirect_uris)
    post_logout = _validated_uris(post_logout_redirect_uris or [])
    if backchannel_logout_uri:
        backchannel_logout_uri = _validated_uris([backchannel_logout_uri])[0]
    if initiate_login_uri:
        initiate_login_uri = initiate_login_uri.strip()
        validate_initiate_login_uri(initiate_login_uri)

    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    client = platform.oidc_client
    created = client is None
    issued: str | None = None
    if created:
        client = Client(name=platform.name[:100], owner=None, created_at=now)
        if client_id:
            client.id = client_id
    client.type = Client.Type.CONFIDENTIAL
    client.skip_consent = True
    client.set_scopes(PLATFORM_SCOPES)
    client.set_default_scopes(PLATFORM_SCOPES)
    client.set_grant_types(
        [
            Client.GrantType.AUTHORIZATION_CODE,
            Client.GrantType.REFRESH_TOKEN,
            Client.GrantType.CLIENT_CREDENTIALS,
        ]
    )
    client.set_response_types([Client.ResponseType.CODE])
    client.set_redirect_uris(redirect_uris)
    if post_logout_redirect_uris is not None or created:
        client.set_post_logout_redirect_uris(post_logout)
    if native is not None or created:
        client.data = client.data if isinstance(client.data, dict) else {}
        metadata = client.data.setdefault("client_metadata", {})
        metadata["application_type"] = "native" if native else "web"
    if created or rotate_secret:
        issued = secret or get_adapter().generate_client_secret()
        client.secret = hash_client_secret(issued)
    client.full_clean(exclude=["id", "secret"])
    client.save()
    update_fields = []
    if created:
        platform.oidc_client = client
        update_fields.append("oidc_client")
    if backchannel_logout_uri is not None:
        platform.backchannel_logout_uri = backchannel_logout_uri
        update_fields.append("backchannel_logout_uri")
    if initiate_login_uri is not None:
        platform.initiate_login_uri = initiate_login_uri
        update_fields.append("initiate_login_uri")
    if update_fields:
        platform.save(update_fields=update_fields)
    logger.info(
        "oidc client %s for platform %s",
        "created" if created else "updated",
        platform.code,
        extra={"platform": platform.code, "client_id": client.id, "secret_issued": bool(issued)},
    )
    return ClientRegistration(client=client, secret=issued, created=created)


@transaction.atomic
def platform_login_record(*, user: User, platform: Platform, now) -> None:
    """An authorization code was issued to ``platform`` for ``user`` at ``now``.

    Upserts the (user, platform) login row used for back-channel logout and
    records the activity (``PLATFORMS_ACTIVITY_RECORDER``).
    """
    updated = PlatformLogin.objects.filter(user=user, platform=platform).update(last_at=now)
    if not updated:
        PlatformLogin.objects.get_or_create(
            user=user, platform=platform, defaults={"first_at": now, "last_at": now}
        )
    hooks.activity_record(user=user, at=now, platform=platform)


def platform_refresh_record(*, user: User, platform: Platform, now) -> None:
    """A refresh token of ``platform`` was used for ``user``: that is activity."""
    hooks.activity_record(user=user, at=now, platform=platform)
