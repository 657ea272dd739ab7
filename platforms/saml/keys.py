"""The SAML signing key and its certificate.

SAML needs an X.509 certificate in the metadata. The key is the SAML one
(``SAML_IDP_PRIVATE_KEY``) or, by default, the OpenID provider's current
signing key; the certificate is ``SAML_IDP_CERTIFICATE`` or, by default, a
self-signed certificate made from the key *deterministically* (fixed serial
derived from the public key, fixed validity, PKCS#1 v1.5 signature), so every
process and every restart publishes the same metadata without storing a file.
xmlsec1 reads keys from files: they are written once per process, mode 0600,
into ``SAML_IDP_KEY_DIR`` (default ``var/saml``).
"""

import datetime
import hashlib
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from . import app_settings

VALID_FROM = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
VALID_YEARS = 10


@cache
def _self_signed(key_pem: str, common_name: str) -> str:
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    serial = int.from_bytes(hashlib.sha256(public_der).digest()[:16], "big") >> 1
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_FROM.replace(year=VALID_FROM.year + VALID_YEARS))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def certificate_pem() -> str:
    """The IdP's certificate (PEM), published in its metadata."""
    return app_settings.certificate() or _self_signed(
        app_settings.private_key(), "M-Habilitations"
    )


@cache
def _written(key_pem: str, cert_pem: str, directory: str) -> tuple[str, str]:
    digest = hashlib.sha256((key_pem + cert_pem).encode()).hexdigest()[:16]
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / f"idp-{digest}.key", folder / f"idp-{digest}.crt"
    for path, content in ((key_path, key_pem), (cert_path, cert_pem)):
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
            path.chmod(0o600)
    return str(key_path), str(cert_path)


def key_files() -> tuple[str, str]:
    """Paths of the key and certificate files handed to xmlsec1."""
    return _written(app_settings.private_key(), certificate_pem(), str(app_settings.key_dir()))
