"""Redirect URI matching (OIDC Core §3.1.2.1, RFC 9700 §2.1, RFC 8252 §7.3).

A redirect URI matches a registered one by simple string comparison. The one
exception is RFC 8252 §7.3: for a client registered as native
(``application_type: native`` in its metadata), an ``http`` loopback IP
redirect (127.0.0.1 or [::1]) may use any port, everything else identical.
Read-only.
"""

from urllib.parse import urlsplit

from allauth.idp.oidc.models import Client

LOOPBACK_HOSTS = ("127.0.0.1", "::1")


def client_is_native(client: Client) -> bool:
    """True when ``client`` was registered as a native application."""
    data = client.data if isinstance(client.data, dict) else {}
    metadata = data.get("client_metadata")
    return isinstance(metadata, dict) and metadata.get("application_type") == "native"


def _loopback_without_port(uri: str) -> tuple | None:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or parts.username:
        return None
    return (parts.scheme, parts.hostname, parts.path, parts.query, parts.fragment)


def redirect_uri_registered(client: Client, uri: str) -> bool:
    """True when ``uri`` is one of ``client``'s registered redirect URIs."""
    if not uri:
        return False
    registered = client.get_redirect_uris()
    if uri in registered:
        return True
    if not client_is_native(client):
        return False
    presented = _loopback_without_port(uri)
    return presented is not None and any(
        _loopback_without_port(candidate) == presented for candidate in registered
    )
