"""SIREN and SIRET validation (INSEE).

Both carry a Luhn check digit. La Poste's establishments share the SIREN
356000000 and their SIRETs follow another rule: the sum of the digits is a
multiple of 5 (documented INSEE exception).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    """Return True when the digit string passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise(value: str) -> str:
    """Drop the spaces and dots people type inside SIREN/SIRET numbers."""
    return "".join(value.split()).replace(".", "")


def validate_siren(value: str) -> None:
    """Raise a French ValidationError unless ``value`` is a valid SIREN."""
    if len(value) != 9 or not value.isdigit():
        raise ValidationError(
            _("Le SIREN doit comporter exactement 9 chiffres."), code="siren_format"
        )
    if not luhn_valid(value):
        raise ValidationError(
            _("Ce numéro SIREN n'est pas valide (clé de contrôle incorrecte)."),
            code="siren_checksum",
        )


def validate_siret(value: str) -> None:
    """Raise a French ValidationError unless ``value`` is a valid SIRET."""
    if len(value) != 14 or not value.isdigit():
        raise ValidationError(
            _("Le SIRET doit comporter exactement 14 chiffres."), code="siret_format"
        )
    if value.startswith(LA_POSTE_SIREN) and value != LA_POSTE_SIREN + "00000":
        if sum(int(c) for c in value) % 5 != 0:
            raise ValidationError(
                _("Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte)."),
                code="siret_checksum",
            )
        return
    if not luhn_valid(value[:9]):
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide : son SIREN (9 premiers chiffres) est incorrect."),
            code="siret_siren_checksum",
        )
    if not luhn_valid(value):
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte)."),
            code="siret_checksum",
        )
