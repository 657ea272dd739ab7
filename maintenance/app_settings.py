"""Tunables of planned maintenance, read at call time."""

from django.conf import settings


def json_prefixes() -> tuple[str, ...]:
    """Paths answered in JSON during maintenance (MAINTENANCE_JSON_PREFIXES)."""
    return tuple(
        getattr(
            settings,
            "MAINTENANCE_JSON_PREFIXES",
            ["/identity/", "/oauth/", "/.well-known/", "/api/", "/platforms/api/"],
        )
    )


def staff_sign_in_paths() -> tuple[str, ...]:
    """Paths open during maintenance so that staff can sign in (the sign-in and MFA pages)."""
    return tuple(
        getattr(
            settings,
            "MAINTENANCE_OPEN_PATHS",
            ["/accounts/login/", "/accounts/2fa/", "/admin/login/"],
        )
    )


def cache_seconds() -> int:
    """How long a process keeps the windows it read (MAINTENANCE_CACHE_SECONDS, 30 s)."""
    return int(getattr(settings, "MAINTENANCE_CACHE_SECONDS", 30))
