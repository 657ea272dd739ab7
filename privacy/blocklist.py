"""The sign-up blocklist lookup, wired into accounts by ACCOUNTS_BLOCKLIST_CHECKER."""

from django.db.models import Q

from .models import BlocklistEntry


def normalise(kind: str, value: str) -> str:
    """Canonical form of a blocklist value (lower-case, no '@' before a domain)."""
    value = (value or "").strip().lower()
    if kind == BlocklistEntry.Kind.DOMAIN:
        value = value.lstrip("@")
    if kind == BlocklistEntry.Kind.SIREN:
        value = "".join(ch for ch in value if ch.isdigit())
    return value


def is_blocked(*, email: str = "", siren: str = "") -> bool:
    """True when ``email`` (itself or its domain or a parent domain) or ``siren`` is blocked.

    A SIRET may be passed as ``siren``: its first nine digits are used.
    """
    query = Q()
    if email:
        email = email.strip().lower()
        query |= Q(kind=BlocklistEntry.Kind.EMAIL, value=email)
        domain = email.rpartition("@")[2]
        parts = domain.split(".")
        domains = [".".join(parts[i:]) for i in range(len(parts) - 1)] or [domain]
        query |= Q(kind=BlocklistEntry.Kind.DOMAIN, value__in=domains)
    if siren:
        digits = "".join(ch for ch in siren if ch.isdigit())[:9]
        if digits:
            query |= Q(kind=BlocklistEntry.Kind.SIREN, value=digits)
    if not query:
        return False
    return BlocklistEntry.objects.filter(query).exists()
