"""Validators of the platforms' single sign-on data (messages in French)."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from . import app_settings


def validate_initiate_login_uri(value: str) -> None:
    """OIDC Core 1.0 §4 and OIDC Registration §2: ``initiate_login_uri`` is https.

    Plain http is accepted only where ``PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED``
    says so (``DEBUG`` by default, the test settings): the demo platform runs
    on http://127.0.0.1:8001. No fragment: the account centre appends ``iss``
    (and ``target_link_uri``) to the query.
    """
    if not value:
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise ValidationError(
            _("Adresse de connexion initiée par un tiers invalide : %(uri)s") % {"uri": value},
            code="invalid",
        ) from exc
    parts = urlsplit(value)
    if parts.scheme != "https" and not app_settings.initiate_login_http_allowed():
        raise ValidationError(
            _("L'adresse de connexion initiée par un tiers doit commencer par https://."),
            code="https_required",
        )
    if parts.fragment:
        raise ValidationError(
            _("L'adresse de connexion initiée par un tiers ne doit pas contenir de fragment (#)."),
            code="fragment",
        )
