"""Tunables of the platforms app, read from ``django.conf.settings`` at call time."""

from django.conf import settings


def issuer() -> str:
    """The OpenID Connect issuer (``iss``) of every token the account centre signs."""
    return settings.IDP_OIDC_ISSUER.rstrip("/")


def backchannel_logout_timeout() -> int:
    """Seconds to wait for a platform's back-channel logout endpoint."""
    return getattr(settings, "PLATFORMS_BACKCHANNEL_LOGOUT_TIMEOUT", 5)


def backchannel_logout_max_retries() -> int:
    """Retries of a failed back-channel logout delivery (exponential back-off)."""
    return getattr(settings, "PLATFORMS_BACKCHANNEL_LOGOUT_MAX_RETRIES", 6)


def logout_token_expires_in() -> int:
    """Lifetime in seconds of a back-channel logout token (its ``exp``)."""
    return getattr(settings, "PLATFORMS_LOGOUT_TOKEN_EXPIRES_IN", 120)


def activity_max_items() -> int:
    """Largest batch accepted by ``POST /api/v1/activity``."""
    return getattr(settings, "PLATFORMS_ACTIVITY_MAX_ITEMS", 10_000)


def activity_clock_skew() -> int:
    """Seconds an activity instant may lie in the future (the platforms' clocks drift)."""
    return getattr(settings, "PLATFORMS_ACTIVITY_CLOCK_SKEW", 300)


def refresh_grace_seconds() -> int:
    """Seconds during which a just-rotated refresh token replays the same new pair.

    A client whose response was lost (network cut, two tabs) retries with the
    old token; within this window it gets the pair already issued instead of
    having its whole token family revoked as a reuse (RFC 9700 §4.14.2).
    """
    return getattr(settings, "PLATFORMS_OIDC_REFRESH_GRACE_SECONDS", 5)


def client_secret_pepper() -> bytes:
    """Server-side key of the HMAC-SHA-256 that stores the clients' secrets.

    Changing it invalidates every stored client secret (re-issue them).
    """
    pepper = getattr(settings, "PLATFORMS_OIDC_CLIENT_SECRET_PEPPER", "") or settings.SECRET_KEY
    return pepper.encode()


def client_auth_failure_limits() -> dict[str, tuple[int, int]]:
    """Failed client authentications allowed per window, ``{"client"|"ip": (count, seconds)}``."""
    return getattr(
        settings,
        "PLATFORMS_OIDC_CLIENT_AUTH_FAILURE_LIMITS",
        {"client": (10, 300), "ip": (30, 300)},
    )


def initiate_login_http_allowed() -> bool:
    """Whether a platform's ``initiate_login_uri`` may be plain http (development only)."""
    return bool(getattr(settings, "PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED", settings.DEBUG))
