"""Read queries of the SAML identity provider."""

from ..models import Platform
from ..sso_selectors import user_habilitations
from .models import ReleasedAttribute, ServiceProvider


def provider_for_entity_id(*, entity_id: str) -> ServiceProvider | None:
    """The active provider registered with ``entity_id`` on a centralised platform."""
    if not entity_id:
        return None
    return (
        ServiceProvider.objects.filter(
            entity_id=entity_id, is_active=True, platform__is_centralised=True
        )
        .select_related("platform")
        .first()
    )


def provider_for_platform(*, platform: Platform) -> ServiceProvider | None:
    """The platform's active provider used for IdP-initiated sign-in (the oldest)."""
    return (
        ServiceProvider.objects.filter(platform=platform, is_active=True)
        .select_related("platform")
        .order_by("created_at", "pk")
        .first()
    )


def released_identity(*, user, provider: ServiceProvider) -> dict[str, list[str]]:
    """The attributes ``provider`` receives about ``user``, as configured for it.

    Habilitations are multi-valued: one value per organisation for ``siren``,
    ``siret``, ``organisation`` and ``organisationKind`` (in the same order), and
    one ``<SIRET>:<role code>`` value per role on the provider's platform.
    """
    released = set(provider.released_attributes or [])
    identity: dict[str, list[str]] = {}
    if ReleasedAttribute.EMAIL in released:
        identity["mail"] = [user.email]
    if ReleasedAttribute.GIVEN_NAME in released and user.first_name:
        identity["givenName"] = [user.first_name]
    if ReleasedAttribute.FAMILY_NAME in released and user.last_name:
        identity["sn"] = [user.last_name]
    if ReleasedAttribute.HABILITATIONS in released:
        entries = user_habilitations(user=user, platform=provider.platform)
        if entries:
            identity["siren"] = [entry["siren"] for entry in entries]
            identity["siret"] = [entry["siret"] for entry in entries]
            identity["organisation"] = [entry["name"] for entry in entries]
            identity["organisationKind"] = [entry["kind"] for entry in entries]
            identity["role"] = [
                f"{entry['siret']}:{role}" for entry in entries for role in entry["roles"]
            ]
    return identity
