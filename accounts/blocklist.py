"""Sign-up blocklist checks (email, email domain, SIREN).

The entries live in the privacy app; ``accounts`` never imports it and asks
through the callable named by ``ACCOUNTS_BLOCKLIST_CHECKER``
(``f(*, email="", siren="") -> bool``; default: nothing is blocked). A blocked
value is refused with a neutral message that does not say why.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .hooks import _hook

BLOCKED_MESSAGE = _(
    "Cette demande ne peut pas aboutir. Si vous pensez qu'il s'agit d'une erreur, "
    "contactez OPCO Mobilités."
)


def is_blocked(*, email: str = "", siren: str = "") -> bool:
    checker = _hook("ACCOUNTS_BLOCKLIST_CHECKER")
    return bool(checker and checker(email=email, siren=siren))


def check_email(email: str) -> None:
    """Raise a neutral ValidationError when ``email`` or its domain is blocked."""
    if email and is_blocked(email=email):
        raise ValidationError(BLOCKED_MESSAGE, code="blocked")


def check_siren(siren_or_siret: str) -> None:
    """Raise a neutral ValidationError when the SIREN (of a SIRET) is blocked."""
    if siren_or_siret and is_blocked(siren=siren_or_siret):
        raise ValidationError(BLOCKED_MESSAGE, code="blocked")
