"""Tunables of the SAML identity provider, read from settings at call time."""

from pathlib import Path

from django.conf import settings


def enabled() -> bool:
    """False turns every SAML endpoint into a 404."""
    return getattr(settings, "SAML_IDP_ENABLED", True)


def private_key() -> str:
    """The PEM private key signing responses (default: the OpenID provider's key)."""
    return getattr(settings, "SAML_IDP_PRIVATE_KEY", "") or settings.IDP_OIDC_PRIVATE_KEY


def certificate() -> str:
    """A PEM certificate for the key; empty: a deterministic self-signed one."""
    return getattr(settings, "SAML_IDP_CERTIFICATE", "")


def key_dir() -> Path:
    """Where the key and certificate files for xmlsec1 are written (mode 0600)."""
    default = Path(settings.BASE_DIR) / "var" / "saml"
    return Path(getattr(settings, "SAML_IDP_KEY_DIR", default))


def xmlsec_binary() -> str:
    return getattr(settings, "SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1")


def assertion_lifetime_minutes() -> int:
    """``NotOnOrAfter`` of an assertion, minutes after its issue."""
    return getattr(settings, "SAML_ASSERTION_LIFETIME_MINUTES", 5)


def request_max_age_seconds() -> int:
    """An AuthnRequest issued longer ago than this is refused as expired."""
    return getattr(settings, "SAML_REQUEST_MAX_AGE_SECONDS", 300)


def clock_skew_seconds() -> int:
    """How far in the future an AuthnRequest's ``IssueInstant`` may lie."""
    return getattr(settings, "SAML_CLOCK_SKEW_SECONDS", 60)


def pending_request_ttl_seconds() -> int:
    """How long a received request waits in the session for sign-in and the CGU."""
    return getattr(settings, "SAML_PENDING_REQUEST_TTL_SECONDS", 1800)


def metadata_fetch_timeout() -> int:
    return getattr(settings, "SAML_METADATA_FETCH_TIMEOUT", 10)


def logout_timeout() -> int:
    """Seconds to wait for an SP's SOAP single-logout endpoint."""
    return getattr(settings, "SAML_LOGOUT_TIMEOUT", 5)
