"""Password validators that Django does not ship."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Refuse passwords longer than ``max_length`` (hashing cost bound)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("Le mot de passe ne doit pas dépasser %(max)d caractères.")
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Votre mot de passe peut compter jusqu'à %(max)d caractères.") % {
            "max": self.max_length
        }
