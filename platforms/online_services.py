"""Read side of the home page's "Mes services en ligne" (CGU art. 4.1).

Every platform is reachable from that tab:

- the centralised platforms the person may enter (the one rule,
  ``sso_selectors.platforms_user_may_enter``), each opened by single sign-on:
  OpenID Connect third-party-initiated login (OIDC Core 1.0 §4: a link to the
  platform's ``initiate_login_uri`` with ``iss``, our issuer, and
  ``target_link_uri``, the platform's address) when it has an OIDC client and that
  address; otherwise SAML IdP-initiated sign-in when it has an active provider;
  otherwise a plain link to its address;
- the platforms with their own accounts (``is_centralised=False``) as plain links
  to their sign-up (their address);
- for a person who may enter none: whom to ask (the administrators of his
  organisations), or that he first has to join an organisation.

No writes; at most four queries, whatever the number of platforms.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db.models import Exists, OuterRef

from accounts.models import JoinRequest, Membership

from . import app_settings
from .models import Platform
from .saml.models import ServiceProvider
from .sso_selectors import access_granters, platforms_user_may_enter

OIDC = "oidc"
SAML = "saml"
LINK = "link"
NONE = "none"


@dataclass(frozen=True)
class OnlineService:
    """One entry of the list: how the platform opens (``method``) and where (``url``)."""

    platform: Platform
    method: str
    url: str = ""


@dataclass(frozen=True)
class OnlineServices:
    entered: list[OnlineService]
    own_accounts: list[OnlineService]
    granters: list[Membership] = field(default_factory=list)
    has_organisation: bool = True
    has_pending_request: bool = False


def initiate_login_link(*, platform: Platform) -> str:
    """``initiate_login_uri`` with ``iss`` (exactly our issuer) and, when the platform
    has an address, ``target_link_uri`` (OIDC Core 1.0 §4); its own query is kept."""
    parts = urlsplit(platform.initiate_login_uri)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in {"iss", "target_link_uri"}
    ]
    query.append(("iss", app_settings.issuer()))
    if platform.url:
        query.append(("target_link_uri", platform.url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _service(platform: Platform) -> OnlineService:
    if platform.initiate_login_uri and platform.oidc_client_id:
        return OnlineService(platform, OIDC, initiate_login_link(platform=platform))
    if platform.has_saml_provider:
        return OnlineService(platform, SAML)
    if platform.url:
        return OnlineService(platform, LINK, platform.url)
    return OnlineService(platform, NONE)


def online_services(*, user) -> OnlineServices:
    """What "Mes services en ligne" shows ``user`` (see the module docstring)."""
    entered = [
        _service(platform)
        for platform in platforms_user_may_enter(user=user).annotate(
            has_saml_provider=Exists(
                ServiceProvider.objects.filter(platform=OuterRef("pk"), is_active=True)
            )
        )
    ]
    own_accounts = [
        OnlineService(platform, LINK, platform.url)
        for platform in Platform.objects.filter(is_centralised=False).exclude(url="")
    ]
    if entered or not user.is_authenticated:
        return OnlineServices(entered=entered, own_accounts=own_accounts)
    granters = access_granters(user=user)
    has_organisation = bool(granters) or Membership.objects.filter(user=user).exists()
    return OnlineServices(
        entered=entered,
        own_accounts=own_accounts,
        granters=granters,
        has_organisation=has_organisation,
        has_pending_request=not has_organisation
        and JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).exists(),
    )
