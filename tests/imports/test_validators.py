"""The import's cell checks: the fast path for plain addresses decides as Django does."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from imports import validators as v

ADDRESSES = [
    "marie.dupont@transports-dupont.fr",
    "a+b@x.fr",
    "x_y%z@sous.domaine.example.com",
    "a..b@x.fr",
    ".a@x.fr",
    "a.@x.fr",
    "a@-x.fr",
    "a@x-.fr",
    "a@x",
    "a@x.f",
    "a@x.123",
    "a@localhost",
    "a@[127.0.0.1]",
    "a b@x.fr",
    "a@x..fr",
    "élodie@x.fr",
    "a@éx.fr",
    '"quoted"@x.fr',
    "o'brien@x.fr",
    "a@" + "x" * 64 + ".fr",
]


def _django_accepts(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_is_accepted_exactly_when_django_accepts_it(address):
    try:
        v.parse_email({"email": address})
    except v.CellError:
        accepted = False
    else:
        accepted = True

    assert accepted == _django_accepts(address)


def test_an_address_longer_than_an_account_can_hold_is_refused():
    address = "a" * 250 + "@x.fr"
    assert _django_accepts(address)

    with pytest.raises(v.CellError) as refused:
        v.parse_email({"email": address})

    assert "trop longue (255 caractères, au plus 254)" in refused.value.message
