"""Reading a service provider's metadata (SAML 2.0 Metadata, OASIS saml-metadata-2.0-os).

Pure functions of the XML: the entityID, the SP role's endpoints and the
certificates (signing, encryption) with their expiry. XML is parsed by pysaml2,
which refuses entity expansion (defusedxml).
"""

import base64
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from saml2 import md

ENCRYPTION_USES = ("encryption", None)


@dataclass(frozen=True)
class Described:
    entity_id: str
    certificate_expires_at: datetime | None
    wants_encryption: bool


def _descriptor(xml: str) -> md.EntityDescriptor:
    try:
        entity = md.entity_descriptor_from_string(xml)
    except Exception as exc:  # pysaml2 raises several parser errors
        raise ValidationError(
            _("Le fichier n'est pas un document de métadonnées SAML lisible.")
        ) from exc
    if entity is None or not entity.entity_id or not entity.spsso_descriptor:
        raise ValidationError(
            _("Les métadonnées doivent décrire un fournisseur de service (SPSSODescriptor).")
        )
    return entity


def _certificates(entity: md.EntityDescriptor, uses=("signing", "encryption", None)):
    for role in entity.spsso_descriptor:
        for descriptor in role.key_descriptor:
            if descriptor.use not in uses:
                continue
            for data in descriptor.key_info.x509_data:
                text = "".join((data.x509_certificate.text or "").split())
                try:
                    yield x509.load_der_x509_certificate(base64.b64decode(text))
                except ValueError as exc:
                    raise ValidationError(
                        _("Un certificat des métadonnées est illisible.")
                    ) from exc


def describe(xml: str) -> Described:
    """The entityID, the earliest certificate expiry and whether encryption is asked."""
    entity = _descriptor(xml)
    expiries = [cert.not_valid_after_utc for cert in _certificates(entity)]
    encryption = any(
        descriptor.use == "encryption"
        for role in entity.spsso_descriptor
        for descriptor in role.key_descriptor
    )
    return Described(
        entity_id=entity.entity_id,
        certificate_expires_at=min(expiries) if expiries else None,
        wants_encryption=encryption,
    )


def wants_encryption(xml: str) -> bool:
    """True when the SP publishes an encryption key: assertions are then encrypted."""
    return describe(xml).wants_encryption


def encryption_certificate_pem(xml: str) -> str | None:
    """The SP's encryption certificate (PEM), or None."""
    for cert in _certificates(_descriptor(xml), uses=("encryption",)):
        return cert.public_bytes(Encoding.PEM).decode()
    return None


def slo_endpoint(xml: str, binding: str) -> str | None:
    """The SP's single-logout location for ``binding``, or None."""
    for role in _descriptor(xml).spsso_descriptor:
        for service in role.single_logout_service:
            if service.binding == binding:
                return service.location
    return None
