"""SIREN/SIRET validation: length, digits, Luhn, La Poste's exception."""

import pytest
from django.core.exceptions import ValidationError

from accounts.identifiers import validate_siren, validate_siret

from .factories import make_siret

VALID_SIRET = "73282932000074"  # a real, public SIRET


def test_valid_siret_is_accepted():
    validate_siret(VALID_SIRET)


def test_generated_sirets_are_valid():
    for n in range(50):
        validate_siret(make_siret(n))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("7328293200007", "siret_format"),
        ("732829320000745", "siret_format"),
        ("7328293200007A", "siret_format"),
        ("73282932000075", "siret_checksum"),
        ("73282931000074", "siret_siren_checksum"),
    ],
)
def test_invalid_siret_is_refused_with_its_reason(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_siret(value)
    assert excinfo.value.code == code


def test_la_poste_siret_follows_the_sum_of_digits_rule():
    # Fails Luhn, but La Poste's SIRETs only need a digit sum divisible by 5.
    validate_siret("35600000000015")


def test_la_poste_siret_with_a_bad_digit_sum_is_refused():
    # Passes Luhn, yet breaks La Poste's rule.
    with pytest.raises(ValidationError):
        validate_siret("35600000000014")


def test_siren_must_pass_luhn():
    validate_siren("732829320")
    with pytest.raises(ValidationError):
        validate_siren("732829321")
