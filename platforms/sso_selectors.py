"""Read queries of the platforms app (single sign-on side)."""

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client, Token
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Membership, User

from .models import Access, Platform


def platform_for_client(*, client: Client | None) -> Platform | None:
    """The centralised platform an OIDC client belongs to, or None."""
    if client is None:
        return None
    return Platform.objects.filter(oidc_client=client, is_centralised=True).first()


def platform_for_client_id(*, client_id: str) -> Platform | None:
    """The centralised platform whose OIDC client has ``client_id``, or None."""
    if not client_id:
        return None
    return (
        Platform.objects.filter(oidc_client_id=client_id, is_centralised=True)
        .select_related("oidc_client")
        .first()
    )


def entry_accesses(*, user) -> QuerySet[Access]:
    """The one rule of who may enter which platform: the accesses that open one.

    Any role held on a **centralised** platform, for any organisation, opens it
    (``user``: a User, a pk or an ``OuterRef``). The account must also be active;
    callers check that first because it has its own refusal page. Used by the
    authorize and refresh checks (OIDC), SAML, and the home page's
    "Mes services en ligne".
    """
    return Access.objects.filter(membership__user=user, platform__is_centralised=True)


def user_has_access(*, user: User, platform: Platform) -> bool:
    """True when ``user`` holds at least one role on the centralised ``platform``."""
    return entry_accesses(user=user).filter(platform=platform).exists()


def platforms_user_may_enter(*, user) -> QuerySet[Platform]:
    """The centralised platforms an active ``user`` may enter, in platform order.

    Empty for an anonymous or inactive account. One query when evaluated.
    """
    if not user.is_authenticated or not user.is_active:
        return Platform.objects.none()
    return Platform.objects.filter(
        Exists(entry_accesses(user=user).filter(platform=OuterRef("pk")))
    ).order_by("position", "name")


def user_habilitations(*, user: User, platform: Platform) -> list[dict]:
    """The ``habilitations`` claim: the user's organisations and roles on ``platform``.

    One entry per organisation, ordered by SIRET, with its roles' codes sorted;
    one query whatever the number of organisations.
    """
    return _habilitations(entry_accesses(user=user).filter(platform=platform))


def user_habilitations_for_client(*, user: User, client: Client) -> list[dict]:
    """``user_habilitations`` on the centralised platform of ``client`` (one query;
    empty when the client belongs to no centralised platform)."""
    return _habilitations(
        Access.objects.filter(
            membership__user=user, platform__oidc_client=client, platform__is_centralised=True
        )
    )


def _habilitations(accesses) -> list[dict]:
    accesses = accesses.select_related("membership__organisation", "role").order_by(
        "membership__organisation__siret", "role__code"
    )
    by_siret: dict[str, dict] = {}
    for access in accesses:
        organisation = access.membership.organisation
        entry = by_siret.setdefault(
            organisation.siret,
            {
                "siren": organisation.siren,
                "siret": organisation.siret,
                "name": organisation.legal_name,
                "kind": organisation.kind,
                "roles": [],
            },
        )
        entry["roles"].append(access.role.code)
    return list(by_siret.values())


def access_granters(*, user: User) -> list[Membership]:
    """Administrator memberships of the organisations ``user`` belongs to.

    They are the people who can grant him a role on a platform.
    """
    return list(
        Membership.objects.filter(
            is_administrator=True,
            organisation__in=Membership.objects.filter(user=user).values("organisation"),
        )
        .select_related("user", "organisation")
        .order_by("organisation__legal_name", "user__last_name")
    )


def users_for_activity(*, user_ids: list[int], platform: Platform):
    """``(pk, is_active, has_access)`` of the given users, in one query."""
    return (
        User.objects.filter(pk__in=user_ids)
        .annotate(
            has_access=Exists(
                Access.objects.filter(membership__user=OuterRef("pk"), platform=platform)
            )
        )
        .values_list("pk", "is_active", "has_access")
    )


def platform_for_bearer(authorization: str) -> Platform | None:
    """The platform whose client-credentials access token is in ``authorization``.

    One rule for every bearer API (the activity API, the SSF endpoints).

    SSF 1.0 "Authorization scheme" ``urn:ietf:rfc:6749``: the receiver gets a
    token with the client credentials grant (RFC 6749 §4.4) of its platform's
    OIDC client. A token issued to a user (authorization code) is refused.
    """
    scheme, _sep, value = (authorization or "").partition(" ")
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
    return platform_for_client(client=issued.client)
