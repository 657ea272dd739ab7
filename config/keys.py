"""Development signing key for the OpenID Connect provider.

Production never calls this: it refuses to start without a configured key.
"""

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_private_key_pem() -> str:
    """Return a new 2048-bit RSA private key in PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def ensure_dev_private_key(path: Path) -> str:
    """Return the key stored at ``path``, creating it (mode 0600) when missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_private_key_pem())
        path.chmod(0o600)
    return path.read_text()


def ensure_dev_webhook_secret(path: Path) -> str:
    """Return the local tracking-webhook credentials ("user:password") stored at
    ``path``, creating them (mode 0600) when missing, so that even a local
    install never leaves the bounce webhook open."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"anymail:{secrets.token_urlsafe(24)}")
        path.chmod(0o600)
    return path.read_text().strip()


def webhook_secret_is_valid(secret: str) -> bool:
    """Basic-auth credentials as anymail wants them: "user:password", both non-empty."""
    user, _, password = (secret or "").partition(":")
    return bool(user.strip()) and len(password.strip()) >= 16
